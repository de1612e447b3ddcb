import type { ProbeResult } from '../analysis/reading.js';
import type { DeployRecord } from './deploy-record.js';
import { deploymentName } from './deployment-name.js';
import {
  type DeploymentEvent,
  type DeploymentState,
  isAnalysing,
  isFinished,
  needsBaseline,
  type PhaseState,
  runsStillGoing,
} from './deployment-state.js';
import { phaseDispatch, type Repository, repositoryName, type WorkflowDispatch } from './workflow-inputs.js';

/** What the deploy engine does next for one deployment, as data: the orchestrator carries it out through ports. */
export type Step =
  /** A `/rollback` does not queue behind the deployment it may be undoing. */
  | { kind: 'start' }
  /** Take the environment (or a place in its queue); start once it is ours. */
  | { kind: 'claim-environment' }
  /** A timer that expires the open gate, numbered so a late timer cannot expire a later gate. */
  | { kind: 'expire-gate'; seq: number; delayMs: number }
  /** Before the first canary step: what "normal" looks like. */
  | { kind: 'capture-baseline' }
  /** Exactly once per phase step, under a lease named by the dispatch's correlation id. */
  | { kind: 'dispatch-phase'; phaseId: string; step: number; title: string; dispatch: WorkflowDispatch }
  /**
   * Once per deployment and repository (absent: `github.repo`); `stop` when another process is creating it (the
   * rest of this pass waits for it).
   */
  | { kind: 'create-github-deployment'; repository?: Repository }
  /** The phase's bot-side health checks, one round. */
  | { kind: 'probe'; phaseId: string }
  /** One conditional look at a run that has not concluded, in the repository it runs in (absent: `github.repo`). */
  | { kind: 'poll'; runId: number; repository?: Repository }
  /** The next reading, one interval after the last (or after now, for the first). */
  | { kind: 'schedule-reading'; tick: number; lastAt?: number; intervalMs: number }
  /**
   * The rollback runs still to send, one per repository the rollout deployed to, each exactly once, as fast as they
   * can go out (the first pass fixes which repositories those are).
   */
  | { kind: 'dispatch-rollback' }
  /** The incident a rollback declares, once. */
  | { kind: 'declare-incident' }
  /** A cancelled deployment's run GitHub has not confirmed ended: cancelled by a durable job, retried until it has. */
  | { kind: 'stop-run'; runId: number }
  /** The end of a deployment: its GitHub status, locks and the environment handed on (see `finalization`). */
  | { kind: 'finalize' };

export interface EngineSettings {
  gateTimeoutMs: number;
  /** Keep a failed environment locked until someone runs `/deploy unlock`. */
  lockOnFailure: boolean;
  /** `/rollback` locks the environment when it ends (`rollback.lockEnvironment`). */
  lockAfterRollback: boolean;
}

/**
 * The steps to take now for a deployment, in order: the orchestrator runs them one after another in one job and
 * stops early only when a step finds its work in progress elsewhere. Each step is idempotent, and every change
 * it makes is a transition written by compare-and-set, which schedules the next job; so after a crash, a retry
 * or a second replica, asking again gives the steps still to take.
 */
export function nextSteps(record: DeployRecord, settings: Pick<EngineSettings, 'gateTimeoutMs'>): Step[] {
  const { state, meta } = record;
  switch (state.status) {
    case 'queued':
      return [state.rollbackOf ? { kind: 'start' } : { kind: 'claim-environment' }];
    case 'awaiting_approval':
      if (!state.gate) return [];
      return [
        { kind: 'expire-gate', seq: state.gate.seq, delayMs: settings.gateTimeoutMs },
        ...reading(state),
      ];
    case 'running':
      return runningSteps(record);
    case 'rolling_back': {
      const runs = state.rollback?.runs;
      if (!state.rollback) return [];
      if (runs === undefined) return [{ kind: 'dispatch-rollback' }];
      // The incident is declared once every repository's rollback went out (or was refused), so it names them all.
      const toDispatch = runs.some((run) => run.runId === undefined && run.refused === undefined);
      return [
        toDispatch ? { kind: 'dispatch-rollback' } : { kind: 'declare-incident' },
        ...runs.flatMap((run) =>
          run.runId !== undefined && run.conclusion === undefined ? [poll(run.runId, run.repository)] : [],
        ),
      ];
    }
    default: {
      if (!isFinished(state.status) || meta.finalized) return [];
      // The environment is handed on only once every run of a cancelled deployment has ended on GitHub.
      const going = runsStillGoing(state);
      return going.length > 0
        ? going.map((runId) => ({ kind: 'stop-run', runId }) as const)
        : [{ kind: 'finalize' }];
    }
  }
}

