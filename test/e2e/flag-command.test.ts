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
import { slashCommand, TEST_BOT_TOKEN } from '../helpers/slack.js';

const APPROVER = 'U0CAROL'; // listed by ID in production approvers
const GROUP_APPROVER = 'U0DAVE'; // member of @release-managers
const ENGINEER = 'U0ALICE';

describe('/flag over the wire', () => {
  let prefix: string;
  let redis: Redis;
  let subscriber: Redis;
  let bot: TestBot;
  let slack: Capture<SlackCall>;
  let responses: Capture<{ path: string; body: Record<string, unknown> }>;
  const published: string[] = [];

  beforeAll(() => isolateNetwork());
  afterAll(() => nock.enableNetConnect());

  beforeEach(async () => {
    prefix = uniquePrefix('flag');
    redis = testRedis();
    subscriber = testRedis();
    published.length = 0;
    await subscriber.subscribe(`${prefix}greenlight:flags`);
    subscriber.on('message', (_channel, message) => published.push(message));
    slack = fakeSlackApi();
    responses = captureResponses();
    bot = await startTestBot(testRedisUrl(), prefix);
  });

  afterEach(async () => {
    await bot.stop();
    await deleteKeys(redis, prefix);
    redis.disconnect();
    subscriber.disconnect();
    nock.cleanAll();
  });

  const flagKey = (name: string) => `${prefix}feature:${name}`;

  async function run(text: string, userId = ENGINEER) {
    const request = slashCommand('/flag', text, { userId });
    const ack = await post(bot.url, request);
    return { ack, request };
  }

  async function reply(): Promise<string> {
    const { body } = await responses.next();
    expect(body.response_type).toBe('ephemeral');
    return JSON.stringify(body.blocks ?? body.text);
  }

  it('lets an approver disable a protected flag: Redis, pub/sub, audit, announcement and a private confirmation', async () => {
    await redis.set(flagKey('scan_creation'), 'true');
    const { ack, request } = await run('disable scan_creation maintenance', APPROVER);
    expect(ack.status).toBe(200);

    const confirmation = await responses.next();
    expect(confirmation.path).toBe(request.responsePath);
    expect(JSON.stringify(confirmation.body.blocks)).toContain(
      'Was `true` (enabled) → now `false` (disabled)',
    );

    expect(await redis.get(flagKey('scan_creation'))).toBe('false');

    await vi.waitFor(() => expect(published).toHaveLength(1));
    const event = JSON.parse(published[0] ?? '{}');
    expect(event).toEqual({
      flag: 'scan_creation',
      enabled: false,
      by: APPROVER,
      reason: 'maintenance',
      at: expect.any(String),
    });
    expect(Date.parse(event.at)).not.toBeNaN();

    const audit = await redis.xrange(`${prefix}greenlight:audit`, '-', '+');
    expect(audit).toHaveLength(1);
    const fields = Object.fromEntries(chunk(audit[0]?.[1] ?? []));
    expect(fields).toMatchObject({
      action: 'flag.changed',
      flag: 'scan_creation',
      old: 'true',
      new: 'false',
      by: APPROVER,
      reason: 'maintenance',
    });

    const announcement = slack.calls.find((call) => call.method === 'chat.postMessage');
    expect(announcement?.authorization).toBe(`Bearer ${TEST_BOT_TOKEN}`);
    expect(announcement?.args.channel).toBe('#deployment-status');
    const text = JSON.stringify(announcement?.args.blocks);
    expect(text).toContain('Feature flag `scan_creation` disabled* by <@U0CAROL>');
    expect(text).toContain('maintenance');
  });

  it('accepts an approver who is in an approver user group, resolved through usergroups.list', async () => {
    await run('disable scan_creation db overload', GROUP_APPROVER);
    expect(await reply()).toContain('is now *disabled*');
    expect(await redis.get(flagKey('scan_creation'))).toBe('false');
    expect(
      slack.calls.some((call) => call.method === 'usergroups.list' && call.args.include_users === 'true'),
    ).toBe(true);
  });

  it('refuses a non-approver on a protected flag, changes nothing and says why', async () => {
    await redis.set(flagKey('scan_creation'), 'true');
    await run('disable scan_creation maintenance', ENGINEER);
    const text = await reply();
    expect(text).toContain('protected flag');
    expect(text).toContain('approvers of the production environment');
    expect(await redis.get(flagKey('scan_creation'))).toBe('true');
    expect(published).toEqual([]);
    expect(slack.calls.filter((call) => call.method === 'chat.postMessage')).toEqual([]);
    const audit = await redis.xrange(`${prefix}greenlight:audit`, '-', '+');
    expect(Object.fromEntries(chunk(audit[0]?.[1] ?? []))).toMatchObject({
      action: 'flag.refused',
      refusal: 'not-approver',
      by: ENGINEER,
    });
  });

  it('lets anyone flip an unprotected known flag', async () => {
    await run('enable email_automation', ENGINEER);
    expect(await reply()).toContain('Was not set (apps read it as disabled) → now `true` (enabled)');
    expect(await redis.get(flagKey('email_automation'))).toBe('true');
  });

  it('refuses an unknown flag with the close matches, and creates it with --create', async () => {
    await run('disable emial_automation', ENGINEER);
    const refusal = await reply();
    expect(refusal).toContain('There is no flag `emial_automation`');
    expect(refusal).toContain('`email_automation`');
    expect(await redis.exists(flagKey('emial_automation'))).toBe(0);

    await run('disable brand_new_thing --create trying it', ENGINEER);
    expect(await reply()).toContain('is now *disabled*');
    expect(await redis.get(flagKey('brand_new_thing'))).toBe('false');
  });

  it('treats a key already in Redis as a known flag', async () => {
    await redis.set(flagKey('legacy_switch'), 'true');
    await run('disable legacy_switch', ENGINEER);
    expect(await reply()).toContain('is now *disabled*');
  });

  it('answers help and bad input in the ack itself, before doing any work', async () => {
    const help = await run('help');
    expect(help.ack.status).toBe(200);
    expect(JSON.parse(help.ack.text)).toMatchObject({ response_type: 'ephemeral' });
    expect(help.ack.text).toContain('/flag disable <name>');

    const bad = await run('disable scan_creation --for forever');
    expect(JSON.parse(bad.ack.text).text).toContain('is not a duration');
    expect(await redis.exists(flagKey('scan_creation'))).toBe(0);
    expect(responses.calls).toEqual([]);
  });

  it('shows the status and list with who changed what and when', async () => {
    await run('disable email_automation noisy emails --for 30m', ENGINEER);
    await reply();

    await run('status email_automation');
    const status = await reply();
    expect(status).toContain('`false` (disabled)');
    expect(status).toContain('Last changed by <@U0ALICE>');
    expect(status).toContain('noisy emails');
    expect(status).toContain('Reverts automatically');

    await run('list');
    const list = await reply();
    expect(list).toContain('*Feature flags* (3)');
    expect(list).toMatch(/:red_circle: off {2}`email_automation`.*<@U0ALICE>/);
    expect(list).toContain('`scan_creation` :lock: · not set');
  });

  it('says what to do when the status channel cannot be told, after flipping the flag anyway', async () => {
    nock.cleanAll();
    fakeSlackApi({ 'chat.postMessage': () => ({ ok: false, error: 'not_in_channel' }) });
    responses = captureResponses();
    await run('disable email_automation', ENGINEER);
    const text = await reply();
    expect(text).toContain('is now *disabled*');
    expect(text).toContain('could not be told (not_in_channel)');
    expect(await redis.get(flagKey('email_automation'))).toBe('false');
  });

  it('refuses requests with a bad signature or a stale timestamp (401) and changes nothing', async () => {
    const forged = slashCommand('/flag', 'enable email_automation', { secret: 'not-the-secret' });
    expect((await post(bot.url, forged)).status).toBe(401);
    const stale = slashCommand('/flag', 'enable email_automation', {
      timestampSec: Math.floor(Date.now() / 1000) - 10 * 60,
    });
    expect((await post(bot.url, stale)).status).toBe(401);
    expect(await redis.exists(flagKey('email_automation'))).toBe(0);
  });

  it('counts commands on /metrics and reports ready on /readyz', async () => {
    await run('status email_automation');
    await reply();
    // Counted when the work after the ack finishes, which may be a moment after the reply left.
    await vi.waitFor(async () => {
      const metrics = await (await fetch(`${bot.url}/metrics`)).text();
      expect(metrics).toMatch(
        /greenlight_slack_requests_total\{kind="command",name="\/flag",outcome="ok"\} 1/,
      );
      expect(metrics).toMatch(
        /greenlight_slack_request_duration_seconds_count\{kind="command",name="\/flag"\} 1/,
      );
    });
    const ready = await fetch(`${bot.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ redis: 'ok' });
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
  });
});

function chunk(fields: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i < fields.length; i += 2) pairs.push([fields[i] ?? '', fields[i + 1] ?? '']);
  return pairs;
}
