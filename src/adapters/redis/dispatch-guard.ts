import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.js';
import { luaCommand } from './lua-script.js';

const ATTEMPT_TTL_SECONDS = 30 * 24 * 3_600;

/**
 * Makes a workflow dispatch happen once, whatever crashes or replicas do: one process at a time may dispatch a
 * given correlation id (a lock that expires if it dies), and a mark set before the request tells any later
 * process to look for the run on GitHub instead of dispatching again.
 */
export interface DispatchGuard {
  /** The holder's release function, or undefined when another process holds the lock. */
  acquire(correlationId: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
  /** True if a dispatch was (maybe) sent before; marks it as sent either way. */
  markAttempt(correlationId: string): Promise<boolean>;
  /** Remembers which deployment a run belongs to, for webhooks. */
  rememberRun(runId: number, deploymentId: string): Promise<void>;
  ownerOfRun(runId: number): Promise<string | undefined>;
  /** The ETag of the last answer about a run, for a conditional (free) poll. */
  etagOf(runId: number): Promise<string | undefined>;
  saveEtag(runId: number, etag: string): Promise<void>;
}

export function redisDispatchGuard(redis: Redis, keys: RedisKeys): DispatchGuard {
  const releaseLock = luaCommand<number>(redis, 'release-lock', 1);
  return {
    async acquire(correlationId, ttlMs) {
      const token = randomUUID();
      const key = keys.dispatchLock(correlationId);
      const acquired = await redis.set(key, token, 'PX', ttlMs, 'NX');
      if (acquired !== 'OK') return undefined;
      return async () => {
        await releaseLock(key, token);
      };
    },
    async markAttempt(correlationId) {
      const set = await redis.set(
        keys.dispatchAttempted(correlationId),
        '1',
        'EX',
        ATTEMPT_TTL_SECONDS,
        'NX',
      );
      return set !== 'OK';
    },
    async rememberRun(runId, deploymentId) {
      await redis.set(keys.runOwner(runId), deploymentId, 'EX', ATTEMPT_TTL_SECONDS);
    },
    async ownerOfRun(runId) {
      return (await redis.get(keys.runOwner(runId))) ?? undefined;
    },
    async etagOf(runId) {
      return (await redis.get(`${keys.runOwner(runId)}:etag`)) ?? undefined;
    },
    async saveEtag(runId, etag) {
      await redis.set(`${keys.runOwner(runId)}:etag`, etag, 'EX', ATTEMPT_TTL_SECONDS);
    },
  };
}
