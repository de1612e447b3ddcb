import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.js';
import { luaCommand } from './lua-script.js';

const ATTEMPT_TTL_SECONDS = 30 * 24 * 3_600;
/** A dead holder's lock lapses within this long; a live holder renews it every third of it. */
const DEFAULT_LEASE_MS = 10_000;

/**
 * Extends a lock only for the process that holds it (its random token), like BullMQ's extendLock.
 *   KEYS[1] lock key
 *   ARGV[1] holder's token
 *   ARGV[2] new time to live, ms
 * Returns 1 when extended, 0 when the lock was not (or no longer) this holder's.
 */
const EXTEND_LOCK = `if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`;

/**
 * Makes a workflow dispatch happen once, whatever crashes or replicas do: one process at a time may dispatch a
 * given correlation id (a lock that expires if it dies), and a mark set before the request tells any later
 * process to look for the run on GitHub instead of dispatching again.
 */
export interface DispatchGuard {
  /**
   * The holder's release function, or undefined when another process holds the lock. The holder keeps it for
   * up to `ttlMs` by renewing a short lease, so the lock of a process that died lapses within seconds.
   */
  acquire(correlationId: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
  /** True if a dispatch was (maybe) sent before; marks it as sent either way. */
  markAttempt(correlationId: string): Promise<boolean>;
  /** Remembers which deployment a run belongs to, for webhooks. */
  rememberRun(runId: number, deploymentId: string): Promise<void>;
  ownerOfRun(runId: number): Promise<string | undefined>;
  /** The ETag of the last answer about a run, for a conditional (free) poll. */
  etagOf(runId: number): Promise<string | undefined>;
  saveEtag(runId: number, etag: string): Promise<void>;
  /** Claims the one `/rollback` of a service in an environment; answers the id already holding it, if any. */
  claimRollback(env: string, service: string, id: string): Promise<string | undefined>;
  rollbackHolder(env: string, service: string): Promise<string | undefined>;
  /** Frees the claim, only if `id` still holds it. */
  releaseRollback(env: string, service: string, id: string): Promise<void>;
}

/** A claim outlives any real rollback; it only guards against one left behind by a lost finalize. */
const ROLLBACK_CLAIM_SECONDS = 3_600;

export function redisDispatchGuard(
  redis: Redis,
  keys: RedisKeys,
  options: { leaseMs?: number } = {},
): DispatchGuard {
  const releaseLock = luaCommand<number>(redis, 'release-lock', 1);
  return {
    async acquire(correlationId, ttlMs) {
      const token = randomUUID();
      const key = keys.dispatchLock(correlationId);
      const lease = Math.min(ttlMs, options.leaseMs ?? DEFAULT_LEASE_MS);
      const acquired = await redis.set(key, token, 'PX', lease, 'NX');
      if (acquired !== 'OK') return undefined;
      const until = Date.now() + ttlMs;
      const renewal = setInterval(() => {
        const left = Math.min(lease, until - Date.now());
        if (left <= 0) return clearInterval(renewal);
        // A failed renewal only shortens the hold: the attempt mark still makes the next holder look first.
        redis.eval(EXTEND_LOCK, 1, key, token, left).catch(() => {});
      }, lease / 3);
      renewal.unref();
      return async () => {
        clearInterval(renewal);
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
    async claimRollback(env, service, id) {
      const key = keys.rollbackClaim(env, service);
      const claimed = await redis.set(key, id, 'EX', ROLLBACK_CLAIM_SECONDS, 'NX');
      return claimed === 'OK' ? undefined : ((await redis.get(key)) ?? undefined);
    },
    async rollbackHolder(env, service) {
      return (await redis.get(keys.rollbackClaim(env, service))) ?? undefined;
    },
    async releaseRollback(env, service, id) {
      await releaseLock(keys.rollbackClaim(env, service), id);
    },
  };
}
