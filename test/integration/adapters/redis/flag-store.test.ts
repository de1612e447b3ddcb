import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redisFlagStore } from '../../../../src/adapters/redis/flag-store.js';
import { redisKeys } from '../../../../src/adapters/redis/keys.js';
import { deleteKeys, testRedis, uniquePrefix } from '../../../helpers/redis.js';

describe('redisFlagStore', () => {
  let prefix: string;
  let redis: Redis;
  let subscriber: Redis;
  const messages: string[] = [];

  beforeEach(async () => {
    prefix = uniquePrefix('store');
    redis = testRedis();
    subscriber = testRedis();
    messages.length = 0;
    await subscriber.subscribe(`${prefix}flags`);
    subscriber.on('message', (_channel, message) => messages.push(message));
  });

  afterEach(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
    subscriber.disconnect();
  });

  const keys = () => redisKeys(`${prefix}gl:`, `${prefix}feature:`);
  const store = () => redisFlagStore(redis, keys(), `${prefix}flags`);
  const write = (changeId: string, value: 'true' | 'false', expectedChangeId?: string) =>
    store().write({
      name: 'scan_creation',
      value,
      changeId,
      by: 'U1',
      reason: 'r',
      at: '2026-11-22T10:00:00.000Z',
      source: expectedChangeId ? 'auto-revert' : 'slack',
      ...(expectedChangeId ? { expectedChangeId } : {}),
    });

  it('writes the exact strings apps read and returns the old value', async () => {
    expect(await write('c1', 'false')).toEqual({ status: 'written', old: null });
    expect(await redis.get(keys().flag('scan_creation'))).toBe('false');
    expect(await write('c2', 'true')).toEqual({ status: 'written', old: 'false' });
    expect(await redis.get(keys().flag('scan_creation'))).toBe('true');
  });

  it('refuses a conditional write once a newer change exists, touching nothing and publishing nothing', async () => {
    await write('c1', 'false');
    await write('c2', 'false');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const published = messages.length;
    expect(await write('c3', 'true', 'c1')).toEqual({ status: 'superseded' });
    expect(await redis.get(keys().flag('scan_creation'))).toBe('false');
    expect(await redis.xlen(`${prefix}gl:audit`)).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(messages).toHaveLength(published);
    expect(await write('c4', 'true', 'c2')).toEqual({ status: 'written', old: 'false' });
  });

  it('lists the flags it wrote from the set of names, never from the keyspace', async () => {
    await write('c1', 'false');
    // Written behind greenlight's back: not a flag it knows until the start-up migration finds it.
    await redis.set(keys().flag('other'), 'true');
    await redis.set(`${prefix}unrelated`, 'x');
    expect(await store().names(100)).toEqual(['scan_creation']);
    expect(await redis.smembers(keys().flagNames())).toEqual(['scan_creation']);
    const [scan, other] = await store().readMany(['scan_creation', 'other']);
    expect(scan).toMatchObject({ raw: 'false', lastChange: { changeId: 'c1', by: 'U1', source: 'slack' } });
    expect(other).toEqual({ name: 'other', raw: 'true' });
  });

  it('reads one flag (value and last change) as reading it among many does', async () => {
    await write('c1', 'false');
    await redis.hset(keys().flagMeta('scan_creation'), 'until', '2026-11-22T11:00:00.000Z');
    await redis.set(keys().flag('other'), 'true');

    const scan = await store().read('scan_creation');
    expect(scan).toEqual({
      name: 'scan_creation',
      raw: 'false',
      lastChange: {
        changeId: 'c1',
        by: 'U1',
        reason: 'r',
        at: '2026-11-22T10:00:00.000Z',
        source: 'slack',
        until: '2026-11-22T11:00:00.000Z',
      },
    });
    expect(await store().readMany(['scan_creation', 'other', 'missing'])).toEqual([
      scan,
      await store().read('other'),
      await store().read('missing'),
    ]);
    expect(await store().read('other')).toEqual({ name: 'other', raw: 'true' });
    expect(await store().read('missing')).toEqual({ name: 'missing', raw: null });
  });

  it('does not add a name when a conditional write is superseded', async () => {
    await store().write({
      name: 'gone',
      value: 'true',
      changeId: 'c9',
      expectedChangeId: 'c0',
      by: 'greenlight',
      reason: 'r',
      at: '2026-11-22T10:00:00.000Z',
      source: 'auto-revert',
    });
    expect(await store().names(100)).toEqual([]);
  });

  it('returns at most `limit` names', async () => {
    await redis.sadd(keys().flagNames(), ...Array.from({ length: 30 }, (_, index) => `f${index}`));
    expect(await store().names(10)).toHaveLength(10);
    expect(await store().names(1_000)).toHaveLength(30);
  });
});
