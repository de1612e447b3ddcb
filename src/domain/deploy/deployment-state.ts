import { type AnalysisStreaks, allowsPromotion, type Decision, decide } from '../analysis/decide.js';
import type { ProbeResult, Reading, SourceCursor } from '../analysis/reading.js';
import type { AccessDecision, AccessRefusal } from '../policy/access.js';
import type { DeploymentPlan, PlannedAnalysis, PlannedPhase } from './plan.js';
import { type Repository, repositoryName } from './workflow-inputs.js';

export type DeploymentStatus =
  | 'queued'
  | 'awaiting_approval'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  /** A rollback was decided (by the analysis or a person) and its workflow run is being dispatched or runs. */
  | 'rolling_back'
  | 'rolled_back';

export type PhaseStatus =
  | 'pending'
  | 'waiting_gate'
  | 'dispatching'
  | 'running'
  /** Its run succeeded; now it holds a canary step (or watches a monitoring window) while readings come in. */
  | 'holding'
  | 'succeeded'
  | 'failed'
  | 'skipped'
  | 'cancelled';

export interface PhaseRun {
  runId: number;
  /** GitHub's `run_number`, what its pages show as `#123`; absent when GitHub did not say. */
  number?: number;
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
  /** Analysis time after each canary step's run. */
  holdMs?: number;
  /** Analysis time after the phase's run (or, for a watch-only phase, from its start). */
  monitorMs?: number;
  /** Nothing to dispatch: the phase is a monitoring window only. */
  watchOnly?: boolean;
  /** Waits for the bot-side health probes as well as its run. */
  health?: boolean;
  /** The probes run once the run succeeded, not alongside it. */
  verifyAfterRun?: boolean;
  /** The bot-side probes' results, once in. */
  probes?: ProbeResult[];
  /** While `holding`: the earliest moment a passing reading may end the hold. */
  holdEndsAt?: number;
  /** Promote was pressed: the remaining canary steps go out without holds. */
  promoted?: boolean;
}

/** Canary and monitoring analysis: the rules the deployment started with and what the readings said so far. */
export interface AnalysisState extends PlannedAnalysis, AnalysisStreaks {
  /** Read before the first canary step; the p95 later readings are compared with. */
  baseline?: { at: number; p95Ms?: number; errorRate?: number; noData?: string };
  /** Where the metric source left off, so a reading in another process measures only what is new. */
  cursor?: SourceCursor;
  /** Readings taken so far; a tick carries the number it expects to be, so a repeated tick is dropped. */
  ticks: number;
  lastAt?: number;
  last?: Decision;
  paused?: { at: number; by?: string; reason: string };
}

/** What a `/rollback` undoes: the service, the live version and the deployment that put it there, and why. */
export interface RollbackOf {
  service: string;
  from?: string;
  /** The deployment that was live: a change that failed, for the change-failure rate. */
  fromId?: string;
  reason: string;
}

/**
 * One repository's rollback run of a rollout: the rollout rolls back every repository it deployed to, each with
 * that repository's rollback workflow, dispatched once (by its correlation id) and tracked to its end.
 */
export interface RollbackRun {
  /** Its `greenlight_id`: `<deployment>-rollback` in `github.repo`, `<deployment>-rollback-<owner>.<name>` elsewhere. */
  correlationId: string;
  /** Where it is dispatched; absent in records from before each repository rolled back (then `github.repo`). */
  repository?: Repository;
  workflow?: string;
  /** The services it rolls back there (none: the pipeline's phases without services). */
  services?: string[];
  runId?: number;
  /** The run's `run_number` (`#123`). */
  runNumber?: number;
  url?: string;
  dispatchedAt?: number;
  conclusion?: string;
  completedAt?: number;
  /** GitHub refused the dispatch: why. The run never existed, and this repository was not rolled back. */
  refused?: string;
}

/** The rollback of this deployment: why, who (none when the analysis decided) and its workflow runs. */
export interface RollbackState {
  reason: string;
  by?: string;
  decision?: Decision;
  requestedAt: number;
  /** The version handed to the rollback workflows as `rollback_version`, when the registry knows one. */
  version?: string;
  /** Phases being dispatched when the rollback started: their run may have gone out, so they are rolled back too. */
  dispatchingPhases?: string[];
  /** One per repository (and rollback workflow) the rollout deployed to; absent until the rollback is planned. */
  runs?: RollbackRun[];
  /** When the first rollback run was dispatched. */
  dispatchedAt?: number;
  /** When the last rollback run ended (or the rollback could not start). */
  completedAt?: number;
  /** A `/rollback` of a service it deployed was already under way (this name): that one rolls back, not this. */
  supersededBy?: string;
}

export interface Approval {
  user: string;
  at: number;
}

