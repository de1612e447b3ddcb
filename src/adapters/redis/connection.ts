import { Redis, type RedisOptions } from 'ioredis';

/**
 * A connection for request/response work. Commands fail at once while Redis is down (no offline queue, one retry)
 * so a user hears "Redis is unreachable" within a second instead of a Slack timeout.
 */
export function connectRedis(url: string, name: string, onError: (error: Error) => void): Redis {
  const options: RedisOptions = {
    connectionName: name,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  };
  const redis = new Redis(url, options);
  redis.on('error', onError);
  return redis;
}

/** A connection as BullMQ workers need it: blocking commands, retried forever while Redis comes back. */
export function connectRedisForQueue(url: string, name: string, onError: (error: Error) => void): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  redis.on('error', onError);
  return redis;
}

/** Resolves true once the connection is ready, or false after `timeoutMs` (the bot then starts not-ready). */
export function waitUntilReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    redis.once('ready', onReady);
  });
}
