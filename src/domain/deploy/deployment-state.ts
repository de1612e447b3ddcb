import type { DeploymentPlan, PlannedPhase } from './plan.js';

export type DeploymentStatus =
  | 'queued'
  | 'awaiting_approval'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'rolled_back';

export type PhaseStatus =
  | 'pending'
  | 'waiting_gate'
  | 'dispatching'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'skipped'
  | 'cancelled';

export interface PhaseRun {
  runId: number;
  url: string;
  dispatchedAt: number;
  /** The canary step's traffic percentage, for a canary phase. */
  percentage?: number;
  conclusion?: string;
  completedAt?: number;
}

export interface PhaseState {
  id: string;
  title: string;
  status: PhaseStatus;
  gate?: 'approval';
  canarySteps?: number[];
  canaryGate?: 'approval';
  /** Index into `canarySteps` of the step being (or about to be) dispatched; 0 for other phases. */
  step: number;
  runs: PhaseRun[];
}

export interface Approval {
  user: string;
  at: number;
}

/** A gate waiting for approvals: before the first phase (no `phaseId`), before a phase, or before a canary step. */
export interface OpenGate {
  /** Increments with every gate, so a late timer for an earlier gate cannot expire this one. */
  seq: number;
  phaseId?: string;
  /** The traffic percentage the gate lets through, for a canary go/no-go. */
  beforePercentage?: number;
  openedAt: number;
  approvals: Approval[];
}

export type TimelineKind =
  | 'requested'
  | 'gate_opened'
  | 'approved'
  | 'gate_passed'
  | 'gate_expired'
  | 'started'
  | 'dispatched'
  | 'run_completed'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'rolled_back';

export interface TimelineEntry {
  at: number;
  kind: TimelineKind;
  by?: string;
  phaseId?: string;
  text?: string;
}

/** Everything the timeline message and the orchestrator need, so both are functions of this value alone. */
export interface DeploymentState {
  id: string;
  env: string;
  ref: string;
  requestedBy: string;
  requestedAt: number;
  override?: string;
  approvalsRequired: number;
  status: DeploymentStatus;
  phases: PhaseState[];
  gate?: OpenGate;
  gatesOpened: number;
  timeline: TimelineEntry[];
  finishedAt?: number;
}

export type DeploymentEvent =
  | { type: 'start'; at: number }
  | { type: 'approve'; user: string; isApprover: boolean; at: number }
  | { type: 'abort'; user: string; isApprover: boolean; reason: string; at: number }
  | { type: 'cancel'; user: string; isApprover: boolean; at: number }
  | { type: 'gateExpired'; gateSeq: number; at: number }
  | { type: 'phaseDispatched'; runId: number; url: string; at: number }
  | { type: 'runCompleted'; runId: number; conclusion: string; at: number }
  /** The orchestrator's verdict outside a run: thresholds tripped, health checks failed, dispatch gave up. */
  | { type: 'fail'; reason: string; by?: string; at: number }
  | { type: 'rolledBack'; by?: string; at: number };

export type TransitionRefusal = {
  ok: false;
  reason: 'finished' | 'not-waiting' | 'own-deployment' | 'not-approver' | 'already-approved' | 'unexpected';
  message: string;
};

export type TransitionResult = { ok: true; state: DeploymentState } | TransitionRefusal;

const FINISHED: ReadonlySet<DeploymentStatus> = new Set(['succeeded', 'failed', 'cancelled', 'rolled_back']);
const ACTIVE_PHASE: ReadonlySet<PhaseStatus> = new Set(['waiting_gate', 'dispatching', 'running']);

/** True once nothing more will be dispatched; only `rolledBack` may still follow `failed` or `cancelled`. */
export function isFinished(status: DeploymentStatus): boolean {
  return FINISHED.has(status);
}

export interface NewDeployment {
  plan: DeploymentPlan;
  requestedBy: string;
  override?: string;
}

/**
 * A deployment as it is requested: `awaiting_approval` behind a start gate when the environment needs
 * approvals, otherwise `queued` for the orchestrator to `start`.
 */
