import { describe, expect, it } from 'vitest';
import type { ProbeResult, Reading } from '../../../../src/domain/analysis/reading.js';
import type { DeployRecord } from '../../../../src/domain/deploy/deploy-record.js';
import {
  createDeployment,
  type DeploymentEvent,
  type DeploymentState,
} from '../../../../src/domain/deploy/deployment-state.js';
import {
  type EngineSettings,
  failedVerification,
  finalization,
  needsGitHubDeploymentFirst,
  nextSteps,
  readingDelay,
  runEnded,
  type Step,
} from '../../../../src/domain/deploy/next-step.js';
import { type DeploymentPlan, type PlanConfig, planDeployment } from '../../../../src/domain/deploy/plan.js';
import { planRollback } from '../../../../src/domain/deploy/rollback-plan.js';
import { applyAll } from '../../../helpers/deployment-events.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const S = 1_000;
const GATE_TIMEOUT = 3_600 * S;
const SETTINGS: EngineSettings = {
  gateTimeoutMs: GATE_TIMEOUT,
  lockOnFailure: true,
  lockAfterRollback: true,
};

const config: PlanConfig = {
  github: { workflow: 'deploy.yml', ref: 'main' },
  environments: {
    staging: { approvals: 0, approvers: [] },
    production: { approvals: 1, approvers: ['U0CAROL'] },
  },
  services: { api: {} },
  pipeline: [
    { id: 'validation', title: 'Validation', inputs: { deployment_phase: 'validation' }, health: true },
    {
      id: 'traffic',
      title: 'Traffic switch',
      inputs: { deployment_phase: 'traffic' },
      canary: { steps: [5, 25, 100], hold: 60 * S },
    },
  ],
};

function planFor(env: string): DeploymentPlan {
  const planned = planDeployment(config, { env, greenlightId: 'gl_7' });
  if (!planned.ok) throw new Error(planned.message);
  return planned.plan;
}

function rollbackPlan(): DeploymentPlan {
  const planned = planRollback(
    {
      github: { workflow: 'deploy.yml', ref: 'main' },
      services: { api: { health: [{}] } },
      rollback: { inputs: {} },
    },
    { service: 'api', env: 'staging', version: 'v1', greenlightId: 'gl_8' },
  );
  if (!planned.ok) throw new Error(planned.message);
  return planned.plan;
}

function record(
  plan: DeploymentPlan,
  events: DeploymentEvent[],
  meta: Partial<DeployRecord['meta']> = {},
  rollbackOf?: DeploymentState['rollbackOf'],
): DeployRecord {
  const created = createDeployment(
    { plan, requestedBy: 'U0ALICE', ...(rollbackOf ? { rollbackOf } : {}) },
    T0,
  );
  return { state: applyAll(created, ...events), plan, meta: { repliesPosted: 0, ...meta } };
}

const start: DeploymentEvent = { type: 'start', at: T0 + S };
const dispatched = (runId: number, at = T0 + 2 * S): DeploymentEvent => ({
  type: 'phaseDispatched',
  runId,
  url: `https://github.com/acme/platform/actions/runs/${runId}`,
  at,
});
const completed = (runId: number, at = T0 + 3 * S, conclusion = 'success'): DeploymentEvent => ({
  type: 'runCompleted',
  runId,
  conclusion,
  at,
});
const healthy: ProbeResult[] = [
  { service: 'api', url: 'http://api/health', ok: true, status: 200, latencyMs: 3 },
];
const probed = (phaseId: string, results = healthy, at = T0 + 4 * S): DeploymentEvent => ({
  type: 'probed',
  phaseId,
  results,
  at,
});
const reading = (at: number): Reading => ({
  at,
  source: 'prometheus',
  probes: [],
  errorRate: 0.001,
  p95Ms: 100,
});
const baseline = (at: number): DeploymentEvent => ({
  type: 'baselineCaptured',
  reading: reading(at),
  cursor: { at, counters: {} },
  at,
});
const rollback = (at: number): DeploymentEvent => ({
  type: 'rollback',
  user: 'U0CAROL',
  access: { ok: true },
  reason: 'rolled back by hand by <@U0CAROL>',
  at,
});

