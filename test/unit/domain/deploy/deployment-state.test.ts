import { describe, expect, it } from 'vitest';
import {
  applyDeploymentEvent,
  createDeployment,
  type DeploymentEvent,
  type DeploymentState,
} from '../../../../src/domain/deploy/deployment-state.js';
import type { DeploymentPlan, PlannedPhase } from '../../../../src/domain/deploy/plan.js';
import { accessFor } from '../../../helpers/access.js';

const T0 = Date.parse('2026-03-02T02:00:00Z');
const inputs = { environment: 'production', ref: 'main', greenlight_id: 'gl_1' };
const phase = (id: string, extra: Partial<PlannedPhase> = {}): PlannedPhase => ({
  id,
  title: id,
  workflow: 'deploy.yml',
  inputs,
  ...extra,
});

function plan(
  approvals: number,
  phases: PlannedPhase[] = [phase('validation'), phase('backend')],
): DeploymentPlan {
  return {
    env: 'production',
    ref: 'main',
    greenlightId: 'gl_1',
    phases,
    skippedPhases: [],
    approvalsAtStart: approvals,
    approvers: ['@release-managers'],
    services: [],
  };
}

/** Applies events in order, failing the test on the first refusal. */
function run(state: DeploymentState, ...events: DeploymentEvent[]): DeploymentState {
  return events.reduce((current, event) => {
    const result = applyDeploymentEvent(deepFreeze(current), event);
    if (!result.ok) throw new Error(`${event.type} refused: ${result.message}`);
    return result.state;
  }, state);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Access as the services decide it, about a deployment U_ALICE requested in production. */
const ALICES = { env: 'production', requestedBy: 'U_ALICE' };
const approve = (user: string, at = T0 + 1, isApprover = true): DeploymentEvent => ({
  type: 'approve',
  user,
  access: accessFor('approve', user, isApprover ? ['approvers'] : [], ALICES),
  at,
});
const dispatched = (runId: number, at = T0 + 10): DeploymentEvent => ({
  type: 'phaseDispatched',
  runId,
  url: `https://github.com/acme/platform/actions/runs/${runId}`,
  at,
});
const completed = (runId: number, conclusion = 'success', at = T0 + 20): DeploymentEvent => ({
  type: 'runCompleted',
  runId,
  conclusion,
  at,
});

describe('createDeployment', () => {
  it('queues a deployment that needs no approval', () => {
    const state = createDeployment({ plan: plan(0), requestedBy: 'U_ALICE' }, T0);
    expect(state).toMatchObject({ id: 'gl_1', status: 'queued', requestedAt: T0, gatesOpened: 0 });
    expect(state.phases.map((p) => p.status)).toEqual(['pending', 'pending']);
    expect(state.timeline).toEqual([{ at: T0, kind: 'requested', by: 'U_ALICE' }]);
  });

  it('opens a start gate when the environment needs approvals, recording an override reason', () => {
    const state = createDeployment({ plan: plan(2), requestedBy: 'U_ALICE', override: 'hotfix INC-42' }, T0);
    expect(state).toMatchObject({
      status: 'awaiting_approval',
      override: 'hotfix INC-42',
      gate: { seq: 1, openedAt: T0, approvals: [] },
    });
    expect(state.gate?.phaseId).toBeUndefined();
    expect(state.timeline).toEqual([
      { at: T0, kind: 'requested', by: 'U_ALICE', text: 'hotfix INC-42' },
      { at: T0, kind: 'gate_opened' },
    ]);
  });
});

describe('approvals', () => {
  const waiting = createDeployment({ plan: plan(2), requestedBy: 'U_ALICE' }, T0);

  it.each<[string, DeploymentState, DeploymentEvent, string, string]>([
    [
      'the requester',
      waiting,
      approve('U_ALICE'),
      'own-deployment',
      'You requested this deployment, so you cannot approve it; ask another approver.',
    ],
    [
      'someone who is not an approver',
      waiting,
      approve('U_MALLORY', T0 + 1, false),
      'not-approver',
      'Only approvers of production can approve this deployment.',
    ],
    [
      'an approver twice at the same gate',
      run(waiting, approve('U_BOB')),
      approve('U_BOB', T0 + 2),
      'already-approved',
      'You have already approved; it needs 2 different approvers (1 so far).',
    ],
    [
      'a deployment that is not waiting',
      run(waiting, approve('U_BOB'), approve('U_CAROL')),
      approve('U_DAVE'),
      'not-waiting',
      'This deployment is not waiting for an approval right now.',
    ],
    [
      'a finished deployment',
      run(waiting, {
        type: 'cancel',
        user: 'U_ALICE',
        access: accessFor('cancel', 'U_ALICE', [], ALICES),
        at: T0 + 5,
      }),
      approve('U_BOB'),
      'finished',
      'This deployment is finished (cancelled); there is nothing to approve.',
    ],
  ])('refuses an approval from %s with a sentence', (_, state, event, reason, message) => {
    expect(applyDeploymentEvent(deepFreeze(state), event)).toEqual({ ok: false, reason, message });
  });

  it('checks that the deployment is open before who is approving', () => {
    const done = run(waiting, {
      type: 'cancel',
      user: 'U_ALICE',
      access: accessFor('cancel', 'U_ALICE', [], ALICES),
      at: T0 + 5,
    });
    expect(applyDeploymentEvent(done, approve('U_ALICE'))).toMatchObject({ reason: 'finished' });
  });

  it('passes the gate at N distinct approvers, recording each with the time', () => {
    const one = run(waiting, approve('U_BOB', T0 + 1));
    expect(one.status).toBe('awaiting_approval');
    expect(one.gate?.approvals).toEqual([{ user: 'U_BOB', at: T0 + 1 }]);
    const two = run(one, approve('U_CAROL', T0 + 2));
    expect(two.status).toBe('queued');
    expect(two.gate).toBeUndefined();
    expect(two.timeline.slice(-3)).toEqual([
      { at: T0 + 1, kind: 'approved', by: 'U_BOB' },
      { at: T0 + 2, kind: 'approved', by: 'U_CAROL' },
      { at: T0 + 2, kind: 'gate_passed' },
    ]);
  });

  it('needs fresh approvals at each gate, from the same people if they like', () => {
    const gated = plan(1, [phase('validation'), phase('migration', { gate: 'approval' })]);
    const atGate = run(
      createDeployment({ plan: gated, requestedBy: 'U_ALICE' }, T0),
      approve('U_BOB'),
      { type: 'start', at: T0 + 2 },
      dispatched(101),
      completed(101),
    );
    expect(atGate).toMatchObject({ status: 'awaiting_approval', gate: { seq: 2, phaseId: 'migration' } });
    expect(atGate.phases.map((p) => p.status)).toEqual(['succeeded', 'waiting_gate']);
    const passed = run(atGate, approve('U_BOB', T0 + 30));
    expect(passed.status).toBe('running');
    expect(passed.phases.map((p) => p.status)).toEqual(['succeeded', 'dispatching']);
  });
});

describe('a deployment from start to finish', () => {
  it('runs phases in order, canary steps one run each with a go/no-go before the last, and ends succeeded', () => {
    const canaryPlan = plan(1, [
      phase('validation'),
      phase('traffic_switch', { canarySteps: [5, 50, 100], canaryGate: 'approval' }),
    ]);
    let state = run(
      createDeployment({ plan: canaryPlan, requestedBy: 'U_ALICE' }, T0),
      approve('U_BOB', T0 + 1),
    );
    state = run(state, { type: 'start', at: T0 + 2 });
    expect(state.status).toBe('running');
    expect(state.phases[0]?.status).toBe('dispatching');
    state = run(state, dispatched(1, T0 + 3), completed(1, 'success', T0 + 4));
    expect(state.phases[1]).toMatchObject({ status: 'dispatching', step: 0 });
    state = run(state, dispatched(2, T0 + 5), completed(2, 'success', T0 + 6));
    expect(state.phases[1]).toMatchObject({ status: 'dispatching', step: 1 });
    state = run(state, dispatched(3, T0 + 7), completed(3, 'success', T0 + 8));
    expect(state).toMatchObject({
      status: 'awaiting_approval',
      gate: { phaseId: 'traffic_switch', beforePercentage: 100, seq: 2 },
    });
    expect(state.phases[1]).toMatchObject({ status: 'waiting_gate', step: 2 });
    state = run(state, approve('U_CAROL', T0 + 9), dispatched(4, T0 + 10), completed(4, 'success', T0 + 11));
    expect(state).toMatchObject({ status: 'succeeded', finishedAt: T0 + 11 });
    expect(state.phases.map((p) => p.status)).toEqual(['succeeded', 'succeeded']);
    expect(state.phases[1]?.runs.map((r) => [r.runId, r.percentage, r.conclusion])).toEqual([
      [2, 5, 'success'],
      [3, 50, 'success'],
      [4, 100, 'success'],
    ]);
    expect(
      state.timeline.map((entry) => [entry.at - T0, entry.kind, entry.phaseId, entry.by, entry.text]),
    ).toEqual([
      [0, 'requested', undefined, 'U_ALICE', undefined],
      [0, 'gate_opened', undefined, undefined, undefined],
      [1, 'approved', undefined, 'U_BOB', undefined],
      [1, 'gate_passed', undefined, undefined, undefined],
      [2, 'started', undefined, undefined, undefined],
      [3, 'dispatched', 'validation', undefined, undefined],
      [4, 'run_completed', 'validation', undefined, 'success'],
      [5, 'dispatched', 'traffic_switch', undefined, '5 %'],
      [6, 'run_completed', 'traffic_switch', undefined, 'success'],
      [7, 'dispatched', 'traffic_switch', undefined, '50 %'],
      [8, 'run_completed', 'traffic_switch', undefined, 'success'],
      [8, 'gate_opened', 'traffic_switch', undefined, '100 %'],
      [9, 'approved', 'traffic_switch', 'U_CAROL', undefined],
      [9, 'gate_passed', 'traffic_switch', undefined, undefined],
      [10, 'dispatched', 'traffic_switch', undefined, '100 %'],
      [11, 'run_completed', 'traffic_switch', undefined, 'success'],
      [11, 'succeeded', undefined, undefined, undefined],
    ]);
  });

  it('fails on a failed run, skips the phases never reached, and refuses a rollback once finished', () => {
    const failed = run(
      createDeployment({ plan: plan(0, [phase('a'), phase('b'), phase('c')]), requestedBy: 'U_ALICE' }, T0),
      { type: 'start', at: T0 + 1 },
      dispatched(1),
      completed(1),
      dispatched(2),
      completed(2, 'timed_out', T0 + 30),
    );
    expect(failed).toMatchObject({ status: 'failed', finishedAt: T0 + 30 });
    expect(failed.phases.map((p) => p.status)).toEqual(['succeeded', 'failed', 'skipped']);
    expect(failed.timeline.at(-1)).toEqual({ at: T0 + 30, kind: 'failed', phaseId: 'b', text: 'timed_out' });
    const late = applyDeploymentEvent(failed, {
      type: 'rollback',
      user: 'U_BOB',
      access: accessFor('roll-back', 'U_BOB', ['deployers'], ALICES),
      reason: 'too late',
      at: T0 + 60,
    });
    expect(late).toMatchObject({ ok: false, reason: 'finished' });
  });

  it('records the commit GitHub resolved the ref to, once, and only a full SHA', () => {
    const started = run(createDeployment({ plan: plan(0), requestedBy: 'U_ALICE' }, T0), {
      type: 'start',
      at: T0,
    });
    const sha = 'acb5820ced9479c074f688cc328bf03f341a511d';
    expect(applyDeploymentEvent(started, { type: 'commitResolved', sha: 'main' })).toMatchObject({
      ok: false,
    });
    const resolved = run(started, { type: 'commitResolved', sha });
    expect(resolved.sha).toBe(sha);
    expect(resolved.timeline).toEqual(started.timeline);
    expect(applyDeploymentEvent(resolved, { type: 'commitResolved', sha: 'f'.repeat(40) })).toMatchObject({
      ok: false,
      reason: 'unexpected',
    });
  });

  it('fails on the orchestrator’s verdict while a run is in flight', () => {
    const failed = run(
      createDeployment({ plan: plan(0), requestedBy: 'U_ALICE' }, T0),
      { type: 'start', at: T0 + 1 },
      dispatched(1),
      { type: 'fail', reason: 'error rate 7.2 % is over 5 %', at: T0 + 40 },
    );
    expect(failed.status).toBe('failed');
    expect(failed.phases.map((p) => p.status)).toEqual(['failed', 'skipped']);
    expect(failed.timeline.at(-1)).toEqual({
      at: T0 + 40,
      kind: 'failed',
      text: 'error rate 7.2 % is over 5 %',
    });
  });

  it('ends cancelled when the run is cancelled on GitHub', () => {
    const cancelled = run(
      createDeployment({ plan: plan(0), requestedBy: 'U_ALICE' }, T0),
      { type: 'start', at: T0 + 1 },
      dispatched(1),
      completed(1, 'cancelled'),
    );
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.phases.map((p) => p.status)).toEqual(['cancelled', 'skipped']);
  });
});

