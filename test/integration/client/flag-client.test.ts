import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { redisFlagStore } from '../../../src/adapters/redis/flag-store.js';
import { type RedisKeys, redisKeys } from '../../../src/adapters/redis/keys.js';
import type { FlagChangeEvent } from '../../../src/client/flag-client.js';
import {
  createFlagClient,
  type FlagClient,
  type FlagClientOptions,
} from '../../../src/client/flag-client.js';
import { freePort, startRedisProxy } from '../../helpers/net.js';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../../helpers/redis.js';

const FAST = { interval: 10, timeout: 1_500 };

/** Everything one test owns: its own prefix, channel and connection names on the shared test Redis. */
interface Fixture {
  base: string;
  flagPrefix: string;
  /** greenlight's keys for this test: the flag keys the client reads among them. */
  keys: RedisKeys;
  channel: string;
  name: string;
  redis: Redis;
  cleanups: (() => Promise<unknown>)[];
  /** A change made the way greenlight makes it: SET and PUBLISH in one Lua transaction. */
  write(flag: string, enabled: boolean): Promise<void>;
  client(options?: Partial<FlagClientOptions>): FlagClient;
}

let f: Fixture;

beforeEach(() => {
  const base = uniquePrefix('flagclient');
  const flagPrefix = `${base}feature:`;
  const channel = `${base}flags`;
  const redis = testRedis();
  const keys = redisKeys(`${base}gl:`, flagPrefix);
  const store = redisFlagStore(redis, keys, channel);
  const cleanups: (() => Promise<unknown>)[] = [];
  f = {
    base,
    flagPrefix,
    keys,
    channel,
    name: `${base}client`,
    redis,
    cleanups,
    async write(flag, enabled) {
      await store.write({
        name: flag,
        value: enabled ? 'true' : 'false',
        changeId: randomUUID(),
        by: 'U0TEST',
        reason: 'integration test',
        at: new Date().toISOString(),
        source: 'slack',
      });
    },
    client(options = {}) {
      const client = createFlagClient({
        url: testRedisUrl(),
        prefix: flagPrefix,
        channel,
        name: `${base}client`,
        ...options,
      });
      cleanups.push(() => client.close());
      return client;
    },
  };
});

afterEach(async () => {
  for (const cleanup of f.cleanups.reverse()) await cleanup();
  await deleteKeys(f.redis, f.base);
  await f.redis.quit();
});

