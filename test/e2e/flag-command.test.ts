import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CommandResult } from '../../playground/sim/slack.js';
import { useE2E } from '../helpers/e2e.js';
import { testRedis } from '../helpers/redis.js';

const APPROVER = 'U0CAROL'; // listed by ID in production approvers
const GROUP_APPROVER = 'U0DAVE'; // member of @release-managers
const ENGINEER = 'U0ALICE';

describe('/flag over the wire', () => {
  const e2e = useE2E('flag');
  let subscriber: Redis;
  const published: string[] = [];

  beforeEach(async () => {
    subscriber = testRedis();
    published.length = 0;
    await subscriber.subscribe(`${e2e.prefix}greenlight:flags`);
    subscriber.on('message', (_channel, message) => published.push(message));
    await e2e.startBot();
  });

  afterEach(() => subscriber.disconnect());

  const flagKey = (name: string) => e2e.keys.flag(name);
  let last: CommandResult | undefined;

  async function run(text: string, user = ENGINEER): Promise<CommandResult> {
    last = await e2e.slack.command('/flag', text, { user });
    return last;
  }

  /** The private answer to the last command: in its ack (a quick read) or through its response_url. */
  async function reply(): Promise<string> {
    const { body } = await (last as CommandResult).answer();
    expect(body.response_type).toBe('ephemeral');
    return JSON.stringify(body.blocks ?? body.text);
  }

  it('lets an approver disable a protected flag: Redis, pub/sub, audit, announcement and a private confirmation', async () => {
    await e2e.redis.set(flagKey('scan_creation'), 'true');
    const command = await run('disable scan_creation maintenance', APPROVER);
    expect(command.status).toBe(200);

    const confirmation = await command.reply();
    expect(e2e.slack.responses).toEqual([confirmation]);
    expect(JSON.stringify(confirmation.body.blocks)).toContain(
      'Was `true` (enabled) → now `false` (disabled)',
    );

    expect(await e2e.redis.get(flagKey('scan_creation'))).toBe('false');

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

    const audit = await e2e.records.audit();
    expect(audit).toHaveLength(1);
    const fields = audit[0];
    expect(fields).toMatchObject({
      action: 'flag.changed',
      flag: 'scan_creation',
      old: 'true',
      new: 'false',
      by: APPROVER,
      reason: 'maintenance',
    });

    const announcement = e2e.slack.calls.find((call) => call.method === 'chat.postMessage');
    expect(announcement).toMatchObject({ token: 'bot', auth: 'bearer' });
    expect(announcement?.args.channel).toBe('#deployment-status');
    expect(e2e.slack.messages('#deployment-status')).toHaveLength(1);
    const text = JSON.stringify(announcement?.args.blocks);
    expect(text).toContain('Feature flag `scan_creation` disabled* by <@U0CAROL>');
    expect(text).toContain('maintenance');
  });

  it('accepts an approver who is in an approver user group, resolved through usergroups.list', async () => {
    await run('disable scan_creation db overload', GROUP_APPROVER);
    expect(await reply()).toContain('is now *disabled*');
    expect(await e2e.redis.get(flagKey('scan_creation'))).toBe('false');
    expect(
      e2e.slack.calls.some((call) => call.method === 'usergroups.list' && call.args.include_users === 'true'),
    ).toBe(true);
  });

  it('refuses a non-approver on a protected flag, changes nothing and says why', async () => {
    await e2e.redis.set(flagKey('scan_creation'), 'true');
    await run('disable scan_creation maintenance', ENGINEER);
    const text = await reply();
    expect(text).toContain('protected flag');
    expect(text).toContain('approvers of the production environment');
    expect(await e2e.redis.get(flagKey('scan_creation'))).toBe('true');
    expect(published).toEqual([]);
    expect(e2e.slack.calls.filter((call) => call.method === 'chat.postMessage')).toEqual([]);
    const audit = await e2e.records.audit();
    expect(audit[0]).toMatchObject({
      action: 'flag.refused',
      refusal: 'not-approver',
      by: ENGINEER,
    });
  });

  it('lets anyone flip an unprotected known flag', async () => {
    await run('enable email_automation', ENGINEER);
    expect(await reply()).toContain('Was not set (apps read it as disabled) → now `true` (enabled)');
    expect(await e2e.redis.get(flagKey('email_automation'))).toBe('true');
  });

  it('refuses an unknown flag with the close matches, and creates it with --create', async () => {
    await run('disable emial_automation', ENGINEER);
    const refusal = await reply();
    expect(refusal).toContain('There is no flag `emial_automation`');
    expect(refusal).toContain('`email_automation`');
    expect(await e2e.redis.exists(flagKey('emial_automation'))).toBe(0);

    await run('disable brand_new_thing --create trying it', ENGINEER);
    expect(await reply()).toContain('is now *disabled*');
    expect(await e2e.redis.get(flagKey('brand_new_thing'))).toBe('false');
  });

  it('treats a key already in Redis as a known flag', async () => {
    await e2e.redis.set(flagKey('legacy_switch'), 'true');
    await run('disable legacy_switch', ENGINEER);
    expect(await reply()).toContain('is now *disabled*');
  });

  it('answers help and bad input in the ack itself, before doing any work', async () => {
    const help = await run('help');
    expect(help.status).toBe(200);
    expect(help.json).toMatchObject({ response_type: 'ephemeral' });
    expect(help.text).toContain('/flag disable <name>');

    const bad = await run('disable scan_creation --for forever');
    expect(bad.json?.text).toContain('is not a duration');
    expect(await e2e.redis.exists(flagKey('scan_creation'))).toBe(0);
    expect(e2e.slack.responses).toEqual([]);
  });

  it('shows the status and list with who changed what and when', async () => {
    await run('disable email_automation noisy emails --for 30m', ENGINEER);
    await reply();

    const asked = await run('status email_automation');
    // A read of Redis is answered in the ack itself: no second request from the bot, and no wait for one.
    expect((await asked.answer()).via).toBe('ack');
    const status = await reply();
    expect(status).toContain('`false` (disabled)');
    expect(status).toContain('Last changed by <@U0ALICE>');
    expect(status).toContain('noisy emails');
    expect(status).toContain('Reverts automatically');

    expect((await run('list')).json?.response_type).toBe('ephemeral');
    const list = await reply();
    expect(list).toContain('*Feature flags* (3)');
    expect(list).toMatch(/:red_circle: off {2}`email_automation`.*<@U0ALICE>/);
    expect(list).toContain('`scan_creation` :lock: · not set');
  });

  it('says what to do when the status channel cannot be told, after flipping the flag anyway', async () => {
    // The bot was never invited to the status channel and may not post in channels it is not in.
    e2e.slack.scopes.delete('chat:write.public');
    e2e.slack.channel('#deployment-status')?.members.delete('U0BOT');
    await run('disable email_automation', ENGINEER);
    const text = await reply();
    expect(text).toContain('is now *disabled*');
    expect(text).toContain('could not be told (not_in_channel)');
    expect(await e2e.redis.get(flagKey('email_automation'))).toBe('false');
  });

  it('refuses requests with a bad signature or a stale timestamp (401) and changes nothing', async () => {
    const forged = e2e.slack.commandRequest('/flag', 'enable email_automation', {
      user: ENGINEER,
      secret: 'not-the-secret',
    });
    expect((await e2e.slack.send(forged.request)).status).toBe(401);
    const stale = e2e.slack.commandRequest('/flag', 'enable email_automation', {
      user: ENGINEER,
      timestampSec: Math.floor(Date.now() / 1000) - 10 * 60,
    });
    expect((await e2e.slack.send(stale.request)).status).toBe(401);
    expect(await e2e.redis.exists(flagKey('email_automation'))).toBe(0);
  });

  it('counts commands on /metrics and reports ready on /readyz', async () => {
    await run('status email_automation');
    await reply();
    // Counted when the work after the ack finishes, which may be a moment after the reply left.
    await vi.waitFor(async () => {
      const metrics = await (await fetch(`${e2e.url}/metrics`)).text();
      expect(metrics).toMatch(
        /greenlight_slack_requests_total\{kind="command",name="\/flag",outcome="ok"\} 1/,
      );
      expect(metrics).toMatch(
        /greenlight_slack_request_duration_seconds_count\{kind="command",name="\/flag"\} 1/,
      );
    });
    const ready = await fetch(`${e2e.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ redis: 'ok' });
    expect((await fetch(`${e2e.url}/healthz`)).status).toBe(200);
  });
});
