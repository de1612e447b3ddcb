import { Redis, type RedisOptions } from 'ioredis';
import {
  DEFAULT_FLAG_CHANNEL,
  DEFAULT_FLAG_PREFIX,
  type FlagChangeEvent,
  flagChangeEventSchema,
} from '../domain/flags/flag-change-event.js';
import { readsAsEnabled } from '../domain/flags/flag-state.js';

export type { FlagChangeEvent } from '../domain/flags/flag-change-event.js';
export { DEFAULT_FLAG_CHANNEL, DEFAULT_FLAG_PREFIX } from '../domain/flags/flag-change-event.js';

export interface FlagClientOptions {
  /**
   * An ioredis connection to use for GETs; the client duplicates it for its subscriber and never closes it.
   * Either this or `url`. Its `keyPrefix`, if any, applies to the flag keys too.
   */
  redis?: Redis;
  /** Where to connect when no `redis` is given; the client then owns (and closes) both its connections. */
  url?: string;
  /** Must equal greenlight's flag prefix. Default `feature:`. */
  prefix?: string;
  /** Must equal greenlight's flags channel. Default `greenlight:flags`. */
  channel?: string;
  /** Per-flag value when Redis cannot answer and nothing was ever read. */
  defaults?: Record<string, boolean>;
  /** For flags not in `defaults`; default false (the runbooks' apps treat unknown as off). */
  fallback?: boolean;
  /** Safety-net re-read of cached values, for writes that bypass greenlight (redis-cli SET); default 60_000; 0 disables. */
  refreshMs?: number;
  /** A read slower than this counts as "Redis down"; default 250. */
  timeoutMs?: number;
  /** Shown in CLIENT LIST: `<name>` for a GET connection the client creates, `<name>:subscriber` for its subscriber. */
  name?: string;
  /**
   * Told about connection errors, failed or slow reads, malformed change events and listeners that threw. The client
   * keeps answering from its cache and defaults either way, so this is for logging only. Default: ignore.
   */
  onError?: (error: Error) => void;
}

/** Where an answer came from, so an OpenFeature provider (or a log line) can say how much to trust it. */
export type FlagSource =
  /** The cache, kept current by change events while subscribed. */
  | 'cache'
  /** A GET that just answered. */
  | 'redis'
  /** Redis could not answer; the last value this client ever saw, possibly out of date. */
  | 'last-known'
  /** Redis could not answer and nothing was ever seen: `defaults[name] ?? fallback`. */
  | 'default';

export interface FlagEvaluation {
  value: boolean;
  source: FlagSource;
}

export interface FlagClient {
  /** Cached after the first read; updated the instant a change event arrives (no TTL wait). Never throws. */
  isEnabled(name: string, fallback?: boolean): Promise<boolean>;
  /** Like `isEnabled`, and says where the value came from. Never throws. */
  evaluate(name: string, fallback?: boolean): Promise<FlagEvaluation>;
  /** Synchronous read of the cache only (undefined when never read, or since the subscriber reconnected). */
  peek(name: string): boolean | undefined;
  /**
   * Called for every change event on the channel, and for a change the refresh finds without one (then `by` is
   * `redis` and `reason` says so). Returns the function that removes the listener.
   */
  onChange(listener: (event: FlagChangeEvent) => void): () => void;
  /** Resolves once subscribed to the channel; rejects if the client is closed first. */
  ready(): Promise<void>;
  /** Stops the refresh and quits the connections the client created; a `redis` passed in stays open. */
  close(): Promise<void>;
}

const DEFAULT_REFRESH_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 250;
const DEFAULT_NAME = 'greenlight-flags';
/** The `by` of a change the refresh found without an event: nobody in greenlight made it. */
export const REFRESH_CHANGE_BY = 'redis';