describe('createFlagClient', () => {
  it('reads only "true" as on; "false", other strings and a missing key are off', async () => {
    await f.redis.mset(f.keys.flag('on'), 'true', f.keys.flag('off'), 'false', f.keys.flag('odd'), 'yes');
    const flags = f.client({ defaults: { missing: true } });
    await flags.ready();

    expect(await flags.isEnabled('on')).toBe(true);
    expect(await flags.isEnabled('off')).toBe(false);
    expect(await flags.isEnabled('odd')).toBe(false);
    // Redis answered: a missing key is off, whatever the defaults say (they are for Redis being down).
    expect(await flags.evaluate('missing')).toEqual({ value: false, source: 'redis' });
    expect(flags.peek('on')).toBe(true);
    expect(await flags.evaluate('on')).toEqual({ value: true, source: 'cache' });
  });

  it('applies a change event at once, without another GET, and tells listeners', async () => {
    const app = testRedis();
    f.cleanups.push(() => app.quit());
    const gets = vi.spyOn(app, 'get');
    const flags = f.client({ redis: app, url: undefined });
    const seen: FlagChangeEvent[] = [];
    const stop = flags.onChange((event) => seen.push(event));
    await flags.ready();

    expect(await flags.isEnabled('scan_creation')).toBe(false);
    expect(gets).toHaveBeenCalledTimes(1);

    await f.write('scan_creation', true);
    await vi.waitFor(() => expect(seen).toHaveLength(1), FAST);
    expect(seen[0]).toMatchObject({
      flag: 'scan_creation',
      enabled: true,
      by: 'U0TEST',
      reason: 'integration test',
    });
    expect(flags.peek('scan_creation')).toBe(true);
    expect(await flags.isEnabled('scan_creation')).toBe(true);
    expect(gets).toHaveBeenCalledTimes(1);

    stop();
    await f.write('scan_creation', false);
    await vi.waitFor(() => expect(flags.peek('scan_creation')).toBe(false), FAST);
    expect(seen).toHaveLength(1);
    expect(gets).toHaveBeenCalledTimes(1);
  });

  it('ignores malformed messages on the channel', async () => {
    const errors: Error[] = [];
    const flags = f.client({ onError: (error) => errors.push(error) });
    const seen: FlagChangeEvent[] = [];
    flags.onChange((event) => seen.push(event));
    await flags.ready();
    expect(await flags.isEnabled('x')).toBe(false);

    const valid = { flag: 'x', enabled: true, by: 'U1', reason: 'r', at: new Date().toISOString() };
    await f.redis.publish(f.channel, 'not json');
    await f.redis.publish(f.channel, JSON.stringify({ ...valid, enabled: 'true' }));
    await f.redis.publish(f.channel, JSON.stringify({ flag: 'x' }));
    await f.redis.publish(f.channel, 'true');
    // Messages on one channel arrive in order: once this one is in, the four before it were handled.
    await f.write('y', true);
    await vi.waitFor(() => expect(seen.map((event) => event.flag)).toEqual(['y']), FAST);

    expect(flags.peek('x')).toBe(false);
    expect(await flags.isEnabled('x')).toBe(false);
    expect(errors.filter((error) => /malformed/.test(error.message))).toHaveLength(4);
  });

  it('shares one GET between concurrent reads of the same uncached flag', async () => {
    const app = testRedis();
    f.cleanups.push(() => app.quit());
    await f.redis.set(f.keys.flag('shared'), 'true');
    const gets = vi.spyOn(app, 'get');
    const flags = f.client({ redis: app, url: undefined });
    await flags.ready();

    const answers = await Promise.all(Array.from({ length: 10 }, () => flags.isEnabled('shared')));

    expect(answers).toEqual(Array(10).fill(true));
    expect(gets).toHaveBeenCalledTimes(1);
  });

  it('clears the cache when the subscriber drops, and reads again after it resubscribes', async () => {
    const flags = f.client();
    await flags.ready();
    await f.redis.set(f.keys.flag('x'), 'true');
    expect(await flags.isEnabled('x')).toBe(true);
    const before = await subscriberId(f.redis, `${f.name}:subscriber`);
    expect(before).toBeDefined();

    await f.redis.call('CLIENT', 'KILL', 'ID', String(before));
    await vi.waitFor(() => expect(flags.peek('x')).toBeUndefined(), FAST);
    // A change while it was away, with no event it could have seen.
    await f.redis.set(f.keys.flag('x'), 'false');

    await vi.waitFor(async () => {
      expect(await flags.isEnabled('x')).toBe(false);
      expect(flags.peek('x')).toBe(false);
    }, FAST);
    const after = await subscriberId(f.redis, `${f.name}:subscriber`);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);

    await f.write('x', true);
    await vi.waitFor(() => expect(flags.peek('x')).toBe(true), FAST);
  });

  it('answers defaults at once when Redis is down, and never throws', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const errors: Error[] = [];
    const flags = f.client({ url, defaults: { on: true }, timeoutMs: 1_000, onError: (e) => errors.push(e) });
    const offByDefault = f.client({ url, fallback: true, timeoutMs: 1_000, onError: () => {} });

    const started = Date.now();
    expect(await flags.evaluate('on')).toEqual({ value: true, source: 'default' });
    expect(await flags.isEnabled('on', false)).toBe(true);
    expect(await flags.isEnabled('other')).toBe(false);
    expect(await flags.isEnabled('other', true)).toBe(true);
    expect(await offByDefault.isEnabled('other')).toBe(true);
    // Failing fast, not waiting out timeoutMs for each call.
    expect(Date.now() - started).toBeLessThan(500);
    expect(flags.peek('on')).toBeUndefined();
    expect(errors.length).toBeGreaterThan(0);

    await flags.close();
    await expect(flags.ready()).rejects.toThrow(/closed/);
    expect(await flags.isEnabled('on')).toBe(true);
  });

  it('counts a GET slower than timeoutMs as Redis being down', async () => {
    const proxy = await startRedisProxy(testRedisUrl());
    f.cleanups.push(() => proxy.close());
    await f.redis.set(f.keys.flag('slow'), 'false');
    const flags = f.client({ url: proxy.url, defaults: { slow: true }, timeoutMs: 100, onError: () => {} });
    await flags.ready();

    proxy.stall();
    const started = Date.now();
    expect(await flags.evaluate('slow')).toEqual({ value: true, source: 'default' });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(90);
    expect(elapsed).toBeLessThan(600);

    proxy.resume();
    await vi.waitFor(
      async () => expect(await flags.evaluate('slow')).toEqual({ value: false, source: 'cache' }),
      FAST,
    );
  });

  it('answers the last value it saw while Redis is down, and follows events again once it is back', async () => {
    const proxy = await startRedisProxy(testRedisUrl());
    f.cleanups.push(() => proxy.close());
    await f.redis.set(f.keys.flag('x'), 'true');
    const flags = f.client({ url: proxy.url, defaults: { x: false }, onError: () => {} });
    await flags.ready();
    expect(await flags.isEnabled('x')).toBe(true);

    await proxy.down();
    await vi.waitFor(() => expect(flags.peek('x')).toBeUndefined(), FAST);
    expect(await flags.evaluate('x')).toEqual({ value: true, source: 'last-known' });
    expect(await flags.evaluate('never-read')).toEqual({ value: false, source: 'default' });

    await proxy.up();
    await vi.waitFor(async () => {
      expect(await flags.isEnabled('x')).toBe(true);
      expect(flags.peek('x')).toBe(true);
    }, FAST);
    await f.write('x', false);
    await vi.waitFor(() => expect(flags.peek('x')).toBe(false), FAST);
  });

  it('picks up a value written with a plain SET (no event) on the next refresh; refreshMs 0 never does', async () => {
    const refreshing = f.client({ refreshMs: 30 });
    const still = f.client({ refreshMs: 0, name: `${f.name}-still` });
    const seen: FlagChangeEvent[] = [];
    refreshing.onChange((event) => seen.push(event));
    await Promise.all([refreshing.ready(), still.ready()]);
    expect(await refreshing.isEnabled('x')).toBe(false);
    expect(await still.isEnabled('x')).toBe(false);

    await f.redis.set(f.keys.flag('x'), 'true');

    await vi.waitFor(() => expect(refreshing.peek('x')).toBe(true), FAST);
    expect(seen).toEqual([expect.objectContaining({ flag: 'x', enabled: true, by: 'redis' })]);
    // Several refresh periods have passed for the other client by now.
    expect(still.peek('x')).toBe(false);
  });

  it('closes the connections it created, but not one passed in', async () => {
    const app = testRedis();
    f.cleanups.push(() => app.quit());
    const borrowing = f.client({ redis: app, url: undefined, name: `${f.name}-a` });
    const owning = f.client({ name: `${f.name}-b` });
    await Promise.all([borrowing.ready(), owning.ready()]);
    const ours = [`${f.name}-a:subscriber`, `${f.name}-b`, `${f.name}-b:subscriber`];
    await vi.waitFor(
      async () => expect(await connectionNames(f.redis)).toEqual(expect.arrayContaining(ours)),
      FAST,
    );

    await borrowing.close();
    await owning.close();

    await vi.waitFor(async () => {
      const names = await connectionNames(f.redis);
      for (const name of ours) expect(names).not.toContain(name);
    }, FAST);
    expect(app.status).toBe('ready');
    expect(await app.ping()).toBe('PONG');
    expect(await borrowing.isEnabled('x', true)).toBe(true);
  });

  it('refuses options with neither redis nor url', () => {
    expect(() => createFlagClient({})).toThrow(/redis.*url/);
  });
});

async function clientList(redis: Redis): Promise<Record<string, string>[]> {
  const text = String(await redis.call('CLIENT', 'LIST'));
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) =>
      Object.fromEntries(
        line
          .trim()
          .split(' ')
          .map((field) => field.split('=', 2)),
      ),
    );
}

async function connectionNames(redis: Redis): Promise<string[]> {
  return (await clientList(redis)).map((client) => client.name ?? '');
}

async function subscriberId(redis: Redis, name: string): Promise<string | undefined> {
  return (await clientList(redis)).find((client) => client.name === name)?.id;
}
