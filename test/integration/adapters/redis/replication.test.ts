import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redisDispatchLedger } from '../../../../src/adapters/redis/dispatch-ledger.js';
import { redisKeys } from '../../../../src/adapters/redis/keys.js';
import { waitForReplicas } from '../../../../src/adapters/redis/replication.js';
import { deleteKeys, testRedis, uniquePrefix } from '../../../helpers/redis.js';

// More replicas than the test Redis has: what REDIS_WAIT_REPLICAS does when they do not answer (replicas down).
describe('waitForReplicas', () => {
  let prefix: string;
  let redis: Redis;

  beforeEach(() => {
    prefix = uniquePrefix('wait');
    redis = testRedis();
  });

  afterEach(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('does not wait at all when no replica is asked for', async () => {
    const started = Date.now();
    expect(await waitForReplicas(redis, { replicas: 0 })).toBe(true);
    expect(await waitForReplicas(redis, undefined)).toBe(true);
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('goes on after its timeout when the replicas do not answer, and says how many it reached', async () => {
    const short: [number, number][] = [];
    const ledger = redisDispatchLedger(redis, redisKeys(`${prefix}gl:`, `${prefix}feature:`), {
      replicas: 16,
      onShort: (reached, wanted) => short.push([reached, wanted]),
    });
    const started = Date.now();
    expect(await ledger.markAttempt('d1-validation-0', started)).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(short).toEqual([[expect.any(Number), 16]]);
    expect(short[0]?.[0]).toBeLessThan(16);
    // The mark was written all the same: a second attempt still finds it.
    expect(await ledger.markAttempt('d1-validation-0', Date.now())).toBe(started);
  });
});
