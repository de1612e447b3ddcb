import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { type Greenlight, startGreenlight } from '../../src/runtime.js';
import {
  INCIDENT_ESCALATE,
  INCIDENT_RESOLVE,
  INCIDENT_RESOLVE_MODAL,
  INCIDENT_SUMMARY_BLOCK,
  INCIDENT_SUMMARY_INPUT,
  INCIDENT_UPDATE,
  INCIDENT_UPDATE_BLOCK,
  INCIDENT_UPDATE_INPUT,
  INCIDENT_UPDATE_MODAL,
} from '../../views/ids.js';
import {
  type Capture,
  captureResponses,
  fakeSlackApi,
  isolateNetwork,
  post,
  type SlackCall,
} from '../helpers/bot.js';
import { testConfig } from '../helpers/config.js';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { buttonClick, interaction, type SignedRequest, slashCommand } from '../helpers/slack.js';

const PAGERDUTY = 'https://events.pagerduty.test';
const ROUTING_KEY = 'R0UT1NGKEYe93b1c7d2f4a4b6c8d0e2f4a';
const T0 = Date.parse('2026-03-02T10:02:00Z');
const M = 60_000;
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';

type Answers = Parameters<typeof fakeSlackApi>[0];

/** A modal submitted as Slack sends it: a signed `view_submission` with the inputs' values in `view.state`. */
function submission(
  callbackId: string,
  incidentId: string,
  block: string,
  input: string,
  value: string | null,
) {
  return interaction({
    type: 'view_submission',
    team: { id: 'T0TEST', domain: 'acme' },
    user: { id: BOB, username: 'bob', name: 'bob', team_id: 'T0TEST' },
    api_app_id: 'A0GREEN',
    token: 'deprecated-verification-token',
    trigger_id: `${Date.now()}.5678.fedcba`,
    view: {
      id: 'V0MODAL',
      team_id: 'T0TEST',
      type: 'modal',
      callback_id: callbackId,
      private_metadata: incidentId,
      hash: '1700000000.abcdef',
      title: { type: 'plain_text', text: 'Update incident' },
      blocks: [],
      state: { values: { [block]: { [input]: { type: 'plain_text_input', value } } } },
      app_id: 'A0GREEN',
      bot_id: 'B0BOT',
    },
    response_urls: [],
    is_enterprise_install: false,
  });
}

