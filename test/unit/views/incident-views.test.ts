import type { ModalView } from '@slack/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IncidentEntry, IncidentState, Severity } from '../../../src/domain/incidents/incident.js';
import type { IncidentRecord } from '../../../src/domain/incidents/incident-record.js';
import {
  declareIncident,
  resolveIncident,
  updateIncident,
} from '../../../src/domain/incidents/incident-rules.js';
import {
  DEFAULT_SEVERITY_POLICY,
  type SeverityPolicy,
} from '../../../src/domain/incidents/severity-policy.js';
import type { SlackMessage } from '../../../views/format.js';
import {
  INCIDENT_ACTIONS_BLOCK,
  INCIDENT_ESCALATE,
  INCIDENT_RESOLVE,
  INCIDENT_RESOLVE_MODAL,
  INCIDENT_SUMMARY_BLOCK,
  INCIDENT_UPDATE,
  INCIDENT_UPDATE_BLOCK,
  INCIDENT_UPDATE_MODAL,
} from '../../../views/ids.js';
import {
  escalateValue,
  escalateValueOf,
  type IncidentCardContext,
  incidentCard,
  incidentDeclaredReply,
  incidentListReply,
  resolveModal,
  sinceDeclared,
  updateModal,
} from '../../../views/incident-views.js';
import {
  buttons,
  loose,
  expectModalWithinLimits as modalWithinLimits,
  shown,
  texts,
  expectWithinSlackLimits as withinSlackLimits,
} from '../../helpers/block-kit.js';

const T0 = Date.parse('2026-03-02T10:02:00Z');
const M = 60_000;
const ctx: IncidentCardContext = {
  policy: DEFAULT_SEVERITY_POLICY,
  page: ['sev1'],
  pagerConfigured: true,
  createChannel: false,
};

/** Slack's own markup the card may emit; anything else with `<` or `>` is an injection. */
const ALLOWED_MARKUP =
  /<@[UW][A-Z0-9]+>|<#[CG][A-Z0-9]+>|<!date\^\d+\^[^|>]+\|[^<>]+>|<https?:\/\/[^\s<>|]+\|[^<>|]+>/g;

const expectWithinSlackLimits = (message: SlackMessage) => withinSlackLimits(message, ALLOWED_MARKUP);

const expectModalWithinLimits = (modal: ModalView) => modalWithinLimits(modal, ALLOWED_MARKUP);

function record(state: IncidentState, meta: IncidentRecord['meta'] = {}): IncidentRecord {
  return { state, meta };
}

function incident(severity: Severity = 'sev1', title = 'API returns 5xx for every scan'): IncidentState {
  return declareIncident({ id: 'inc-7', severity, title, by: 'U0ALICE', at: T0, env: 'production' });
}

