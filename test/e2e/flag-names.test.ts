import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '../../playground/launcher/private-redis.js';
import { testKeys } from '../helpers/config.js';
import { useE2E } from '../helpers/e2e.js';

const ENGINEER = 'U0ALICE';

/** Calls of one command since the server started, from INFO commandstats. */
async function callsOf(redis: Redis, command: string): Promise<number> {
  const stats = await redis.info('commandstats');
  return Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
}

describe('flag names come from a set, so no /flag command scans the apps’ Redis', () => {
  const e2e = useE2E('flagnames');
  let server: PrivateRedis | undefined;
  let redis: Redis | undefined;

  afterEach(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('finds flags written before it once at start, then answers list and "did you mean" without a SCAN', async () => {
    // A Redis of its own, so the SCANs counted are greenlight's only.
    server = await startPrivateRedis();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
    const keys = testKeys(e2e.prefix);
    const pipeline = redis.pipeline();
    for (let index = 0; index < 5_000; index += 1) pipeline.set(`app:session:${index}`, 'x');
    pipeline.set(keys.flag('legacy_switch'), 'true');
    await pipeline.exec();

    const first = await e2e.startBot({}, { env: { REDIS_URL: server.url } });
    await vi.waitFor(async () => expect(await redis?.get(keys.flagNamesMigration())).toBe('done'), {
      timeout: 5_000,
    });
    const scansAtStart = await callsOf(redis, 'scan');
    expect(scansAtStart).toBeGreaterThan(0);

    const answer = async (text: string) => {
      const command = await e2e.slack.command('/flag', text, { user: ENGINEER });
      return JSON.stringify((await command.answer()).body);
    };
    expect(await answer('status legacy_swich')).toContain('Did you mean `legacy_switch`?');
    expect(await answer('disable brand_new --create trying it')).toContain('is now *disabled*');
    const list = await answer('list');
    expect(list).toContain('`legacy_switch`');
    expect(list).toContain('`brand_new`');
    expect(list).not.toContain('session');
    expect(await answer('status brand_nwe')).toContain('Did you mean `brand_new`?');

    expect(await callsOf(redis, 'scan')).toBe(scansAtStart);
    // A restart does not scan again: the marker says the names were migrated.
    await first.stop();
    const second = await e2e.startBot({}, { env: { REDIS_URL: server.url } });
    expect(await answer('list')).toContain('`legacy_switch`');
    expect(await callsOf(redis, 'scan')).toBe(scansAtStart);
    await second.stop();
  });
});
