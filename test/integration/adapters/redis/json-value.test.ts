import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jsonValues } from '../../../../src/adapters/redis/json-value.js';
import { deleteKeys, testRedis, uniquePrefix } from '../../../helpers/redis.js';

describe('JSON values in Redis (remembered GitHub reads, run lists)', () => {
  let prefix: string;
  let redis: Redis;
  beforeEach(() => {
    prefix = uniquePrefix('json');
    redis = testRedis();
  });
  afterEach(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });
  const values = () => jsonValues(redis, z.object({ etag: z.string() }), 60);

  it('reads back what it wrote, expiring after its time to live', async () => {
    await values().set(`${prefix}a`, { etag: 'W/"1"' });
    expect(await values().get(`${prefix}a`)).toEqual({ etag: 'W/"1"' });
    const ttl = await redis.ttl(`${prefix}a`);
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('reads a missing key, a value that is not JSON and one of another shape as nothing', async () => {
    await redis.set(`${prefix}text`, 'not json');
    await redis.set(`${prefix}shape`, JSON.stringify({ etag: 7 }));
    expect(await values().get(`${prefix}missing`)).toBeUndefined();
    expect(await values().get(`${prefix}text`)).toBeUndefined();
    expect(await values().get(`${prefix}shape`)).toBeUndefined();
  });
});
