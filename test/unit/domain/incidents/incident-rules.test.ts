import { describe, expect, it } from 'vitest';
import { fileSchema } from '../../../../src/config/file-schema.js';
import {
  incidentChannelName,
  MAX_CHANNEL_NAME,
  slugOf,
} from '../../../../src/domain/incidents/channel-name.js';
import type { IncidentState } from '../../../../src/domain/incidents/incident.js';
import {
  addNote,
  declareIncident,
  escalateIncident,
  normalizeIncidentId,
  resolveIncident,
  timeToResolve,
  updateIncident,
} from '../../../../src/domain/incidents/incident-rules.js';
import {
  DEFAULT_SEVERITY_POLICY,
  escalationOf,
  pagerSeverityOf,
  parseSeverity,
} from '../../../../src/domain/incidents/severity-policy.js';

const T0 = Date.parse('2026-03-02T10:02:00Z');
const M = 60_000;

function declared(severity: IncidentState['severity'] = 'sev2'): IncidentState {
  return declareIncident({
    id: 'inc-7',
    severity,
    title: 'API errors',
    by: 'U0ALICE',
    at: T0,
    env: 'production',
  });
}

describe('severity policy', () => {
  it('follows the runbooks: SEV1 5 min, SEV2 15 min, SEV3 30 min', () => {
    expect(DEFAULT_SEVERITY_POLICY.sev1).toEqual({
      respondWithin: 5 * M,
      action: 'Immediate rollback + escalation',
      meaning: 'Complete service outage or data loss',
    });
    expect(DEFAULT_SEVERITY_POLICY.sev2.respondWithin).toBe(15 * M);
    expect(DEFAULT_SEVERITY_POLICY.sev3.respondWithin).toBe(30 * M);
  });

  it.each([
    ['sev3', 'sev2'],
    ['sev2', 'sev1'],
    ['sev1', undefined],
  ] as const)('escalates %s to %s', (from, to) => expect(escalationOf(from)).toBe(to));

  it.each([
    ['sev1', 'critical'],
    ['sev2', 'error'],
    ['sev3', 'warning'],
  ] as const)('pages %s as %s', (severity, pager) => expect(pagerSeverityOf(severity)).toBe(pager));

  it('reads severities case-insensitively and nothing else', () => {
    expect(parseSeverity('SEV1')).toBe('sev1');
    expect(parseSeverity('sev4')).toBeUndefined();
    expect(parseSeverity('1')).toBeUndefined();
  });
});

describe('incident ids', () => {
  it.each([
    ['inc-7', 'inc-7'],
    ['INC-7', 'inc-7'],
    ['7', 'inc-7'],
    ['#42', 'inc-42'],
    ['inc-0', undefined],
    ['inc-07', undefined],
    ['incident', undefined],
    ['inc-1234567890', undefined],
  ])('%s → %s', (text, id) => expect(normalizeIncidentId(text)).toBe(id));
});

describe('channel names', () => {
  it('is inc-<yyyymmdd>-<slug>, lower-case ASCII', () => {
    expect(incidentChannelName(T0, 'API 5xx on /scans — Café down!', 'inc-7')).toBe(
      'inc-20260302-api-5xx-on-scans-cafe-down',
    );
  });

  it('adds a suffix on a retry after name_taken', () => {
    expect(incidentChannelName(T0, 'db down', 'inc-7', 1)).toBe('inc-20260302-db-down-2');
    expect(incidentChannelName(T0, 'db down', 'inc-7', 4)).toBe('inc-20260302-db-down-5');
  });

  it('falls back to the id for a title with nothing usable', () => {
    expect(incidentChannelName(T0, '🔥🔥 !!', 'inc-7')).toBe('inc-20260302-inc-7');
  });

  it('stays within 80 characters and Slack’s alphabet for any title', () => {
    const titles = [
      'x'.repeat(300),
      `${'word '.repeat(60)}end`,
      'ÄÖÜ ß 漢字 _under_score_',
      '-'.repeat(100),
      'a',
    ];
    for (const title of titles) {
      for (const attempt of [0, 4]) {
        const name = incidentChannelName(T0, title, 'inc-123456789', attempt);
        expect(name.length).toBeLessThanOrEqual(MAX_CHANNEL_NAME);
        expect(name).toMatch(/^[a-z0-9_-]+$/);
        expect(name).not.toMatch(/--|-$/);
      }
    }
  });

  it('cuts a long slug at a word boundary', () => {
    expect(slugOf('alpha beta gamma', 12)).toBe('alpha-beta');
  });
});