describe('stopping a deployment', () => {
  const running = run(
    createDeployment({ plan: plan(0), requestedBy: 'U_ALICE' }, T0),
    { type: 'start', at: T0 + 1 },
    dispatched(1),
  );

  it('lets an approver abort, recording who, when and why', () => {
    const aborted = run(running, {
      type: 'abort',
      user: 'U_BOB',
      access: accessFor('abort', 'U_BOB', ['approvers'], ALICES),
      reason: 'p95 doubled',
      at: T0 + 50,
    });
    expect(aborted).toMatchObject({ status: 'cancelled', finishedAt: T0 + 50 });
    expect(aborted.phases.map((p) => p.status)).toEqual(['cancelled', 'skipped']);
    expect(aborted.timeline.at(-1)).toEqual({
      at: T0 + 50,
      kind: 'cancelled',
      by: 'U_BOB',
      text: 'p95 doubled',
    });
  });

  it('lets the requester cancel their own deployment', () => {
    expect(
      run(running, {
        type: 'cancel',
        user: 'U_ALICE',
        access: accessFor('cancel', 'U_ALICE', [], ALICES),
        at: T0 + 50,
      }).status,
    ).toBe('cancelled');
  });

  it.each<[string, DeploymentState, DeploymentEvent, string]>([
    [
      'anyone else',
      running,
      { type: 'abort', user: 'U_EVE', access: accessFor('abort', 'U_EVE', [], ALICES), reason: 'x', at: T0 },
      'not-approver',
    ],
    [
      'a finished deployment',
      run(running, completed(1), dispatched(2), completed(2)),
      {
        type: 'cancel',
        user: 'U_ALICE',
        access: accessFor('cancel', 'U_ALICE', ['approvers'], ALICES),
        at: T0,
      },
      'finished',
    ],
  ])('refuses a stop from %s', (_, state, event, reason) => {
    const result = applyDeploymentEvent(state, event);
    expect(result).toMatchObject({ ok: false, reason });
  });
});

