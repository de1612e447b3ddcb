import type { Redis } from 'ioredis';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type Capture,
  captureResponses,
  fakeSlackApi,
  isolateNetwork,
  post,
  type SlackCall,
  startTestBot,
  type TestBot,
} from '../helpers/bot.js';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { slashCommand } from '../helpers/slack.js';

describe('/flag --for reverts on time, durably', () => {
  let prefix: string;
  let redis: Redis;
  let slack: Capture<SlackCall>;
  const bots: TestBot[] = [];

  beforeAll(() => isolateNetwork());
  afterAll(() => nock.enableNetConnect());

  beforeEach(() => {
    prefix = uniquePrefix('revert');
    redis = testRedis();
    slack = fakeSlackApi();
    captureResponses();
  });

  afterEach(async () => {
    await Promise.all(bots.splice(0).map((bot) => bot.stop()));
    await deleteKeys(redis, prefix);
    redis.disconnect();
    nock.cleanAll();
  });

  async function start(): Promise<TestBot> {
    const bot = await startTestBot(testRedisUrl(), prefix);
    bots.push(bot);
    return bot;
  }

  const key = () => `${prefix}feature:email_automation`;
  const announcements = () =>
    slack.calls
      .filter((call) => call.method === 'chat.postMessage')
      .map((call) => JSON.stringify(call.args.blocks));

  it('re-enables after ~2 s even though the bot that set it was stopped and another started', async () => {
    await redis.set(key(), 'true');
    const first = await start();
    const startedAt = Date.now();
    expect(
      (await post(first.url, slashCommand('/flag', 'disable email_automation --for 2s spam storm'))).status,
    ).toBe(200);
    await vi.waitFor(async () => expect(await redis.get(key())).toBe('false'));
    await first.stop();
    bots.splice(0);

    const second = await start();
    expect(second.url).not.toBe(first.url);
    await vi.waitFor(async () => expect(await redis.get(key())).toBe('true'), {
      timeout: 6_000,
      interval: 50,
    });
    const elapsed = Date.now() - startedAt;
    expect(elapsed).toBeGreaterThanOrEqual(1_900);
    expect(elapsed).toBeLessThan(4_500);

    await vi.waitFor(() =>
      expect(announcements().some((text) => text.includes('enabled* by greenlight (automatic)'))).toBe(true),
    );
    const audit = await redis.xrange(`${prefix}greenlight:audit`, '-', '+');
    expect(audit.map((entry) => entry[1][entry[1].indexOf('source') + 1])).toEqual(['slack', 'auto-revert']);
  });

  it('does not revert when a newer manual change replaced the timed one', async () => {
    const bot = await start();
    await post(bot.url, slashCommand('/flag', 'disable email_automation --for 1s'));
    await vi.waitFor(async () => expect(await redis.get(key())).toBe('false'));
    await post(bot.url, slashCommand('/flag', 'disable email_automation keep it off'));
    await vi.waitFor(async () =>
      expect(await redis.hget(`${prefix}greenlight:flag:email_automation`, 'reason')).toBe('keep it off'),
    );

    await new Promise((resolve) => setTimeout(resolve, 1_600));
    expect(await redis.get(key())).toBe('false');
    expect(announcements().some((text) => text.includes('automatic'))).toBe(false);
  });

  it('reverts exactly once when two replicas are running', async () => {
    const [a] = [await start(), await start()];
    await post(a?.url ?? '', slashCommand('/flag', 'enable email_automation --for 1s trial'));
    await vi.waitFor(async () => expect(await redis.get(key())).toBe('true'));
    await vi.waitFor(async () => expect(await redis.get(key())).toBe('false'), {
      timeout: 5_000,
      interval: 50,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const audit = await redis.xrange(`${prefix}greenlight:audit`, '-', '+');
    expect(audit).toHaveLength(2);
    expect(announcements().filter((text) => text.includes('automatic'))).toHaveLength(1);
  });
});