function runningSteps(record: DeployRecord): Step[] {
  const { state, plan } = record;
  const dispatching = state.phases.find((phase) => phase.status === 'dispatching');
  if (dispatching && needsBaseline(state, dispatching)) return [{ kind: 'capture-baseline' }];
  if (dispatching) {
    const planned = plan.phases.find((phase) => phase.id === dispatching.id);
    const dispatch = planned && phaseDispatch(plan, planned, dispatching.step);
    if (!dispatch) throw new Error(`phase ${dispatching.id} of ${state.id} has nothing to dispatch`);
    const { id: phaseId, step, title } = dispatching;
    return [
      ...(githubDeploymentFirst(record, dispatch.repository) ? [createIn(dispatch.repository)] : []),
      { kind: 'dispatch-phase', phaseId, step, title, dispatch },
    ];
  }
  const running = state.phases.find((phase) => phase.status === 'running');
  const run = running?.runs.at(-1);
  const repository = running && plan.phases.find((phase) => phase.id === running.id)?.repository;
  return [
    ...(githubDeploymentIn(record, repository) ? [] : [createIn(repository)]),
    ...(running && probesDue(running) ? [{ kind: 'probe', phaseId: running.id } as const] : []),
    ...(run && run.conclusion === undefined ? [poll(run.runId, repository)] : []),
    ...reading(state),
  ];
}

function createIn(repository: Repository | undefined): Step {
  return { kind: 'create-github-deployment', ...(repository ? { repository } : {}) };
}

/** Whether `repository` is the deployment's main one (`github.repo`), whose GitHub Deployment checks the commit. */
function isMainRepository(record: DeployRecord, repository: Repository | undefined): boolean {
  const main = record.plan.repository;
  return (
    repository === undefined || main === undefined || repositoryName(main) === repositoryName(repository)
  );
}

/**
 * The GitHub Deployment recorded for the deployment in a repository: `meta.githubDeploymentId` in `github.repo`,
 * `meta.githubDeployments` in each other repository it dispatched to.
 */
export function githubDeploymentIn(
  record: DeployRecord,
  repository: Repository | undefined,
): number | undefined {
  return isMainRepository(record, repository)
    ? record.meta.githubDeploymentId
    : record.meta.githubDeployments?.[repositoryName(repository as Repository)];
}

/**
 * The ref a deployment's workflows run at in a repository: its first phase there is dispatched at it (a commit SHA
 * of `github.repo` is deployed by running the workflows at `github.ref`, which the other repositories have too).
 */
export function refIn(record: DeployRecord, repository: Repository): string {
  const phase = record.plan.phases.find(
    (planned) => planned.repository && repositoryName(planned.repository) === repositoryName(repository),
  );
  return phase?.dispatchRef ?? record.plan.ref;
}

/** Every GitHub Deployment of the deployment, with its repository (absent: `github.repo`). */
export function githubDeploymentsOf(
  record: DeployRecord,
): { repository?: Repository; deploymentId: number }[] {
  const { githubDeploymentId, githubDeployments = {} } = record.meta;
  return [
    ...(githubDeploymentId === undefined ? [] : [{ deploymentId: githubDeploymentId }]),
    ...Object.entries(githubDeployments).flatMap(([name, deploymentId]) => {
      const [owner, repo] = name.split('/');
      return owner && repo ? [{ repository: { owner, repo }, deploymentId }] : [];
    }),
  ];
}

/** The repository a run of the deployment runs in: its phase's or its rollback's (absent: `github.repo`). */
export function runRepository(record: DeployRecord, runId: number): Repository | undefined {
  const rollback = record.state.rollback?.runs?.find((run) => run.runId === runId);
  if (rollback) return rollback.repository;
  const phase = record.state.phases.find((candidate) => candidate.runs.some((run) => run.runId === runId));
  return phase && record.plan.phases.find((planned) => planned.id === phase.id)?.repository;
}

