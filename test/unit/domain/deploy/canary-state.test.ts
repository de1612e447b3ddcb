import { describe, expect, it } from 'vitest';
import type { ProbeResult, Reading } from '../../../../src/domain/analysis/reading.js';
import {
  applyDeploymentEvent,
  createDeployment,
  type DeploymentEvent,
  type DeploymentState,
  isAnalysing,
  needsBaseline,
  type PhaseState,
} from '../../../../src/domain/deploy/deployment-state.js';
import {
  type DeploymentPlan,
  type PipelinePhaseConfig,
  type PlanAnalysisConfig,
  type PlanConfig,
  planDeployment,
} from '../../../../src/domain/deploy/plan.js';
import type { AccessAction } from '../../../../src/domain/policy/access.js';
import { accessFor } from '../../../helpers/access.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const S = 1_000;
const HOLD = 60 * S;
const MONITOR = 300 * S;
const runUrl = (runId: number) => `https://github.com/acme/platform/actions/runs/${runId}`;

const ANALYSIS: PlanAnalysisConfig = {
  source: 'prometheus',
  interval: 10 * S,
  noDataToPause: 3,
  errorRate: { warn: 0.01, rollback: 0.05 },
  p95: { rollbackAtRatioToBaseline: 2 },
  healthFailuresToRollback: 3,
};

const BACKEND: PipelinePhaseConfig = {
  id: 'backend',
  title: 'Backend deploy',
  services: ['api'],
  inputs: { deployment_phase: 'backend' },
};
const TRAFFIC: PipelinePhaseConfig = {
  id: 'traffic',
  title: 'Traffic switch',
  inputs: { deployment_phase: 'traffic' },
  canary: { steps: [5, 25, 100], hold: HOLD, gate: 'approval' },
};
/** `monitor` with neither workflow nor inputs: greenlight watches, GitHub runs nothing. */
const WATCH: PipelinePhaseConfig = {
  id: 'watch',
  title: 'Post-deploy monitoring',
  inputs: {},
  monitor: MONITOR,
};

function configWith(pipeline: PipelinePhaseConfig[], analysis: PlanAnalysisConfig | undefined = ANALYSIS) {
  const config: PlanConfig = {
    github: { workflow: 'deploy.yml', ref: 'main' },
    environments: {
      staging: { approvals: 0, approvers: [] },
      production: { approvals: 1, approvers: ['U0BOB', 'U0CAROL'] },
    },
    services: { api: {}, web: {} },
    pipeline,
    ...(analysis === undefined ? {} : { analysis }),
  };
  return config;
}

