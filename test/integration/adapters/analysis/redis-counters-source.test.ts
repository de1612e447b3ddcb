import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type RedisCountersOptions,
  redisCountersSource,
} from '../../../../src/adapters/analysis/redis-counters-source.js';
import type { SourceCursor } from '../../../../src/domain/analysis/reading.js';
import type { MetricSource } from '../../../../src/services/deploy/ports.js';
import { startRedisProxy } from '../../../helpers/net.js';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../../../helpers/redis.js';

const at = (iso: string) => Date.parse(iso);

describe('redis counters source', () => {
  let prefix: string;
  let redis: Redis;
  const cleanups: (() => unknown)[] = [];
  beforeEach(() => {
    prefix = uniquePrefix('counters');
    redis = testRedis();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });
  const source = (options: Partial<RedisCountersOptions> = {}, connection: Redis = redis): MetricSource =>
    redisCountersSource(connection, { keyPrefix: prefix, endpoints: [], minSamples: 20, ...options });

  /** What the apps do per request (runbook): INCR the hour's request counter, and the error counter on a 5xx. */
  const serveRequests = async (hour: string, requests: number, errors: number) => {
    const pipeline = redis.pipeline();
    for (let i = 0; i < requests; i += 1) pipeline.incr(`${prefix}requests:${hour}`);
    for (let i = 0; i < errors; i += 1)
      pipeline.incr(`${prefix}errors:${hour}`).expire(`${prefix}errors:${hour}`, 7200);
    await pipeline.exec();
  };
  /** What the apps' performance monitor does: ZADD a `{duration, timestamp}` member scored by request time. */
  const recordDurations = async (endpoint: string, entries: [time: number, duration: number][]) => {
    for (const [time, duration] of entries) {
      await redis.zadd(`${prefix}perf:${endpoint}`, time, JSON.stringify({ duration, timestamp: time }));
    }
  };

  it('records the counters on the first reading and reports no rate yet', async () => {
    await serveRequests('2026-11-22T06', 500, 50);
    await serveRequests('2026-11-22T05', 40, 0);
    const now = at('2026-11-22T06:30:00Z');
    const { metrics, cursor } = await source().read({ env: 'production', now });
    expect(metrics).toEqual({
      noData: 'first reading: counters recorded, rates start with the next reading',
    });
    expect(cursor).toEqual({
      at: now,
      counters: {
        [`${prefix}errors:2026-11-22T05`]: 0,
        [`${prefix}requests:2026-11-22T05`]: 40,
        [`${prefix}errors:2026-11-22T06`]: 50,
        [`${prefix}requests:2026-11-22T06`]: 500,
      },
    });
  });

  it('reports the error rate of the requests since the previous reading only', async () => {
    await serveRequests('2026-11-22T06', 500, 50);
    const first = await source().read({ env: 'production', now: at('2026-11-22T06:30:00Z') });
    await serveRequests('2026-11-22T06', 100, 6);
    const second = await source().read({
      env: 'production',
      now: at('2026-11-22T06:30:10Z'),
      cursor: first.cursor,
    });
    expect(second.metrics).toEqual({ errorRate: 0.06, requests: 100 });
    expect(second.cursor.counters[`${prefix}requests:2026-11-22T06`]).toBe(600);
  });

  it('adds up the previous and the new hour across an hour boundary', async () => {
    await serveRequests('2026-11-22T06', 1_000, 10);
    const first = await source().read({ env: 'production', now: at('2026-11-22T06:59:55Z') });
    await serveRequests('2026-11-22T06', 20, 2);
    await serveRequests('2026-11-22T07', 30, 1);
    const second = await source().read({
      env: 'production',
      now: at('2026-11-22T07:00:05Z'),
      cursor: first.cursor,
    });
    expect(second.metrics).toEqual({ errorRate: 0.06, requests: 50 });
    expect(Object.keys(second.cursor.counters).sort()).toEqual([
      `${prefix}errors:2026-11-22T06`,
      `${prefix}errors:2026-11-22T07`,
      `${prefix}requests:2026-11-22T06`,
      `${prefix}requests:2026-11-22T07`,
    ]);
  });

  it('counts a counter that went down (expired, reset) from zero', async () => {
    await serveRequests('2026-11-22T06', 300, 30);
    const first = await source().read({ env: 'production', now: at('2026-11-22T06:30:00Z') });
    await redis.del(`${prefix}requests:2026-11-22T06`, `${prefix}errors:2026-11-22T06`);
    await serveRequests('2026-11-22T06', 40, 1);
    const second = await source().read({
      env: 'production',
      now: at('2026-11-22T06:30:10Z'),
      cursor: first.cursor,
    });
    expect(second.metrics).toEqual({ errorRate: 0.025, requests: 40 });
  });

  it('gives no data when no request came in since the previous reading', async () => {
    await serveRequests('2026-11-22T06', 200, 20);
    const first = await source().read({ env: 'production', now: at('2026-11-22T06:30:00Z') });
    const second = await source().read({
      env: 'production',
      now: at('2026-11-22T06:30:10Z'),
      cursor: first.cursor,
    });
    expect(second.metrics).toEqual({ noData: 'no requests since the last reading' });
    expect(second.cursor.at).toBe(at('2026-11-22T06:30:10Z'));
  });

  it('takes the p95 of the durations since the previous reading over all endpoints, the runbook way', async () => {
    const before = at('2026-11-22T06:30:00Z');
    const now = before + 10_000;
    await serveRequests('2026-11-22T06', 10, 0);
    const cursor: SourceCursor = (await source().read({ env: 'production', now: before })).cursor;
    await serveRequests('2026-11-22T06', 40, 0);
    // 40 durations 1..40 ms between the readings, split over two endpoints.
    await recordDurations(
      'GET:/api/scans',
      Array.from({ length: 20 }, (_, i) => [before + 100 + i, i * 2 + 1] as [number, number]),
    );
    await recordDurations(
      'POST:/api/scan',
      Array.from({ length: 20 }, (_, i) => [before + 200 + i, i * 2 + 2] as [number, number]),
    );
    // Outside the window: at the previous reading itself, after this one, and on an endpoint not configured.
    await recordDurations('GET:/api/scans', [
      [before, 9_000],
      [now + 1, 9_001],
    ]);
    await recordDurations('GET:/other', [[before + 300, 9_002]]);
    const read = (minSamples: number) =>
      source({ endpoints: ['GET:/api/scans', 'POST:/api/scan'], minSamples }).read({
        env: 'production',
        now,
        cursor,
      });
    // sorted[floor(40 * 0.95)] = sorted[38] = 39.
    expect((await read(40)).metrics).toEqual({ errorRate: 0, requests: 40, p95Ms: 39 });
    expect((await read(41)).metrics).toEqual({ errorRate: 0, requests: 40 });
  });

  it('skips perf members that are not the apps JSON', async () => {
    const before = at('2026-11-22T06:30:00Z');
    const now = before + 10_000;
    const key = `${prefix}perf:GET:/api/scans`;
    for (const [index, member] of [
      'not json',
      '{"duration":"5000"}',
      '{"timestamp":1}',
      'null',
      '{"duration":-3}',
      '[5000]',
    ].entries()) {
      await redis.zadd(key, before + 1 + index, member);
    }
    await recordDurations(
      'GET:/api/scans',
      Array.from({ length: 20 }, (_, i) => [before + 100 + i, 100 + i] as [number, number]),
    );
    const { metrics } = await source({ endpoints: ['GET:/api/scans'], minSamples: 20 }).read({
      env: 'production',
      now,
      cursor: { at: before, counters: { [`${prefix}requests:2026-11-22T06`]: 0 } },
    });
    // Only the 20 valid durations 100..119 count: sorted[floor(20 * 0.95)] = sorted[19] = 119.
    expect(metrics.p95Ms).toBe(119);
  });

  it('takes the first reading p95 from the last minute, for the baseline', async () => {
    const now = at('2026-11-22T06:30:00Z');
    await recordDurations('GET:/api/scans', [
      ...Array.from({ length: 10 }, (_, i) => [now - 30_000 + i, 50 + i] as [number, number]),
      [now - 90_000, 5_000],
    ]);
    const { metrics } = await source({ endpoints: ['GET:/api/scans'], minSamples: 10 }).read({
      env: 'production',
      now,
    });
    // sorted[min(floor(10 * 0.95), 9)] = sorted[9] = 59; the 5000 ms sample is older than a minute.
    expect(metrics).toEqual({
      p95Ms: 59,
      noData: 'first reading: counters recorded, rates start with the next reading',
    });
  });

  it('reports unreadable counters as no data and keeps the previous cursor', async () => {
    const cursor: SourceCursor = { at: at('2026-11-22T06:30:00Z'), counters: { [`${prefix}requests:x`]: 1 } };
    await redis.set(`${prefix}perf:GET:/api/scans`, 'not a sorted set');
    const wrongType = await source({ endpoints: ['GET:/api/scans'] }).read({
      env: 'production',
      now: cursor.at + 10_000,
      cursor,
    });
    expect(wrongType.metrics.noData).toMatch(/^Redis counters unreadable: WRONGTYPE/);
    expect(wrongType.cursor).toBe(cursor);

    await redis.set(`${prefix}requests:2026-11-22T06`, 'many');
    const garbage = await source().read({ env: 'production', now: cursor.at + 10_000, cursor });
    expect(garbage.metrics).toEqual({
      noData: `Redis counters unreadable: ${prefix}requests:2026-11-22T06 holds "many", not a count`,
    });
  });

  it('gives up on a Redis that does not answer within its timeout', async () => {
    const proxy = await startRedisProxy(testRedisUrl());
    const connection = new Redis(proxy.url, { maxRetriesPerRequest: 1 });
    cleanups.push(
      () => connection.disconnect(),
      () => proxy.close(),
    );
    await connection.ping();
    proxy.stall();
    const now = at('2026-11-22T06:30:00Z');
    const started = performance.now();
    const { metrics, cursor } = await source({ timeoutMs: 200 }, connection).read({ env: 'production', now });
    expect(metrics).toEqual({ noData: 'Redis counters unreadable: no answer within 200 ms' });
    expect(cursor).toEqual({ at: now, counters: {} });
    expect(performance.now() - started).toBeLessThan(200 + 1_000);
    proxy.resume();
  });
});
