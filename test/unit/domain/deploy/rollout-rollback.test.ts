import { describe, expect, it } from 'vitest';
import { type DeployRecord, deployRecordSchema } from '../../../../src/domain/deploy/deploy-record.js';
import {
  applyDeploymentEvent,
  createDeployment,
  type DeploymentState,
} from '../../../../src/domain/deploy/deployment-state.js';
import { nextSteps } from '../../../../src/domain/deploy/next-step.js';
import { type PlanConfig, planDeployment } from '../../../../src/domain/deploy/plan.js';
import { rolloutRollbackRuns } from '../../../../src/domain/deploy/rollout-rollback.js';
import type { RollbackWorkflow } from '../../../../src/domain/deploy/workflow-inputs.js';
import { applyAll } from '../../../helpers/deployment-events.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const S = 1_000;
const PLATFORM = { owner: 'acme', repo: 'platform' };
const API = { owner: 'acme', repo: 'api' };
const WEB = { owner: 'acme', repo: 'web' };

const config: PlanConfig = {
  github: { owner: 'acme', repo: 'platform', workflow: 'deploy.yml', ref: 'main' },
  environments: { staging: { approvals: 0, approvers: [] } },
  services: { api: { repo: 'acme/api', workflow: 'api.yml' }, web: { repo: 'acme/web' }, jobs: {} },
  pipeline: [
    { id: 'validation', title: 'Validation', inputs: { deployment_phase: 'validation' } },
    { id: 'backend', title: 'Backend', services: ['api', 'jobs'], inputs: { deployment_phase: 'backend' } },
    { id: 'frontend', title: 'Frontend', services: ['web'], inputs: { deployment_phase: 'frontend' } },
    { id: 'watch', title: 'Watch', monitor: 60 * S, inputs: {} },
  ],
};

/** Where each service rolls back, as compose builds it from `serviceRollbackTarget`. */
const ROLLBACK: RollbackWorkflow = {
  repository: PLATFORM,
  workflow: 'rollback.yml',
  ref: 'main',
  inputs: { deployment_phase: 'rollback' },
  services: {
    api: { repository: API, workflow: 'api.yml' },
    web: { repository: { owner: 'acme', repo: 'ops' }, workflow: 'web-rollback.yml' },
    jobs: { repository: PLATFORM, workflow: 'rollback.yml' },
  },
};

function record(state: DeploymentState): DeployRecord {
  const planned = planDeployment(config, { env: 'staging', greenlightId: 'gl_1' });
  if (!planned.ok) throw new Error(planned.message);
  return { state, plan: planned.plan, meta: {} };
}

function started(): DeploymentState {
  const planned = planDeployment(config, { env: 'staging', greenlightId: 'gl_1' });
  if (!planned.ok) throw new Error(planned.message);
  return applyAll(createDeployment({ plan: planned.plan, requestedBy: 'U0ALICE' }, T0), {
    type: 'start',
    at: T0,
  });
}

const dispatched = (runId: number, at: number) =>
  ({ type: 'phaseDispatched', runId, url: `https://github.com/x/${runId}`, at }) as const;
const succeeded = (runId: number, at: number) =>
  ({ type: 'runCompleted', runId, conclusion: 'success', at }) as const;
const rollBack = (at: number) =>
  ({ type: 'rollback', user: 'U0ALICE', access: { ok: true }, reason: 'bad', at }) as const;

describe('rolloutRollbackRuns', () => {
  it('one run per repository and workflow the rollout deployed to, where /rollback would dispatch', () => {
    const state = applyAll(
      started(),
      dispatched(1, T0 + S),
      succeeded(1, T0 + 2 * S),
      dispatched(2, T0 + 3 * S),
      succeeded(2, T0 + 4 * S),
      dispatched(3, T0 + 5 * S),
      succeeded(3, T0 + 6 * S),
      rollBack(T0 + 7 * S),
    );
    // frontend was being dispatched when the rollback started: its repository may have been deployed to.
    expect(state.rollback?.dispatchingPhases).toEqual(['frontend']);
    expect(rolloutRollbackRuns(record(state), ROLLBACK)).toEqual([
      // validation (no services) and jobs (in acme/platform) share github.repo's run, which keeps the old id.
      {
        correlationId: 'gl_1-rollback',
        repository: PLATFORM,
        workflow: 'rollback.yml',
        services: ['jobs'],
      },
      { correlationId: 'gl_1-rollback-acme.api', repository: API, workflow: 'api.yml', services: ['api'] },
      {
        correlationId: 'gl_1-rollback-acme.ops',
        repository: { owner: 'acme', repo: 'ops' },
        workflow: 'web-rollback.yml',
        services: ['web'],
      },
    ]);
  });

  it('only the repositories reached: a rollback after the first phase rolls back github.repo alone', () => {
    const state = applyAll(started(), dispatched(1, T0 + S), rollBack(T0 + 2 * S));
    expect(rolloutRollbackRuns(record(state), ROLLBACK)).toEqual([
      { correlationId: 'gl_1-rollback', repository: PLATFORM, workflow: 'rollback.yml' },
    ]);
  });
});