/** A phase's probes run alongside its run, or (to verify a rollback) once the run succeeded; one set is kept. */
function probesDue(phase: PhaseState): boolean {
  return (
    phase.health === true &&
    phase.probes === undefined &&
    (!phase.verifyAfterRun || phase.runs.at(-1)?.conclusion === 'success')
  );
}

function poll(runId: number, repository?: Repository): Step {
  return { kind: 'poll', runId, ...(repository ? { repository } : {}) };
}

/** The next reading is one job: its number names it, so every replica asking for it asks for the same. */
function reading(state: DeploymentState): Step[] {
  const { analysis } = state;
  if (analysis === undefined || !isAnalysing(state)) return [];
  return [
    {
      kind: 'schedule-reading',
      tick: analysis.ticks + 1,
      ...(analysis.lastAt === undefined ? {} : { lastAt: analysis.lastAt }),
      intervalMs: analysis.intervalMs,
    },
  ];
}

/** How long from `now` until the reading a `schedule-reading` step asks for is due. */
export function readingDelay(step: Extract<Step, { kind: 'schedule-reading' }>, now: number): number {
  return Math.max(0, (step.lastAt ?? now) + step.intervalMs - now);
}

/**
 * A deployment's GitHub Deployment is created before its first dispatch, so that GitHub checks the commit
 * (`required_contexts`) before anything runs: a refusal then fails the deployment with nothing sent. A `/rollback`
 * dispatches first instead (GitHub spaces writes a second apart, and a rollback must not wait); it requires no checks.
 */
function githubDeploymentFirst(record: DeployRecord, repository: Repository | undefined): boolean {
  const { state } = record;
  if (githubDeploymentIn(record, repository) !== undefined || state.rollbackOf !== undefined) return false;
  // In another repository something has gone out already (in the first), and its Deployment still comes first.
  return !isMainRepository(record, repository) || !somethingWentOut(state);
}

/**
 * Whether anything of the deployment reached GitHub Actions: a run recorded, a rollback dispatched, or a dispatch
 * GitHub accepted whose run was never found. A deployment that fails before that (an unknown ref, a token or a
 * workflow GitHub refuses, red checks) changed nothing, so it locks nothing.
 */
export function somethingWentOut(state: DeploymentState): boolean {
  return (
    state.phases.some((phase) => phase.runs.length > 0) ||
    state.rollback?.runs?.some((run) => run.runId !== undefined) === true ||
    state.unconfirmedDispatch === true
  );
}

/** What a run's end means for the deployment: a rollback run ends its part of the rollback, any other its phase. */
export function runEnded(
  state: DeploymentState,
  runId: number,
  conclusion: string | 'gone',
  at: number,
): DeploymentEvent {
  const rollback = state.rollback?.runs?.some((run) => run.runId === runId) === true;
  if (conclusion !== 'gone')
    return { type: rollback ? 'rollbackCompleted' : 'runCompleted', runId, conclusion, at };
  return rollback
    ? { type: 'rollbackCompleted', runId, conclusion: 'disappeared on GitHub', at }
    : { type: 'fail', reason: `run ${runId} disappeared on GitHub`, at };
}

/** Rounds of health checks a version just rolled back to gets to come up before it is judged unhealthy. */
export const VERIFY_ATTEMPTS = 3;

/** A round that counts against `VERIFY_ATTEMPTS`: probes verifying a rollback's version, some failing. */
export function failedVerification(phase: PhaseState, results: readonly ProbeResult[]): boolean {
  return phase.verifyAfterRun === true && results.some((result) => !result.ok);
}

/** The GitHub Deployment that mirrors a greenlight deployment, and the status it starts in. */
export function githubDeploymentOf(
  state: DeploymentState,
  /** In a repository other than `github.repo`: the ref its workflows run at there (see `refIn`). */
  elsewhere?: { ref: string },
): {
  ref: string;
  environment: string;
  description: string;
  payload: { greenlight_id: string };
  /** The checks GitHub must find green on the commit: those greenlight judged, or none (see `requiredContexts`). */
  requiredContexts: string[];
  started: { state: 'in_progress'; description: string };
} {
  return {
    ref: elsewhere?.ref ?? state.ref,
    environment: state.env,
    // greenlight judged the checks of `github.repo`'s commit; the same ref elsewhere is another commit.
    requiredContexts: elsewhere ? [] : (state.requiredContexts ?? []),
    description: `greenlight ${deploymentName(state)} by ${state.requestedBy}`,
    payload: { greenlight_id: state.id },
    started: { state: 'in_progress', description: 'greenlight is deploying' },
  };
}

