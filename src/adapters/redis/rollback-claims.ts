import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { RollbackClaims } from '../../services/deploy/ports.js';
import type { RedisKeys } from './keys.js';
import { luaCommand } from './lua-script.js';

/** A claim outlives any real rollback; it only guards against one left behind by a lost finalize. */
const ROLLBACK_CLAIM_SECONDS = 3_600;

/**
 * One key per environment and service holding the id of the rollback under way there: a `/rollback`'s, or a
 * rollout's rolling itself back. A rollback touching several services claims them in one script, all or none.
 */
export function redisRollbackClaims(redis: Redis, keys: RedisKeys): RollbackClaims {
  const releaseLock = luaCommand<number>(redis, 'release-lock', 1);
  return {
    async claimRollback(env, services, id) {
      if (services.length === 0) return undefined;
      const claimKeys = services.map((service) => keys.rollbackClaim(env, service));
      // The key count varies, so the script is sent with EVAL's own key count rather than a defined command.
      const holder = await redis.eval(
        claimScript(),
        claimKeys.length,
        ...claimKeys,
        id,
        ROLLBACK_CLAIM_SECONDS,
      );
      return typeof holder === 'string' ? holder : undefined;
    },
    async rollbackHolder(env, service) {
      return (await redis.get(keys.rollbackClaim(env, service))) ?? undefined;
    },
    async releaseRollback(env, services, id) {
      for (const service of services) await releaseLock(keys.rollbackClaim(env, service), id);
    },
  };
}

let script: string | undefined;
function claimScript(): string {
  script ??= readFileSync(new URL('./lua/claim-rollback.lua', import.meta.url), 'utf8');
  return script;
}
