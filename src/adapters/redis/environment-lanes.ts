import type { Redis } from 'ioredis';
import type { EnvironmentLanes, EnvironmentLock } from '../../services/deploy/ports.js';
import type { RedisKeys } from './keys.js';
import { luaCommand } from './lua-script.js';

export function redisEnvironmentLanes(redis: Redis, keys: RedisKeys): EnvironmentLanes {
  const claimEnvironment = luaCommand<[string, number?, string?]>(redis, 'claim-environment', 2);
  const releaseEnvironment = luaCommand<[string, string?]>(redis, 'release-environment', 2);
  const lockEnvironment = luaCommand<number>(redis, 'lock-environment', 1);
  const lockOf = async (env: string): Promise<EnvironmentLock | undefined> => {
    const fields = await redis.hgetall(keys.envLock(env));
    if (!fields.by) return undefined;
    return {
      by: fields.by,
      reason: fields.reason ?? '',
      at: fields.at ?? '',
      ...(fields.until ? { until: fields.until } : {}),
    };
  };
  return {
    async claim(env, deploymentId) {
      const [status, position, holder] = await claimEnvironment(
        keys.activeDeployment(env),
        keys.deployQueue(env),
        deploymentId,
      );
      return status === 'active'
        ? { status }
        : { status: 'queued', position: Number(position), holder: String(holder) };
    },
    async release(env, deploymentId) {
      const [status, next] = await releaseEnvironment(
        keys.activeDeployment(env),
        keys.deployQueue(env),
        deploymentId,
      );
      if (status === 'promoted' && next) return { status, next };
      return status === 'released' ? { status } : { status: 'not-holder' };
    },
    async leaveQueue(env, deploymentId) {
      return (await redis.lrem(keys.deployQueue(env), 0, deploymentId)) > 0;
    },
    async queue(env) {
      const [active, waiting] = await Promise.all([
        redis.get(keys.activeDeployment(env)),
        redis.lrange(keys.deployQueue(env), 0, -1),
      ]);
      return { ...(active ? { active } : {}), waiting };
    },
    async lock(env, lock, ttlMs) {
      const locked = await lockEnvironment(
        keys.envLock(env),
        lock.by,
        lock.reason,
        lock.at,
        lock.until ?? '',
        ttlMs ?? 0,
      );
      return locked === 1 ? { locked: true, lock } : { locked: false, lock: (await lockOf(env)) ?? lock };
    },
    async unlock(env) {
      const previous = await lockOf(env);
      await redis.del(keys.envLock(env));
      return previous;
    },
    lockOf,
    async track(deploymentId) {
      await redis.sadd(keys.activeDeployments(), deploymentId);
    },
    async untrack(deploymentId) {
      await redis.srem(keys.activeDeployments(), deploymentId);
    },
    tracked: () => redis.smembers(keys.activeDeployments()),
  };
}