function planOf(
  pipeline: PipelinePhaseConfig[],
  env = 'staging',
  analysis?: PlanAnalysisConfig,
): DeploymentPlan {
  const result = planDeployment(configWith(pipeline, analysis ?? ANALYSIS), { env, greenlightId: 'gl_7' });
  if (!result.ok) throw new Error(result.message);
  return deepFreeze(result.plan);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Applies events in order to frozen states, failing the test on the first refusal. */
function run(state: DeploymentState, ...events: DeploymentEvent[]): DeploymentState {
  return events.reduce((current, event) => {
    const result = applyDeploymentEvent(deepFreeze(current), deepFreeze(event));
    if (!result.ok) throw new Error(`${event.type} refused: ${result.message}`);
    return result.state;
  }, state);
}

/** The refusal of one event, checking it left the (frozen) state as it was. */
function refused(state: DeploymentState, event: DeploymentEvent) {
  const before = structuredClone(state);
  const result = applyDeploymentEvent(deepFreeze(state), deepFreeze(event));
  expect(state).toEqual(before);
  if (result.ok) throw new Error(`${event.type} was accepted, expected a refusal`);
  return result;
}

const dispatched = (runId: number, at: number): DeploymentEvent => ({
  type: 'phaseDispatched',
  runId,
  url: runUrl(runId),
  at,
});
const completed = (runId: number, at: number, conclusion = 'success'): DeploymentEvent => ({
  type: 'runCompleted',
  runId,
  conclusion,
  at,
});
const cursor = (at: number) => ({ at, counters: { 'api:requests': at / 1_000 } });

const metrics = (at: number, extra: Partial<Reading> = {}): Reading => ({
  at,
  source: 'prometheus',
  probes: [],
  errorRate: 0.002,
  requests: 1_200,
  p95Ms: 120,
  ...extra,
});
const baselineAt = (at: number, p95Ms = 100): DeploymentEvent => ({
  type: 'baselineCaptured',
  reading: metrics(at, { p95Ms, errorRate: 0.001 }),
  cursor: cursor(at),
  at,
});
/** The next reading for this state (numbered ticks + 1). */
const readingFor = (state: DeploymentState, at: number, extra: Partial<Reading> = {}): DeploymentEvent => ({
  type: 'analysed',
  tick: (state.analysis?.ticks ?? 0) + 1,
  reading: metrics(at, extra),
  cursor: cursor(at),
  at,
});
/** Applies readings one after another, each numbered after the last. */
function readings(state: DeploymentState, ...given: [number, Partial<Reading>?][]): DeploymentState {
  return given.reduce((current, [at, extra]) => run(current, readingFor(current, at, extra)), state);
}

const PASS: Partial<Reading> = {};
const WARN: Partial<Reading> = { errorRate: 0.02 };
const BREACH: Partial<Reading> = { errorRate: 0.08 };
const NO_DATA: Partial<Reading> = {
  errorRate: undefined,
  p95Ms: undefined,
  requests: undefined,
  noData: 'Prometheus did not answer',
};

/** Access as the services decide it, about U0ALICE's deployment to staging (or to production). */
const ALICES = { env: 'staging', requestedBy: 'U0ALICE' };
const ALICES_PRODUCTION = { env: 'production', requestedBy: 'U0ALICE' };
/** U0BOB holds both roles in staging. */
const bobMay = (action: AccessAction) => accessFor(action, 'U0BOB', ['deployers', 'approvers'], ALICES);
const steer = (
  type: 'promote' | 'pause' | 'resume',
  at: number,
  allowed = true,
  user = 'U0CAROL',
): DeploymentEvent => ({
  type,
  user,
  access: accessFor(type, user, allowed ? ['deployers'] : [], ALICES),
  at,
});

const phase = (state: DeploymentState, id: string): PhaseState => {
  const found = state.phases.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no phase ${id}`);
  return found;
};
const statuses = (state: DeploymentState) => state.phases.map((p) => p.status);
const kinds = (state: DeploymentState) => state.timeline.map((entry) => entry.kind);

const canaryPlan = planOf([BACKEND, TRAFFIC, WATCH]);

/** Backend done at T0+60s; the canary is about to dispatch its first step (baseline not read yet). */
const atCanary = run(
  createDeployment({ plan: canaryPlan, requestedBy: 'U0ALICE' }, T0),
  { type: 'start', at: T0 },
  dispatched(1, T0 + S),
  completed(1, T0 + 60 * S),
);
/** Baseline read at T0+61s, 5 % out at T0+62s, its run done at T0+120s: holding until T0+180s. */
const holding = run(
  atCanary,
  baselineAt(T0 + 61 * S),
  dispatched(2, T0 + 62 * S),
  completed(2, T0 + 120 * S),
);
const HOLD_ENDS = T0 + 120 * S + HOLD;

describe('the plan behind a canary', () => {
  it('carries the analysis rules, the touched services and a watch-only monitoring phase', () => {
    expect(canaryPlan.analysis).toEqual({
      source: 'prometheus',
      intervalMs: 10 * S,
      thresholds: {
        errorRate: { warn: 0.01, rollback: 0.05 },
        p95RatioToBaseline: 2,
        healthFailuresToRollback: 3,
        noDataToPause: 3,
      },
    });
    expect(canaryPlan.services).toEqual(['api']);
    expect(canaryPlan.phases.map((p) => [p.id, p.workflow, p.holdMs, p.monitorMs])).toEqual([
      ['backend', 'deploy.yml', undefined, undefined],
      ['traffic', 'deploy.yml', HOLD, undefined],
      ['watch', undefined, undefined, MONITOR],
    ]);
    expect(canaryPlan.phases[2]?.inputs).toEqual({});
    const state = createDeployment({ plan: canaryPlan, requestedBy: 'U0ALICE' }, T0);
    expect(state.analysis).toMatchObject({
      source: 'prometheus',
      ticks: 0,
      healthFailuresInARow: 0,
      noDataInARow: 0,
    });
    expect(phase(state, 'watch')).toMatchObject({ watchOnly: true, monitorMs: MONITOR });
    expect(phase(state, 'traffic')).toMatchObject({ holdMs: HOLD, canarySteps: [5, 25, 100] });
  });

  it('without `analysis` in greenlight.yml, holds are judged by the runbook numbers from health checks only', () => {
    const result = planDeployment(
      { ...configWith([BACKEND, TRAFFIC]), analysis: undefined },
      { env: 'staging', greenlightId: 'gl_8' },
    );
    if (!result.ok) throw new Error(result.message);
    expect(result.plan.analysis).toEqual({
      source: 'none',
      intervalMs: 10_000,
      thresholds: {
        errorRate: { warn: 0.01, rollback: 0.05 },
        p95RatioToBaseline: 2,
        healthFailuresToRollback: 3,
        noDataToPause: 3,
      },
    });
  });
});

describe('the baseline', () => {
  it('is needed before the first canary step, and readings only start once it is in', () => {
    const traffic = phase(atCanary, 'traffic');
    expect(traffic).toMatchObject({ status: 'dispatching', step: 0 });
    expect(needsBaseline(atCanary, traffic)).toBe(true);
    expect(needsBaseline(atCanary, phase(atCanary, 'backend'))).toBe(false);
    expect(isAnalysing(atCanary)).toBe(false);
    expect(refused(atCanary, readingFor(atCanary, T0 + 61 * S))).toMatchObject({
      reason: 'unexpected',
      message: 'That does not apply to this deployment: nothing is being analysed.',
    });

    const captured = run(atCanary, baselineAt(T0 + 61 * S, 110));
    expect(captured.analysis?.baseline).toEqual({ at: T0 + 61 * S, p95Ms: 110, errorRate: 0.001 });
    expect(captured.analysis?.cursor).toEqual(cursor(T0 + 61 * S));
    expect(captured.analysis?.lastAt).toBe(T0 + 61 * S);
    expect(captured.analysis?.ticks).toBe(0);
    expect(captured.timeline.at(-1)).toEqual({ at: T0 + 61 * S, kind: 'baseline', phaseId: 'traffic' });
    expect(needsBaseline(captured, phase(captured, 'traffic'))).toBe(false);
    expect(isAnalysing(captured)).toBe(true);
    expect(phase(captured, 'traffic').status).toBe('dispatching');

    expect(refused(captured, baselineAt(T0 + 62 * S))).toMatchObject({
      reason: 'unexpected',
      message: 'That does not apply to this deployment: no baseline is due.',
    });
  });

  it('is not taken for a phase that is not a canary', () => {
    const first = run(createDeployment({ plan: canaryPlan, requestedBy: 'U0ALICE' }, T0), {
      type: 'start',
      at: T0,
    });
    expect(phase(first, 'backend').status).toBe('dispatching');
    expect(refused(first, baselineAt(T0 + S)).reason).toBe('unexpected');
  });

  it('keeps what the source could not read, so the p95 rule stays inert', () => {
    const empty = run(atCanary, {
      type: 'baselineCaptured',
      reading: metrics(T0 + 61 * S, { errorRate: undefined, p95Ms: undefined, noData: 'no traffic yet' }),
      cursor: cursor(T0 + 61 * S),
      at: T0 + 61 * S,
    });
    expect(empty.analysis?.baseline).toEqual({ at: T0 + 61 * S, noData: 'no traffic yet' });
    const after = readings(run(empty, dispatched(2, T0 + 62 * S), completed(2, T0 + 120 * S)), [
      T0 + 130 * S,
      { p95Ms: 9_000 },
    ]);
    expect(after.analysis?.last?.verdict).toBe('pass');
    expect(after.analysis?.last?.p95LimitMs).toBeUndefined();
  });
});

describe('holding a canary step', () => {
  it('holds after the step’s run succeeds, until holdEndsAt = completion + hold', () => {
    expect(holding.status).toBe('running');
    expect(phase(holding, 'traffic')).toMatchObject({ status: 'holding', step: 0, holdEndsAt: HOLD_ENDS });
    expect(phase(holding, 'traffic').runs).toEqual([
      {
        runId: 2,
        url: runUrl(2),
        dispatchedAt: T0 + 62 * S,
        percentage: 5,
        conclusion: 'success',
        completedAt: T0 + 120 * S,
      },
    ]);
    expect(isAnalysing(holding)).toBe(true);
  });

  it('does not promote on a passing reading before holdEndsAt, and does at it', () => {
    const early = readings(holding, [T0 + 130 * S, PASS], [HOLD_ENDS - 1, PASS]);
    expect(early.analysis).toMatchObject({ ticks: 2, lastAt: HOLD_ENDS - 1, last: { verdict: 'pass' } });
    expect(phase(early, 'traffic')).toMatchObject({ status: 'holding', step: 0, holdEndsAt: HOLD_ENDS });

    const promoted = readings(early, [HOLD_ENDS, PASS]);
    const traffic = phase(promoted, 'traffic');
    expect(traffic).toMatchObject({ status: 'dispatching', step: 1 });
    expect(traffic.holdEndsAt).toBeUndefined();
    expect(promoted.analysis?.ticks).toBe(3);
    expect(promoted.analysis?.cursor).toEqual(cursor(HOLD_ENDS));
    // The next step goes out at 25 %.
    const next = run(promoted, dispatched(3, HOLD_ENDS + S));
    expect(phase(next, 'traffic').runs.at(-1)).toMatchObject({ runId: 3, percentage: 25 });
    expect(next.timeline.at(-1)).toEqual({
      at: HOLD_ENDS + S,
      kind: 'dispatched',
      phaseId: 'traffic',
      text: '25 %',
    });
  });

  it('also promotes on a late passing reading, long after holdEndsAt', () => {
    const late = readings(holding, [HOLD_ENDS + 3_600 * S, PASS]);
    expect(phase(late, 'traffic')).toMatchObject({ status: 'dispatching', step: 1 });
  });

  it('promotes on a warning, with one analysis_warning entry per run of warnings, not one per reading', () => {
    const warned = readings(holding, [T0 + 130 * S, WARN], [T0 + 140 * S, WARN], [T0 + 150 * S, WARN]);
    expect(warned.timeline.filter((entry) => entry.kind === 'analysis_warning')).toEqual([
      {
        at: T0 + 130 * S,
        kind: 'analysis_warning',
        text: 'error rate 2 % is above the warning threshold of 1 %',
      },
    ]);
    expect(phase(warned, 'traffic').status).toBe('holding');

    const promoted = readings(warned, [HOLD_ENDS, WARN]);
    expect(phase(promoted, 'traffic')).toMatchObject({ status: 'dispatching', step: 1 });
    expect(promoted.timeline.filter((entry) => entry.kind === 'analysis_warning')).toHaveLength(1);

    // A pass ends the run of warnings; the next warning is news again.
    const again = readings(promoted, [HOLD_ENDS + 10 * S, PASS], [HOLD_ENDS + 20 * S, { errorRate: 0.03 }]);
    expect(again.timeline.filter((entry) => entry.kind === 'analysis_warning').map((e) => e.text)).toEqual([
      'error rate 2 % is above the warning threshold of 1 %',
      'error rate 3 % is above the warning threshold of 1 %',
    ]);
  });

  it('does not promote on a failing health check (1/3) even after the hold', () => {
    const probe: ProbeResult = {
      service: 'api',
      url: 'https://api.example.com/health',
      ok: false,
      status: 503,
      latencyMs: 20,
      problem: 'expected 200, got 503',
    };
    const failing = readings(
      holding,
      [HOLD_ENDS, { probes: [probe] }],
      [HOLD_ENDS + 10 * S, { probes: [probe] }],
    );
    expect(failing.status).toBe('running');
    expect(failing.analysis).toMatchObject({ healthFailuresInARow: 2, last: { verdict: 'failing' } });
    expect(phase(failing, 'traffic').status).toBe('holding');
    const third = readings(failing, [HOLD_ENDS + 20 * S, { probes: [probe] }]);
    expect(third.status).toBe('rolling_back');
    expect(third.rollback?.reason).toBe(
      'health check failed 3 times in a row: api https://api.example.com/health expected 200, got 503',
    );
  });
});

describe('readings without data', () => {
  it('never promote, and pause the rollout after noDataToPause in a row', () => {
    const two = readings(holding, [HOLD_ENDS, NO_DATA], [HOLD_ENDS + 10 * S, NO_DATA]);
    expect(phase(two, 'traffic').status).toBe('holding');
    expect(two.analysis?.noDataInARow).toBe(2);
    expect(two.analysis?.paused).toBeUndefined();
    expect(kinds(two)).not.toContain('paused');

    const reason = '3 readings in a row without data (no data: Prometheus did not answer)';
    const paused = readings(two, [HOLD_ENDS + 20 * S, NO_DATA]);
    expect(paused.status).toBe('running');
    expect(paused.analysis?.paused).toEqual({ at: HOLD_ENDS + 20 * S, reason });
    expect(paused.timeline.at(-1)).toEqual({ at: HOLD_ENDS + 20 * S, kind: 'paused', text: reason });
    expect(phase(paused, 'traffic').status).toBe('holding');
    expect(isAnalysing(paused)).toBe(true);

    // More silence: still paused, no second `paused` entry.
    const silent = readings(paused, [HOLD_ENDS + 30 * S, NO_DATA]);
    expect(silent.timeline.filter((entry) => entry.kind === 'paused')).toHaveLength(1);
    expect(silent.analysis?.noDataInARow).toBe(4);

    // A passing reading after the hold does not promote while paused.
    const stillPaused = readings(silent, [HOLD_ENDS + 40 * S, PASS]);
    expect(phase(stillPaused, 'traffic')).toMatchObject({ status: 'holding', step: 0 });
    expect(stillPaused.analysis?.paused).toEqual({ at: HOLD_ENDS + 20 * S, reason });

    const resumed = run(stillPaused, steer('resume', HOLD_ENDS + 45 * S));
    expect(resumed.analysis?.paused).toBeUndefined();
    expect(resumed.analysis?.noDataInARow).toBe(0);
    expect(resumed.timeline.at(-1)).toEqual({ at: HOLD_ENDS + 45 * S, kind: 'resumed', by: 'U0CAROL' });
    expect(phase(resumed, 'traffic').status).toBe('holding');

    const moved = readings(resumed, [HOLD_ENDS + 50 * S, PASS]);
    expect(phase(moved, 'traffic')).toMatchObject({ status: 'dispatching', step: 1 });
  });

  it('a breach still rolls back while paused', () => {
    const paused = run(holding, steer('pause', T0 + 125 * S));
    expect(paused.analysis?.paused).toEqual({ at: T0 + 125 * S, by: 'U0CAROL', reason: 'paused by hand' });
    expect(paused.timeline.at(-1)).toEqual({ at: T0 + 125 * S, kind: 'paused', by: 'U0CAROL' });
    expect(refused(paused, steer('pause', T0 + 126 * S))).toMatchObject({
      reason: 'not-analysing',
      message: 'The rollout is already paused.',
    });
    const rolled = readings(paused, [T0 + 130 * S, BREACH]);
    expect(rolled.status).toBe('rolling_back');
  });

  it('refuses resume when not paused', () => {
    expect(refused(holding, steer('resume', T0 + 125 * S))).toMatchObject({
      reason: 'not-analysing',
      message: 'The rollout is not paused.',
    });
  });
});

describe('numbered readings', () => {
  it('drops a repeated or skipped reading as unexpected', () => {
    const one = readings(holding, [T0 + 130 * S, PASS]);
    expect(one.analysis?.ticks).toBe(1);
    const repeated: DeploymentEvent = {
      type: 'analysed',
      tick: 1,
      reading: metrics(T0 + 131 * S, BREACH),
      cursor: cursor(T0 + 131 * S),
      at: T0 + 131 * S,
    };
    expect(refused(one, repeated)).toEqual({
      ok: false,
      reason: 'unexpected',
      message: 'That does not apply to this deployment: reading 1 is not the next one.',
    });
    expect(refused(one, { ...repeated, tick: 3 }).reason).toBe('unexpected');
    expect(refused(one, { ...repeated, tick: 0 }).reason).toBe('unexpected');
    expect(run(one, { ...repeated, tick: 2 }).status).toBe('rolling_back');
  });
});

describe('automatic rollback', () => {
  const breach = metrics(T0 + 130 * S, BREACH);
  const rolling = run(holding, {
    type: 'analysed',
    tick: 1,
    reading: breach,
    cursor: cursor(T0 + 130 * S),
    at: T0 + 130 * S,
  });
  const reason = 'error rate 8 % is above the rollback threshold of 5 %';

  it('stops the rollout where it is: the holding phase fails, pending phases are skipped', () => {
    expect(rolling.status).toBe('rolling_back');
    expect(statuses(rolling)).toEqual(['succeeded', 'failed', 'skipped']);
    expect(phase(rolling, 'traffic').holdEndsAt).toBeUndefined();
    expect(rolling.finishedAt).toBeUndefined();
    expect(rolling.rollback).toMatchObject({ reason, requestedAt: T0 + 130 * S });
    expect(rolling.rollback?.by).toBeUndefined();
    expect(rolling.rollback?.decision).toMatchObject({ verdict: 'rollback', reasons: [reason] });
    expect(rolling.rollback?.decision?.reading).toEqual(breach);
    expect(rolling.analysis?.last?.verdict).toBe('rollback');
    expect(rolling.timeline.at(-1)).toEqual({ at: T0 + 130 * S, kind: 'rollback_started', text: reason });
    expect(isAnalysing(rolling)).toBe(false);
    expect(refused(rolling, readingFor(rolling, T0 + 140 * S)).reason).toBe('unexpected');
    expect(refused(rolling, { type: 'fail', reason: 'x', at: T0 + 140 * S }).reason).toBe('unexpected');
    expect(refused(rolling, completed(2, T0 + 140 * S)).reason).toBe('unexpected');
    expect(refused(rolling, steer('promote', T0 + 140 * S)).reason).toBe('finished');
    expect(
      refused(rolling, {
        type: 'abort',
        user: 'U0BOB',
        access: bobMay('abort'),
        reason: 'x',
        at: T0 + 140 * S,
      }),
    ).toMatchObject({
      reason: 'finished',
      message: 'This deployment is being rolled back; there is nothing to abort.',
    });
  });

  it('records the rollback run once, then ends rolled_back on success', () => {
    const sent = run(rolling, {
      type: 'rollbackDispatched',
      runId: 900,
      url: runUrl(900),
      version: 'v1.4.2',
      at: T0 + 135 * S,
    });
    expect(sent.status).toBe('rolling_back');
    expect(sent.rollback).toMatchObject({
      runs: [
        { correlationId: `${rolling.id}-rollback`, runId: 900, url: runUrl(900), dispatchedAt: T0 + 135 * S },
      ],
      dispatchedAt: T0 + 135 * S,
      version: 'v1.4.2',
    });
    expect(sent.timeline.at(-1)).toEqual({ at: T0 + 135 * S, kind: 'rollback_dispatched', text: 'v1.4.2' });

    // No double rollback.
    expect(
      refused(sent, { type: 'rollbackDispatched', runId: 901, url: runUrl(901), at: T0 + 136 * S }),
    ).toMatchObject({
      reason: 'unexpected',
      message: 'That does not apply to this deployment: no rollback is being dispatched.',
    });
    expect(
      refused(sent, {
        type: 'rollback',
        user: 'U0BOB',
        access: bobMay('roll-back'),
        reason: 'again',
        at: T0 + 136 * S,
      }),
    ).toEqual({ ok: false, reason: 'finished', message: 'This deployment is already being rolled back.' });
    expect(
      refused(sent, { type: 'rollbackCompleted', runId: 901, conclusion: 'success', at: T0 + 137 * S })
        .reason,
    ).toBe('unexpected');

    const done = run(sent, {
      type: 'rollbackCompleted',
      runId: 900,
      conclusion: 'success',
      at: T0 + 200 * S,
    });
    expect(done).toMatchObject({ status: 'rolled_back', finishedAt: T0 + 200 * S });
    expect(done.rollback).toMatchObject({
      runs: [{ runId: 900, conclusion: 'success', completedAt: T0 + 200 * S }],
      completedAt: T0 + 200 * S,
    });
    expect(done.timeline.at(-1)).toEqual({ at: T0 + 200 * S, kind: 'rolled_back' });
    expect(
      refused(done, { type: 'rollbackCompleted', runId: 900, conclusion: 'success', at: T0 + 201 * S })
        .reason,
    ).toBe('unexpected');
  });

  it('ends failed when the rollback run fails', () => {
    const failed = run(
      rolling,
      { type: 'rollbackDispatched', runId: 900, url: runUrl(900), at: T0 + 135 * S },
      { type: 'rollbackCompleted', runId: 900, conclusion: 'failure', at: T0 + 200 * S },
    );
    expect(failed).toMatchObject({ status: 'failed', finishedAt: T0 + 200 * S });
    expect(failed.rollback).toMatchObject({
      runs: [{ runId: 900, conclusion: 'failure' }],
      completedAt: T0 + 200 * S,
    });
    expect(failed.timeline.at(-1)).toEqual({
      at: T0 + 200 * S,
      kind: 'failed',
      text: 'the rollback run ended `failure`',
    });
    expect(failed.timeline.at(-2)).toEqual({ at: T0 + 135 * S, kind: 'rollback_dispatched' });
  });

  it('ends failed when the rollback cannot be dispatched at all', () => {
    const failed = run(rolling, { type: 'rollbackFailed', reason: 'GitHub said 422', at: T0 + 136 * S });
    expect(failed).toMatchObject({ status: 'failed', finishedAt: T0 + 136 * S });
    expect(failed.timeline.at(-1)).toEqual({
      at: T0 + 136 * S,
      kind: 'failed',
      text: 'the rollback could not start: GitHub said 422',
    });
    expect(refused(holding, { type: 'rollbackFailed', reason: 'x', at: T0 + 136 * S }).reason).toBe(
      'unexpected',
    );
    expect(refused(failed, { type: 'rollbackFailed', reason: 'x', at: T0 + 137 * S }).reason).toBe(
      'unexpected',
    );
  });

  it('rolls back from the go/no-go gate too, closing it', () => {
    const prod = planOf([BACKEND, TRAFFIC], 'production');
    const atGate = run(
      createDeployment({ plan: prod, requestedBy: 'U0ALICE' }, T0),
      {
        type: 'approve',
        user: 'U0BOB',
        access: accessFor('approve', 'U0BOB', ['approvers'], ALICES_PRODUCTION),
        at: T0,
      },
      { type: 'start', at: T0 },
      dispatched(1, T0 + S),
      completed(1, T0 + 2 * S),
      baselineAt(T0 + 3 * S),
      dispatched(2, T0 + 4 * S),
      completed(2, T0 + 5 * S),
      steer('promote', T0 + 6 * S),
      dispatched(3, T0 + 7 * S),
      completed(3, T0 + 8 * S),
    );
    expect(atGate.status).toBe('awaiting_approval');
    expect(isAnalysing(atGate)).toBe(true);
    const rolled = readings(atGate, [T0 + 9 * S, BREACH]);
    expect(rolled.status).toBe('rolling_back');
    expect(rolled.gate).toBeUndefined();
    expect(statuses(rolled)).toEqual(['succeeded', 'failed']);
  });
});

describe('manual rollback', () => {
  const manual = (allowed: boolean, at = T0 + 125 * S): DeploymentEvent => ({
    type: 'rollback',
    user: 'U0BOB',
    access: accessFor('roll-back', 'U0BOB', allowed ? ['deployers'] : [], ALICES),
    reason: 'customers report 502s',
    at,
  });

  it('is refused for someone who may not, leaving the state as it was', () => {
    expect(refused(holding, manual(false))).toEqual({
      ok: false,
      reason: 'not-allowed',
      message: 'Only deployers and approvers of staging can roll this deployment back.',
    });
  });

  it('cancels the active phase and records who, when and why', () => {
    const rolling = run(holding, manual(true));
    expect(rolling.status).toBe('rolling_back');
    expect(statuses(rolling)).toEqual(['succeeded', 'cancelled', 'skipped']);
    expect(rolling.rollback).toEqual({
      reason: 'customers report 502s',
      by: 'U0BOB',
      requestedAt: T0 + 125 * S,
    });
    expect(rolling.timeline.at(-1)).toEqual({
      at: T0 + 125 * S,
      kind: 'rollback_started',
      by: 'U0BOB',
      text: 'customers report 502s',
    });
  });

  it('is refused once the deployment is finished', () => {
    const done = run(holding, manual(true), { type: 'rollbackFailed', reason: 'x', at: T0 + 126 * S });
    expect(refused(done, manual(true, T0 + 127 * S))).toMatchObject({ reason: 'finished' });
  });
});

describe('promote', () => {
  it('skips the remaining holds: the next runCompleted goes straight to the next step', () => {
    const promoted = run(holding, steer('promote', T0 + 125 * S));
    const traffic = phase(promoted, 'traffic');
    expect(traffic).toMatchObject({ status: 'dispatching', step: 1, promoted: true });
    expect(traffic.holdEndsAt).toBeUndefined();
    expect(promoted.timeline.at(-1)).toEqual({
      at: T0 + 125 * S,
      kind: 'promoted',
      by: 'U0CAROL',
      phaseId: 'traffic',
    });

    const second = run(promoted, dispatched(3, T0 + 126 * S), completed(3, T0 + 150 * S));
    expect(phase(second, 'traffic')).toMatchObject({ status: 'dispatching', step: 2 });
    const last = run(second, dispatched(4, T0 + 151 * S), completed(4, T0 + 170 * S));
    expect(phase(last, 'traffic').status).toBe('succeeded');
    expect(phase(last, 'watch')).toMatchObject({ status: 'holding', holdEndsAt: T0 + 170 * S + MONITOR });
    expect(phase(last, 'traffic').runs.map((r) => r.percentage)).toEqual([5, 25, 100]);
  });

  it('is refused when not allowed, twice, outside a canary, or once finished', () => {
    expect(refused(holding, steer('promote', T0 + 125 * S, false))).toEqual({
      ok: false,
      reason: 'not-allowed',
      message: 'Only deployers and approvers of staging can promote this rollout.',
    });
    const backendRunning = run(createDeployment({ plan: canaryPlan, requestedBy: 'U0ALICE' }, T0), {
      type: 'start',
      at: T0,
    });
    expect(refused(backendRunning, steer('promote', T0 + S))).toEqual({
      ok: false,
      reason: 'not-analysing',
      message: 'There is no canary step or monitoring window to promote right now.',
    });
    const promotedAtDispatch = run(atCanary, steer('promote', T0 + 61 * S));
    expect(phase(promotedAtDispatch, 'traffic')).toMatchObject({ status: 'dispatching', promoted: true });
    expect(refused(promotedAtDispatch, steer('promote', T0 + 62 * S))).toMatchObject({
      reason: 'not-analysing',
      message: 'This rollout is already promoted.',
    });
    const watching = readings(holding, [HOLD_ENDS, PASS]);
    const inWatch = run(
      watching,
      dispatched(3, HOLD_ENDS + S),
      completed(3, HOLD_ENDS + 2 * S),
      steer('promote', HOLD_ENDS + 3 * S),
      dispatched(4, HOLD_ENDS + 4 * S),
      completed(4, HOLD_ENDS + 5 * S),
    );
    expect(phase(inWatch, 'watch').status).toBe('holding');
    expect(refused(inWatch, steer('promote', HOLD_ENDS + 6 * S))).toMatchObject({
      reason: 'not-analysing',
      message: 'Promote skips canary holds; this is a monitoring window.',
    });
    const rolledBack = run(holding, {
      type: 'rollback',
      user: 'U0BOB',
      access: bobMay('roll-back'),
      reason: 'x',
      at: T0 + 125 * S,
    });
    expect(refused(rolledBack, steer('promote', T0 + 126 * S)).reason).toBe('finished');
  });

  it('waits for Resume when pressed while paused', () => {
    const paused = run(holding, steer('pause', T0 + 125 * S), steer('promote', T0 + 126 * S));
    expect(phase(paused, 'traffic')).toMatchObject({ status: 'holding', step: 0, promoted: true });
    const resumed = run(paused, steer('resume', T0 + 127 * S));
    expect(phase(resumed, 'traffic')).toMatchObject({ status: 'dispatching', step: 1 });
  });

  it('still opens the go/no-go gate before 100 % when the environment needs approvals', () => {
    const prod = planOf([BACKEND, TRAFFIC], 'production');
    const promoted = run(
      createDeployment({ plan: prod, requestedBy: 'U0ALICE' }, T0),
      {
        type: 'approve',
        user: 'U0BOB',
        access: accessFor('approve', 'U0BOB', ['approvers'], ALICES_PRODUCTION),
        at: T0,
      },
      { type: 'start', at: T0 },
      dispatched(1, T0 + S),
      completed(1, T0 + 2 * S),
      baselineAt(T0 + 3 * S),
      dispatched(2, T0 + 4 * S),
      completed(2, T0 + 5 * S),
      steer('promote', T0 + 6 * S),
    );
    expect(phase(promoted, 'traffic')).toMatchObject({ status: 'dispatching', step: 1, promoted: true });
    const atGate = run(promoted, dispatched(3, T0 + 7 * S), completed(3, T0 + 8 * S));
    expect(atGate).toMatchObject({
      status: 'awaiting_approval',
      gate: { seq: 2, phaseId: 'traffic', beforePercentage: 100, approvals: [] },
    });
    expect(phase(atGate, 'traffic')).toMatchObject({ status: 'waiting_gate', step: 2 });
    expect(atGate.timeline.at(-1)).toEqual({
      at: T0 + 8 * S,
      kind: 'gate_opened',
      phaseId: 'traffic',
      text: '100 %',
    });
    const through = run(
      atGate,
      {
        type: 'approve',
        user: 'U0CAROL',
        access: accessFor('approve', 'U0CAROL', ['approvers'], ALICES_PRODUCTION),
        at: T0 + 9 * S,
      },
      dispatched(4, T0 + 10 * S),
      completed(4, T0 + 11 * S),
    );
    expect(through).toMatchObject({ status: 'succeeded', finishedAt: T0 + 11 * S });
  });
});

describe('a watch-only monitoring phase', () => {
  const plan = planOf([BACKEND, WATCH]);
  const watching = run(
    createDeployment({ plan, requestedBy: 'U0ALICE' }, T0),
    { type: 'start', at: T0 },
    dispatched(1, T0 + S),
    completed(1, T0 + 60 * S),
  );

  it('starts holding as soon as it is reached, dispatching nothing', () => {
    expect(phase(watching, 'watch')).toMatchObject({
      status: 'holding',
      watchOnly: true,
      holdEndsAt: T0 + 60 * S + MONITOR,
      runs: [],
    });
    expect(isAnalysing(watching)).toBe(true);
    expect(refused(watching, dispatched(2, T0 + 61 * S)).reason).toBe('unexpected');
  });

  it('ends succeeded on a passing reading after its window, not before', () => {
    const early = readings(watching, [T0 + 200 * S, PASS]);
    expect(phase(early, 'watch').status).toBe('holding');
    expect(early.status).toBe('running');
    const done = readings(early, [T0 + 360 * S, PASS]);
    expect(phase(done, 'watch').status).toBe('succeeded');
    expect(phase(done, 'watch').holdEndsAt).toBeUndefined();
    expect(done).toMatchObject({ status: 'succeeded', finishedAt: T0 + 360 * S });
    expect(done.timeline.at(-1)).toEqual({ at: T0 + 360 * S, kind: 'succeeded' });
    expect(isAnalysing(done)).toBe(false);
  });

  it('can be paused and resumed but not promoted, and rolls back on a breach', () => {
    const paused = run(watching, steer('pause', T0 + 61 * S));
    const after = readings(paused, [T0 + 400 * S, PASS]);
    expect(phase(after, 'watch').status).toBe('holding');
    const resumed = run(after, steer('resume', T0 + 401 * S));
    expect(phase(resumed, 'watch').status).toBe('holding');
    expect(readings(resumed, [T0 + 402 * S, PASS]).status).toBe('succeeded');
    const breach = readings(watching, [T0 + 70 * S, BREACH]);
    expect(breach.status).toBe('rolling_back');
    expect(statuses(breach)).toEqual(['succeeded', 'failed']);
  });

  it('starts at once when it is the first phase', () => {
    const first = run(createDeployment({ plan: planOf([WATCH, BACKEND]), requestedBy: 'U0ALICE' }, T0), {
      type: 'start',
      at: T0 + 5 * S,
    });
    expect(statuses(first)).toEqual(['holding', 'pending']);
    expect(phase(first, 'watch').holdEndsAt).toBe(T0 + 5 * S + MONITOR);
  });

  it('a phase with a workflow and `monitor` holds after its run', () => {
    const monitored = planOf([{ ...BACKEND, monitor: 120 * S }]);
    const state = run(
      createDeployment({ plan: monitored, requestedBy: 'U0ALICE' }, T0),
      { type: 'start', at: T0 },
      dispatched(1, T0 + S),
    );
    expect(isAnalysing(state)).toBe(false);
    const held = run(state, completed(1, T0 + 30 * S));
    expect(phase(held, 'backend')).toMatchObject({ status: 'holding', holdEndsAt: T0 + 150 * S });
    expect(isAnalysing(held)).toBe(true);
    expect(readings(held, [T0 + 150 * S, PASS]).status).toBe('succeeded');
  });
});

describe('a phase with bot-side health checks', () => {
  const healthPlan = planOf([
    { ...BACKEND, health: true },
    { ...BACKEND, id: 'frontend', title: 'Frontend' },
  ]);
  const ok = (service: string): ProbeResult => ({
    service,
    url: `https://${service}.example.com/health`,
    ok: true,
    status: 200,
    latencyMs: 40,
  });
  const bad: ProbeResult = {
    service: 'api',
    url: 'https://api.example.com/health',
    ok: false,
    status: 503,
    latencyMs: 12,
    problem: 'expected 200, got 503',
  };
  const probed = (results: ProbeResult[], at: number): DeploymentEvent => ({
    type: 'probed',
    phaseId: 'backend',
    results,
    at,
  });
  const started = run(
    createDeployment({ plan: healthPlan, requestedBy: 'U0ALICE' }, T0),
    { type: 'start', at: T0 },
    dispatched(1, T0 + S),
  );

  it('waits for the probes even when its run succeeded first', () => {
    const ran = run(started, completed(1, T0 + 60 * S));
    expect(phase(ran, 'backend')).toMatchObject({ status: 'running' });
    expect(phase(ran, 'backend').runs[0]?.conclusion).toBe('success');
    expect(phase(ran, 'frontend').status).toBe('pending');
    const probedOk = run(ran, probed([ok('api'), ok('web')], T0 + 70 * S));
    expect(phase(probedOk, 'backend')).toMatchObject({ status: 'succeeded', probes: [ok('api'), ok('web')] });
    expect(phase(probedOk, 'frontend').status).toBe('dispatching');
    expect(probedOk.timeline.slice(-1)).toEqual([{ at: T0 + 70 * S, kind: 'probed', phaseId: 'backend' }]);
  });

  it('goes on when the run completes after the probes came in', () => {
    const first = run(started, probed([ok('api')], T0 + 30 * S));
    expect(phase(first, 'backend').status).toBe('running');
    const done = run(first, completed(1, T0 + 60 * S));
    expect(statuses(done)).toEqual(['succeeded', 'dispatching']);
    expect(refused(done, probed([ok('api')], T0 + 61 * S)).reason).toBe('unexpected');
  });

  it('fails the deployment on a failing probe, with its problem in the timeline', () => {
    const failed = run(started, completed(1, T0 + 60 * S), probed([ok('web'), bad], T0 + 70 * S));
    expect(failed).toMatchObject({ status: 'failed', finishedAt: T0 + 70 * S });
    expect(statuses(failed)).toEqual(['failed', 'skipped']);
    expect(failed.timeline.at(-1)).toEqual({
      at: T0 + 70 * S,
      kind: 'failed',
      phaseId: 'backend',
      text: 'health check failed: api https://api.example.com/health expected 200, got 503',
    });
  });

  it('takes the probes once', () => {
    const first = run(started, probed([ok('api')], T0 + 30 * S));
    expect(refused(first, probed([bad], T0 + 31 * S))).toMatchObject({
      reason: 'unexpected',
      message: 'That does not apply to this deployment: phase backend is not waiting for health checks.',
    });
  });

  it('refuses a repeated runCompleted while the phase waits for its probes', () => {
    const ran = run(started, completed(1, T0 + 60 * S));
    expect(applyDeploymentEvent(ran, completed(1, T0 + 61 * S))).toMatchObject({
      ok: false,
      reason: 'unexpected',
    });
    expect(applyDeploymentEvent(ran, completed(1, T0 + 61 * S, 'failure'))).toMatchObject({
      ok: false,
      reason: 'unexpected',
    });
  });
});