export function createDeployment(request: NewDeployment, at: number): DeploymentState {
  const { plan } = request;
  const state: DeploymentState = {
    id: plan.greenlightId,
    env: plan.env,
    ref: plan.ref,
    requestedBy: request.requestedBy,
    requestedAt: at,
    ...(request.override === undefined ? {} : { override: request.override }),
    approvalsRequired: plan.approvalsAtStart,
    status: 'queued',
    phases: plan.phases.map(phaseState),
    gatesOpened: 0,
    timeline: [
      {
        at,
        kind: 'requested',
        by: request.requestedBy,
        ...(request.override === undefined ? {} : { text: request.override }),
      },
    ],
  };
  return plan.approvalsAtStart > 0 ? openGate(state, at, {}) : state;
}

/**
 * The one way a deployment changes. Pure: the clock and every fact (such as whether the user is an approver)
 * come in the event, and each accepted event appends who and when to the timeline. A refusal is a sentence
 * for the user (or, for `unexpected`, a stale or out-of-order event the caller can drop) and leaves the state
 * as it was.
 *
 * Approval rules: only a waiting deployment takes approvals; the requester cannot approve their own deployment;
 * only approvers count, each once per gate; the gate passes at `approvalsRequired` distinct approvers.
 */
export function applyDeploymentEvent(state: DeploymentState, event: DeploymentEvent): TransitionResult {
  switch (event.type) {
    case 'start':
      if (state.status !== 'queued') return unexpected(`it is ${STATUS_TEXT[state.status]}, not queued`);
      return ok(advance(record(state, { at: event.at, kind: 'started' }, 'running'), event.at));
    case 'approve':
      return approve(state, event);
    case 'abort':
    case 'cancel':
      return stop(state, event);
    case 'gateExpired':
      return expire(state, event);
    case 'phaseDispatched':
      return dispatched(state, event);
    case 'runCompleted':
      return completed(state, event);
    case 'fail':
      if (isFinished(state.status)) return unexpected(`it is ${STATUS_TEXT[state.status]}`);
      return ok(halt(state, event.at, 'failed', 'failed', { ...by(event.by), text: event.reason }));
    case 'rolledBack':
      if (state.status !== 'failed' && state.status !== 'cancelled') {
        return unexpected(`it is ${STATUS_TEXT[state.status]}, not failed or cancelled`);
      }
      return ok(
        finish(
          record(state, { at: event.at, kind: 'rolled_back', ...by(event.by) }, 'rolled_back'),
          event.at,
        ),
      );
  }
}

function approve(
  state: DeploymentState,
  event: Extract<DeploymentEvent, { type: 'approve' }>,
): TransitionResult {
  if (isFinished(state.status)) {
    return refuse(
      'finished',
      `This deployment is ${STATUS_TEXT[state.status]}; there is nothing to approve.`,
    );
  }
  const gate = state.gate;
  if (state.status !== 'awaiting_approval' || gate === undefined) {
    return refuse('not-waiting', 'This deployment is not waiting for an approval right now.');
  }
  if (event.user === state.requestedBy) {
    return refuse(
      'own-deployment',
      'You requested this deployment, so you cannot approve it; ask another approver.',
    );
  }
  if (!event.isApprover) {
    return refuse('not-approver', `Only approvers of ${state.env} can approve this deployment.`);
  }
  if (gate.approvals.some((approval) => approval.user === event.user)) {
    return refuse(
      'already-approved',
      `You have already approved; it needs ${state.approvalsRequired} different approvers (${gate.approvals.length} so far).`,
    );
  }
  const approvals = [...gate.approvals, { user: event.user, at: event.at }];
  const approved = record(
    { ...state, gate: { ...gate, approvals } },
    { at: event.at, kind: 'approved', by: event.user, ...phaseOf(gate) },
  );
  if (approvals.length < state.approvalsRequired) return ok(approved);
  const { gate: _passed, ...rest } = approved;
  const passed = record(rest, { at: event.at, kind: 'gate_passed', ...phaseOf(gate) });
  if (gate.phaseId === undefined) return ok({ ...passed, status: 'queued' });
  return ok(
    updatePhase({ ...passed, status: 'running' }, gate.phaseId, (phase) => ({
      ...phase,
      status: 'dispatching',
    })),
  );
}

