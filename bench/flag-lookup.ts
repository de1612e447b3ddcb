/**
 * What `/flag status <unknown name>` costs Redis, by the size of the apps' keyspace: the way greenlight looks for
 * "did you mean" names now (the flag's GET + HGETALL, then SSCAN of the set of flag names) against the way it did
 * before (the same reads, then SCAN MATCH `feature:*` over the whole keyspace), in one run on one private Redis.
 */
import { Redis } from 'ioredis';
import { startPrivateRedis } from '../playground/launcher/private-redis.js';
import { redisFlagStore } from '../src/adapters/redis/flag-store.js';
import { type RedisKeys, redisKeys } from '../src/adapters/redis/keys.js';
import { type Summary, summarize } from './lib/percentiles.js';

export interface FlagLookupOptions {
  /** Unrelated keys in the keyspace, one level per entry (e.g. 1,000 and 1,000,000). */
  sizes: number[];
  /** Lookups measured per level the new way. */
  samples: number;
  /** Lookups measured per level the old way (it takes up to a second each at 1M keys). */
  oldSamples: number;
  flags: number;
  log: (line: string) => void;
}

export interface FlagLookupWay {
  /** Client-side milliseconds per lookup. */
  latency: Summary;
  /** Redis CPU per lookup (INFO commandstats `usec`, summed over every command), in milliseconds. */
  redisMsPerLookup: number;
  /** Redis commands per lookup. */
  commandsPerLookup: number;
}

export interface FlagLookupLevel {
  /** Keys of the apps' that are not flags. */
  unrelatedKeys: number;
  /** Every key in Redis: the unrelated ones, the flags, their change records, the audit stream and the set. */
  keys: number;
  flags: number;
  now: FlagLookupWay;
  before: FlagLookupWay;
  /** Redis CPU per lookup, before / now. */
  ratioRedisCpu: number;
  /** Client latency p50, before / now. */
  ratioP50: number;
}

export interface FlagLookupResult {
  samples: number;
  oldSamples: number;
  levels: FlagLookupLevel[];
  /** Redis CPU per lookup now, largest keyspace / smallest: 1 means independent of the keyspace. */
  growthNow: number;
  growthBefore: number;
}

const FLAG_PREFIX = 'feature:';
const UNKNOWN = 'scan_creatoin';

/** The pre-set lookup, kept here only to compare: SCAN of the keyspace for flag keys. */
async function scanNamesAsBefore(redis: Redis, keys: RedisKeys, limit: number): Promise<string[]> {
  const names = new Set<string>();
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', keys.flagPattern(), 'COUNT', 1_000);
    cursor = next;
    for (const key of found) {
      const name = keys.flagNameOf(key);
      if (name) names.add(name);
      if (names.size >= limit) return [...names];
    }
  } while (cursor !== '0');
  return [...names];
}

async function commandStats(redis: Redis): Promise<{ usec: number; calls: number }> {
  const info = await redis.info('commandstats');
  let usec = 0;
  let calls = 0;
  for (const match of info.matchAll(/^cmdstat_[^:]+:calls=(\d+),usec=(\d+)/gm)) {
    calls += Number(match[1]);
    usec += Number(match[2]);
  }
  return { usec, calls };
}

async function measure(
  redis: Redis,
  samples: number,
  lookup: () => Promise<unknown>,
): Promise<FlagLookupWay> {
  for (let index = 0; index < Math.min(5, samples); index += 1) await lookup();
  await redis.config('RESETSTAT');
  const latencies: number[] = [];
  for (let index = 0; index < samples; index += 1) {
    const started = performance.now();
    await lookup();
    latencies.push(performance.now() - started);
  }
  const stats = await commandStats(redis);
  // The INFO call itself is not part of a lookup; CONFIG RESETSTAT cleared everything before.
  return {
    latency: summarize(latencies),
    redisMsPerLookup: Math.round((stats.usec / samples / 1_000) * 10_000) / 10_000,
    commandsPerLookup: Math.round(((stats.calls - 1) / samples) * 100) / 100,
  };
}

async function fill(redis: Redis, count: number): Promise<void> {
  const batch = 10_000;
  for (let start = 0; start < count; start += batch) {
    const pipeline = redis.pipeline();
    for (let index = start; index < Math.min(count, start + batch); index += 1)
      pipeline.set(`app:cache:${index}`, '1');
    await pipeline.exec();
  }
}

export async function runFlagLookup(options: FlagLookupOptions): Promise<FlagLookupResult> {
  const server = await startPrivateRedis();
  const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  const keys = redisKeys('greenlight:', FLAG_PREFIX);
  const store = redisFlagStore(redis, keys, 'greenlight:flags');
  const levels: FlagLookupLevel[] = [];
  try {
    for (const size of options.sizes) {
      await redis.flushall();
      await fill(redis, size);
      for (let index = 0; index < options.flags; index += 1) {
        await store.write({
          name: `flag_${index}`,
          value: 'true',
          changeId: `c${index}`,
          by: 'U0BENCH',
          reason: 'bench',
          at: new Date().toISOString(),
          source: 'slack',
        });
      }
      const now = await measure(redis, options.samples, async () => {
        await store.read(UNKNOWN);
        return store.names(1_000);
      });
      const before = await measure(redis, options.oldSamples, async () => {
        await store.read(UNKNOWN);
        return scanNamesAsBefore(redis, keys, 1_000);
      });
      const level: FlagLookupLevel = {
        unrelatedKeys: size,
        keys: await redis.dbsize(),
        flags: options.flags,
        now,
        before,
        ratioRedisCpu: Math.round((before.redisMsPerLookup / now.redisMsPerLookup) * 10) / 10,
        ratioP50: Math.round((before.latency.p50 / now.latency.p50) * 10) / 10,
      };
      levels.push(level);
      options.log(
        `flag lookup among ${size} unrelated keys: now ${now.redisMsPerLookup} ms Redis CPU (p50 ${now.latency.p50} ms), before ${before.redisMsPerLookup} ms (p50 ${before.latency.p50} ms): ×${level.ratioRedisCpu}`,
      );
    }
  } finally {
    redis.disconnect();
    await server.stop();
  }
  const first = levels[0];
  const last = levels.at(-1);
  const growth = (way: 'now' | 'before') =>
    first && last ? Math.round((last[way].redisMsPerLookup / first[way].redisMsPerLookup) * 100) / 100 : 1;
  return {
    samples: options.samples,
    oldSamples: options.oldSamples,
    levels,
    growthNow: growth('now'),
    growthBefore: growth('before'),
  };
}