describe('isAnalysing', () => {
  it('is true exactly while a canary past its baseline or a monitoring window is active', () => {
    const prod = planOf([BACKEND, TRAFFIC, WATCH], 'production');
    const observed: [string, boolean][] = [];
    const see = (label: string, state: DeploymentState) => {
      observed.push([label, isAnalysing(state)]);
      return state;
    };
    let state = see('start gate', createDeployment({ plan: prod, requestedBy: 'U0ALICE' }, T0));
    state = see(
      'queued',
      run(state, {
        type: 'approve',
        user: 'U0BOB',
        access: accessFor('approve', 'U0BOB', ['approvers'], ALICES_PRODUCTION),
        at: T0,
      }),
    );
    state = see('backend dispatching', run(state, { type: 'start', at: T0 }));
    state = see('backend running', run(state, dispatched(1, T0 + S)));
    state = see('canary before baseline', run(state, completed(1, T0 + 2 * S)));
    state = see('canary after baseline', run(state, baselineAt(T0 + 3 * S)));
    state = see('canary step running', run(state, dispatched(2, T0 + 4 * S)));
    state = see('canary holding', run(state, completed(2, T0 + 5 * S)));
    state = see('canary paused', run(state, steer('pause', T0 + 6 * S)));
    state = see('canary resumed', run(state, steer('resume', T0 + 7 * S)));
    state = see('next step dispatching', readings(state, [T0 + 5 * S + HOLD, PASS]));
    state = see(
      'go/no-go gate',
      run(state, dispatched(3, T0 + 70 * S), completed(3, T0 + 71 * S), steer('promote', T0 + 72 * S)),
    );
    state = see(
      'last step running',
      run(
        state,
        {
          type: 'approve',
          user: 'U0CAROL',
          access: accessFor('approve', 'U0CAROL', ['approvers'], ALICES_PRODUCTION),
          at: T0 + 80 * S,
        },
        dispatched(4, T0 + 81 * S),
      ),
    );
    state = see('watching', run(state, completed(4, T0 + 90 * S)));
    see('succeeded', readings(state, [T0 + 90 * S + MONITOR, PASS]));
    see('rolling back', readings(state, [T0 + 100 * S, BREACH]));
    expect(observed).toEqual([
      ['start gate', false],
      ['queued', false],
      ['backend dispatching', false],
      ['backend running', false],
      ['canary before baseline', false],
      ['canary after baseline', true],
      ['canary step running', true],
      ['canary holding', true],
      ['canary paused', true],
      ['canary resumed', true],
      ['next step dispatching', true],
      ['go/no-go gate', true],
      ['last step running', true],
      ['watching', true],
      ['succeeded', false],
      ['rolling back', false],
    ]);
  });

  it('is false for a deployment planned without holds or monitoring', () => {
    const plain = planOf([BACKEND, { ...TRAFFIC, canary: { steps: [5, 100], hold: 0 } }]);
    // A hold of 0 still plans an analysis (holdMs is set), so readings run during the canary after its baseline.
    expect(plain.analysis).toBeDefined();
    const noAnalysis = planOf([BACKEND]);
    expect(noAnalysis.analysis).toBeUndefined();
    const state = run(
      createDeployment({ plan: noAnalysis, requestedBy: 'U0ALICE' }, T0),
      { type: 'start', at: T0 },
      dispatched(1, T0 + S),
    );
    expect(state.analysis).toBeUndefined();
    expect(isAnalysing(state)).toBe(false);
    expect(refused(state, steer('pause', T0 + 2 * S)).reason).toBe('not-analysing');
  });
});