function stop(
  state: DeploymentState,
  event: Extract<DeploymentEvent, { type: 'abort' | 'cancel' }>,
): TransitionResult {
  const verb = event.type === 'abort' ? 'abort' : 'cancel';
  if (isFinished(state.status)) {
    return refuse(
      'finished',
      `This deployment is ${STATUS_TEXT[state.status]}; there is nothing to ${verb}.`,
    );
  }
  if (event.user !== state.requestedBy && !event.isApprover) {
    return refuse(
      'not-approver',
      `Only the requester or an approver of ${state.env} can ${verb} this deployment.`,
    );
  }
  const text = event.type === 'abort' ? event.reason : undefined;
  return ok(
    halt(state, event.at, 'cancelled', 'cancelled', {
      by: event.user,
      ...(text ? { text } : {}),
    }),
  );
}

function expire(
  state: DeploymentState,
  event: Extract<DeploymentEvent, { type: 'gateExpired' }>,
): TransitionResult {
  const gate = state.gate;
  if (state.status !== 'awaiting_approval' || gate === undefined || gate.seq !== event.gateSeq) {
    return unexpected('that gate is no longer open');
  }
  const expired = record(state, { at: event.at, kind: 'gate_expired', ...phaseOf(gate) });
  return ok(halt(expired, event.at, 'cancelled', 'cancelled', { text: 'no approval in time' }));
}

function dispatched(
  state: DeploymentState,
  event: Extract<DeploymentEvent, { type: 'phaseDispatched' }>,
): TransitionResult {
  if (state.phases.some((phase) => phase.runs.some((run) => run.runId === event.runId))) {
    return unexpected(`run ${event.runId} is already recorded`);
  }
  const phase = state.phases.find((candidate) => candidate.status === 'dispatching');
  if (state.status !== 'running' || phase === undefined) {
    return unexpected(`it is ${STATUS_TEXT[state.status]} with no phase being dispatched`);
  }
  const percentage = phase.canarySteps?.[phase.step];
  const run: PhaseRun = {
    runId: event.runId,
    url: event.url,
    dispatchedAt: event.at,
    ...(percentage === undefined ? {} : { percentage }),
  };
  const next = updatePhase(state, phase.id, (current) => ({
    ...current,
    status: 'running',
    runs: [...current.runs, run],
  }));
  return ok(
    record(next, {
      at: event.at,
      kind: 'dispatched',
      phaseId: phase.id,
      ...(percentage === undefined ? {} : { text: `${percentage} %` }),
    }),
  );
}

function completed(
  state: DeploymentState,
  event: Extract<DeploymentEvent, { type: 'runCompleted' }>,
): TransitionResult {
  const phase = state.phases.find(
    (candidate) => candidate.status === 'running' && candidate.runs.at(-1)?.runId === event.runId,
  );
  if (isFinished(state.status) || phase === undefined) {
    return unexpected(`no phase is waiting for run ${event.runId}`);
  }
  const withRun = updatePhase(state, phase.id, (current) => ({
    ...current,
    runs: current.runs.map((run) =>
      run.runId === event.runId ? { ...run, conclusion: event.conclusion, completedAt: event.at } : run,
    ),
  }));
  const recorded = record(withRun, {
    at: event.at,
    kind: 'run_completed',
    phaseId: phase.id,
    text: event.conclusion,
  });
  if (event.conclusion === 'cancelled') {
    return ok(
      halt(recorded, event.at, 'cancelled', 'cancelled', { text: 'the run was cancelled on GitHub' }),
    );
  }
  if (event.conclusion !== 'success') {
    return ok(halt(recorded, event.at, 'failed', 'failed', { phaseId: phase.id, text: event.conclusion }));
  }
  const steps = phase.canarySteps ?? [];
  if (phase.step + 1 < steps.length) {
    const step = phase.step + 1;
    const last = step === steps.length - 1;
    const nextStep = updatePhase(recorded, phase.id, (current) => ({
      ...current,
      step,
      status: 'dispatching',
    }));
    if (last && phase.canaryGate && state.approvalsRequired > 0) {
      const waiting = updatePhase(nextStep, phase.id, (current) => ({ ...current, status: 'waiting_gate' }));
      return ok(openGate(waiting, event.at, { phaseId: phase.id, beforePercentage: steps[step] }));
    }
    return ok(nextStep);
  }
  const done = updatePhase(recorded, phase.id, (current) => ({ ...current, status: 'succeeded' }));
  return ok(advance(done, event.at));
}