/** Validation done (run 1 and its probes); the canary is about to dispatch its first step. */
const atCanary = [start, dispatched(1), completed(1), probed('validation')];
/** The canary's first step out and done: holding, analysed from the baseline on. */
const holding = [...atCanary, baseline(T0 + 5 * S), dispatched(2, T0 + 6 * S), completed(2, T0 + 7 * S)];

const dispatchOf = (phase: string, step: number, extra: Record<string, string> = {}) => ({
  workflow: 'deploy.yml',
  ref: 'main',
  correlationId: `gl_7-${phase}-${step}`,
  inputs: {
    deployment_phase: phase,
    environment: 'staging',
    ref: 'main',
    greenlight_id: `gl_7-${phase}-${step}`,
    ...extra,
  },
  ...(extra.traffic_percentage ? { percentage: Number(extra.traffic_percentage) } : {}),
});

describe('nextSteps', () => {
  const cases: [string, DeployRecord, Step[]][] = [
    [
      'a queued deployment claims its environment',
      record(planFor('staging'), []),
      [{ kind: 'claim-environment' }],
    ],
    [
      'a queued /rollback starts at once, skipping the queue',
      record(rollbackPlan(), [], {}, { service: 'api', reason: 'broken' }),
      [{ kind: 'start' }],
    ],
    [
      'a started /rollback dispatches at once; its GitHub Deployment comes after',
      record(rollbackPlan(), [start], {}, { service: 'api', reason: 'broken' }),
      [expect.objectContaining({ kind: 'dispatch-phase', phaseId: 'rollback' })],
    ],
    [
      'a deployment at its start gate sets the gate’s timer',
      record(planFor('production'), []),
      [{ kind: 'expire-gate', seq: 1, delayMs: GATE_TIMEOUT }],
    ],
    [
      'a started deployment is recorded on GitHub first, checks and all, then its phase dispatched',
      record(planFor('staging'), [start]),
      [
        { kind: 'create-github-deployment' },
        {
          kind: 'dispatch-phase',
          phaseId: 'validation',
          step: 0,
          title: 'Validation',
          dispatch: dispatchOf('validation', 0),
        },
      ],
    ],
    [
      'once on GitHub, a started phase is dispatched with its exact request',
      record(planFor('staging'), [start], { githubDeploymentId: 77 }),
      [
        {
          kind: 'dispatch-phase',
          phaseId: 'validation',
          step: 0,
          title: 'Validation',
          dispatch: dispatchOf('validation', 0),
        },
      ],
    ],
    [
      'a running phase: the GitHub Deployment first, then its probes and a look at its run',
      record(planFor('staging'), [start, dispatched(1)]),
      [
        { kind: 'create-github-deployment' },
        { kind: 'probe', phaseId: 'validation' },
        { kind: 'poll', runId: 1 },
      ],
    ],
    [
      'once probed and recorded on GitHub, only the run is watched',
      record(planFor('staging'), [start, dispatched(1), probed('validation')], { githubDeploymentId: 77 }),
      [{ kind: 'poll', runId: 1 }],
    ],
    [
      'the first canary step waits for a baseline',
      record(planFor('staging'), atCanary, { githubDeploymentId: 77 }),
      [{ kind: 'capture-baseline' }],
    ],
    [
      'a canary step is dispatched with its traffic percentage',
      record(planFor('staging'), [...atCanary, baseline(T0 + 5 * S)], { githubDeploymentId: 77 }),
      [
        {
          kind: 'dispatch-phase',
          phaseId: 'traffic',
          step: 0,
          title: 'Traffic switch',
          dispatch: dispatchOf('traffic', 0, { traffic_percentage: '5' }),
        },
      ],
    ],
    [
      'a holding step asks for its first reading, one interval after the baseline',
      record(planFor('staging'), holding, { githubDeploymentId: 77 }),
      [{ kind: 'schedule-reading', tick: 1, lastAt: T0 + 5 * S, intervalMs: 10 * S }],
    ],
    [
      'a rollout rolling back dispatches the rollback first',
      record(planFor('staging'), [start, dispatched(1), rollback(T0 + 3 * S)], { githubDeploymentId: 77 }),
      [{ kind: 'dispatch-rollback' }],
    ],
    [
      'a dispatched rollback declares its incident and is watched',
      record(
        planFor('staging'),
        [
          start,
          dispatched(1),
          rollback(T0 + 3 * S),
          { type: 'rollbackDispatched', runId: 9, url: 'https://github.com/x', at: T0 + 4 * S },
        ],
        { githubDeploymentId: 77 },
      ),
      [{ kind: 'declare-incident' }, { kind: 'poll', runId: 9 }],
    ],
    [
      'a /rollback verifies health only once its run succeeded',
      record(
        rollbackPlan(),
        [start, dispatched(4)],
        { githubDeploymentId: 77 },
        { service: 'api', reason: 'x' },
      ),
      [{ kind: 'poll', runId: 4 }],
    ],
    [
      'and then probes the version it went back to',
      record(
        rollbackPlan(),
        [start, dispatched(4), completed(4)],
        { githubDeploymentId: 77 },
        {
          service: 'api',
          reason: 'x',
        },
      ),
      [{ kind: 'probe', phaseId: 'rollback' }],
    ],
    [
      'a finished deployment is finalized',
      record(planFor('staging'), [start, dispatched(1), completed(1, T0 + 3 * S, 'failure')]),
      [{ kind: 'finalize' }],
    ],
    [
      'once',
      record(planFor('staging'), [start, dispatched(1), completed(1, T0 + 3 * S, 'failure')], {
        finalized: true,
      }),
      [],
    ],
  ];

  it.each(cases)('%s', (_, given, steps) => {
    expect(nextSteps(given, SETTINGS)).toEqual(steps);
  });

  it('numbers the next reading after the last one taken', () => {
    const analysed = applyAll(record(planFor('staging'), holding).state, {
      type: 'analysed',
      tick: 1,
      reading: reading(T0 + 17 * S),
      cursor: { at: T0 + 17 * S, counters: {} },
      at: T0 + 17 * S,
    });
    expect(nextSteps({ ...record(planFor('staging'), holding), state: analysed }, SETTINGS).at(-1)).toEqual({
      kind: 'schedule-reading',
      tick: 2,
      lastAt: T0 + 17 * S,
      intervalMs: 10 * S,
    });
  });
});

