import type { Redis } from 'ioredis';
import type { DeploymentNames } from '../../services/deploy/ports.js';
import type { RedisKeys } from './keys.js';
import { luaCommand } from './lua-script.js';

/** A counter per environment and one hash of names, both under greenlight's prefix; the number and name in one script. */
export function redisDeploymentNames(redis: Redis, keys: RedisKeys): DeploymentNames {
  const assign = luaCommand<number>(redis, 'assign-deployment-number', 2);
  return {
    assign: async (env, id) => Number(await assign(keys.deploymentSeq(env), keys.deploymentNames(), env, id)),
    async idOf(name) {
      return (await redis.hget(keys.deploymentNames(), name.toLowerCase())) ?? undefined;
    },
  };
}
