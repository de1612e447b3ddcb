import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redisKeys } from '../../../../src/adapters/redis/keys.js';
import { redisSlackPacer } from '../../../../src/adapters/redis/slack-pace.js';
import { deleteKeys, testRedis, uniquePrefix } from '../../../helpers/redis.js';

describe('Slack pacer', () => {
  let prefix: string;
  let redis: Redis;
  beforeEach(() => {
    prefix = uniquePrefix('pace');
    redis = testRedis();
  });
  afterEach(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });
  const pacer = () =>
    redisSlackPacer(redis, redisKeys(prefix, `${prefix}feature:`), {
      'chat.postMessage': { intervalMs: 1_000, burst: 1 },
      'chat.update': { intervalMs: 1_000, burst: 3 },
    });

  it('lets one message a second into a channel, and another channel its own', async () => {
    const pace = pacer();
    expect(await pace.take('chat.postMessage', '#deploys')).toBe(0);
    const wait = await pace.take('chat.postMessage', '#deploys');
    expect(wait).toBeGreaterThan(900);
    expect(wait).toBeLessThanOrEqual(1_000);
    expect(await pace.take('chat.postMessage', 'U0CAROL')).toBe(0);
  });

  it('lets a burst of updates through across channels, then one an interval', async () => {
    const pace = pacer();
    for (const channel of ['C1', 'C2', 'C3']) expect(await pace.take('chat.update', channel)).toBe(0);
    expect(await pace.take('chat.update', 'C4')).toBeGreaterThan(900);
  });

  it('holds a method in a channel for Slack’s Retry-After, for every replica', async () => {
    await pacer().hold('chat.postMessage', '#deploys', 5_000);
    const other = redisSlackPacer(redis, redisKeys(prefix, `${prefix}feature:`));
    const wait = await other.take('chat.postMessage', '#deploys');
    expect(wait).toBeGreaterThan(4_900);
    expect(wait).toBeLessThanOrEqual(5_000);
  });
});
