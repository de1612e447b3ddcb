import { randomUUID } from 'node:crypto';
import {
  ErrorCode,
  type EventDetails,
  OpenFeature,
  ProviderEvents,
  ProviderStatus,
  StandardResolutionReasons,
} from '@openfeature/server-sdk';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { redisFlagStore } from '../../../src/adapters/redis/flag-store.js';
import { redisKeys } from '../../../src/adapters/redis/keys.js';
import { createFlagClient, type FlagClientOptions } from '../../../src/client/flag-client.js';
import { GreenlightFlagProvider } from '../../../src/client/openfeature-provider.js';
import { freePort, startRedisProxy } from '../../helpers/net.js';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../../helpers/redis.js';

const FAST = { interval: 10, timeout: 1_500 };

let base: string;
let redis: Redis;
let domain: string;
let options: FlagClientOptions;
let cleanups: (() => Promise<unknown>)[];

beforeEach(() => {
  base = uniquePrefix('openfeature');
  redis = testRedis();
  domain = `${base}domain`;
  options = {
    url: testRedisUrl(),
    prefix: `${base}feature:`,
    channel: `${base}flags`,
    name: `${base}client`,
  };
  cleanups = [];
});

afterEach(async () => {
  await OpenFeature.clearProviders();
  for (const cleanup of cleanups.reverse()) await cleanup();
  await deleteKeys(redis, base);
  await redis.quit();
});

/** greenlight's keys for this test, the flag keys the provider reads among them. */
const keys = () => redisKeys(`${base}gl:`, `${base}feature:`);

/** A change made the way greenlight makes it: SET and PUBLISH in one Lua transaction. */
async function write(flag: string, enabled: boolean): Promise<void> {
  const store = redisFlagStore(redis, keys(), `${base}flags`);
  await store.write({
    name: flag,
    value: enabled ? 'true' : 'false',
    changeId: randomUUID(),
    by: 'U0TEST',
    reason: 'integration test',
    at: new Date().toISOString(),
    source: 'slack',
  });
}