/**
 * A run went out before the deployment ended (a stop right after a dispatch): GitHub must hear of the deployment
 * before its final status is set.
 */
export function needsGitHubDeploymentFirst(record: DeployRecord): boolean {
  return githubDeploymentsMissing(record).length > 0;
}

/** The repositories (absent: `github.repo`) where a run went out but no GitHub Deployment is recorded yet. */
export function githubDeploymentsMissing(record: DeployRecord): (Repository | undefined)[] {
  const missing = new Map<string, Repository | undefined>();
  for (const phase of record.state.phases) {
    if (phase.runs.length === 0) continue;
    const repository = record.plan.phases.find((planned) => planned.id === phase.id)?.repository;
    if (githubDeploymentIn(record, repository) === undefined)
      missing.set(
        repository && !isMainRepository(record, repository) ? repositoryName(repository) : '',
        repository,
      );
  }
  return [...missing.values()];
}

/** A lock greenlight takes itself, with the sentence that says why and how to lift it. */
export interface GreenlightLock {
  by: 'greenlight';
  reason: string;
  at: string;
}

/** Everything a finished deployment still has to do, in the order it is done. */
export interface Finalization {
  /** Set on the GitHub Deployment, when there is one; GitHub keeps at most 140 characters of the description. */
  githubStatus: { state: 'success' | 'inactive' | 'failure'; description: string };
  declareIncident: boolean;
  /**
   * A `/rollback` frees its claim on the service, a rollout that rolled itself back those on the services it
   * deployed, so the next rollback may start.
   */
  releaseRollbackClaim?: { env: string; services: string[] };
  /** Taken in order; an environment already locked keeps its first lock. */
  locks: GreenlightLock[];
}

/**
 * The end of a deployment. A rollback always leaves the environment locked: whatever tripped it must be understood
 * before the next try; so does a failure with `deploy.lockOnFailure` once something went out (see
 * `somethingWentOut`), and a `/rollback` with `rollback.lockEnvironment` unless it was cancelled.
 */
export function finalization(
  state: DeploymentState,
  settings: EngineSettings,
  now: number,
  /** The services the deployment touched (its plan's): whose rollback claims a rollout's rollback took. */
  services: readonly string[] = [],
): Finalization {
  const at = new Date(now).toISOString();
  const locks: GreenlightLock[] = [];
  const { rollbackOf } = state;
  if (rollbackOf && settings.lockAfterRollback && state.status !== 'cancelled')
    locks.push({
      by: 'greenlight',
      reason: `${rollbackOf.service} was rolled back to ${state.ref} (${deploymentName(state)}); unlock with /deploy unlock ${state.env} once it is understood`,
      at,
    });
  if (state.rollback || (state.status === 'failed' && settings.lockOnFailure && somethingWentOut(state))) {
    const what = state.rollback
      ? state.status === 'rolled_back'
        ? 'was rolled back'
        : state.rollback.supersededBy
          ? `was rolled back by ${state.rollback.supersededBy}`
          : 'could not be rolled back'
      : 'failed';
    locks.push({
      by: 'greenlight',
      reason: `deployment ${deploymentName(state)} ${what}; unlock with /deploy unlock ${state.env} once it is understood`,
      at,
    });
  }
  return {
    githubStatus: {
      state: state.status === 'succeeded' ? 'success' : state.status === 'cancelled' ? 'inactive' : 'failure',
      description: (state.rollback
        ? `greenlight: ${state.status === 'rolled_back' ? 'rolled back' : state.rollback.supersededBy ? `rolled back by ${state.rollback.supersededBy}` : 'rollback failed'}: ${state.rollback.reason}`
        : `greenlight: ${state.status}`
      ).slice(0, 140),
    },
    declareIncident: state.rollback !== undefined,
    ...(rollbackOf
      ? { releaseRollbackClaim: { env: state.env, services: [rollbackOf.service] } }
      : state.rollback && services.length > 0
        ? { releaseRollbackClaim: { env: state.env, services: [...services] } }
        : {}),
    locks,
  };
}
