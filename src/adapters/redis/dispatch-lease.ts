import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { DispatchLease } from '../../services/deploy/ports.js';
import type { RedisKeys } from './keys.js';
import { luaCommand } from './lua-script.js';

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
 * One process at a time, whatever crashes or replicas do: a Redis key holding the holder's random token, set
 * with a short time to live that the live holder renews, so the lease of a process that died lapses within
 * seconds while a slow dispatch keeps its lease for as long as it asked.
 */
export function redisDispatchLease(
  redis: Redis,
  keys: RedisKeys,
  options: { leaseMs?: number } = {},
): DispatchLease {
  const releaseLock = luaCommand<number>(redis, 'release-lock', 1);
  return {
    async acquire(name, ttlMs) {
      const token = randomUUID();
      const key = keys.dispatchLock(name);
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
  };
}
