import { Redis, type RedisOptions } from 'ioredis';

/** Reconnects forever, backing off 200 ms per attempt up to 2 s, so Redis is found within 2 s of coming back. */
const reconnectDelay = (attempt: number) => Math.min(attempt * 200, 2_000);

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
    retryStrategy: reconnectDelay,
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
    retryStrategy: reconnectDelay,
  });
  redis.on('error', onError);
  return redis;
}

/**
 * Resolves true once the connection is ready, false at its first failed attempt (or after `timeoutMs` without an
 * answer): start-up waits for a Redis that answers, never for one that refuses, so the bot listens at once and
 * says "not ready" while the connection keeps retrying.
 */
export function waitUntilReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const settle = (ready: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      resolve(ready);
    };
    const onReady = () => settle(true);
    const onError = () => settle(false);
    const timer = setTimeout(() => settle(false), timeoutMs);
    redis.once('ready', onReady);
    redis.once('error', onError);
  });
}
