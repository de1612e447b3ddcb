import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../../src/domain/analysis/reading.js';
import { createDeployment, type DeploymentState } from '../../../../src/domain/deploy/deployment-state.js';
import { milestones } from '../../../../src/domain/deploy/milestones.js';
import { type PlanConfig, planDeployment } from '../../../../src/domain/deploy/plan.js';
import { accessFor } from '../../../helpers/access.js';
import { RUNBOOK_ANALYSIS } from '../../../helpers/analysis.js';
import { applyAll } from '../../../helpers/deployment-events.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const S = 1_000;

const config: PlanConfig = {
  github: { workflow: 'deploy.yml', ref: 'main' },
  environments: { production: { approvals: 1, approvers: ['U0CAROL'] } },
  services: {},
  pipeline: [{ id: 'canary', title: 'Canary', inputs: {}, canary: { steps: [10, 100], hold: 60 * S } }],
  analysis: RUNBOOK_ANALYSIS,
};
const planned = planDeployment(config, { env: 'production', greenlightId: 'd1' });
if (!planned.ok) throw new Error(planned.message);
const reading = (at: number, errorRate: number): Reading => ({
  at,
  source: 'prometheus',
  probes: [],
  errorRate,
  p95Ms: 100,
});
const cursor = (at: number) => ({ at, counters: {} });

/** Each version of a deployment as it is written, so every pair of consecutive versions can be diffed. */
function versions(): DeploymentState[] {
  const all = [
    createDeployment({ plan: planned.ok ? planned.plan : (undefined as never), requestedBy: 'U0ALICE' }, T0),
  ];
  const step = (...events: Parameters<typeof applyAll>[1][]) =>
    all.push(applyAll(all.at(-1) as DeploymentState, ...events));
  step({
    type: 'approve',
    user: 'U0CAROL',
    access: accessFor('approve', 'U0CAROL', ['approvers'], { env: 'production', requestedBy: 'U0ALICE' }),
    at: T0 + 90 * S,
  });
  step({ type: 'start', at: T0 + 91 * S });
  step({
    type: 'baselineCaptured',
    reading: reading(T0 + 92 * S, 0.001),
    cursor: cursor(T0 + 92 * S),
    at: T0 + 92 * S,
  });
  step({ type: 'phaseDispatched', runId: 7, runNumber: 7, url: 'https://x/7', at: T0 + 93 * S });
  step({ type: 'runCompleted', runId: 7, conclusion: 'success', at: T0 + 120 * S });
  step({
    type: 'analysed',
    tick: 1,
    reading: reading(T0 + 130 * S, 0.001),
    cursor: cursor(T0 + 130 * S),
    at: T0 + 130 * S,
  });
  step({
    type: 'analysed',
    tick: 2,
    reading: reading(T0 + 140 * S, 0.07),
    cursor: cursor(T0 + 140 * S),
    at: T0 + 140 * S,
  });
  step({ type: 'rollbackDispatched', runId: 8, runNumber: 8, url: 'https://x/8', at: T0 + 141.5 * S });
  step({ type: 'rollbackCompleted', runId: 8, conclusion: 'success', at: T0 + 200 * S });
  return all;
}

describe('milestones', () => {
  it('says what each write made happen, once, with the durations people alert on', () => {
    const all = versions();
    const seen = all.map((after, index) => milestones(index === 0 ? undefined : all[index - 1], after));
    expect(seen.flat()).toEqual([
      { kind: 'gate-closed', env: 'production', outcome: 'approved', waitMs: 90 * S },
      { kind: 'started', env: 'production', deployment: 'deploy' },
      { kind: 'reading', env: 'production', verdict: 'pass' },
      // The phase ended with the reading that rolled it back: its hold counts.
      { kind: 'phase-ended', env: 'production', phase: 'canary', outcome: 'failed', durationMs: 47 * S },
      { kind: 'reading', env: 'production', verdict: 'rollback' },
      { kind: 'automatic-rollback', env: 'production', reason: 'error_rate' },
      { kind: 'rollback-dispatched', env: 'production', origin: 'automatic', latencyMs: 1.5 * S },
      {
        kind: 'finished',
        env: 'production',
        deployment: 'deploy',
        outcome: 'rolled_back',
        durationMs: 109 * S,
      },
    ]);
    // A write that changed nothing measurable (a repeat of the same version) says nothing.
    expect(milestones(all.at(-1), all.at(-1) as DeploymentState)).toEqual([]);
  });
});
