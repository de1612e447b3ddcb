import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateView } from '../../../playground/sim/block-kit.js';
import { createDeployment, type DeploymentState } from '../../../src/domain/deploy/deployment-state.js';
import type { DeploymentPlan } from '../../../src/domain/deploy/plan.js';
import type { FlagView } from '../../../src/domain/flags/flag-state.js';
import type { HomeSnapshot } from '../../../src/domain/home/home-snapshot.js';
import type { IncidentState } from '../../../src/domain/incidents/incident.js';
import { HOME_MAX_BLOCKS, homeView } from '../../../views/home-view.js';
import { ACTION_IDS } from '../../../views/ids.js';
import { expectNoStrayMarkup } from '../../helpers/block-kit.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');
/** What the Home tab may emit: mentions, dates, links it builds. */
const ALLOWED = /<@[UW][A-Z0-9]+>|<!date\^\d+\^[^|>]+\|[^>]+>|<!subteam\^S[A-Z0-9]+>/g;

function deployment(env: string, number: number, overrides: Partial<DeploymentState> = {}): DeploymentState {
  const plan: DeploymentPlan = {
    env,
    ref: `v1.${number}.0`,
    greenlightId: `d${number}${env}`,
    phases: [
      {
        id: 'traffic_switch',
        title: 'Traffic switch',
        inputs: {},
        workflow: 'deploy.yml',
        canarySteps: [5, 25, 50, 100],
        holdMs: 60_000,
      },
    ],
    skippedPhases: [],
    approvalsAtStart: 0,
    approvers: [],
    services: [],
  };
  return { ...createDeployment({ plan, number, requestedBy: 'U0ALICE' }, T0), ...overrides };
}

const flag = (index: number, nasty: string): FlagView => ({
  name: `flag_${index}_${'x'.repeat(index % 40)}`,
  raw: index % 2 === 0 ? 'true' : 'false',
  isProtected: index % 5 === 0,
  isKnown: true,
  lastChange: {
    changeId: `c${index}`,
    by: 'U0BOB',
    reason: nasty,
    at: new Date(T0).toISOString(),
    source: 'slack',
  },
});

const incident = (index: number, nasty: string): IncidentState => ({
  id: `inc-${index + 1}`,
  severity: (['sev1', 'sev2', 'sev3'] as const)[index % 3] ?? 'sev2',
  title: `${nasty} ${index}`,
  status: 'open',
  declaredBy: 'U0ALICE',
  declaredAt: T0 - index * 60_000,
  env: 'production',
  timeline: [],
});

describe('homeView', () => {
  it('stays within Slack’s Home tab rules (100 blocks, unique ids, text limits) for any number of environments, flags and incidents', () => {
    const nasty = fc.string({ maxLength: 400 }).map((text) => `${text} <!channel> & <https://evil|x>`);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 30 }),
        nasty,
        (envCount, flagCount, incidentCount, queued, text) => {
          const environments = Array.from({ length: envCount }, (_, index) => {
            const env = `env${index}-${'y'.repeat(index % 30)}`;
            return {
              env,
              active: deployment(env, 100 + index, { status: 'running' }),
              waiting: Array.from({ length: queued }, (_, n) => deployment(env, 200 + n)),
              lock: {
                by: 'U0CAROL',
                reason: text,
                at: new Date(T0).toISOString(),
                until: new Date(T0 + 3_600_000).toISOString(),
              },
              recent: Array.from({ length: 5 }, (_, n) =>
                deployment(env, n + 1, { status: 'succeeded', finishedAt: T0 + 60_000 }),
              ),
            };
          });
          const snapshot: HomeSnapshot = {
            at: T0 + 120_000,
            environments,
            flags: Array.from({ length: flagCount }, (_, index) => flag(index, text)),
            incidents: Array.from({ length: incidentCount }, (_, index) => incident(index, text)),
          };
          const view = homeView(snapshot, {
            user: 'U0CAROL',
            mayUnlock: new Set(environments.map((env) => env.env)),
            notice: { ok: false, text },
          });
          expect(view.blocks.length).toBeLessThanOrEqual(HOME_MAX_BLOCKS);
          expect(validateView(view, 'home')).toEqual([]);
          const json = JSON.stringify(view);
          expectNoStrayMarkup(json.replace(/<!date\^\d+\^[^|>]+\|[^>]+>/g, ' '), ALLOWED);
          for (const [, id] of json.matchAll(/"action_id":"([^":]+)/g)) expect(ACTION_IDS).toContain(id);
          // What does not fit is counted, never silently dropped.
          if (envCount > 30) expect(json).toMatch(/…and \d+ more environments?/);
          if (flagCount > 85) expect(json).toMatch(/…and \d+ more flags?/);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('offers Unlock only to those who may, and tells a viewer what their press did', () => {
    const env = {
      env: 'production',
      waiting: [],
      recent: [],
      lock: { by: 'greenlight', reason: 'rolled back', at: new Date(T0).toISOString() },
    };
    const snapshot: HomeSnapshot = { at: T0, environments: [env], flags: [], incidents: [] };
    const allowed = JSON.stringify(
      homeView(snapshot, { user: 'U0CAROL', mayUnlock: new Set(['production']) }),
    );
    const outsider = homeView(snapshot, {
      user: 'U0MALLORY',
      mayUnlock: new Set(),
      notice: { ok: false, text: 'Only deployers and approvers of production may unlock it.' },
    });
    expect(allowed).toContain('home_unlock:production');
    expect(JSON.stringify(outsider)).not.toContain('home_unlock');
    expect(JSON.stringify(outsider.blocks[1])).toContain(
      ':no_entry_sign: Only deployers and approvers of production may unlock it.',
    );
  });
});