describe('incidentCard', () => {
  it('fills in the runbooks’ template: status, severity with its policy, affected, impact, timeline, next steps', () => {
    let state = incident('sev1');
    const update = updateIncident(state, 'U0BOB', 'rolled back api to v41', T0 + 4 * M);
    if (!update.ok) throw new Error('refused');
    state = update.state;
    const card = incidentCard(
      record(state, { paging: { dedupKey: 'greenlight-inc-7', action: 'trigger', status: 'sent', at: T0 } }),
      ctx,
    );
    const text = shown(card);
    expect(text).toContain('🚨 *PRODUCTION INCIDENT inc-7* · SEV1');
    expect(text).toContain('*Status:* 🔴 Open · respond within 5m (by [10:07] UTC)');
    expect(text).toContain(
      '*Severity:* *SEV1* · Complete service outage or data loss · Immediate rollback + escalation',
    );
    expect(text).toContain('*Affected:* *production*');
    expect(text).toContain('*Impact:* API returns 5xx for every scan');
    expect(text).toContain('*Paging:* 📟 PagerDuty paged (`greenlight-inc-7`)');
    expect(text).toContain(
      '*Timeline:*\nT+0 [10:02] Declared SEV1 by <@U0ALICE>\nT+4m [10:06] <@U0BOB>: rolled back api to v41',
    );
    expect(text).toContain('*Next steps:*\n• Immediate rollback + escalation');
    expect(text).toContain('• Root cause analysis');
    expect(card.text).toBe('🚨 inc-7 SEV1 open: API returns 5xx for every scan');
    // SEV1 is the top: no Escalate button.
    expect(buttons(card).map((b) => b.action_id)).toEqual([INCIDENT_UPDATE, INCIDENT_RESOLVE]);
    expectWithinSlackLimits(card);
  });

  it('offers Escalate below SEV1, carrying the severity shown, behind a confirmation', () => {
    const card = incidentCard(record(incident('sev3')), ctx);
    const escalate = buttons(card).find((b) => b.action_id === INCIDENT_ESCALATE);
    expect(escalate?.value).toBe('inc-7:sev3');
    expect(escalate?.confirm?.title.text).toBe('Escalate to SEV2?');
    expect(escalateValueOf(escalate?.value ?? '')).toEqual({ id: 'inc-7', from: 'sev3' });
    expect(escalateValueOf('inc-7')).toBeUndefined();
    expect(escalateValue({ id: 'inc-9', severity: 'sev2' })).toBe('inc-9:sev2');
    expect(shown(card)).toContain('*Paging:* not paged (SEV3 does not page; `incidents.page`: SEV1)');
  });

  it('shows resolution, summary and time to resolve, without buttons', () => {
    const resolved = resolveIncident(incident('sev2'), {
      by: 'U0BOB',
      at: T0 + 42 * M,
      summary: 'bad index',
    });
    if (!resolved.ok) throw new Error('refused');
    const card = incidentCard(
      record(resolved.state, {
        paging: { dedupKey: 'greenlight-inc-7', action: 'resolve', status: 'sent', at: T0 },
      }),
      ctx,
    );
    const text = shown(card);
    expect(text).toContain('✅ *RESOLVED inc-7* · SEV2');
    expect(text).toContain('*Status:* ✅ Resolved by <@U0BOB> · time to resolve *42m*');
    expect(text).toContain('*Summary:* bad index');
    expect(text).toContain('T+42m [10:44] Resolved by <@U0BOB> after 42m: bad index');
    expect(text).toContain('PagerDuty incident resolved');
    expect(buttons(card)).toEqual([]);
    expectWithinSlackLimits(card);
  });

  it('says what failed: paging, the channel, the invite, the missing routing key', () => {
    const failed = incidentCard(
      record(incident(), {
        paging: {
          dedupKey: 'greenlight-inc-7',
          action: 'trigger',
          status: 'failed',
          at: T0,
          error: 'PagerDuty refused the event (400 Event object is invalid)',
        },
        channel: { error: 'restricted_action' },
      }),
      { ...ctx, createChannel: true },
    );
    expect(shown(failed)).toContain(
      '*Paging:* ⚠️ paging failed: PagerDuty refused the event (400 Event object is invalid)',
    );
    expect(shown(failed)).toContain('*Channel:* ⚠️ channel not created: restricted_action');
    const invited = incidentCard(
      record(incident(), {
        channel: { id: 'C0INC', name: 'inc-20260302-api' },
        inviteError: 'cant_invite_self',
      }),
      { ...ctx, pagerConfigured: false },
    );
    expect(shown(invited)).toContain('*Channel:* <#C0INC> (⚠️ could not invite <@U0ALICE>: cant_invite_self)');
    expect(shown(invited)).toContain('*Paging:* ⚠️ not paged: PAGERDUTY_ROUTING_KEY is not set');
  });

  it('escapes what people typed, so a title or an update cannot ping the channel', () => {
    const state = incident('sev2', '<!channel> <https://evil.example|click> & co');
    const noted = updateIncident(state, 'U0BOB', '<!here> @everyone <#C0GENERAL>', T0 + M);
    if (!noted.ok) throw new Error('refused');
    const card = incidentCard(record(noted.state), ctx);
    expect(shown(card)).toContain('&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; co');
    expectWithinSlackLimits(card);
  });

  it('keeps the newest entries of a very long timeline and says how many are left out', () => {
    let state = incident('sev2');
    for (let i = 1; i <= 400; i += 1) {
      const next = updateIncident(state, 'U0BOB', `step ${i} ${'x'.repeat(400)}`, T0 + i * M);
      if (!next.ok) throw new Error('refused');
      state = next.state;
    }
    const card = incidentCard(record(state), ctx);
    expectWithinSlackLimits(card);
    expect(shown(card)).toContain('step 400 ');
    expect(shown(card)).toMatch(/_\d+ earlier timeline entries are not shown\._/);
    expect(shown(card)).not.toContain('Declared SEV2');
  });

  it('counts T+ the way the runbooks do', () => {
    expect(sinceDeclared(T0, T0)).toBe('T+0');
    expect(sinceDeclared(T0 + 30_000, T0)).toBe('T+30s');
    expect(sinceDeclared(T0 + 4 * M + 59_000, T0)).toBe('T+4m');
    expect(sinceDeclared(T0 + 65 * M, T0)).toBe('T+1h05m');
  });

  const severity = fc.constantFrom<Severity>('sev1', 'sev2', 'sev3');
  const nasty = fc.oneof(
    fc.string({ maxLength: 2_000 }),
    fc.constantFrom(
      '<!channel>',
      '<@U0X|x>',
      '&&&&',
      '<https://a.b|c>',
      '`',
      '*',
      '>'.repeat(1_500),
      '🔥'.repeat(900),
    ),
  );
  const entry = fc.record<IncidentEntry>({
    at: fc.integer({ min: T0, max: T0 + 48 * 60 * M }),
    by: fc.oneof(fc.constant('greenlight'), fc.constant('U0BOB'), fc.string({ maxLength: 40 })),
    text: nasty,
  });
  const rule = fc.record({
    respondWithin: fc.integer({ min: 1_000, max: 7 * 24 * 60 * M }),
    action: fc.string({ minLength: 1, maxLength: 200 }),
    meaning: fc.string({ minLength: 1, maxLength: 200 }),
  });
  const policy: fc.Arbitrary<SeverityPolicy> = fc.record({ sev1: rule, sev2: rule, sev3: rule });
  const paging = fc.option(
    fc.record({
      dedupKey: fc.constant('greenlight-inc-7'),
      action: fc.constantFrom<'trigger' | 'resolve'>('trigger', 'resolve'),
      status: fc.constantFrom<'sent' | 'failed'>('sent', 'failed'),
      at: fc.constant(T0),
      error: fc.string({ maxLength: 2_000 }),
    }),
    { nil: undefined },
  );
  const channel = fc.option(
    fc.oneof(
      fc.record({ id: fc.constantFrom('C0INC', 'not-an-id'), name: fc.string({ maxLength: 200 }) }),
      fc.record({ error: fc.string({ maxLength: 2_000 }) }),
    ),
    { nil: undefined },
  );
  const scenario = fc.record({
    severity,
    title: nasty,
    env: fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
    deploymentId: fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
    timeline: fc.array(entry, { maxLength: 150 }),
    resolved: fc.boolean(),
    summary: fc.option(nasty, { nil: undefined }),
    paging,
    channel,
    inviteError: fc.option(fc.string({ maxLength: 500 }), { nil: undefined }),
    cardError: fc.option(fc.string({ maxLength: 500 }), { nil: undefined }),
    rollback: fc.option(
      fc.record({
        reason: nasty,
        readings: fc.option(nasty, { nil: undefined }),
        runUrl: fc.option(fc.oneof(fc.webUrl(), fc.string({ maxLength: 500 })), { nil: undefined }),
        version: fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
      }),
      { nil: undefined },
    ),
    policy,
    page: fc.subarray<Severity>(['sev1', 'sev2', 'sev3']),
    pagerConfigured: fc.boolean(),
    createChannel: fc.boolean(),
  });

  it('stays within Slack’s limits and escapes every text, for any incident (property)', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const state: IncidentState = {
          id: 'inc-7',
          severity: s.severity,
          title: s.title,
          status: s.resolved ? 'resolved' : 'open',
          declaredBy: 'U0ALICE',
          declaredAt: T0,
          timeline: [{ at: T0, by: 'U0ALICE', text: 'Declared by <@U0ALICE>' }, ...s.timeline],
          ...(s.env === undefined ? {} : { env: s.env }),
          ...(s.deploymentId === undefined ? {} : { deploymentId: s.deploymentId }),
          ...(s.resolved ? { resolvedAt: T0 + 90 * M, resolvedBy: 'U0BOB' } : {}),
          ...(s.summary === undefined ? {} : { summary: s.summary }),
        };
        const meta: IncidentRecord['meta'] = {
          ...(s.paging ? { paging: s.paging } : {}),
          ...(s.channel ? { channel: s.channel } : {}),
          ...(s.inviteError ? { inviteError: s.inviteError } : {}),
          ...(s.cardError ? { cardError: s.cardError } : {}),
          ...(s.rollback ? { rollback: s.rollback } : {}),
        };
        const card = incidentCard(record(state, meta), {
          policy: s.policy,
          page: s.page,
          pagerConfigured: s.pagerConfigured,
          createChannel: s.createChannel,
        });
        expectWithinSlackLimits(card);
        const ids = buttons(card).map((b) => b.action_id);
        if (s.resolved) expect(ids).toEqual([]);
        else
          expect(ids).toEqual(
            s.severity === 'sev1'
              ? [INCIDENT_UPDATE, INCIDENT_RESOLVE]
              : [INCIDENT_UPDATE, INCIDENT_RESOLVE, INCIDENT_ESCALATE],
          );
        expect(loose(card).filter((b) => b.block_id === INCIDENT_ACTIONS_BLOCK).length).toBe(
          s.resolved ? 0 : 1,
        );
        // The newest entry is always on the card, last in the timeline, just above the next steps.
        const newest = state.timeline.at(-1) as IncidentEntry;
        const sections = texts(card);
        const before = sections[sections.findIndex((text) => text.startsWith('*Next steps:*')) - 1] ?? '';
        const stamp = `${sinceDeclared(newest.at, T0)} [${new Date(newest.at).toISOString().slice(11, 16)}] `;
        expect(before.split('\n').at(-1)?.startsWith(stamp)).toBe(true);
        for (const modal of [updateModal(state), resolveModal(state, T0 + 10 * M)])
          expectModalWithinLimits(modal);
        expectWithinSlackLimits(
          incidentDeclaredReply(state, { cardChannel: 'C0INC', warnings: [s.title, s.title] }),
        );
        expectWithinSlackLimits(incidentListReply([state, state, state], T0 + 5 * M));
      }),
      { numRuns: 150, seed: 20_260_302 },
    );
  });
});

