import type { Redis } from 'ioredis';
import type { HomeViewers } from '../../services/ports.js';
import type { RedisKeys } from './keys.js';

/** The most viewers kept; older ones drop off, so a change re-publishes a bounded number of tabs. */
export const HOME_VIEWERS_KEPT = 25;

/** One sorted set, users scored by when they last opened the Home tab, trimmed to the latest `kept`. */
export function redisHomeViewers(redis: Redis, keys: RedisKeys, kept = HOME_VIEWERS_KEPT): HomeViewers {
  const key = keys.homeViewers();
  return {
    async seen(user, at) {
      await redis
        .multi()
        .zadd(key, at, user)
        .zremrangebyrank(key, 0, -(kept + 1))
        .exec();
    },
    async recent(since) {
      return redis.zrevrangebyscore(key, '+inf', since, 'LIMIT', 0, kept);
    },
  };
}