describe('incident transitions', () => {
  it('declares at T+0 with the declarer on the timeline', () => {
    const state = declared();
    expect(state).toMatchObject({ id: 'inc-7', status: 'open', declaredBy: 'U0ALICE', env: 'production' });
    expect(state.timeline).toEqual([{ at: T0, by: 'U0ALICE', text: 'Declared SEV2 by <@U0ALICE>' }]);
  });

  it('appends updates and notes while open', () => {
    const updated = updateIncident(declared(), 'U0BOB', 'rolled back', T0 + 4 * M);
    expect(updated.ok && updated.state.timeline.at(-1)).toEqual({
      at: T0 + 4 * M,
      by: 'U0BOB',
      text: '<@U0BOB>: rolled back',
    });
  });

  it('resolves once, recording who, when, summary and time to resolve', () => {
    const resolved = resolveIncident(declared(), { by: 'U0BOB', at: T0 + 42 * M, summary: ' fixed ' });
    if (!resolved.ok) throw new Error('refused');
    expect(resolved.state).toMatchObject({
      status: 'resolved',
      resolvedAt: T0 + 42 * M,
      resolvedBy: 'U0BOB',
      summary: 'fixed',
    });
    expect(resolved.entry.text).toBe('Resolved by <@U0BOB> after 42m: fixed');
    expect(timeToResolve(resolved.state)).toBe(42 * M);
    expect(timeToResolve(declared())).toBeUndefined();
    const again = resolveIncident(resolved.state, { by: 'U0BOB', at: T0 + 50 * M });
    expect(again).toMatchObject({ ok: false, reason: 'resolved' });
    expect(addNote(resolved.state, { at: T0, by: 'x', text: 'y' })).toMatchObject({
      ok: false,
      reason: 'resolved',
    });
    expect(escalateIncident(resolved.state, { by: 'U0BOB', at: T0 })).toMatchObject({
      ok: false,
      reason: 'resolved',
    });
  });

  it('escalates one step at a time, refusing at SEV1 and on a stale card', () => {
    const up = escalateIncident(declared('sev3'), { by: 'U0BOB', at: T0 + M, from: 'sev3' });
    if (!up.ok) throw new Error('refused');
    expect(up.state.severity).toBe('sev2');
    expect(up.entry.text).toBe('Escalated SEV3 → SEV2 by <@U0BOB>');
    expect(escalateIncident(up.state, { by: 'U0BOB', at: T0 + M, from: 'sev3' })).toMatchObject({
      ok: false,
      reason: 'stale-severity',
    });
    expect(escalateIncident(declared('sev1'), { by: 'U0BOB', at: T0 })).toMatchObject({
      ok: false,
      reason: 'top-severity',
    });
  });
});

describe('incidents config', () => {
  const base = { slack: { statusChannel: '#deployment-status' }, environments: { production: {} } };

  it('defaults to the runbooks: no channel, SEV1 pages', () => {
    const file = fileSchema.parse(base);
    expect(file.incidents).toEqual({
      createChannel: false,
      page: ['sev1'],
      severities: DEFAULT_SEVERITY_POLICY,
    });
  });

  it('takes overrides and keeps the defaults of what is left out', () => {
    const file = fileSchema.parse({
      ...base,
      incidents: {
        createChannel: true,
        page: ['sev1', 'sev2'],
        severities: { sev1: { respondWithin: '3m' } },
      },
    });
    expect(file.incidents.page).toEqual(['sev1', 'sev2']);
    expect(file.incidents.severities.sev1).toEqual({ ...DEFAULT_SEVERITY_POLICY.sev1, respondWithin: 3 * M });
    expect(file.incidents.severities.sev3).toEqual(DEFAULT_SEVERITY_POLICY.sev3);
  });

  it('names the setting that is wrong', () => {
    const result = fileSchema.safeParse({
      ...base,
      incidents: { page: ['sev4'], severities: { sev2: { respondWithin: 'soon' } } },
    });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) => issue.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining(['incidents.page.0', 'incidents.severities.sev2.respondWithin']),
    );
  });
});