describe('readingDelay', () => {
  it('waits one interval after the last reading, at once when that is past, and one interval for the first', () => {
    const step = { kind: 'schedule-reading', tick: 2, lastAt: T0, intervalMs: 10 * S } as const;
    expect(readingDelay(step, T0 + 4 * S)).toBe(6 * S);
    expect(readingDelay(step, T0 + 14 * S)).toBe(0);
    expect(readingDelay({ kind: 'schedule-reading', tick: 1, intervalMs: 10 * S }, T0)).toBe(10 * S);
  });
});

describe('runEnded', () => {
  const rolling = applyAll(record(planFor('staging'), [start, dispatched(1), rollback(T0 + 3 * S)]).state, {
    type: 'rollbackDispatched',
    runId: 9,
    url: 'https://github.com/x',
    at: T0 + 4 * S,
  });
  it.each([
    [1, 'success', { type: 'runCompleted', runId: 1, conclusion: 'success', at: T0 }],
    [9, 'failure', { type: 'rollbackCompleted', runId: 9, conclusion: 'failure', at: T0 }],
    [1, 'gone', { type: 'fail', reason: 'run 1 disappeared on GitHub', at: T0 }],
    [9, 'gone', { type: 'rollbackCompleted', runId: 9, conclusion: 'disappeared on GitHub', at: T0 }],
  ] as const)('run %i ending %s', (runId, conclusion, event) => {
    expect(runEnded(rolling, runId, conclusion, T0)).toEqual(event);
  });
});

describe('failedVerification and needsGitHubDeploymentFirst', () => {
  it('counts a failing round only when it verifies a rollback’s version', () => {
    const failing: ProbeResult[] = [{ ...healthy[0]!, ok: false, status: 503 }];
    const slash = record(rollbackPlan(), [start], {}, { service: 'api', reason: 'x' }).state;
    const plain = record(planFor('staging'), [start]).state;
    expect(failedVerification(slash.phases[0]!, failing)).toBe(true);
    expect(failedVerification(slash.phases[0]!, healthy)).toBe(false);
    expect(failedVerification(plain.phases[0]!, failing)).toBe(false);
  });

  it('creates the GitHub Deployment before the final status when a run went out but it was never recorded', () => {
    const stopped = [
      start,
      dispatched(1),
      { type: 'cancel', user: 'U0CAROL', access: { ok: true }, at: T0 + 3 * S } as const,
    ];
    expect(needsGitHubDeploymentFirst(record(planFor('staging'), stopped))).toBe(true);
    expect(needsGitHubDeploymentFirst(record(planFor('staging'), stopped, { githubDeploymentId: 77 }))).toBe(
      false,
    );
    const before = [
      start,
      { type: 'cancel', user: 'U0CAROL', access: { ok: true }, at: T0 + 3 * S } as const,
    ];
    expect(needsGitHubDeploymentFirst(record(planFor('staging'), before))).toBe(false);
  });
});