describe('GreenlightFlagProvider', () => {
  it('resolves a flag from Redis as STATIC, then from the cache as CACHED', async () => {
    await redis.set(keys().flag('on'), 'true');
    await OpenFeature.setProviderAndWait(domain, new GreenlightFlagProvider(options));
    const client = OpenFeature.getClient(domain);

    expect(await client.getBooleanDetails('on', false)).toMatchObject({
      value: true,
      reason: StandardResolutionReasons.STATIC,
    });
    expect(await client.getBooleanDetails('on', false)).toMatchObject({
      value: true,
      reason: StandardResolutionReasons.CACHED,
    });
    // greenlight's contract: a missing key is off, whatever default the caller passes.
    expect(await client.getBooleanDetails('absent', true)).toMatchObject({
      value: false,
      reason: StandardResolutionReasons.STATIC,
    });
  });

  it('emits ConfigurationChanged naming the flag for every change event', async () => {
    await OpenFeature.setProviderAndWait(domain, new GreenlightFlagProvider(options));
    const client = OpenFeature.getClient(domain);
    const changes: (EventDetails | undefined)[] = [];
    client.addHandler(ProviderEvents.ConfigurationChanged, (details) => changes.push(details));
    expect(await client.getBooleanValue('scan_creation', true)).toBe(false);

    await write('scan_creation', true);
    await vi.waitFor(() => expect(changes).toHaveLength(1), FAST);
    expect(changes[0]).toMatchObject({ flagsChanged: ['scan_creation'] });
    expect(await client.getBooleanDetails('scan_creation', false)).toMatchObject({
      value: true,
      reason: StandardResolutionReasons.CACHED,
    });

    await write('scan_creation', false);
    await vi.waitFor(() => expect(changes).toHaveLength(2), FAST);
    expect(changes[1]).toMatchObject({ flagsChanged: ['scan_creation'] });
    expect(await client.getBooleanValue('scan_creation', true)).toBe(false);
  });

  it('answers string, number and object evaluations with the default and TYPE_MISMATCH', async () => {
    await redis.set(keys().flag('on'), 'true');
    const provider = new GreenlightFlagProvider(options);
    await OpenFeature.setProviderAndWait(domain, provider);
    const client = OpenFeature.getClient(domain);

    const mismatch = { errorCode: ErrorCode.TYPE_MISMATCH, reason: StandardResolutionReasons.ERROR };
    expect(await client.getStringDetails('on', 'fallback')).toMatchObject({ value: 'fallback', ...mismatch });
    expect(await client.getNumberDetails('on', 7)).toMatchObject({ value: 7, ...mismatch });
    expect(await client.getObjectDetails('on', { a: 1 })).toMatchObject({ value: { a: 1 }, ...mismatch });
    expect(await provider.resolveStringEvaluation('on', 'fallback')).toMatchObject({
      value: 'fallback',
      errorCode: ErrorCode.TYPE_MISMATCH,
    });
  });

  it('with Redis down, fails initialize within initTimeoutMs and still answers defaults as DEFAULT', async () => {
    const port = await freePort();
    const provider = new GreenlightFlagProvider(
      { ...options, url: `redis://127.0.0.1:${port}`, defaults: { kill: false } },
      { initTimeoutMs: 100 },
    );

    const started = Date.now();
    await expect(OpenFeature.setProviderAndWait(domain, provider)).rejects.toThrow(/not subscribed/);
    expect(Date.now() - started).toBeLessThan(1_000);
    const client = OpenFeature.getClient(domain);
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);

    // Per-flag defaults win over the caller's default; the caller's default covers the rest.
    expect(await client.getBooleanDetails('kill', true)).toMatchObject({
      value: false,
      reason: StandardResolutionReasons.DEFAULT,
    });
    expect(await client.getBooleanDetails('other', true)).toMatchObject({
      value: true,
      reason: StandardResolutionReasons.DEFAULT,
    });
  });

  it('emits Ready once Redis becomes reachable after a failed initialize', async () => {
    const port = await freePort();
    await redis.set(keys().flag('late'), 'true');
    const provider = new GreenlightFlagProvider(
      { ...options, url: `redis://127.0.0.1:${port}` },
      { initTimeoutMs: 50 },
    );
    await expect(OpenFeature.setProviderAndWait(domain, provider)).rejects.toThrow();
    const client = OpenFeature.getClient(domain);
    const ready = vi.fn();
    client.addHandler(ProviderEvents.Ready, ready);

    const forwarder = await startRedisProxy(testRedisUrl(), port);
    cleanups.push(() => forwarder.close());

    await vi.waitFor(() => expect(ready).toHaveBeenCalled(), FAST);
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect(await client.getBooleanDetails('late', false)).toMatchObject({
      value: true,
      reason: StandardResolutionReasons.STATIC,
    });
  });

  it('closes a client it created on shutdown, but not one passed in', async () => {
    const shared = createFlagClient({ ...options, name: `${base}shared` });
    cleanups.push(() => shared.close());
    await OpenFeature.setProviderAndWait(domain, new GreenlightFlagProvider(options));
    await OpenFeature.setProviderAndWait(`${domain}-shared`, new GreenlightFlagProvider(shared));
    const own = [`${base}client`, `${base}client:subscriber`];
    await vi.waitFor(
      async () => expect(await connectionNames(redis)).toEqual(expect.arrayContaining(own)),
      FAST,
    );

    await OpenFeature.clearProviders();

    await vi.waitFor(async () => {
      const names = await connectionNames(redis);
      for (const name of own) expect(names).not.toContain(name);
    }, FAST);
    // The app's own client is still subscribed and following changes.
    await write('x', true);
    await vi.waitFor(() => expect(shared.peek('x')).toBe(true), FAST);
  });
});

async function connectionNames(redis: Redis): Promise<string[]> {
  const text = String(await redis.call('CLIENT', 'LIST'));
  return [...text.matchAll(/ name=(\S*)/g)].map((match) => match[1] ?? '');
}
