import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateFlagNames } from '../../../../src/adapters/redis/flag-names-migration.js';
import { redisFlagStore } from '../../../../src/adapters/redis/flag-store.js';
import { redisKeys } from '../../../../src/adapters/redis/keys.js';
import { createLogger } from '../../../../src/logger.js';
import { deleteKeys, testRedis, uniquePrefix } from '../../../helpers/redis.js';

describe('migrateFlagNames', () => {
  let prefix: string;
  let redis: Redis;
  const logger = createLogger('silent');

  beforeEach(() => {
    prefix = uniquePrefix('names');
    redis = testRedis();
  });

  afterEach(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const keys = () => redisKeys(`${prefix}gl:`, `${prefix}feature:`);
  const names = () => redisFlagStore(redis, keys(), `${prefix}flags`).names(1_000);

  it('finds the flag keys written before the set existed, once, and then never scans again', async () => {
    await redis.mset(
      keys().flag('legacy_a'),
      'true',
      keys().flag('legacy_b'),
      'false',
      `${prefix}other`,
      'x',
    );
    expect(await names()).toEqual([]);

    expect(await migrateFlagNames(redis, keys(), { logger })).toBe('done');
    expect((await names()).sort()).toEqual(['legacy_a', 'legacy_b']);
    expect(await redis.get(keys().flagNamesMigration())).toBe('done');

    // A key set by hand after the migration is not looked for again: the marker says done.
    await redis.set(keys().flag('late'), 'true');
    expect(await migrateFlagNames(redis, keys(), { logger })).toBe('already-done');
    expect((await names()).sort()).toEqual(['legacy_a', 'legacy_b']);
  });

  it('stops after its budget of keys and resumes from the saved cursor at the next start', async () => {
    // Enough unrelated keys under this prefix that SCAN cannot see everything in one small budget.
    const pipeline = redis.pipeline();
    for (let index = 0; index < 3_000; index += 1) pipeline.set(`${prefix}noise:${index}`, '1');
    for (let index = 0; index < 20; index += 1) pipeline.set(keys().flag(`flag_${index}`), 'true');
    await pipeline.exec();

    let starts = 0;
    let result: string;
    do {
      result = await migrateFlagNames(redis, keys(), { logger, maxKeysPerStart: 200, batch: 100 });
      starts += 1;
      if (result === 'partial') expect(await redis.get(keys().flagNamesMigration())).toMatch(/^\d+$/);
    } while (result === 'partial' && starts < 10_000);
    expect(result).toBe('done');
    expect(starts).toBeGreaterThan(1);
    expect(await names()).toHaveLength(20);
  });

  it('lets only one of two replicas starting together scan', async () => {
    await redis.set(keys().flag('x'), 'true');
    const results = await Promise.all([
      migrateFlagNames(redis, keys(), { logger }),
      migrateFlagNames(redis, keys(), { logger }),
    ]);
    expect(results.sort()).toEqual(['busy', 'done']);
    expect(await names()).toEqual(['x']);
  });
});