/** What an approver's `--override <reason>` let through: the deploy window, checks that were not green, or both. */
export interface Overridden {
  window?: true;
  /** The checks, as `name (state)`. */
  checks?: string[];
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
  | 'probed'
  | 'baseline'
  | 'analysis_warning'
  | 'paused'
  | 'resumed'
  | 'promoted'
  | 'rollback_started'
  | 'rollback_dispatched'
  | 'rolled_back';

export interface TimelineEntry {
  at: number;
  kind: TimelineKind;
  by?: string;
  phaseId?: string;
  text?: string;
  /** The repository (`owner/name`) a rollback entry is about, when the rollout rolled back in several. */
  repository?: string;
}

/** Everything the timeline message and the orchestrator need, so both are functions of this value alone. */
export interface DeploymentState {
  /** Internal and unique: the record's key and the root of every dispatch's `greenlight_id`. */
  id: string;
  env: string;
  /** The environment's count of deployments when this one was requested: people call it `production-42`. */
  number?: number;
  ref: string;
  requestedBy: string;
  requestedAt: number;
  /** The reason of an approver's `--override`, when it let something through (`overridden` says what). */
  override?: string;
  overridden?: Overridden;
  /** The checks GitHub must find green to record the deployment (`required_contexts`); none when absent. */
  requiredContexts?: string[];
  approvalsRequired: number;
  status: DeploymentStatus;
  phases: PhaseState[];
  gate?: OpenGate;
  gatesOpened: number;
  timeline: TimelineEntry[];
  analysis?: AnalysisState;
  rollback?: RollbackState;
  /** Set for a `/rollback`: a one-phase deployment of an earlier version, which skips the queue. */
  rollbackOf?: RollbackOf;
  /** The commit the ref resolved to when it was requested (or, before that was asked, when GitHub recorded it). */
  sha?: string;
  /**
   * A dispatch GitHub accepted but whose run greenlight never found: something may be deploying although no run is
   * recorded.
   */
  unconfirmedDispatch?: true;
  finishedAt?: number;
}

/**
 * What a clicked button was rendered for: the gate (its `seq`), or the rollout's phase and canary step. A click on a
 * message that had not caught up names an earlier one, and is refused rather than applied to what is open now.
 */
export type RenderedFor = { gateSeq: number } | { phaseId: string; step: number };

export type DeploymentEvent =
  | { type: 'start'; at: number }
  /** A person's request carries what `decideAccess` said about it; the state decides whether it fits now. */
  | { type: 'approve'; user: string; access: AccessDecision; at: number; renderedFor?: RenderedFor }
  | { type: 'abort'; user: string; access: AccessDecision; reason: string; at: number }
  | { type: 'cancel'; user: string; access: AccessDecision; at: number }
  | { type: 'gateExpired'; gateSeq: number; at: number }
  | { type: 'phaseDispatched'; runId: number; runNumber?: number; url: string; at: number }
  | { type: 'runCompleted'; runId: number; conclusion: string; at: number }
  /**
   * The orchestrator's verdict outside a run: a dispatch GitHub refused, a run that disappeared. `runMayHaveStarted`:
   * GitHub accepted the dispatch but its run was not found.
   */
  | { type: 'fail'; reason: string; by?: string; at: number; runMayHaveStarted?: boolean }
  | { type: 'probed'; phaseId: string; results: ProbeResult[]; at: number }
  | { type: 'baselineCaptured'; reading: Reading; cursor: SourceCursor; at: number }
  | { type: 'analysed'; tick: number; reading: Reading; cursor: SourceCursor; at: number }
  | { type: 'promote'; user: string; access: AccessDecision; at: number; renderedFor?: RenderedFor }
  | { type: 'pause'; user: string; access: AccessDecision; at: number; renderedFor?: RenderedFor }
  | { type: 'resume'; user: string; access: AccessDecision; at: number; renderedFor?: RenderedFor }
  /** A person's rollback (the analysis starts its own from `analysed`). */
  | {
      type: 'rollback';
      user: string;
      access: AccessDecision;
      reason: string;
      at: number;
      renderedFor?: RenderedFor;
    }
  /** The rollback's runs, one per repository the rollout deployed to, fixed once so none is sent twice or missed. */
  | { type: 'rollbackPlanned'; runs: RollbackRun[]; version?: string; at: number }
  /** One rollback run went out: the one of `correlationId` (absent: the only one, in `github.repo`). */
  | {
      type: 'rollbackDispatched';
      correlationId?: string;
      runId: number;
      runNumber?: number;
      url: string;
      version?: string;
      at: number;
    }
  | { type: 'rollbackCompleted'; runId: number; conclusion: string; at: number }
  /**
   * A rollback could not be dispatched: GitHub refused the one of `correlationId` (the others go on), or (absent)
   * the rollback as a whole.
   */
  | { type: 'rollbackFailed'; reason: string; correlationId?: string; at: number }
  /**
   * A `/rollback` (named `by`) holds the rollback claim of a service this rollout deployed: it is the one rolling
   * back, so this rollout dispatches none beside it and ends.
   */
  | { type: 'rollbackSuperseded'; by: string; at: number }
  /** GitHub confirmed that a run still going when the deployment was cancelled has ended (or is gone). */
  | { type: 'runStopped'; runId: number; conclusion: string; at: number }
  /** GitHub resolved the ref to a commit (when it recorded the deployment). */
  | { type: 'commitResolved'; sha: string };

export type TransitionRefusal = {
  ok: false;
  reason:
    | 'finished'
    | 'not-waiting'
    | 'already-approved'
    | 'not-analysing'
    | 'stale'
    | 'unexpected'
    | AccessRefusal['reason'];
  message: string;
};

export type TransitionResult = { ok: true; state: DeploymentState } | TransitionRefusal;

const FINISHED: ReadonlySet<DeploymentStatus> = new Set(['succeeded', 'failed', 'cancelled', 'rolled_back']);
const ACTIVE_PHASE: ReadonlySet<PhaseStatus> = new Set(['waiting_gate', 'dispatching', 'running', 'holding']);

/**
 * The state with a run's `run_number` (`#123`) recorded, learnt after its dispatch (from the run list or a webhook):
 * `unchanged` when it was known already, `unknown` when the state has no such run (yet). A fact, not a transition.
 */
export function withRunNumber(
  state: DeploymentState,
  runId: number,
  runNumber: number,
): DeploymentState | 'unchanged' | 'unknown' {
  const rollback = state.rollback;
  const rollbackRun = rollback?.runs?.find((run) => run.runId === runId);
  if (rollback && rollbackRun) {
    if (rollbackRun.runNumber !== undefined) return 'unchanged';
    const runs = (rollback.runs ?? []).map((run) => (run.runId === runId ? { ...run, runNumber } : run));
    return { ...state, rollback: { ...rollback, runs } };
  }
  const phase = state.phases.find((candidate) => candidate.runs.some((run) => run.runId === runId));
  const run = phase?.runs.find((candidate) => candidate.runId === runId);
  if (phase === undefined || run === undefined) return 'unknown';
  if (run.number !== undefined) return 'unchanged';
  return updatePhase(state, phase.id, (current) => ({
    ...current,
    runs: current.runs.map((each) => (each.runId === runId ? { ...each, number: runNumber } : each)),
  }));
}

/** Whether the deployment recorded this run: one of its phases', or its rollback's. */
export function hasRun(state: DeploymentState, runId: number): boolean {
  return (
    (state.rollback?.runs ?? []).some((run) => run.runId === runId) ||
    state.phases.some((phase) => phase.runs.some((run) => run.runId === runId))
  );
}

/** True once nothing more will be dispatched and nothing more will change. */
export function isFinished(status: DeploymentStatus): boolean {
  return FINISHED.has(status);
}

/**
 * The runs of a cancelled deployment GitHub has not confirmed ended: greenlight keeps asking GitHub to cancel them,
 * and holds the environment until it has (a run still deploying must not overlap the next deployment).
 */
export function runsStillGoing(state: DeploymentState): number[] {
  if (state.status !== 'cancelled') return [];
  return state.phases
    .flatMap((phase) => phase.runs)
    .filter((run) => run.conclusion === undefined)
    .map((run) => run.runId);
}

export interface NewDeployment {
  plan: DeploymentPlan;
  /** Its number in the environment (see `deploymentName`). */
  number?: number;
  requestedBy: string;
  override?: string;
  overridden?: Overridden;
  requiredContexts?: string[];
  /** The commit the ref resolved to when it was requested. */
  sha?: string;
  rollbackOf?: RollbackOf;
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
    ...(request.number === undefined ? {} : { number: request.number }),
    ref: plan.ref,
    requestedBy: request.requestedBy,
    requestedAt: at,
    ...(request.override === undefined ? {} : { override: request.override }),
    ...(request.overridden === undefined ? {} : { overridden: request.overridden }),
    ...(request.requiredContexts === undefined ? {} : { requiredContexts: request.requiredContexts }),
    ...(request.sha === undefined ? {} : { sha: request.sha }),
    ...(request.rollbackOf === undefined ? {} : { rollbackOf: request.rollbackOf }),
    approvalsRequired: plan.approvalsAtStart,
    status: 'queued',
    phases: plan.phases.map(phaseState),
    ...(plan.analysis === undefined
      ? {}
      : { analysis: { ...plan.analysis, ticks: 0, healthFailuresInARow: 0, noDataInARow: 0 } }),
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
 * The one way a deployment changes. Pure: the clock and every fact (such as whether the user may act at all, decided
 * by `decideAccess`) come in the event, and each accepted event appends who and when to the timeline. A refusal is a sentence
 * for the user (or, for `unexpected`, a stale or out-of-order event the caller can drop) and leaves the state
 * as it was.
 *
 * Approval rules: only a waiting deployment takes approvals, from those `decideAccess` lets approve, each once per
 * gate; the gate passes at `approvalsRequired` distinct approvers. What the state rules out is said before who may.
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
    case 'runStopped':
      if (!runsStillGoing(state).includes(event.runId))
        return unexpected(`run ${event.runId} is not waiting for its cancel`);
      return ok({
        ...state,
        phases: state.phases.map((phase) => ({
          ...phase,
          runs: phase.runs.map((run) =>
            run.runId === event.runId ? { ...run, conclusion: event.conclusion, completedAt: event.at } : run,
          ),
        })),
      });
    case 'fail':
      if (isFinished(state.status) || state.status === 'rolling_back') {
        return unexpected(`it is ${STATUS_TEXT[state.status]}`);
      }
      return ok(
        halt(
          event.runMayHaveStarted ? { ...state, unconfirmedDispatch: true } : state,
          event.at,
          'failed',
          'failed',
          { ...by(event.by), text: event.reason },
        ),
      );
    case 'probed':
      return probed(state, event);
    case 'baselineCaptured':
      return baselineCaptured(state, event);
    case 'analysed':
      return analysed(state, event);
    case 'promote':
    case 'pause':
    case 'resume':
      return steer(state, event);
    case 'rollback':
      return manualRollback(state, event);
    case 'rollbackDispatched':
      return rollbackDispatched(state, event);
    case 'rollbackCompleted':
      return rollbackCompleted(state, event);
    case 'commitResolved':
      if (state.sha !== undefined || !/^[0-9a-f]{40}$/.test(event.sha))
        return unexpected('the commit is known already');
      return ok({ ...state, sha: event.sha });
    case 'rollbackPlanned':
      return rollbackPlanned(state, event);
    case 'rollbackFailed':
      return rollbackFailed(state, event);
    case 'rollbackSuperseded':
      if (
        state.status !== 'rolling_back' ||
        state.rollback === undefined ||
        state.rollback.runs !== undefined
      )
        return unexpected('no rollback is being dispatched');
      return ok(
        endRollback(
          { ...state, rollback: { ...state.rollback, supersededBy: event.by } },
          event.at,
          'failed',
          `no rollback dispatched: \`${event.by}\` (a /rollback already under way) rolls the same service back`,
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
  const stale = staleClick(state, event.renderedFor);
  if (stale) return stale;
  if (!event.access.ok) return event.access;
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
  const gated = passed.phases.find((phase) => phase.id === gate.phaseId);
  if (gated?.canarySteps) {
    return ok(
      updatePhase({ ...passed, status: 'running' }, gate.phaseId, (phase) => ({
        ...phase,
        status: 'dispatching',
      })),
    );
  }
  return ok(startPhase({ ...passed, status: 'running' }, gate.phaseId, event.at));
}

function stop(
  state: DeploymentState,
  event: Extract<DeploymentEvent, { type: 'abort' | 'cancel' }>,
): TransitionResult {
  const verb = event.type === 'abort' ? 'abort' : 'cancel';
  if (state.status === 'rolling_back') {
    return refuse('finished', `This deployment is being rolled back; there is nothing to ${verb}.`);
  }
  if (isFinished(state.status)) {
    return refuse(
      'finished',
      `This deployment is ${STATUS_TEXT[state.status]}; there is nothing to ${verb}.`,
    );
  }
  if (!event.access.ok) return event.access;
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
    ...(event.runNumber === undefined ? {} : { number: event.runNumber }),
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
    // A run already completed (its phase may still wait for health checks) takes no second completion.
    (candidate) =>
      candidate.status === 'running' &&
      candidate.runs.at(-1)?.runId === event.runId &&
      candidate.runs.at(-1)?.conclusion === undefined,
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
  return ok(afterRun(recorded, phase.id, event.at));
}

/**
 * A phase's run succeeded: wait for its health probes if they are still out, hold the canary step or watch the
 * monitoring window if it has one, otherwise move on.
 */
function afterRun(state: DeploymentState, phaseId: string, at: number): DeploymentState {
  const phase = phaseById(state, phaseId);
  if (phase.health && phase.probes === undefined) return state;
  const hold = phase.canarySteps ? (phase.promoted ? 0 : (phase.holdMs ?? 0)) : (phase.monitorMs ?? 0);
  // A paused rollout holds even a promoted step: nobody should be surprised by traffic moving while paused.
  if (hold > 0 || (phase.canarySteps && state.analysis?.paused)) {
    return updatePhase(state, phaseId, (current) => ({
      ...current,
      status: 'holding',
      holdEndsAt: at + hold,
    }));
  }
  return nextStep(state, phaseId, at);
}

/** After a canary step (or a phase) is done: the next step, through the go/no-go gate before the last; else the next phase. */
function nextStep(state: DeploymentState, phaseId: string, at: number): DeploymentState {
  const phase = phaseById(state, phaseId);
  const steps = phase.canarySteps ?? [];
  if (phase.step + 1 < steps.length) {
    const step = phase.step + 1;
    const moved = updatePhase(state, phaseId, (current) => {
      const { holdEndsAt: _ended, ...rest } = current;
      return { ...rest, step, status: 'dispatching' };
    });
    if (step === steps.length - 1 && phase.canaryGate && state.approvalsRequired > 0) {
      const waiting = updatePhase(moved, phaseId, (current) => ({ ...current, status: 'waiting_gate' }));
      return openGate(waiting, at, { phaseId, beforePercentage: steps[step] });
    }
    return moved;
  }
  const done = updatePhase(state, phaseId, (current) => {
    const { holdEndsAt: _ended, ...rest } = current;
    return { ...rest, status: 'succeeded' };
  });
  return advance(done, at);
}

function probed(
  state: DeploymentState,
  event: Extract<DeploymentEvent, { type: 'probed' }>,
): TransitionResult {
  const phase = state.phases.find((candidate) => candidate.id === event.phaseId);
  if (state.status !== 'running' || phase?.status !== 'running' || !phase.health || phase.probes) {
    return unexpected(`phase ${event.phaseId} is not waiting for health checks`);
  }
  const withProbes = record(
    updatePhase(state, phase.id, (current) => ({ ...current, probes: event.results })),
    { at: event.at, kind: 'probed', phaseId: phase.id },
  );
  const failing = event.results.find((result) => !result.ok);
  if (failing) {
    const text = `health check failed: ${failing.service} ${failing.url} ${failing.problem ?? 'failed'}`;
    return ok(halt(withProbes, event.at, 'failed', 'failed', { phaseId: phase.id, text }));
  }
  return ok(
    phase.runs.at(-1)?.conclusion === 'success' ? afterRun(withProbes, phase.id, event.at) : withProbes,
  );
}

/** Whether readings are being taken: a canary phase past its baseline, or a phase holding its monitoring window. */
export function isAnalysing(state: DeploymentState): boolean {
  if (state.analysis === undefined) return false;
  if (state.status !== 'running' && state.status !== 'awaiting_approval') return false;
  const phase = state.phases.find((candidate) => ACTIVE_PHASE.has(candidate.status));
  if (phase === undefined) return false;
  if (phase.canarySteps) return state.analysis.baseline !== undefined;
  return phase.status === 'holding';
}

/** Whether the canary phase about to dispatch its first step still needs its baseline read. */
export function needsBaseline(state: DeploymentState, phase: PhaseState): boolean {
  return (
    state.analysis !== undefined && phase.canarySteps !== undefined && state.analysis.baseline === undefined
  );
}

function baselineCaptured(
  state: DeploymentState,
  event: Extract<DeploymentEvent, { type: 'baselineCaptured' }>,
): TransitionResult {
  const analysis = state.analysis;
  const phase = state.phases.find((candidate) => candidate.status === 'dispatching');
  if (
    state.status !== 'running' ||
    analysis === undefined ||
    phase === undefined ||
    !needsBaseline(state, phase)
  ) {
    return unexpected('no baseline is due');
  }
  const { reading } = event;
  const baseline = {
    at: event.at,
    ...(reading.p95Ms === undefined ? {} : { p95Ms: reading.p95Ms }),
    ...(reading.errorRate === undefined ? {} : { errorRate: reading.errorRate }),
    ...(reading.noData === undefined ? {} : { noData: reading.noData }),
  };
  return ok(
    record(
      { ...state, analysis: { ...analysis, baseline, cursor: event.cursor, lastAt: event.at } },
      { at: event.at, kind: 'baseline', phaseId: phase.id },
    ),
  );
}

/**
 * One reading, judged: a rollback verdict starts the rollback; a hold whose time is up ends on a passing reading;
 * readings without data pause the rollout after `noDataToPause` in a row; a new warning gets a thread reply.
 */
function analysed(
  state: DeploymentState,
  event: Extract<DeploymentEvent, { type: 'analysed' }>,
): TransitionResult {
  const analysis = state.analysis;
  if (analysis === undefined || !isAnalysing(state)) return unexpected('nothing is being analysed');
  if (event.tick !== analysis.ticks + 1) return unexpected(`reading ${event.tick} is not the next one`);
  const decision = decide(analysis.thresholds, analysis.baseline?.p95Ms, event.reading, analysis);
  const next: DeploymentState = {
    ...state,
    analysis: {
      ...analysis,
      ticks: event.tick,
      lastAt: event.at,
      last: decision,
      cursor: event.cursor,
      healthFailuresInARow: decision.healthFailuresInARow,
      noDataInARow: decision.noDataInARow,
    },
  };
  if (decision.verdict === 'rollback') {
    return ok(
      startRollback(next, event.at, { reason: decision.reasons[0] ?? 'a threshold tripped', decision }),
    );
  }
  let result = next;
  if (decision.verdict === 'warn' && analysis.last?.verdict !== 'warn') {
    result = record(result, { at: event.at, kind: 'analysis_warning', text: decision.reasons.join('; ') });
  }
  if (
    decision.verdict === 'no-data' &&
    !analysis.paused &&
    decision.noDataInARow >= analysis.thresholds.noDataToPause
  ) {
    const reason = `${decision.noDataInARow} readings in a row without data (${decision.reasons[0] ?? 'no data'})`;
    result = record(
      { ...result, analysis: { ...(result.analysis ?? analysis), paused: { at: event.at, reason } } },
      { at: event.at, kind: 'paused', text: reason },
    );
  }
  const holding = result.phases.find((phase) => phase.status === 'holding');
  if (
    holding &&
    !result.analysis?.paused &&
    (holding.promoted || event.at >= (holding.holdEndsAt ?? 0)) &&
    allowsPromotion(decision.verdict)
  ) {
    result = nextStep(result, holding.id, event.at);
  }
  return ok(result);
}

/** Promote, Pause and Resume: for the environment's deployers and approvers, while readings are being taken. */
function steer(
  state: DeploymentState,
  event: Extract<DeploymentEvent, { type: 'promote' | 'pause' | 'resume' }>,
): TransitionResult {
  const analysis = state.analysis;
  if (isFinished(state.status) || state.status === 'rolling_back') {
    return refuse(
      'finished',
      `This deployment is ${STATUS_TEXT[state.status]}; there is nothing to ${event.type}.`,
    );
  }
  // Promote and Resume move the rollout on, so one meant for an earlier step is refused; Pause only holds it, and
  // is honoured from any step's buttons, as Abort and Roll back are: stopping is never the wrong thing to do late.
  const stale = event.type === 'pause' ? undefined : staleClick(state, event.renderedFor);
  if (stale) return stale;
  if (!event.access.ok) return event.access;
  const phase = state.phases.find((candidate) => ACTIVE_PHASE.has(candidate.status));
  if (analysis === undefined || phase === undefined || (!phase.canarySteps && phase.status !== 'holding')) {
    return refuse(
      'not-analysing',
      `There is no canary step or monitoring window to ${event.type} right now.`,
    );
  }
  switch (event.type) {
    case 'pause': {
      if (analysis.paused) return refuse('not-analysing', 'The rollout is already paused.');
      const paused = { at: event.at, by: event.user, reason: 'paused by hand' };
      return ok(
        record(
          { ...state, analysis: { ...analysis, paused } },
          { at: event.at, kind: 'paused', by: event.user },
        ),
      );
    }
    case 'resume': {
      if (!analysis.paused) return refuse('not-analysing', 'The rollout is not paused.');
      const { paused: _resumed, ...rest } = analysis;
      const resumed = record(
        { ...state, analysis: { ...rest, noDataInARow: 0 } },
        { at: event.at, kind: 'resumed', by: event.user },
      );
      // Promoted while paused: the promotion takes effect now.
      return ok(
        phase.status === 'holding' && phase.promoted ? nextStep(resumed, phase.id, event.at) : resumed,
      );
    }
    case 'promote': {
      if (!phase.canarySteps)
        return refuse('not-analysing', 'Promote skips canary holds; this is a monitoring window.');
      if (phase.promoted) return refuse('not-analysing', 'This rollout is already promoted.');
      const promoted = record(
        updatePhase(state, phase.id, (current) => ({ ...current, promoted: true })),
        { at: event.at, kind: 'promoted', by: event.user, phaseId: phase.id },
      );
      if (phase.status !== 'holding' || analysis.paused) return ok(promoted);
      return ok(nextStep(promoted, phase.id, event.at));
    }
  }
}

function manualRollback(
  state: DeploymentState,
  event: Extract<DeploymentEvent, { type: 'rollback' }>,
): TransitionResult {
  const refusal = rollbackRefusal(state, event.access);
  if (refusal) return refusal;
  return ok(startRollback(state, event.at, { reason: event.reason, by: event.user }));
}

/**
 * Why a person cannot roll this deployment back by hand now, in the order they want to hear it, or undefined when
 * they can: from its first dispatch until it finishes, if `access` allows. The timeline offers Roll back exactly
 * when someone allowed could (the default `access`).
 */
export function rollbackRefusal(
  state: DeploymentState,
  access: AccessDecision = { ok: true },
): TransitionRefusal | undefined {
  if (state.status === 'rolling_back') {
    return refuse('finished', 'This deployment is already being rolled back.');
  }
  if (state.status !== 'running' && state.status !== 'awaiting_approval') {
    return refuse(
      'finished',
      `This deployment is ${STATUS_TEXT[state.status]}; there is nothing to roll back.`,
    );
  }
  if (!access.ok) return access;
  if (!state.phases.some((phase) => phase.runs.length > 0)) {
    return refuse(
      'not-waiting',
      'Nothing has been deployed yet, so there is nothing to roll back; cancel it instead.',
    );
  }
  return undefined;
}

/** Stops the rollout where it is (the active phase fails, the rest are skipped) and asks for the rollback run. */
function startRollback(
  state: DeploymentState,
  at: number,
  why: { reason: string; by?: string; decision?: Decision },
): DeploymentState {
  const { gate: _closed, ...rest } = state;
  const phases = rest.phases.map((phase): PhaseState => {
    if (ACTIVE_PHASE.has(phase.status)) {
      const { holdEndsAt: _stopped, ...kept } = phase;
      return { ...kept, status: why.by === undefined ? 'failed' : 'cancelled' };
    }
    if (phase.status === 'pending') return { ...phase, status: 'skipped' };
    return phase;
  });
  const dispatching = state.phases.filter((phase) => phase.status === 'dispatching').map((phase) => phase.id);
  const rollback: RollbackState = {
    reason: why.reason,
    requestedAt: at,
    ...by(why.by),
    ...(why.decision === undefined ? {} : { decision: why.decision }),
    ...(dispatching.length > 0 ? { dispatchingPhases: dispatching } : {}),
  };
  return record(
    { ...rest, phases, rollback },
    { at, kind: 'rollback_started', ...by(why.by), text: why.reason },
    'rolling_back',
  );
}

/** The repositories to roll back, fixed once, before anything is dispatched. */
function rollbackPlanned(
  state: DeploymentState,
  event: Extract<DeploymentEvent, { type: 'rollbackPlanned' }>,
): TransitionResult {
  const rollback = state.rollback;
  if (state.status !== 'rolling_back' || rollback === undefined || rollback.runs !== undefined) {
    return unexpected('no rollback is being planned');
  }
  if (event.runs.length === 0) return unexpected('a rollback needs a run');
  return ok({
    ...state,
    rollback: {
      ...rollback,
      runs: event.runs,
      ...(event.version === undefined ? {} : { version: event.version }),
    },
  });
}

/**
 * The rollback run an event is about: by its correlation id, or (a rollback dispatched without one, as before each
 * repository rolled back) the only one, in `github.repo`, made up when none was planned.
 */
function rollbackRunOf(
  state: DeploymentState,
  rollback: RollbackState,
  correlationId: string | undefined,
): RollbackRun | undefined {
  const runs = rollback.runs ?? [{ correlationId: `${state.id}-rollback` }];
  if (correlationId !== undefined) return runs.find((run) => run.correlationId === correlationId);
  return runs.length === 1 ? runs[0] : undefined;
}

function withRollbackRun(
  state: DeploymentState,
  rollback: RollbackState,
  changed: RollbackRun,
  extra: Partial<RollbackState> = {},
): DeploymentState {
  const runs = rollback.runs ?? [changed];
  return {
    ...state,
    rollback: {
      ...rollback,
      ...extra,
      runs: runs.map((run) => (run.correlationId === changed.correlationId ? changed : run)),
    },
  };
}

function rollbackDispatched(
  state: DeploymentState,
  event: Extract<DeploymentEvent, { type: 'rollbackDispatched' }>,
): TransitionResult {
  const rollback = state.rollback;
  const target = rollback && rollbackRunOf(state, rollback, event.correlationId);
  if (
    state.status !== 'rolling_back' ||
    rollback === undefined ||
    target === undefined ||
    target.runId !== undefined ||
    target.refused !== undefined
  ) {
    return unexpected('no rollback is being dispatched');
  }
  const run: RollbackRun = {
    ...target,
    runId: event.runId,
    ...(event.runNumber === undefined ? {} : { runNumber: event.runNumber }),
    url: event.url,
    dispatchedAt: event.at,
  };
  const version = event.version ?? rollback.version;
  return ok(
    record(
      withRollbackRun(state, rollback, run, {
        dispatchedAt: rollback.dispatchedAt ?? event.at,
        ...(version === undefined ? {} : { version }),
      }),
      {
        at: event.at,
        kind: 'rollback_dispatched',
        ...(version === undefined ? {} : { text: version }),
        ...(target.repository ? { repository: repositoryName(target.repository) } : {}),
      },
    ),
  );
}

function rollbackCompleted(
  state: DeploymentState,
  event: Extract<DeploymentEvent, { type: 'rollbackCompleted' }>,
): TransitionResult {
  const rollback = state.rollback;
  const target = rollback?.runs?.find((run) => run.runId === event.runId);
  if (
    state.status !== 'rolling_back' ||
    rollback === undefined ||
    target === undefined ||
    target.conclusion !== undefined
  ) {
    return unexpected(`no rollback is waiting for run ${event.runId}`);
  }
  const done = { ...target, conclusion: event.conclusion, completedAt: event.at };
  return ok(endRollbackIfDone(withRollbackRun(state, rollback, done), event.at));
}

function rollbackFailed(
  state: DeploymentState,
  event: Extract<DeploymentEvent, { type: 'rollbackFailed' }>,
): TransitionResult {
  const rollback = state.rollback;
  if (state.status !== 'rolling_back' || rollback === undefined)
    return unexpected(`it is ${STATUS_TEXT[state.status]}`);
  if (event.correlationId === undefined)
    return ok(endRollback(state, event.at, 'failed', `the rollback could not start: ${event.reason}`));
  const target = rollbackRunOf(state, rollback, event.correlationId);
  if (target === undefined || target.runId !== undefined || target.refused !== undefined)
    return unexpected('no rollback is being dispatched there');
  return ok(
    endRollbackIfDone(withRollbackRun(state, rollback, { ...target, refused: event.reason }), event.at),
  );
}

/** Every rollback run has ended (or was refused): rolled back when each succeeded, otherwise failed, saying where. */
function endRollbackIfDone(state: DeploymentState, at: number): DeploymentState {
  const runs = state.rollback?.runs ?? [];
  if (runs.some((run) => run.conclusion === undefined && run.refused === undefined)) return state;
  const ended = state.rollback ? { ...state, rollback: { ...state.rollback, completedAt: at } } : state;
  const several = runs.length > 1;
  const where = (run: RollbackRun) =>
    several && run.repository ? ` in ${repositoryName(run.repository)}` : '';
  const failures = runs.flatMap((run) => {
    if (run.refused !== undefined) return [`the rollback${where(run)} could not start: ${run.refused}`];
    if (run.conclusion !== 'success') return [`the rollback run${where(run)} ended \`${run.conclusion}\``];
    return [];
  });
  if (failures.length === 0) return endRollback(ended, at, 'rolled_back');
  return endRollback(ended, at, 'failed', failures.join('; '));
}

function endRollback(
  state: DeploymentState,
  at: number,
  status: 'rolled_back' | 'failed',
  failure?: string,
): DeploymentState {
  const entry: TimelineEntry =
    status === 'rolled_back'
      ? { at, kind: 'rolled_back' }
      : { at, kind: 'failed', text: failure ?? 'rollback failed' };
  return finish(record(state, entry, status), at);
}

function phaseById(state: DeploymentState, id: string): PhaseState {
  const phase = state.phases.find((candidate) => candidate.id === id);
  if (phase === undefined) throw new Error(`no phase ${id}`);
  return phase;
}

/** Moves to the first pending phase: through its gate if it has one, straight to dispatching otherwise. */
function advance(state: DeploymentState, at: number): DeploymentState {
  const next = state.phases.find((phase) => phase.status === 'pending');
  if (next === undefined) return finish(record(state, { at, kind: 'succeeded' }, 'succeeded'), at);
  if (next.gate && state.approvalsRequired > 0) {
    const waiting = updatePhase(state, next.id, (phase) => ({ ...phase, status: 'waiting_gate' }));
    return openGate(waiting, at, { phaseId: next.id });
  }
  return startPhase({ ...state, status: 'running' }, next.id, at);
}

/** A watch-only phase starts its monitoring window at once; any other is dispatched. */
function startPhase(state: DeploymentState, id: string, at: number): DeploymentState {
  return updatePhase(state, id, (phase) =>
    phase.watchOnly
      ? { ...phase, status: 'holding', holdEndsAt: at + (phase.monitorMs ?? 0) }
      : { ...phase, status: 'dispatching' },
  );
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
    ...(phase.holdMs === undefined ? {} : { holdMs: phase.holdMs }),
    ...(phase.monitorMs === undefined ? {} : { monitorMs: phase.monitorMs }),
    ...(phase.workflow === undefined ? { watchOnly: true } : {}),
    ...(phase.health ? { health: true } : {}),
    ...(phase.verifyAfterRun ? { verifyAfterRun: true } : {}),
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
  rolling_back: 'being rolled back',
  rolled_back: 'finished (rolled back)',
};

function ok(state: DeploymentState): TransitionResult {
  return { ok: true, state };
}

/**
 * A click on a button rendered for another gate or canary step than the one open now: refused, so a late Approve on
 * an earlier gate's message cannot pass the gate open now, nor a Promote or Resume meant for an earlier step move
 * this one on. (Abort, Pause and Roll back stop or hold: they are honoured whichever message they came from.)
 */
function staleClick(
  state: DeploymentState,
  renderedFor: RenderedFor | undefined,
): TransitionRefusal | undefined {
  if (renderedFor === undefined) return undefined;
  if ('gateSeq' in renderedFor) {
    return state.gate?.seq === renderedFor.gateSeq
      ? undefined
      : refuse('stale', 'This approval was for an earlier gate; the timeline shows the current one.');
  }
  const phase = state.phases.find((candidate) => ACTIVE_PHASE.has(candidate.status));
  return phase?.id === renderedFor.phaseId && phase.step === renderedFor.step
    ? undefined
    : refuse(
        'stale',
        'That button was for an earlier step of the rollout; the timeline shows the current one.',
      );
}

function refuse(reason: TransitionRefusal['reason'], message: string): TransitionRefusal {
  return { ok: false, reason, message };
}

function unexpected(why: string): TransitionRefusal {
  return refuse('unexpected', `That does not apply to this deployment: ${why}.`);
}