describe('finalization', () => {
  const at = new Date(T0 + 60 * S).toISOString();
  const lock = (reason: string) => ({ by: 'greenlight', reason, at });
  const finished = (events: DeploymentEvent[], rollbackOf?: DeploymentState['rollbackOf']) =>
    record(rollbackOf ? rollbackPlan() : planFor('staging'), events, {}, rollbackOf).state;
  const failed = finished([start, dispatched(1), completed(1, T0 + 3 * S, 'failure')]);
  const rolledBack = finished([
    start,
    dispatched(1),
    rollback(T0 + 3 * S),
    { type: 'rollbackDispatched', runId: 9, url: 'https://github.com/x', at: T0 + 4 * S },
    { type: 'rollbackCompleted', runId: 9, conclusion: 'success', at: T0 + 5 * S },
  ]);
  const slash = { service: 'api', reason: 'broken' };
  const slashDone = finished([start, dispatched(4), completed(4), probed('rollback')], slash);

  it.each([
    [
      'a stop: GitHub hears inactive, nothing is locked',
      finished([
        start,
        dispatched(1),
        completed(1),
        probed('validation'),
        { type: 'cancel', user: 'U0CAROL', access: { ok: true }, at: T0 + 5 * S },
      ]),
      SETTINGS,
      {
        githubStatus: { state: 'inactive', description: 'greenlight: cancelled' },
        declareIncident: false,
        locks: [],
      },
    ],
    [
      'a failure locks the environment with deploy.lockOnFailure',
      failed,
      SETTINGS,
      {
        githubStatus: { state: 'failure', description: 'greenlight: failed' },
        declareIncident: false,
        locks: [lock('deployment gl_7 failed; unlock with /deploy unlock staging once it is understood')],
      },
    ],
    [
      'but not when nothing went out: GitHub refused the first dispatch',
      finished([start, { type: 'fail', reason: 'GitHub refused the dispatch: …', at: T0 + S }]),
      SETTINGS,
      {
        githubStatus: { state: 'failure', description: 'greenlight: failed' },
        declareIncident: false,
        locks: [],
      },
    ],
    [
      'and it does when GitHub took a dispatch whose run was never found',
      finished([start, { type: 'fail', reason: 'run not found', runMayHaveStarted: true, at: T0 + S }]),
      SETTINGS,
      {
        githubStatus: { state: 'failure', description: 'greenlight: failed' },
        declareIncident: false,
        locks: [lock('deployment gl_7 failed; unlock with /deploy unlock staging once it is understood')],
      },
    ],
    [
      'and does not without it',
      failed,
      { ...SETTINGS, lockOnFailure: false },
      {
        githubStatus: { state: 'failure', description: 'greenlight: failed' },
        declareIncident: false,
        locks: [],
      },
    ],
    [
      'a rollout rolled back always locks, and declares an incident',
      rolledBack,
      { ...SETTINGS, lockOnFailure: false },
      {
        githubStatus: {
          state: 'failure',
          description: 'greenlight: rolled back: rolled back by hand by <@U0CAROL>',
        },
        declareIncident: true,
        locks: [
          lock('deployment gl_7 was rolled back; unlock with /deploy unlock staging once it is understood'),
        ],
      },
    ],
    [
      'a /rollback frees its claim and locks with rollback.lockEnvironment',
      slashDone,
      SETTINGS,
      {
        githubStatus: { state: 'success', description: 'greenlight: succeeded' },
        declareIncident: false,
        releaseRollbackClaim: { env: 'staging', services: ['api'] },
        locks: [
          lock('api was rolled back to v1 (gl_8); unlock with /deploy unlock staging once it is understood'),
        ],
      },
    ],
    [
      'and frees it without locking when told not to',
      slashDone,
      { ...SETTINGS, lockAfterRollback: false },
      {
        githubStatus: { state: 'success', description: 'greenlight: succeeded' },
        declareIncident: false,
        releaseRollbackClaim: { env: 'staging', services: ['api'] },
        locks: [],
      },
    ],
  ] as const)('%s', (_, state, settings, expected) => {
    expect(finalization(state, settings, T0 + 60 * S)).toEqual(expected);
  });

  it('keeps the GitHub status description within GitHub’s 140 characters', () => {
    const long = applyAll(record(planFor('staging'), [start, dispatched(1)]).state, {
      ...rollback(T0 + 3 * S),
      reason: 'x'.repeat(300),
    } as DeploymentEvent);
    const ended = applyAll(long, { type: 'rollbackFailed', reason: 'refused', at: T0 + 4 * S });
    const { githubStatus, locks } = finalization(ended, SETTINGS, T0);
    const { description } = githubStatus;
    expect(description).toHaveLength(140);
    expect(locks.map((lock) => lock.reason)).toEqual([
      'deployment gl_7 could not be rolled back; unlock with /deploy unlock staging once it is understood',
    ]);
    expect(description.startsWith('greenlight: rollback failed: xxx')).toBe(true);
  });
});