describe('stale and out-of-order events', () => {
  const gated = plan(1, [phase('validation'), phase('migration', { gate: 'approval' })]);
  const atSecondGate = run(
    createDeployment({ plan: gated, requestedBy: 'U_ALICE' }, T0),
    approve('U_BOB'),
    { type: 'start', at: T0 + 2 },
    dispatched(7),
    completed(7),
  );

  it('ignores the timer of a gate that already passed, and expires the open one', () => {
    expect(
      applyDeploymentEvent(atSecondGate, { type: 'gateExpired', gateSeq: 1, at: T0 + 99 }),
    ).toMatchObject({
      ok: false,
      reason: 'unexpected',
    });
    const expired = run(atSecondGate, { type: 'gateExpired', gateSeq: 2, at: T0 + 99 });
    expect(expired).toMatchObject({ status: 'cancelled', finishedAt: T0 + 99 });
    expect(expired.phases.map((p) => p.status)).toEqual(['succeeded', 'cancelled']);
    expect(expired.timeline.slice(-2).map((entry) => entry.kind)).toEqual(['gate_expired', 'cancelled']);
  });

  it.each<[string, DeploymentState, DeploymentEvent]>([
    ['a start while awaiting approval', atSecondGate, { type: 'start', at: T0 }],
    ['a dispatch while awaiting approval', atSecondGate, dispatched(8)],
    ['a dispatch recorded twice', run(atSecondGate, approve('U_BOB', T0 + 30), dispatched(8)), dispatched(8)],
    [
      'a completion for an unknown run',
      run(atSecondGate, approve('U_BOB', T0 + 30), dispatched(8)),
      completed(9),
    ],
    ['a completion for a finished run', atSecondGate, completed(7)],
    [
      'a rollback run for a deployment nobody decided to roll back',
      run(atSecondGate, approve('U_BOB', T0 + 30)),
      {
        type: 'rollbackDispatched',
        runId: 77,
        url: 'https://github.com/acme/platform/actions/runs/77',
        at: T0,
      },
    ],
    [
      'a failure after the end',
      run(atSecondGate, { type: 'gateExpired', gateSeq: 2, at: T0 }),
      { type: 'fail', reason: 'x', at: T0 },
    ],
  ])('refuses %s as unexpected, leaving the state as it was', (_, state, event) => {
    const frozen = deepFreeze(state);
    const result = applyDeploymentEvent(frozen, event);
    expect(result).toMatchObject({ ok: false, reason: 'unexpected' });
    if (!result.ok) expect(result.message).toMatch(/^That does not apply to this deployment: .+\.$/);
  });
});