/**
 * A flag reader for apps: one GET per flag, then answers from memory, invalidated the instant greenlight publishes
 * a change. It never throws and never waits longer than `timeoutMs`: with Redis down it answers with the last value
 * it saw, else `defaults[name] ?? fallback ?? false`.
 *
 * The cache is trusted only while the subscription is live: a read that started before (or spans) a resubscription
 * is returned but not cached, and a dropped subscriber clears the cache, since events may have been missed.
 */
export function createFlagClient(options: FlagClientOptions): FlagClient {
  if (!options.redis && !options.url) {
    throw new Error('createFlagClient needs `redis` (an ioredis connection) or `url` (redis://host:port/db)');
  }
  const prefix = options.prefix ?? DEFAULT_FLAG_PREFIX;
  const channel = options.channel ?? DEFAULT_FLAG_CHANNEL;
  const defaults = new Map(Object.entries(options.defaults ?? {}));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
  const name = options.name ?? DEFAULT_NAME;
  const report = options.onError ?? (() => {});
  const reconnect = (attempt: number) => Math.min(attempt * 100, 2_000);

  const ownsCommand = !options.redis;
  const command =
    options.redis ??
    new Redis(options.url as string, {
      connectionName: name,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      retryStrategy: reconnect,
    });
  if (ownsCommand) command.on('error', report);

  // Subscribes itself on every 'ready', so the cache can be cleared exactly when the subscription is lost and
  // trusted again only once it is confirmed; an app's retryStrategy or lazyConnect must not leave it offline.
  const subscriberOptions: Partial<RedisOptions> = {
    connectionName: `${name}:subscriber`,
    lazyConnect: false,
    autoResubscribe: false,
    enableOfflineQueue: false,
    retryStrategy: reconnect,
  };
  const subscriber = command.duplicate(subscriberOptions);
  subscriber.on('error', report);

  /** Values trusted because an event would have updated them. */
  const cache = new Map<string, boolean>();
  /** Every value ever seen, kept across reconnects: better than a static default while Redis is down. */
  const lastKnown = new Map<string, boolean>();
  const inflight = new Map<string, Promise<FlagEvaluation | undefined>>();
  const listeners = new Set<(event: FlagChangeEvent) => void>();
  let subscribed = false;
  /** Bumped on every subscribe and every loss, so a read can tell whether it spanned one. */
  let subscription = 0;
  /** Bumped on every event, so a refresh that raced one is discarded rather than overwrite it. */
  let eventCount = 0;
  let refreshing = false;
  let closed = false;

  let resolveReady!: () => void;
  let rejectReady!: (error: Error) => void;
  const readyPromise = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // Nobody has to call ready(): a close before subscribing must not become an unhandled rejection.
  readyPromise.catch(() => {});

  const keyOf = (flag: string) => `${prefix}${flag}`;

  function notify(event: FlagChangeEvent): void {
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        report(asError(error, `flag change listener threw on ${event.flag}`));
      }
    }
  }

  function learn(flag: string, enabled: boolean): void {
    cache.set(flag, enabled);
    lastKnown.set(flag, enabled);
  }

  subscriber.on('ready', () => {
    subscriber.subscribe(channel).then(
      () => {
        if (closed) return;
        subscription += 1;
        subscribed = true;
        resolveReady();
      },
      (error: unknown) => report(asError(error, `could not subscribe to ${channel}`)),
    );
  });

  subscriber.on('close', () => {
    if (!subscribed) return;
    subscribed = false;
    subscription += 1;
    cache.clear();
  });

  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel || closed) return;
    const event = parseEvent(message);
    if (!event) {
      report(new Error(`ignored a malformed flag change event on ${channel}: ${message.slice(0, 200)}`));
      return;
    }
    eventCount += 1;
    learn(event.flag, event.enabled);
    notify(event);
  });

  async function get(flag: string): Promise<FlagEvaluation | undefined> {
    const startedIn = subscribed ? subscription : -1;
    try {
      await untilConnected(command);
      const enabled = readsAsEnabled(await command.get(keyOf(flag)));
      // An event that arrived meanwhile is at least as new as this reply.
      const fresh = cache.get(flag);
      if (fresh !== undefined) return { value: fresh, source: 'cache' };
      lastKnown.set(flag, enabled);
      if (startedIn === subscription && subscribed && !closed) cache.set(flag, enabled);
      return { value: enabled, source: 'redis' };
    } catch (error) {
      report(asError(error, `could not read flag ${flag}`));
      return undefined;
    }
  }

  function read(flag: string): Promise<FlagEvaluation | undefined> {
    let pending = inflight.get(flag);
    if (!pending) {
      pending = get(flag).finally(() => inflight.delete(flag));
      inflight.set(flag, pending);
    }
    return pending;
  }

  async function refresh(): Promise<void> {
    if (refreshing || closed || !subscribed || cache.size === 0) return;
    refreshing = true;
    const names = [...cache.keys()];
    const startedIn = subscription;
    const eventsBefore = eventCount;
    try {
      const raws = await command.mget(...names.map(keyOf));
      if (closed || startedIn !== subscription || eventsBefore !== eventCount) return;
      names.forEach((flag, index) => {
        const enabled = readsAsEnabled(raws[index] ?? null);
        const cached = cache.get(flag);
        if (cached === undefined || cached === enabled) return;
        learn(flag, enabled);
        notify({
          flag,
          enabled,
          by: REFRESH_CHANGE_BY,
          reason: 'changed in Redis without a change event (found by the refresh)',
          at: new Date().toISOString(),
        });
      });
    } catch (error) {
      report(asError(error, 'could not refresh flags'));
    } finally {
      refreshing = false;
    }
  }

  const timer = refreshMs > 0 ? setInterval(() => void refresh(), refreshMs) : undefined;
  timer?.unref();

  async function evaluate(flag: string, fallback?: boolean): Promise<FlagEvaluation> {
    const cached = cache.get(flag);
    if (cached !== undefined) return { value: cached, source: 'cache' };
    if (!closed) {
      const answer = await withTimeout(read(flag), timeoutMs);
      if (answer) return answer;
      if (answer === null) report(new Error(`reading flag ${flag} took longer than ${timeoutMs}ms`));
    }
    const known = lastKnown.get(flag);
    if (known !== undefined) return { value: known, source: 'last-known' };
    return { value: defaults.get(flag) ?? fallback ?? options.fallback ?? false, source: 'default' };
  }

  return {
    evaluate,
    async isEnabled(flag, fallback) {
      return (await evaluate(flag, fallback)).value;
    },
    peek: (flag) => cache.get(flag),
    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    ready: () => readyPromise,
    async close() {
      if (closed) return;
      closed = true;
      subscribed = false;
      if (timer) clearInterval(timer);
      cache.clear();
      listeners.clear();
      rejectReady(new Error('the flag client was closed before it subscribed'));
      await Promise.all([shutdown(subscriber), ownsCommand ? shutdown(command) : Promise.resolve()]);
    },
  };
}

function parseEvent(message: string): FlagChangeEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return undefined;
  }
  const parsed = flagChangeEventSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** Waits out a connect in progress (a read right after start-up should not get the default); fails fast otherwise. */
function untilConnected(redis: Redis): Promise<void> {
  if (redis.status !== 'connecting' && redis.status !== 'connect') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      redis.off('ready', done);
      redis.off('close', done);
      redis.off('end', done);
      resolve();
    };
    redis.on('ready', done);
    redis.on('close', done);
    redis.on('end', done);
  });
}

/** The promise's value, or null once `ms` have passed. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** QUIT when connected; otherwise stop reconnecting at once (a QUIT would wait for a Redis that is not there). */
async function shutdown(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}

function asError(error: unknown, context: string): Error {
  const cause = error instanceof Error ? error : new Error(String(error));
  return new Error(`${context}: ${cause.message}`, { cause });
}
