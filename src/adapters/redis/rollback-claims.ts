import type { Redis } from 'ioredis';
import type { RollbackClaims } from '../../services/deploy/ports.js';
import type { RedisKeys } from './keys.js';
import { luaCommand } from './lua-script.js';

/** A claim outlives any real rollback; it only guards against one left behind by a lost finalize. */
const ROLLBACK_CLAIM_SECONDS = 3_600;

/** One key per environment and service holding the id of the `/rollback` under way there. */
export function redisRollbackClaims(redis: Redis, keys: RedisKeys): RollbackClaims {
  const releaseLock = luaCommand<number>(redis, 'release-lock', 1);
  return {
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