describe('incident modals', () => {
  it('asks for a required update and an optional summary, carrying the incident id', () => {
    const state = incident('sev2');
    const update = updateModal(state);
    expect(update).toMatchObject({ callback_id: INCIDENT_UPDATE_MODAL, private_metadata: 'inc-7' });
    expect(JSON.stringify(update.blocks)).toContain(`"block_id":"${INCIDENT_UPDATE_BLOCK}"`);
    expect(JSON.stringify(update.blocks)).not.toContain('"optional":true');
    const resolve = resolveModal(state, T0 + 12 * M);
    expect(resolve).toMatchObject({ callback_id: INCIDENT_RESOLVE_MODAL, private_metadata: 'inc-7' });
    expect(JSON.stringify(resolve.blocks)).toContain(
      `"block_id":"${INCIDENT_SUMMARY_BLOCK}","optional":true`,
    );
    expect(JSON.stringify(resolve.blocks)).toContain('Open for 12m');
  });
});

describe('incidentListReply', () => {
  it('lists open incidents, or says there are none', () => {
    expect(shown(incidentListReply([], T0))).toBe('✅ No open incidents.');
    const text = shown(incidentListReply([incident('sev1')], T0 + 3 * M));
    expect(text).toContain(
      '🔴 `inc-7` *SEV1* API returns 5xx for every scan · production · open 3m · by <@U0ALICE>',
    );
  });
});
