import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { redisDocumentStore } from '../../../../src/adapters/redis/document-store.js';
import { redisEnvironmentLanes } from '../../../../src/adapters/redis/environment-lanes.js';
import { redisKeys } from '../../../../src/adapters/redis/keys.js';
import { deleteKeys, testRedis, uniquePrefix } from '../../../helpers/redis.js';

describe('environment lanes', () => {
  let prefix: string;
  let redis: Redis;
  beforeEach(() => {
    prefix = uniquePrefix('lanes');
    redis = testRedis();
  });
  afterEach(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });
  const lanes = () => redisEnvironmentLanes(redis, redisKeys(prefix, `${prefix}feature:`));

  it('gives the environment to the first deployment and queues the rest in order, once each', async () => {
    expect(await lanes().claim('production', 'd1')).toEqual({ status: 'active' });
    expect(await lanes().claim('production', 'd1')).toEqual({ status: 'active' });
    expect(await lanes().claim('production', 'd2')).toEqual({ status: 'queued', position: 1, holder: 'd1' });
    expect(await lanes().claim('production', 'd3')).toEqual({ status: 'queued', position: 2, holder: 'd1' });
    expect(await lanes().claim('production', 'd2')).toEqual({ status: 'queued', position: 1, holder: 'd1' });
    expect(await lanes().claim('staging', 'd4')).toEqual({ status: 'active' });
    expect(await lanes().queue('production')).toEqual({ active: 'd1', waiting: ['d2', 'd3'] });
  });

  it('hands the environment to the next in line on release, and only its holder may release it', async () => {
    await lanes().claim('production', 'd1');
    await lanes().claim('production', 'd2');
    await lanes().claim('production', 'd3');
    expect(await lanes().release('production', 'd2')).toEqual({ status: 'not-holder' });
    expect(await lanes().leaveQueue('production', 'd2')).toBe(true);
    expect(await lanes().release('production', 'd1')).toEqual({ status: 'promoted', next: 'd3' });
    expect(await lanes().release('production', 'd3')).toEqual({ status: 'released' });
    expect(await lanes().queue('production')).toEqual({ waiting: [] });
  });

  it('lets exactly one of many concurrent claims win', async () => {
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, i) => lanes().claim('production', `d${i}`)),
    );
    expect(claims.filter((claim) => claim.status === 'active')).toHaveLength(1);
    const positions = claims
      .flatMap((claim) => (claim.status === 'queued' ? [claim.position] : []))
      .sort((a, b) => a - b);
    expect(positions).toEqual(Array.from({ length: 19 }, (_, i) => i + 1));
  });

  it('keeps the first lock, says who holds it, and expires a lock with a TTL', async () => {
    const lock = { by: 'U0ALICE', reason: 'db maintenance', at: '2026-11-22T10:00:00.000Z' };
    expect(await lanes().lock('production', lock)).toEqual({ locked: true, lock });
    expect(await lanes().lock('production', { ...lock, by: 'U0BOB' })).toEqual({ locked: false, lock });
    expect(await lanes().unlock('production')).toEqual(lock);
    expect(await lanes().lockOf('production')).toBeUndefined();
    await lanes().lock('staging', { ...lock, until: '2026-11-22T10:00:00.050Z' }, 50);
    expect(await lanes().lockOf('staging')).toMatchObject({ until: '2026-11-22T10:00:00.050Z' });
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await lanes().lockOf('staging')).toBeUndefined();
  });
});

describe('versioned documents', () => {
  let prefix: string;
  let redis: Redis;
  beforeEach(() => {
    prefix = uniquePrefix('docs');
    redis = testRedis();
  });
  afterEach(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });
  const schema = z.object({ step: z.number() });
  const store = () => redisDocumentStore(redis, (id) => `${prefix}doc:${id}`, schema);

  it('creates once, then replaces only from the version it read', async () => {
    expect(await store().replace('a', 0, { step: 1 }, { key: `${prefix}index`, score: 5 })).toEqual({
      ok: true,
      version: 1,
    });
    expect(await store().replace('a', 0, { step: 9 })).toEqual({ ok: false, currentVersion: 1 });
    expect(await store().replace('a', 1, { step: 2 })).toEqual({ ok: true, version: 2 });
    expect(await store().replace('a', 1, { step: 3 })).toEqual({ ok: false, currentVersion: 2 });
    expect(await store().get('a')).toEqual({ value: { step: 2 }, version: 2 });
    expect(await redis.zrange(`${prefix}index`, '0', '-1')).toEqual(['a']);
  });

  it('lets exactly one of two racing writers win', async () => {
    await store().replace('a', 0, { step: 1 });
    const results = await Promise.all([
      store().replace('a', 1, { step: 2 }),
      store().replace('a', 1, { step: 3 }),
    ]);
    expect(results.filter((result) => result.ok)).toHaveLength(1);
  });

  it('refuses a stored document that no longer matches its schema', async () => {
    await redis.hset(`${prefix}doc:bad`, 'version', 1, 'doc', JSON.stringify({ step: 'x' }));
    await expect(store().get('bad')).rejects.toThrow(/does not match its schema/);
    expect(await store().getMany(['missing'])).toEqual([]);
  });
});
