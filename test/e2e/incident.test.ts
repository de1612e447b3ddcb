import { Writable } from 'node:stream';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClickResult } from '../../playground/sim/slack.js';
import { createLogger } from '../../src/logger.js';
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
import { useE2E } from '../helpers/e2e.js';

const PAGERDUTY = 'https://events.pagerduty.test';
const ROUTING_KEY = 'R0UT1NGKEYe93b1c7d2f4a4b6c8d0e2f4a';
const T0 = Date.parse('2026-03-02T10:02:00Z');
const M = 60_000;
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';

describe('/incident end to end', () => {
  const e2e = useE2E('incident');
  let clock: number;
  const logs: string[] = [];

  // PagerDuty is answered by nock; only loopback traffic (the bot, Redis, the simulators) is real.
  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  });
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => {
    clock = T0;
    logs.length = 0;
  });
  afterEach(() => {
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('')).not.toContain(ROUTING_KEY);
    nock.cleanAll();
  });

  async function start(incidents: Record<string, unknown> = {}, pager = true) {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logs.push(chunk.toString());
        done();
      },
    });
    await e2e.startBot(
      { incidents },
      {
        env: pager
          ? { PAGERDUTY_ROUTING_KEY: ROUTING_KEY, PAGERDUTY_EVENTS_URL: `${PAGERDUTY}/v2/enqueue` }
          : {},
        runtime: { logger: createLogger('debug', sink), now: () => clock },
      },
    );
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

  const command = (text: string, user = ALICE) => e2e.slack.command('/incident', text, { user });

  /** The private answer to a command (through its response_url). */
  async function answerTo(text: string, user = ALICE): Promise<string> {
    const { body } = await (await command(text, user)).answer();
    return JSON.stringify(body.blocks ?? body.text);
  }

  async function click(actionId: string, value: string): Promise<ClickResult> {
    const clicked = await e2e.slack.click({ actionId, value, user: BOB });
    expect(clicked.status).toBe(200);
    return clicked;
  }

  /** Bob submits the modal he has open with `value` typed into its input. */
  async function submit(callbackId: string, block: string, input: string, value: string) {
    const submitted = await e2e.slack.submit({
      user: BOB,
      callbackId,
      values: { [block]: { [input]: value } },
    });
    expect(submitted.status).toBe(200);
  }

  const cardCalls = () =>
    e2e.slack.calls.filter(
      (call) =>
        (call.method === 'chat.postMessage' && call.args.channel === '#incidents') ||
        call.method === 'chat.update',
    );
  const lastCard = () => JSON.stringify(cardCalls().at(-1)?.args.blocks ?? []);
  async function doc(id: string) {
    const found = await e2e.records.incident(id);
    if (!found) throw new Error(`no incident ${id}`);
    return found;
  }
  const audit = () => e2e.records.audit();

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
      '*Severity:* *SEV2* · Significant performance degradation or security breach · Assess + rollback if needed',
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
    const incidents = e2e.slack.channel('#incidents');
    expect(stored.meta.message).toEqual({ channel: incidents?.id, ts: expect.any(String) });
    expect(e2e.slack.messages('#incidents').map((message) => message.ts)).toEqual([
      (stored.meta.message as { ts: string }).ts,
    ]);
    expect(await e2e.redis.zrange(e2e.keys.incidents(), '0', '-1', 'WITHSCORES')).toEqual([
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
    await click(INCIDENT_UPDATE, 'inc-1');
    const opened = await vi.waitFor(() => {
      const call = e2e.slack.callsOf('views.open')[0];
      if (!call) throw new Error('no modal yet');
      return call.args.view;
    });
    expect(opened).toMatchObject({ callback_id: INCIDENT_UPDATE_MODAL, private_metadata: 'inc-1' });
    clock = T0 + 10 * M;
    await submit(
      INCIDENT_UPDATE_MODAL,
      INCIDENT_UPDATE_BLOCK,
      INCIDENT_UPDATE_INPUT,
      'queue drained <!channel>',
    );
    await vi.waitFor(() =>
      expect(lastCard()).toContain('T+10m [10:12] <@U0BOB>: queue drained &lt;!channel&gt;'),
    );

    // Resolve button → modal → submission with a summary.
    await click(INCIDENT_RESOLVE, 'inc-1');
    await vi.waitFor(() => expect(e2e.slack.callsOf('views.open')).toHaveLength(2));
    clock = T0 + 42 * M;
    await submit(
      INCIDENT_RESOLVE_MODAL,
      INCIDENT_SUMMARY_BLOCK,
      INCIDENT_SUMMARY_INPUT,
      'export index rebuilt',
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
    const escalate = await click(INCIDENT_ESCALATE, 'inc-1:sev3');
    await vi.waitFor(async () => expect((await doc('inc-1')).state.severity).toBe('sev2'));
    await vi.waitFor(() => expect(lastCard()).toContain('INCIDENT inc-1* · SEV2'));
    expect(lastCard()).toContain('Escalated SEV3 → SEV2 by <@U0BOB>');
    expect(pages).toEqual([]);

    // The same button clicked again on a card that had not caught up: refused, privately.
    const again = await escalate.again();
    const refusal = JSON.stringify((await again.reply()).body);
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
    await start({}, false);
    expect(await answerTo('declare sev1 Login broken')).toContain(
      'not paged: PAGERDUTY_ROUTING_KEY is not set',
    );
    expect(lastCard()).toContain('*Paging:* ⚠️ not paged: PAGERDUTY_ROUTING_KEY is not set');
  });

  it('creates the incident’s own channel, retrying a taken name with a suffix, and invites the declarer', async () => {
    // An earlier incident's channel already has the name.
    e2e.slack.workspace.addChannel({ id: 'C0OLDINC', name: 'inc-20260302-checkout-is-down-eu' });
    await start({ createChannel: true, page: [] });
    await answerTo('declare sev2 Checkout is DOWN (EU)');
    const creates = e2e.slack.callsOf('conversations.create');
    expect(creates.map((c) => c.args.name)).toEqual([
      'inc-20260302-checkout-is-down-eu',
      'inc-20260302-checkout-is-down-eu-2',
    ]);
    expect(creates.map((c) => c.response?.error)).toEqual(['name_taken', undefined]);
    const created = e2e.slack.channel('inc-20260302-checkout-is-down-eu-2');
    const invite = e2e.slack.callsOf('conversations.invite')[0];
    expect(invite?.args).toMatchObject({ channel: created?.id, users: ALICE });
    expect(created?.members.has(ALICE)).toBe(true);
    expect(lastCard()).toContain(`*Channel:* <#${created?.id}>`);
    expect((await doc('inc-1')).meta.channel).toEqual({
      id: created?.id,
      name: 'inc-20260302-checkout-is-down-eu-2',
    });
  });

  it('still declares when the channel cannot be created, and says why on the card', async () => {
    e2e.slack.failNext('conversations.create', {
      times: Number.POSITIVE_INFINITY,
      error: 'restricted_action',
    });
    await start({ createChannel: true, page: [] });
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
    await e2e.slack.command('/flag', 'disable email_automation suspected cause', { user: ALICE });
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
    expect(typo.status).toBe(200);
    expect(typo.text).toContain('`sev9` is not a severity');
    expect(typo.text).toContain('/incident declare <sev1|sev2|sev3> <title…>');
    const help = await command('help');
    expect(help.text).toContain('*Usage of /incident*');
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