describe('a click rendered for an earlier gate or step', () => {
  const prod = planOf([BACKEND, TRAFFIC], 'production');
  const approveAs = (user: string, at: number, renderedFor?: { gateSeq: number }): DeploymentEvent => ({
    type: 'approve',
    user,
    access: accessFor('approve', user, ['approvers'], ALICES_PRODUCTION),
    at,
    ...(renderedFor ? { renderedFor } : {}),
  });
  /** Past the start gate (seq 1), 5 % and 25 % out, now at the go/no-go gate before 100 % (seq 2). */
  const atGoNoGo = run(
    createDeployment({ plan: prod, requestedBy: 'U0ALICE' }, T0),
    approveAs('U0BOB', T0, { gateSeq: 1 }),
    { type: 'start', at: T0 },
    dispatched(1, T0 + S),
    completed(1, T0 + 2 * S),
    baselineAt(T0 + 3 * S),
    dispatched(2, T0 + 4 * S),
    completed(2, T0 + 5 * S),
    steer('promote', T0 + 6 * S),
    dispatched(3, T0 + 7 * S),
    completed(3, T0 + 8 * S),
  );

  it('does not pass the go/no-go gate with a late Approve from the start gate’s message', () => {
    expect(atGoNoGo.gate?.seq).toBe(2);
    expect(refused(atGoNoGo, approveAs('U0CAROL', T0 + 9 * S, { gateSeq: 1 }))).toMatchObject({
      reason: 'stale',
      message: 'This approval was for an earlier gate; the timeline shows the current one.',
    });
    // The gate's own button passes it.
    const through = run(atGoNoGo, approveAs('U0CAROL', T0 + 9 * S, { gateSeq: 2 }));
    expect(phase(through, 'traffic')).toMatchObject({ status: 'dispatching', step: 2 });
  });

  it('refuses Promote and Resume rendered for an earlier canary step; honours Pause and Roll back from any step', () => {
    const at25 = run(
      holding,
      steer('promote', T0 + 121 * S),
      dispatched(3, T0 + 122 * S),
      completed(3, T0 + 123 * S),
    );
    // Promoted: 25 % went out without a hold; the first step's buttons are now stale.
    const step = phase(at25, 'traffic').step;
    expect(step).toBeGreaterThan(0);
    const early = { phaseId: 'traffic', step: 0 };
    const current = { phaseId: 'traffic', step };
    const promote = { ...steer('promote', T0 + 124 * S), renderedFor: early } as DeploymentEvent;
    expect(refused(at25, promote)).toMatchObject({
      reason: 'stale',
      message: 'That button was for an earlier step of the rollout; the timeline shows the current one.',
    });
    const paused = run(at25, { ...steer('pause', T0 + 124 * S), renderedFor: early } as DeploymentEvent);
    expect(paused.analysis?.paused).toBeDefined();
    const resume = { ...steer('resume', T0 + 125 * S), renderedFor: early } as DeploymentEvent;
    expect(refused(paused, resume)).toMatchObject({ reason: 'stale' });
    const resumed = run(paused, {
      ...steer('resume', T0 + 125 * S),
      renderedFor: current,
    } as DeploymentEvent);
    expect(resumed.analysis?.paused).toBeUndefined();
    const rollback: DeploymentEvent = {
      type: 'rollback',
      user: 'U0BOB',
      access: bobMay('roll-back'),
      reason: 'late, still meant',
      at: T0 + 126 * S,
      renderedFor: early,
    };
    expect(run(resumed, rollback).status).toBe('rolling_back');
  });
});
