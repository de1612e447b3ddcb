import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { redisDispatchLease } from '../../../../src/adapters/redis/dispatch-lease.js';
import { redisKeys } from '../../../../src/adapters/redis/keys.js';
import { deleteKeys, testRedis, uniquePrefix } from '../../../helpers/redis.js';

const LEASE_MS = 300;

describe('dispatch guard lock', () => {
  let prefix: string;
  let redis: Redis;
  const others: Redis[] = [];
  beforeEach(() => {
    prefix = uniquePrefix('guard');
    redis = testRedis();
  });
  afterEach(async () => {
    for (const other of others.splice(0)) other.disconnect();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });
  const guard = (connection: Redis = redis) =>
    redisDispatchLease(connection, redisKeys(prefix, `${prefix}feature:`), { leaseMs: LEASE_MS });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('stays with a live holder past its lease, and is free again once released', async () => {
    const release = await guard().acquire('d1-validation-0', 60_000);
    expect(release).toBeDefined();
    await sleep(LEASE_MS * 3);
    expect(await guard().acquire('d1-validation-0', 60_000)).toBeUndefined();
    await release?.();
    const next = await guard().acquire('d1-validation-0', 60_000);
    expect(next).toBeDefined();
    await next?.();
  });

  it('lapses within a lease once its holder is gone', async () => {
    const dead = testRedis();
    others.push(dead);
    expect(await guard(dead).acquire('d1-validation-0', 2_000)).toBeDefined();
    // The holder's process dies: its connection (and renewal) goes away, the lock stays behind.
    dead.disconnect();
    expect(await guard().acquire('d1-validation-0', 60_000)).toBeUndefined();
    const taken = await vi.waitFor(
      async () => {
        const release = await guard().acquire('d1-validation-0', 60_000);
        if (!release) throw new Error('still held');
        return release;
      },
      { timeout: LEASE_MS * 4, interval: 25 },
    );
    await taken();
  });

  it('is held at most for the time asked for, even by a holder that never releases it', async () => {
    expect(await guard().acquire('d1-validation-0', LEASE_MS * 2)).toBeDefined();
    await sleep(LEASE_MS);
    expect(await guard().acquire('d1-validation-0', 60_000)).toBeUndefined();
    await sleep(LEASE_MS * 2 + 100);
    const release = await guard().acquire('d1-validation-0', 60_000);
    expect(release).toBeDefined();
    await release?.();
  });
});