/** Moves to the first pending phase: through its gate if it has one, straight to dispatching otherwise. */
function advance(state: DeploymentState, at: number): DeploymentState {
  const next = state.phases.find((phase) => phase.status === 'pending');
  if (next === undefined) return finish(record(state, { at, kind: 'succeeded' }, 'succeeded'), at);
  if (next.gate && state.approvalsRequired > 0) {
    const waiting = updatePhase(state, next.id, (phase) => ({ ...phase, status: 'waiting_gate' }));
    return openGate(waiting, at, { phaseId: next.id });
  }
  return updatePhase({ ...state, status: 'running' }, next.id, (phase) => ({
    ...phase,
    status: 'dispatching',
  }));
}

function openGate(
  state: DeploymentState,
  at: number,
  where: { phaseId?: string; beforePercentage?: number | undefined },
): DeploymentState {
  const seq = state.gatesOpened + 1;
  const gate: OpenGate = {
    seq,
    openedAt: at,
    approvals: [],
    ...(where.phaseId === undefined ? {} : { phaseId: where.phaseId }),
    ...(where.beforePercentage === undefined ? {} : { beforePercentage: where.beforePercentage }),
  };
  return record(
    { ...state, status: 'awaiting_approval', gate, gatesOpened: seq },
    {
      at,
      kind: 'gate_opened',
      ...phaseOf(gate),
      ...(gate.beforePercentage === undefined ? {} : { text: `${gate.beforePercentage} %` }),
    },
  );
}

/** Ends the deployment: the active phase takes `phaseStatus`, phases never reached become `skipped`. */
function halt(
  state: DeploymentState,
  at: number,
  status: 'failed' | 'cancelled',
  phaseStatus: 'failed' | 'cancelled',
  entry: Omit<TimelineEntry, 'at' | 'kind'>,
): DeploymentState {
  const { gate: _closed, ...rest } = state;
  const phases = rest.phases.map((phase): PhaseState => {
    if (ACTIVE_PHASE.has(phase.status)) return { ...phase, status: phaseStatus };
    if (phase.status === 'pending') return { ...phase, status: 'skipped' };
    return phase;
  });
  return finish(record({ ...rest, phases }, { at, kind: status, ...entry }, status), at);
}

function finish(state: DeploymentState, at: number): DeploymentState {
  return { ...state, finishedAt: at };
}

function phaseState(phase: PlannedPhase): PhaseState {
  return {
    id: phase.id,
    title: phase.title,
    status: 'pending',
    step: 0,
    runs: [],
    ...(phase.gate ? { gate: phase.gate } : {}),
    ...(phase.canarySteps ? { canarySteps: [...phase.canarySteps] } : {}),
    ...(phase.canaryGate ? { canaryGate: phase.canaryGate } : {}),
  };
}

function updatePhase(
  state: DeploymentState,
  id: string,
  change: (phase: PhaseState) => PhaseState,
): DeploymentState {
  return { ...state, phases: state.phases.map((phase) => (phase.id === id ? change(phase) : phase)) };
}

function record(state: DeploymentState, entry: TimelineEntry, status?: DeploymentStatus): DeploymentState {
  return { ...state, ...(status ? { status } : {}), timeline: [...state.timeline, entry] };
}

function phaseOf(gate: OpenGate): { phaseId?: string } {
  return gate.phaseId === undefined ? {} : { phaseId: gate.phaseId };
}

function by(user: string | undefined): { by?: string } {
  return user === undefined ? {} : { by: user };
}

const STATUS_TEXT: Readonly<Record<DeploymentStatus, string>> = {
  queued: 'queued',
  awaiting_approval: 'waiting for approval',
  running: 'running',
  succeeded: 'finished (succeeded)',
  failed: 'finished (failed)',
  cancelled: 'finished (cancelled)',
  rolled_back: 'finished (rolled back)',
};

function ok(state: DeploymentState): TransitionResult {
  return { ok: true, state };
}

function refuse(reason: TransitionRefusal['reason'], message: string): TransitionRefusal {
  return { ok: false, reason, message };
}

function unexpected(why: string): TransitionRefusal {
  return refuse('unexpected', `That does not apply to this deployment: ${why}.`);
}
