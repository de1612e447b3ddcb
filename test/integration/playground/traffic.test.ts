import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { duration, trafficFeeder } from '../../../playground/server/traffic.js';
import { redisCountersSource } from '../../../src/adapters/analysis/redis-counters-source.js';
import type { MetricSource } from '../../../src/services/deploy/ports.js';
import { deleteKeys, testRedis, uniquePrefix } from '../../helpers/redis.js';

const ENDPOINT = 'GET:/api/scans';

describe('the playground’s traffic, read by greenlight’s redis-counters source', () => {
  let prefix: string;
  let redis: Redis;
  let clock: number;
  let source: MetricSource;
  beforeEach(() => {
    prefix = uniquePrefix('traffic');
    redis = testRedis();
    clock = Date.parse('2026-11-22T06:59:30Z');
    source = redisCountersSource(redis, { keyPrefix: prefix, endpoints: [ENDPOINT], minSamples: 10 });
  });
  afterEach(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  /** A feeder on the test clock whose durations go evenly through the range, so p95 is exact. */
  function feeder(initial = {}) {
    let turn = 0;
    return trafficFeeder(redis, {
      keyPrefix: prefix,
      endpoints: [ENDPOINT],
      initial,
      now: () => clock,
      random: () => {
        turn += 1;
        return (turn % 100) / 100;
      },
    });
  }

  /** Serves `seconds` of traffic in 250 ms ticks, as the playground does. */
  async function serve(traffic: ReturnType<typeof feeder>, seconds: number) {
    for (let tick = 0; tick < seconds * 4; tick += 1) {
      clock += 250;
      await traffic.tick();
    }
  }

  it('counts requests and errors in the runbooks’ keys, with their TTL, so the reading is the slider', async () => {
    const traffic = feeder({ errorRate: 0.002, latencyMs: 120, requestsPerSecond: 40 });
    await traffic.tick();
    let { cursor } = await source.read({ env: 'production', now: clock });
    await serve(traffic, 10);
    let reading = await source.read({ env: 'production', now: clock, cursor });
    expect(reading.metrics.requests).toBe(400);
    expect(reading.metrics.errorRate).toBeLessThan(0.01);
    expect(reading.metrics.p95Ms).toBeGreaterThanOrEqual(114);
    expect(reading.metrics.p95Ms).toBeLessThanOrEqual(126);
    const [member] = await redis.zrange(`${prefix}perf:${ENDPOINT}`, '0', '0');
    expect(JSON.parse(member ?? '{}')).toEqual({
      duration: expect.any(Number),
      timestamp: expect.any(Number),
    });

    // Past 5 % and twice as slow, across the hour boundary: the next reading says so.
    cursor = reading.cursor;
    traffic.set({ errorRate: 0.08, latencyMs: 300 });
    await serve(traffic, 40);
    reading = await source.read({ env: 'production', now: clock, cursor });
    expect(reading.metrics.requests).toBe(1_600);
    expect(reading.metrics.errorRate).toBeCloseTo(0.08, 3);
    expect(reading.metrics.p95Ms).toBeGreaterThan(285);
    expect(reading.metrics.p95Ms).toBeLessThanOrEqual(315);
    for (const key of ['requests', 'errors']) {
      expect(Number(await redis.get(`${prefix}${key}:2026-11-22T07`))).toBeGreaterThan(0);
      expect(await redis.ttl(`${prefix}${key}:2026-11-22T07`)).toBeGreaterThan(7_000);
    }
  });

  it('keeps the last 1,000 durations of an endpoint, as the runbooks’ apps do', async () => {
    const traffic = feeder({ requestsPerSecond: 400 });
    await traffic.tick();
    await serve(traffic, 5);
    expect(await redis.zcard(`${prefix}perf:${ENDPOINT}`)).toBe(1_000);
  });

  it('keeps what it is set to within sense', () => {
    const traffic = feeder();
    expect(traffic.set({ errorRate: 2, latencyMs: -5, requestsPerSecond: Number.NaN })).toEqual({
      errorRate: 1,
      latencyMs: 1,
      requestsPerSecond: 200,
    });
    expect(duration(200, 0)).toBe(106);
    expect(duration(200, 0.9)).toBe(196);
  });
});
