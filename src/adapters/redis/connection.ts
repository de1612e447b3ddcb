import { Redis, type RedisOptions } from 'ioredis';

/**
 * Where to connect, as the factory needs it (the config's `RedisTarget` has this shape; adapters import no config):
 * one server by URL, or the primary a set of sentinels names; TLS when `tls` is set, trusting `tls.ca` if given.
 */
export type RedisTarget =
  | { kind: 'server'; url: string; tls?: { ca?: string } }
  | {
      kind: 'sentinel';
      sentinels: { host: string; port: number }[];
      name: string;
      sentinelPassword?: string;
      username?: string;
      password?: string;
      db: number;
      tls?: { ca?: string };
    };

/** Reconnects forever, backing off 200 ms per attempt up to 2 s, so Redis is found within 2 s of coming back. */
const reconnectDelay = (attempt: number) => Math.min(attempt * 200, 2_000);

/**
 * The one place connections are made (commands, BullMQ's queues and workers, which duplicate theirs): one server,
 * or the primary Sentinel names, over TLS when the target says so. With Sentinel, ioredis asks the sentinels for
 * the primary on every (re)connect and checks the node it reached is the primary, so a failover looks like a short
 * Redis outage to the rest of greenlight.
 */
export function redisConnection(target: RedisTarget, options: RedisOptions): Redis {
  const tls = target.tls ? { tls: target.tls.ca ? { ca: target.tls.ca } : {} } : {};
  if (target.kind === 'server') return new Redis(target.url, { ...options, ...tls });
  return new Redis({
    ...options,
    sentinels: target.sentinels,
    name: target.name,
    db: target.db,
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password } : {}),
    ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
    ...(target.tls ? { ...tls, enableTLSForSentinelMode: true, sentinelTLS: tls.tls } : {}),
    // Not ioredis's `failoverDetector`: in ioredis 6, a `+switch-master` that arrives while a connection is still
    // looking for the primary ends that connection for good (seen in test/e2e/redis-sentinel.test.ts under load).
    // A failover is found instead when the old primary's connection drops, or when it answers READONLY.
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
    // The sentinels themselves: tried in turn, each within the connect timeout, then again after a short wait.
    sentinelRetryStrategy: reconnectDelay,
  });
}

/**
 * A connection for request/response work. Commands fail at once while Redis is down (no offline queue, one retry)
 * so a user hears "Redis is unreachable" within a second instead of a Slack timeout.
 */
export function connectRedis(target: RedisTarget, name: string, onError: (error: Error) => void): Redis {
  const redis = redisConnection(target, {
    connectionName: name,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
    retryStrategy: reconnectDelay,
  });
  redis.on('error', onError);
  return redis;
}

/**
 * A connection as BullMQ needs it (its workers duplicate it for their blocking commands): no per-request retry limit
 * (`maxRetriesPerRequest: null`, which BullMQ requires), retried forever while Redis comes back or fails over.
 */
export function connectRedisForQueue(
  target: RedisTarget,
  name: string,
  onError: (error: Error) => void,
): Redis {
  const redis = redisConnection(target, {
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