describe('a deployment across repositories', () => {
  const acme = (repo: string) => ({ owner: 'acme', repo });
  const repos: PlanConfig = {
    github: { owner: 'acme', repo: 'platform', workflow: 'deploy.yml', ref: 'main' },
    environments: { staging: { approvals: 0, approvers: [] } },
    services: { web: { repo: 'acme/web' } },
    pipeline: [
      { id: 'validation', title: 'Validation', inputs: { deployment_phase: 'validation' } },
      { id: 'frontend', title: 'Frontend', services: ['web'], inputs: { deployment_phase: 'frontend' } },
    ],
  };
  const planned = planDeployment(repos, { env: 'staging', greenlightId: 'gl_9' });
  if (!planned.ok) throw new Error(planned.message);
  const plan = planned.plan;
  const kinds = (steps: Step[]) =>
    steps.map((step) =>
      step.kind === 'create-github-deployment' || step.kind === 'poll'
        ? `${step.kind} ${step.repository?.repo ?? 'main'}`
        : step.kind === 'dispatch-phase'
          ? `${step.kind} ${step.dispatch.repository?.repo}`
          : step.kind,
    );
  const second = [start, dispatched(1), completed(1)];

  it('creates the GitHub Deployment of each repository before its first dispatch, and polls each run where it runs', () => {
    expect(kinds(nextSteps(record(plan, [start]), SETTINGS))).toEqual([
      'create-github-deployment platform',
      'dispatch-phase platform',
    ]);
    expect(kinds(nextSteps(record(plan, second, { githubDeploymentId: 77 }), SETTINGS))).toEqual([
      'create-github-deployment web',
      'dispatch-phase web',
    ]);
    const web = { githubDeploymentId: 77, githubDeployments: { 'acme/web': 78 } };
    expect(kinds(nextSteps(record(plan, second, web), SETTINGS))).toEqual(['dispatch-phase web']);
    expect(kinds(nextSteps(record(plan, [...second, dispatched(2)], web), SETTINGS))).toEqual(['poll web']);
    expect(nextSteps(record(plan, [...second, dispatched(2)], web), SETTINGS)).toContainEqual({
      kind: 'poll',
      runId: 2,
      repository: acme('web'),
    });
  });

  it('gives a run stopped before its GitHub Deployment was recorded one in its own repository', () => {
    const stopped = [
      ...second,
      dispatched(2),
      { type: 'cancel', user: 'U0CAROL', access: { ok: true }, at: T0 + 9 * S } as const,
    ];
    expect(needsGitHubDeploymentFirst(record(plan, stopped, { githubDeploymentId: 77 }))).toBe(true);
    expect(
      needsGitHubDeploymentFirst(
        record(plan, stopped, { githubDeploymentId: 77, githubDeployments: { 'acme/web': 78 } }),
      ),
    ).toBe(false);
  });
});