describe('a rollback in several repositories', () => {
  function rollingBack(): DeploymentState {
    return applyAll(started(), dispatched(1, T0 + S), rollBack(T0 + 2 * S), {
      type: 'rollbackPlanned',
      runs: [
        { correlationId: 'gl_1-rollback', repository: PLATFORM, workflow: 'rollback.yml' },
        { correlationId: 'gl_1-rollback-acme.api', repository: API, workflow: 'api.yml' },
        { correlationId: 'gl_1-rollback-acme.web', repository: WEB, workflow: 'deploy.yml' },
      ],
      version: 'v1.0.0',
      at: T0 + 3 * S,
    });
  }

  it('sends each once, polls each in its repository, and is rolled back only when every run succeeded', () => {
    const sent = applyAll(
      rollingBack(),
      {
        type: 'rollbackDispatched',
        correlationId: 'gl_1-rollback-acme.api',
        runId: 11,
        url: 'u/11',
        at: T0 + 4 * S,
      },
      { type: 'rollbackDispatched', correlationId: 'gl_1-rollback', runId: 10, url: 'u/10', at: T0 + 5 * S },
    );
    expect(nextSteps(record(sent), { gateTimeoutMs: 1 })).toEqual([
      { kind: 'dispatch-rollback' },
      { kind: 'poll', runId: 10, repository: PLATFORM },
      { kind: 'poll', runId: 11, repository: API },
    ]);
    expect(
      applyDeploymentEvent(sent, {
        type: 'rollbackDispatched',
        correlationId: 'gl_1-rollback-acme.api',
        runId: 12,
        url: 'u/12',
        at: T0 + 6 * S,
      }).ok,
    ).toBe(false);
    const all = applyAll(sent, {
      type: 'rollbackDispatched',
      correlationId: 'gl_1-rollback-acme.web',
      runId: 13,
      url: 'u/13',
      at: T0 + 6 * S,
    });
    expect(nextSteps(record(all), { gateTimeoutMs: 1 })[0]).toEqual({ kind: 'declare-incident' });
    expect(
      all.timeline.filter((entry) => entry.kind === 'rollback_dispatched').map((e) => e.repository),
    ).toEqual(['acme/api', 'acme/platform', 'acme/web']);
    const two = applyAll(
      all,
      { type: 'rollbackCompleted', runId: 10, conclusion: 'success', at: T0 + 7 * S },
      { type: 'rollbackCompleted', runId: 13, conclusion: 'success', at: T0 + 8 * S },
    );
    expect(two.status).toBe('rolling_back');
    const done = applyAll(two, {
      type: 'rollbackCompleted',
      runId: 11,
      conclusion: 'success',
      at: T0 + 9 * S,
    });
    expect(done).toMatchObject({ status: 'rolled_back', finishedAt: T0 + 9 * S });
    expect(done.rollback?.completedAt).toBe(T0 + 9 * S);
  });

  it('one refused and one failed: failed once all ended, saying where', () => {
    const done = applyAll(
      rollingBack(),
      { type: 'rollbackDispatched', correlationId: 'gl_1-rollback', runId: 10, url: 'u/10', at: T0 + 4 * S },
      {
        type: 'rollbackFailed',
        correlationId: 'gl_1-rollback-acme.api',
        reason: 'GitHub said 403',
        at: T0 + 4 * S,
      },
      {
        type: 'rollbackDispatched',
        correlationId: 'gl_1-rollback-acme.web',
        runId: 13,
        url: 'u/13',
        at: T0 + 5 * S,
      },
      { type: 'rollbackCompleted', runId: 10, conclusion: 'success', at: T0 + 6 * S },
    );
    expect(done.status).toBe('rolling_back');
    const failed = applyAll(done, {
      type: 'rollbackCompleted',
      runId: 13,
      conclusion: 'failure',
      at: T0 + 7 * S,
    });
    expect(failed.status).toBe('failed');
    expect(failed.timeline.at(-1)?.text).toBe(
      'the rollback in acme/api could not start: GitHub said 403; the rollback run in acme/web ended `failure`',
    );
  });
});

describe('a record an older greenlight wrote mid-rollback', () => {
  it('its single rollback run loads into runs, and its end still finishes the deployment', () => {
    const state = applyAll(started(), dispatched(1, T0 + S), rollBack(T0 + 2 * S));
    const old = {
      ...record(state),
      state: {
        ...state,
        rollback: { ...state.rollback, runId: 99, runNumber: 4, url: 'u/99', dispatchedAt: T0 + 3 * S },
      },
    };
    const loaded = deployRecordSchema.parse(JSON.parse(JSON.stringify(old)));
    expect(loaded.state.rollback?.runs).toEqual([
      { correlationId: 'gl_1-rollback', runId: 99, runNumber: 4, url: 'u/99', dispatchedAt: T0 + 3 * S },
    ]);
    expect(nextSteps(loaded, { gateTimeoutMs: 1 })).toEqual([
      { kind: 'declare-incident' },
      { kind: 'poll', runId: 99 },
    ]);
    const done = applyAll(loaded.state, {
      type: 'rollbackCompleted',
      runId: 99,
      conclusion: 'success',
      at: T0 + 9 * S,
    });
    expect(done.status).toBe('rolled_back');
  });

  it('one not yet dispatched is planned afresh, its github.repo run under the id the old one used', () => {
    const state = applyAll(started(), dispatched(1, T0 + S), rollBack(T0 + 2 * S));
    const loaded = deployRecordSchema.parse(JSON.parse(JSON.stringify(record(state))));
    expect(loaded.state.rollback?.runs).toBeUndefined();
    expect(nextSteps(loaded, { gateTimeoutMs: 1 })).toEqual([{ kind: 'dispatch-rollback' }]);
    expect(rolloutRollbackRuns(loaded, ROLLBACK)[0]?.correlationId).toBe('gl_1-rollback');
  });
});