describe('/incident end to end', () => {
  let prefix: string;
  let redis: Redis;
  let slack: Capture<SlackCall>;
  let responses: Capture<{ path: string; body: Record<string, unknown> }>;
  let bot: Greenlight | undefined;
  let url: string;
  let clock: number;
  const logs: string[] = [];

  beforeAll(() => isolateNetwork());
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => {
    prefix = uniquePrefix('incident');
    redis = testRedis();
    responses = captureResponses();
    clock = T0;
    logs.length = 0;
  });
  afterEach(async () => {
    await bot?.stop();
    bot = undefined;
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('')).not.toContain(ROUTING_KEY);
    await deleteKeys(redis, prefix);
    redis.disconnect();
    nock.cleanAll();
  });

  async function start(incidents: Record<string, unknown> = {}, answers: Answers = {}, pager = true) {
    slack = fakeSlackApi(answers);
    const config = testConfig(testRedisUrl(), prefix, { incidents });
    if (pager)
      config.env = {
        ...config.env,
        PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
        PAGERDUTY_EVENTS_URL: `${PAGERDUTY}/v2/enqueue`,
      };
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logs.push(chunk.toString());
        done();
      },
    });
    bot = await startGreenlight(config, {
      logger: createLogger('debug', sink),
      botIdentity: { botId: 'B0BOT', botUserId: 'U0BOT' },
      now: () => clock,
    });
    url = `http://127.0.0.1:${bot.port}`;
  }

  /** PagerDuty's Events API: records each body and answers as told. */
  function fakePagerDuty(status = 202, answer: Record<string, unknown> = {}) {
    const bodies: Record<string, unknown>[] = [];
    nock(PAGERDUTY)
      .persist()
      .post('/v2/enqueue')
      .reply((_path, body) => {
        const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as Record<string, unknown>;
        bodies.push(parsed);
        return [
          status,
          status === 202
            ? { status: 'success', message: 'Event processed', dedup_key: parsed.dedup_key }
            : answer,
        ];
      });
    return bodies;
  }

  async function command(text: string, userId = ALICE) {
    const request = slashCommand('/incident', text, { userId });
    const ack = await post(url, request);
    expect(ack.status).toBe(200);
    return { ack, request };
  }

  /** The private answer to a command (through its response_url). */
  async function answerTo(text: string, userId = ALICE): Promise<string> {
    const { request } = await command(text, userId);
    const reply = await vi.waitFor(() => {
      const found = responses.calls.find((call) => call.path === request.responsePath);
      if (!found) throw new Error('no reply yet');
      return found;
    });
    return JSON.stringify(reply.body.blocks ?? reply.body.text);
  }

  async function click(request: SignedRequest) {
    expect((await post(url, request)).status).toBe(200);
  }

  const cardCalls = () =>
    slack.calls.filter(
      (call) =>
        (call.method === 'chat.postMessage' && call.args.channel === '#incidents') ||
        call.method === 'chat.update',
    );
  const lastCard = () => JSON.stringify(cardCalls().at(-1)?.args.blocks ?? []);

  async function doc(id: string) {
    return JSON.parse((await redis.hget(`${prefix}greenlight:incident:${id}`, 'doc')) ?? 'null');
  }

  async function audit(): Promise<Record<string, string>[]> {
    const entries = await redis.xrange(`${prefix}greenlight:audit`, '-', '+');
    return entries.map(([, fields]) => {
      const out: Record<string, string> = {};
      for (let i = 0; i < fields.length; i += 2) out[fields[i] as string] = fields[i + 1] as string;
      return out;
    });
  }

  it('declares: the card in #incidents carries the runbooks’ template, the incident is stored, indexed and audited', async () => {
    await start();
    const reply = await answerTo('declare sev2 Checkout p95 doubled');
    expect(reply).toContain('Declared `inc-1` (SEV2): Checkout p95 doubled.');

    const posted = cardCalls()[0];
    expect(posted?.method).toBe('chat.postMessage');
    expect(posted?.args.channel).toBe('#incidents');
    const card = lastCard();
    for (const field of [
      '🚨 *PRODUCTION INCIDENT inc-1* · SEV2',
      '*Status:* 🔴 Open · respond within 15m (by [10:17] UTC)',
      '*Severity:* *SEV2* · Significant performance degradation or security breach · respond within 15m · Assess + rollback if needed',
      '*Affected:* *production*',
      '*Impact:* Checkout p95 doubled',
      '*Paging:* not paged (SEV2 does not page; `incidents.page`: SEV1)',
      '*Timeline:*\\nT+0 [10:02] Declared SEV2 by <@U0ALICE>',
      '*Next steps:*\\n• Assess + rollback if needed',
    ])
      expect(card).toContain(field);
    for (const action of [INCIDENT_UPDATE, INCIDENT_RESOLVE, INCIDENT_ESCALATE])
      expect(card).toContain(action);

    const stored = await doc('inc-1');
    expect(stored.state).toMatchObject({
      id: 'inc-1',
      severity: 'sev2',
      status: 'open',
      title: 'Checkout p95 doubled',
      declaredBy: ALICE,
      declaredAt: T0,
      env: 'production',
    });
    expect(stored.meta.message).toEqual({ channel: 'C0STATUS', ts: expect.any(String) });
    expect(await redis.zrange(`${prefix}greenlight:incidents`, '0', '-1', 'WITHSCORES')).toEqual([
      'inc-1',
      String(T0),
    ]);
    expect(await audit()).toContainEqual(
      expect.objectContaining({
        action: 'incident.declared',
        incident: 'inc-1',
        severity: 'sev2',
        by: ALICE,
      }),
    );
    expect(await answerTo('list')).toContain('`inc-1` *SEV2* Checkout p95 doubled · production');
  });

  it('updates from the command and from the modal, re-rendering the card; resolves with a summary and the time to resolve', async () => {
    await start();
    await answerTo('declare sev3 Exports slow');
    clock = T0 + 4 * M;
    expect(await answerTo('update inc-1 rolled back the export worker', BOB)).toContain('Added to `inc-1`');
    await vi.waitFor(() => expect(cardCalls().at(-1)?.method).toBe('chat.update'));
    expect(lastCard()).toContain('T+4m [10:06] <@U0BOB>: rolled back the export worker');

    // Update button → modal → submission.
    await click(buttonClick(INCIDENT_UPDATE, 'inc-1', BOB));
    const opened = await vi.waitFor(() => {
      const call = slack.calls.find((c) => c.method === 'views.open');
      if (!call) throw new Error('no modal yet');
      return JSON.parse(String(call.args.view));
    });
    expect(opened).toMatchObject({ callback_id: INCIDENT_UPDATE_MODAL, private_metadata: 'inc-1' });
    clock = T0 + 10 * M;
    await click(
      submission(
        INCIDENT_UPDATE_MODAL,
        'inc-1',
        INCIDENT_UPDATE_BLOCK,
        INCIDENT_UPDATE_INPUT,
        'queue drained <!channel>',
      ),
    );
    await vi.waitFor(() =>
      expect(lastCard()).toContain('T+10m [10:12] <@U0BOB>: queue drained &lt;!channel&gt;'),
    );

    // Resolve button → modal → submission with a summary.
    await click(buttonClick(INCIDENT_RESOLVE, 'inc-1', BOB));
    await vi.waitFor(() => expect(slack.calls.filter((c) => c.method === 'views.open')).toHaveLength(2));
    clock = T0 + 42 * M;
    await click(
      submission(
        INCIDENT_RESOLVE_MODAL,
        'inc-1',
        INCIDENT_SUMMARY_BLOCK,
        INCIDENT_SUMMARY_INPUT,
        'export index rebuilt',
      ),
    );
    await vi.waitFor(async () => expect((await doc('inc-1')).state.status).toBe('resolved'));
    const stored = await doc('inc-1');
    expect(stored.state).toMatchObject({
      resolvedAt: T0 + 42 * M,
      resolvedBy: BOB,
      summary: 'export index rebuilt',
    });
    await vi.waitFor(() => expect(lastCard()).toContain('✅ *RESOLVED inc-1* · SEV3'));
    const card = lastCard();
    expect(card).toContain('*Status:* ✅ Resolved by <@U0BOB> · time to resolve *42m*');
    expect(card).toContain('*Summary:* export index rebuilt');
    expect(card).not.toContain(INCIDENT_UPDATE);
    expect(await audit()).toContainEqual(
      expect.objectContaining({
        action: 'incident.resolved',
        incident: 'inc-1',
        timeToResolveMs: String(42 * M),
      }),
    );
    // A resolved incident takes no more updates.
    expect(await answerTo('update inc-1 again?', BOB)).toContain('already resolved');
  });

  it('escalates from the card, refuses a stale second click, and pages once the severity pages', async () => {
    const pages = fakePagerDuty();
    await start();
    await answerTo('declare sev3 Search results stale');
    await click(buttonClick(INCIDENT_ESCALATE, 'inc-1:sev3', BOB, '/actions/escalate-1'));
    await vi.waitFor(async () => expect((await doc('inc-1')).state.severity).toBe('sev2'));
    await vi.waitFor(() => expect(lastCard()).toContain('INCIDENT inc-1* · SEV2'));
    expect(lastCard()).toContain('Escalated SEV3 → SEV2 by <@U0BOB>');
    expect(pages).toEqual([]);

    // The same button clicked again on a card that had not caught up: refused, privately.
    await click(buttonClick(INCIDENT_ESCALATE, 'inc-1:sev3', BOB, '/actions/escalate-2'));
    const refusal = await vi.waitFor(() => {
      const found = responses.calls.find((call) => call.path === '/actions/escalate-2');
      if (!found) throw new Error('no refusal yet');
      return JSON.stringify(found.body);
    });
    expect(refusal).toContain('inc-1 is already SEV2; nothing was changed.');
    expect((await doc('inc-1')).state.severity).toBe('sev2');

    expect(await answerTo('escalate inc-1', BOB)).toContain('`inc-1` is now SEV1');
    await vi.waitFor(() => expect(pages).toHaveLength(1));
    expect(pages[0]).toMatchObject({
      event_action: 'trigger',
      dedup_key: 'greenlight-inc-1',
      payload: { severity: 'critical' },
    });
    await vi.waitFor(() => expect(lastCard()).toContain('📟 PagerDuty paged'));
    expect(lastCard()).not.toContain(INCIDENT_ESCALATE);
  });

  it('pages PagerDuty for a SEV1 with the exact Events API v2 body, and resolves it with the same dedup_key', async () => {
    const pages = fakePagerDuty();
    await start();
    const reply = await answerTo('declare sev1 API down for all users');
    expect(reply).not.toContain('⚠️');
    expect(pages).toEqual([
      {
        routing_key: ROUTING_KEY,
        event_action: 'trigger',
        dedup_key: 'greenlight-inc-1',
        payload: {
          summary: '[SEV1] inc-1: API down for all users (production)',
          source: 'greenlight',
          severity: 'critical',
          custom_details: {
            incident: 'inc-1',
            severity: 'SEV1',
            title: 'API down for all users',
            declared_by: ALICE,
            declared_at: '2026-03-02T10:02:00.000Z',
            respond_within: '5m',
            action: 'Immediate rollback + escalation',
            environment: 'production',
          },
        },
      },
    ]);
    expect(lastCard()).toContain('*Paging:* 📟 PagerDuty paged (`greenlight-inc-1`)');
    expect((await doc('inc-1')).meta.paging).toMatchObject({ action: 'trigger', status: 'sent' });

    clock = T0 + 17 * M;
    expect(await answerTo('resolve inc-1 failover completed', BOB)).toContain('`inc-1` resolved after 17m');
    expect(pages[1]).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: 'greenlight-inc-1',
    });
    await vi.waitFor(() => expect(lastCard()).toContain('PagerDuty incident resolved (`greenlight-inc-1`)'));
    const actions = (await audit()).map((entry) => entry.action);
    expect(actions.filter((action) => action === 'incident.paged')).toHaveLength(2);
  });

  it('shows a PagerDuty refusal on the card, tells the declarer, and audits it', async () => {
    fakePagerDuty(400, {
      status: 'invalid event',
      message: 'Event object is invalid',
      errors: ["'routing_key' is invalid"],
    });
    await start();
    const reply = await answerTo('declare sev1 Database corrupted');
    const expected =
      "paging failed: PagerDuty refused the event (400 Event object is invalid: 'routing_key' is invalid)";
    expect(reply).toContain(expected);
    expect(lastCard()).toContain(`*Paging:* ⚠️ ${expected}`);
    expect(await audit()).toContainEqual(
      expect.objectContaining({ action: 'incident.page_failed', incident: 'inc-1', pagerAction: 'trigger' }),
    );
    expect((await doc('inc-1')).state.status).toBe('open');
  });

  it('shows an unreachable PagerDuty on the card; the incident still works', async () => {
    await start(); // nothing answers for the events URL: the connection is refused by the network isolation
    const reply = await answerTo('declare sev1 Payments failing');
    expect(reply).toContain('paging failed: PagerDuty unreachable');
    expect(lastCard()).toContain('*Paging:* ⚠️ paging failed: PagerDuty unreachable');
    expect(await answerTo('update inc-1 paging by phone', BOB)).toContain('Added to `inc-1`');
  });

  it('says so when a paging severity is declared without PAGERDUTY_ROUTING_KEY', async () => {
    await start({}, {}, false);
    expect(await answerTo('declare sev1 Login broken')).toContain(
      'not paged: PAGERDUTY_ROUTING_KEY is not set',
    );
    expect(lastCard()).toContain('*Paging:* ⚠️ not paged: PAGERDUTY_ROUTING_KEY is not set');
  });

  it('creates the incident’s own channel, retrying a taken name with a suffix, and invites the declarer', async () => {
    let creates = 0;
    await start(
      { createChannel: true, page: [] },
      {
        'conversations.create': (args) =>
          ++creates === 1
            ? { ok: false, error: 'name_taken' }
            : { ok: true, channel: { id: 'C0INC1', name: args.name, is_channel: true } },
        'conversations.invite': (args) => ({ ok: true, channel: { id: args.channel } }),
      },
    );
    await answerTo('declare sev2 Checkout is DOWN (EU)');
    const created = slack.calls.filter((c) => c.method === 'conversations.create').map((c) => c.args.name);
    expect(created).toEqual(['inc-20260302-checkout-is-down-eu', 'inc-20260302-checkout-is-down-eu-2']);
    const invite = slack.calls.find((c) => c.method === 'conversations.invite');
    expect(invite?.args).toMatchObject({ channel: 'C0INC1', users: ALICE });
    expect(lastCard()).toContain('*Channel:* <#C0INC1>');
    expect((await doc('inc-1')).meta.channel).toEqual({
      id: 'C0INC1',
      name: 'inc-20260302-checkout-is-down-eu-2',
    });
  });

  it('still declares when the channel cannot be created, and says why on the card', async () => {
    await start(
      { createChannel: true, page: [] },
      { 'conversations.create': () => ({ ok: false, error: 'restricted_action' }) },
    );
    const reply = await answerTo('declare sev2 Webhooks delayed');
    expect(reply).toContain('Declared `inc-1`');
    expect(reply).toContain('channel not created: restricted_action');
    expect(lastCard()).toContain('*Channel:* ⚠️ channel not created: restricted_action');
    expect((await doc('inc-1')).state.status).toBe('open');
    expect(await audit()).toContainEqual(
      expect.objectContaining({ action: 'incident.channel_failed', error: 'restricted_action' }),
    );
  });

  it('puts a flag flip made during an open incident on its timeline, and not on a resolved one', async () => {
    await start();
    await answerTo('declare sev3 Old one');
    await answerTo('resolve inc-1');
    await answerTo('declare sev2 Scan errors');
    const before = (await doc('inc-1')).state.timeline.length;
    clock = T0 + 3 * M;
    const flip = slashCommand('/flag', 'disable email_automation suspected cause', { userId: ALICE });
    await post(url, flip);
    await vi.waitFor(async () => expect((await doc('inc-2')).state.timeline).toHaveLength(2));
    expect((await doc('inc-2')).state.timeline[1]).toEqual({
      at: T0 + 3 * M,
      by: ALICE,
      text: 'Flag `email_automation` disabled by <@U0ALICE>: suspected cause',
    });
    await vi.waitFor(() =>
      expect(lastCard()).toContain(
        'T+3m [10:05] Flag `email_automation` disabled by <@U0ALICE>: suspected cause',
      ),
    );
    expect((await doc('inc-1')).state.timeline).toHaveLength(before);
  });

  it('answers typos with the usage in the ack, and an unknown id with a clear sentence', async () => {
    await start();
    const typo = await command('declare sev9 everything');
    expect(typo.ack.text).toContain('`sev9` is not a severity');
    expect(typo.ack.text).toContain('/incident declare <sev1|sev2|sev3> <title…>');
    const help = await command('help');
    expect(help.ack.text).toContain('*Usage of /incident*');
    expect(await answerTo('update inc-99 hello')).toContain(
      'There is no incident `inc-99`. `/incident list` shows the open ones.',
    );
    expect(await answerTo('declare sev2 Thing broke --env nowhere')).toContain(
      'There is no environment `nowhere`',
    );
    expect(await audit()).toContainEqual(
      expect.objectContaining({ action: 'incident.refused', incident: 'inc-99', refusal: 'unknown' }),
    );
    expect(await answerTo('list')).toContain('No open incidents');
  });
});
