import type { Redis } from 'ioredis';
import type { SourceMetrics } from '../../domain/analysis/reading.js';
import type { MetricSource } from '../../services/deploy/ports.js';

export interface RedisCountersOptions {
  /** Put before `errors:`, `requests:` and `perf:` when the apps namespace their keys. */
  keyPrefix: string;
  /** The `perf:<endpoint>` sorted sets to pool request durations from, e.g. `GET:/api/scans`. */
  endpoints: readonly string[];
  /** Fewer durations than this in a reading give no p95. */
  minSamples: number;
  /** A reading still waiting on Redis after this long gives noData (the connection may be retrying). */
  timeoutMs?: number;
}

const HOUR_MS = 3_600_000;
/** Without a previous reading there is no "since": the last minute gives the p95 to compare the canary with. */
const FIRST_WINDOW_MS = 60_000;

/**
 * Canary metrics from the counters the apps already write (runbook "Monitoring & Auto-Rollback"): INCR'ed
 * `errors:<hour>` and `requests:<hour>` with `<hour>` the UTC ISO hour (`2026-11-22T06`), and `perf:<endpoint>`
 * sorted sets scored by request time, members `{"duration": ms, "timestamp": ms}`.
 *
 * Counters only grow, so a rate needs two readings: the cursor keeps the values of the current and previous hour
 * counters, and the next reading reports the growth since. A counter that shrank (expired, reset) or an hour the
 * cursor has not seen counts from 0. Never rejects; a failed read returns the cursor it was given, so the next
 * reading still measures from the last good one. The connection is borrowed: close() leaves it open.
 */
export function redisCountersSource(redis: Redis, options: RedisCountersOptions): MetricSource {
  const { keyPrefix, endpoints, minSamples } = options;
  const timeoutMs = options.timeoutMs ?? 2_000;

  return {
    async read({ now, cursor }) {
      const first = cursor === undefined || Object.keys(cursor.counters).length === 0;
      const hours = [hourOf(now - HOUR_MS), hourOf(now)];
      const keys = hours.flatMap((hour) => [`${keyPrefix}errors:${hour}`, `${keyPrefix}requests:${hour}`]);
      const from = first ? `${now - FIRST_WINDOW_MS}` : `(${cursor.at}`;
      let counters: Record<string, number>;
      let durations: number[];
      try {
        const answer = await withTimeout(readAll(redis, keys, endpoints, keyPrefix, from, now), timeoutMs);
        counters = answer.counters;
        durations = answer.durations;
      } catch (error) {
        return {
          metrics: { noData: `Redis counters unreadable: ${shortMessage(error)}` },
          cursor: cursor ?? { at: now, counters: {} },
        };
      }
      const metrics: SourceMetrics = {};
      const p95Ms = percentile95(durations, minSamples);
      if (p95Ms !== undefined) metrics.p95Ms = p95Ms;
      const next = { at: now, counters };
      if (first) {
        metrics.noData = 'first reading: counters recorded, rates start with the next reading';
        return { metrics, cursor: next };
      }
      let errors = 0;
      let requests = 0;
      for (const hour of hours) {
        errors += growth(counters, cursor.counters, `${keyPrefix}errors:${hour}`);
        requests += growth(counters, cursor.counters, `${keyPrefix}requests:${hour}`);
      }
      if (requests === 0) {
        metrics.noData = 'no requests since the last reading';
      } else {
        // Apps count an error and its request separately, so a reading can catch the error first.
        metrics.errorRate = Math.min(1, errors / requests);
        metrics.requests = requests;
      }
      return { metrics, cursor: next };
    },
    async close() {},
  };
}

/** One round trip: the four hour counters and every endpoint's durations in the window. */
async function readAll(
  redis: Redis,
  keys: readonly string[],
  endpoints: readonly string[],
  keyPrefix: string,
  from: string,
  now: number,
): Promise<{ counters: Record<string, number>; durations: number[] }> {
  const pipeline = redis.pipeline().mget(...keys);
  for (const endpoint of endpoints) pipeline.zrangebyscore(`${keyPrefix}perf:${endpoint}`, from, now);
  const replies = (await pipeline.exec()) ?? [];
  const results = replies.map(([error, result]) => {
    if (error) throw error;
    return result;
  });
  const values = results[0] as (string | null)[];
  const counters: Record<string, number> = {};
  for (const [index, key] of keys.entries()) {
    const raw = values[index] ?? null;
    const count = raw === null ? 0 : Number(raw);
    if (!Number.isSafeInteger(count) || count < 0) throw new Error(`${key} holds "${raw}", not a count`);
    counters[key] = count;
  }
  const durations = (results.slice(1) as string[][]).flat().flatMap((member) => {
    const duration = durationOf(member);
    return duration === undefined ? [] : [duration];
  });
  return { counters, durations };
}

/** A perf member's duration, or undefined for one that is not the apps' `{"duration": ms, ...}` JSON. */
function durationOf(member: string): number | undefined {
  try {
    const parsed: unknown = JSON.parse(member);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { duration } = parsed as { duration?: unknown };
    return typeof duration === 'number' && Number.isFinite(duration) && duration >= 0 ? duration : undefined;
  } catch {
    return undefined;
  }
}

/** The runbook's p95 (`sorted[floor(n * 0.95)]`, kept inside the list), so greenlight and the apps agree. */
function percentile95(durations: number[], minSamples: number): number | undefined {
  if (durations.length === 0 || durations.length < minSamples) return undefined;
  const sorted = durations.sort((a, b) => a - b);
  return sorted[Math.min(Math.floor(sorted.length * 0.95), sorted.length - 1)];
}

function growth(now: Record<string, number>, before: Record<string, number>, key: string): number {
  const current = now[key] ?? 0;
  const previous = before[key] ?? 0;
  return current >= previous ? current - previous : current;
}

/** The apps' hour bucket: `new Date().toISOString().slice(0, 13)`, i.e. UTC. */
function hourOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function shortMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 120 ? `${message.slice(0, 119)}…` : message;
}
