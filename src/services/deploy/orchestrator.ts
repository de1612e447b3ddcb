import type { Logger } from 'pino';
import type { Deployments } from '../../adapters/github/deployments.js';
import { isTransientGitHubError } from '../../adapters/github/github-errors.js';
import {
  type DispatchRequest,
  type DispatchResult,
  runOutcome,
  type WorkflowRuns,
} from '../../adapters/github/workflow-runs.js';
import { type DeployJob, type DeployJobs, RetryLater } from '../../adapters/queue/deploy-queue.js';
import type { DispatchGuard } from '../../adapters/redis/dispatch-guard.js';
import type { EnvironmentLanes } from '../../adapters/redis/environment-lanes.js';
import {
  applyDeploymentEvent,
  type DeploymentState,
  isAnalysing,
  isFinished,
  needsBaseline,
  type PhaseState,
} from '../../domain/deploy/deployment-state.js';
import { CANARY_INPUT } from '../../domain/deploy/plan.js';
import { workflowInputs } from '../../domain/deploy/workflow-inputs.js';
import type { Analyst } from './analyst.js';
import type { DeployRecord } from './deploy-record.js';
import type { DeployRegistry } from './deploy-registry.js';
import { type DeploymentIncidents, rolledBackRollout } from './deployment-incidents.js';
import type { DeploymentRecords } from './deployment-records.js';

export interface OrchestratorSettings {
  owner: string;
  repo: string;
  gateTimeoutMs: number;
  dispatchLockMs: number;
  /** Keep a failed environment locked until someone runs `/deploy unlock`. */
  lockOnFailure: boolean;
  /** `/rollback` locks the environment when it ends (`rollback.lockEnvironment`). */
  lockAfterRollback: boolean;
  /** greenlight.yml's `rollback`, with the workflow and the ref to dispatch it at resolved. */
  rollback: { workflow: string; ref: string; inputs: Readonly<Record<string, string | number | boolean>> };
}

export interface OrchestratorDeps {
  records: DeploymentRecords;
  lanes: EnvironmentLanes;
  runs: WorkflowRuns;
  githubDeployments: Deployments;
  guard: DispatchGuard;
  jobs: DeployJobs;
  analyst: Analyst;
  registry: Pick<DeployRegistry, 'lastSucceeded'>;
  /** The incident every rollback of a rollout declares. */
  incidents: Pick<DeploymentIncidents, 'declareForDeployment'>;
  settings: OrchestratorSettings;
  now: () => number;
  logger: Logger;
}

/** Health checks after a rollback's run: judged unhealthy only after this many failed rounds, one per sweep. */
const VERIFY_ATTEMPTS = 3;

/**
 * Drives deployments from their state in Redis: every step is a BullMQ job that loads the record, does one
 * idempotent thing and writes the result by compare-and-set. Nothing lives only in memory, so a process may die
 * at any point and another (or the same, restarted) continues without losing or doubling a step.
 */
export class DeployOrchestrator {
  constructor(private readonly deps: OrchestratorDeps) {}

  async handle(job: DeployJob): Promise<void> {
    switch (job.kind) {
      case 'advance':
        return this.advance(job.id);
      case 'sweep':
        return this.sweep();
      case 'gate-expiry':
        await this.deps.records.apply(job.id, () => ({
          type: 'gateExpired',
          gateSeq: job.seq,
          at: this.deps.now(),
        }));
        return;
      case 'analyse':
        return this.analyse(job.id, job.tick);
    }
  }

  private async advance(id: string): Promise<void> {
    const stored = await this.deps.records.get(id);
    if (!stored) return;
    const { state } = stored.value;
    const logger = this.deps.logger.child({ deploymentId: id, env: state.env });
    if (state.status === 'queued' && state.rollbackOf) {
      // A /rollback does not queue behind the deployment it may be undoing.
      await this.deps.records.apply(id, () => ({ type: 'start', at: this.deps.now() }));
      return;
    }
    if (state.status === 'queued') {
      const claim = await this.deps.lanes.claim(state.env, id);
      if (claim.status === 'active')
        await this.deps.records.apply(id, () => ({ type: 'start', at: this.deps.now() }));
      else
        logger.info(
          { event: 'deploy.queued', position: claim.position, holder: claim.holder },
          'waiting for the environment',
        );
      return;
    }
    if (state.status === 'awaiting_approval' && state.gate) {
      await this.deps.jobs.expireGate(id, state.gate.seq, this.deps.settings.gateTimeoutMs);
      await this.scheduleReading(state);
      return;
    }
    if (state.status === 'running') {
      // The dispatch first: GitHub spaces writes a second apart, and the Deployment record can wait, the release cannot.
      const phase = state.phases.find((candidate) => candidate.status === 'dispatching');
      if (phase && needsBaseline(state, phase)) return this.captureBaseline(id, stored.value);
      if (phase) return this.dispatch(id, stored.value, phase);
      if (
        !stored.value.meta.githubDeploymentId &&
        (await this.createGitHubDeployment(id, stored.value)) === 'elsewhere'
      )
        return;
      const running = state.phases.find((candidate) => candidate.status === 'running');
      const probesDue =
        running?.health &&
        running.probes === undefined &&
        (!running.verifyAfterRun || running.runs.at(-1)?.conclusion === 'success');
      if (running && probesDue) await this.probeOnce(id, stored.value, running);
      const run = running?.runs.at(-1);
      if (run && run.conclusion === undefined) await this.poll(id, run.runId);
      await this.scheduleReading(state);
      return;
    }
    if (state.status === 'rolling_back' && state.rollback) {
      if (state.rollback.runId === undefined) return this.dispatchRollback(id, stored.value);
      await this.declareIncidentOnce(id);
      if (state.rollback.conclusion === undefined) await this.poll(id, state.rollback.runId);
      return;
    }
    if (isFinished(state.status) && !stored.value.meta.finalized) await this.finalizeOnce(id);
  }

  /** One process at a time finishes a deployment; the sweeper must not repeat GitHub writes still in flight. */
  private async finalizeOnce(id: string): Promise<void> {
    // The same lock as creating the GitHub Deployment: its final status must follow its creation, never precede it.
    const release = await this.deps.guard.acquire(
      `${id}-github-deployment`,
      this.deps.settings.dispatchLockMs,
    );
    if (!release) return;
    try {
      let fresh = await this.deps.records.get(id);
      if (!fresh || fresh.value.meta.finalized) return;
      // A run went out before the deployment ended (a stop right after a dispatch): GitHub must still hear of it.
      const dispatched = fresh.value.state.phases.some((phase) => phase.runs.length > 0);
      if (dispatched && !fresh.value.meta.githubDeploymentId) {
        await this.createGitHubDeploymentNow(id, fresh.value);
        fresh = (await this.deps.records.get(id)) ?? fresh;
      }
      await this.finalize(id, fresh.value);
    } finally {
      await release();
    }
  }

  /** Exactly one dispatch per phase step: a lock while dispatching, and a mark that makes any retry look before it leaps. */
  private async dispatch(id: string, record: DeployRecord, phase: PhaseState): Promise<void> {
    const { runs, settings, now } = this.deps;
    const correlationId = `${id}-${phase.id}-${phase.step}`;
    await this.underLease(correlationId, async () => {
      const fresh = await this.deps.records.get(id);
      const current = fresh?.value.state.phases.find((candidate) => candidate.id === phase.id);
      if (!fresh || current?.status !== 'dispatching' || current.step !== phase.step) return;
      const planned = record.plan.phases.find((candidate) => candidate.id === phase.id);
      if (!planned?.workflow) throw new Error(`phase ${phase.id} of ${id} has nothing to dispatch`);
      const percentage = phase.canarySteps?.[phase.step];
      const request = {
        owner: settings.owner,
        repo: settings.repo,
        workflow: planned.workflow,
        ref: planned.dispatchRef ?? record.state.ref,
        inputs: {
          ...planned.inputs,
          greenlight_id: correlationId,
          ...(percentage === undefined ? {} : { [CANARY_INPUT]: String(percentage) }),
        },
        correlationId,
        dispatchedAfter: new Date(record.state.requestedAt),
      };
      const result = await this.dispatchOrFind(id, request);
      if (!result.ok) {
        await this.deps.records.apply(id, () => ({
          type: 'fail',
          reason: `${phase.title}: ${result.message}`,
          at: now(),
        }));
        return;
      }
      const recorded = await this.deps.records.apply(id, () => ({
        type: 'phaseDispatched',
        runId: result.runId,
        url: result.htmlUrl,
        at: now(),
      }));
      if (!recorded.ok && (await this.deps.records.get(id))?.value.state.status !== 'running') {
        // Stopped while GitHub was starting the run: nobody will track it, so it must not go on deploying.
        await runs.cancelRun({ owner: settings.owner, repo: settings.repo, runId: result.runId });
      }
    });
  }

  /** One process at a time dispatches a given run; another asking meanwhile retries later. */
  private async underLease(correlationId: string, work: () => Promise<void>): Promise<void> {
    const release = await this.deps.guard.acquire(correlationId, this.deps.settings.dispatchLockMs);
    if (!release) throw new RetryLater(`dispatch of ${correlationId} is in progress elsewhere`);
    try {
      await work();
    } finally {
      await release();
    }
  }

  /** Dispatches once: when an earlier attempt may have sent it already, the run it started is looked for first. */
  private async dispatchOrFind(id: string, request: DispatchRequest): Promise<DispatchResult> {
    const { guard, runs } = this.deps;
    const sentBefore = await guard.markAttempt(request.correlationId);
    const found = sentBefore ? await runs.findRun(request) : undefined;
    const result: DispatchResult = found
      ? { ok: true, runId: found.id, htmlUrl: found.htmlUrl, via: 'correlation' }
      : await runs.dispatch(request);
    if (result.ok) await guard.rememberRun(result.runId, id);
    return result;
  }

  /** Re-drives every unfinished deployment: polls running workflow runs, recovers triggers lost to a crash. */
  private async sweep(): Promise<void> {
    for (const id of await this.deps.lanes.tracked()) {
      await this.advance(id).catch((error: unknown) =>
        this.deps.logger.warn(
          { event: 'deploy.sweep_failed', deploymentId: id, err: error },
          'will retry next sweep',
        ),
      );
    }
  }

  /** One conditional request: an unchanged run costs a 304, which GitHub does not count against the rate limit. */
  private async poll(id: string, runId: number): Promise<void> {
    const { runs, settings, guard, now } = this.deps;
    let snapshot: Awaited<ReturnType<WorkflowRuns['getRun']>>;
    try {
      snapshot = await runs.getRun(
        { owner: settings.owner, repo: settings.repo, runId },
        await guard.etagOf(runId),
      );
    } catch (error) {
      if (!isTransientGitHubError(error)) throw error;
      this.deps.logger.warn(
        { event: 'deploy.poll_transient', deploymentId: id, err: error },
        'GitHub hiccup; next sweep',
      );
      return;
    }
    if (snapshot.status === 'not_modified') return;
    if (snapshot.status === 'not_found') {
      await this.deps.records.apply(id, (state) =>
        state.rollback?.runId === runId
          ? { type: 'rollbackCompleted', runId, conclusion: 'disappeared on GitHub', at: now() }
          : { type: 'fail', reason: `run ${runId} disappeared on GitHub`, at: now() },
      );
      return;
    }
    if (snapshot.etag) await guard.saveEtag(runId, snapshot.etag);
    if (runOutcome(snapshot.run) === 'running') return;
    await this.completeRun(id, runId, snapshot.run.conclusion ?? 'failure');
  }

  /** From polling or a webhook: whichever comes first wins, the other is refused as stale. */
  async completeRun(id: string, runId: number, conclusion: string): Promise<void> {
    await this.deps.records.apply(id, (state) => ({
      type: state.rollback?.runId === runId ? 'rollbackCompleted' : 'runCompleted',
      runId,
      conclusion,
      at: this.deps.now(),
    }));
  }

  /** The next reading is always one job: its id names its number, so every replica asking for it asks for the same. */
  private async scheduleReading(state: DeploymentState): Promise<void> {
    const analysis = state.analysis;
    if (analysis === undefined || !isAnalysing(state)) return;
    const due = (analysis.lastAt ?? this.deps.now()) + analysis.intervalMs;
    await this.deps.jobs.analyse(state.id, analysis.ticks + 1, Math.max(0, due - this.deps.now()));
  }

  /** One reading: numbered, so a repeated job (a retry, a second replica) finds its number taken and drops it. */
  private async analyse(id: string, tick: number): Promise<void> {
    const stored = await this.deps.records.get(id);
    const analysis = stored?.value.state.analysis;
    if (!stored || analysis === undefined || !isAnalysing(stored.value.state) || analysis.ticks + 1 !== tick)
      return;
    const { reading, cursor } = await this.deps.analyst.read(
      stored.value.state,
      stored.value.plan.services,
      analysis.cursor,
    );
    await this.deps.records.apply(id, () => ({ type: 'analysed', tick, reading, cursor, at: reading.at }));
  }

  /** Before the first canary step: what "normal" looks like, for the p95 comparison and the metric source's cursor. */
  private async captureBaseline(id: string, record: DeployRecord): Promise<void> {
    const { reading, cursor } = await this.deps.analyst.read(record.state, record.plan.services, undefined);
    await this.deps.records.apply(id, () => ({ type: 'baselineCaptured', reading, cursor, at: reading.at }));
  }

  /** The phase's bot-side health checks, by one process at a time; the record keeps the first results written. */
  private async probeOnce(id: string, record: DeployRecord, phase: PhaseState): Promise<void> {
    const release = await this.deps.guard.acquire(
      `${id}-probe-${phase.id}`,
      this.deps.settings.dispatchLockMs,
    );
    if (!release) return;
    try {
      const results = await this.deps.analyst.probe(record.plan.services);
      if (phase.verifyAfterRun && results.some((result) => !result.ok)) {
        // A version just rolled back to may need a moment to come up: the sweep probes again before it is judged.
        let attempts = 0;
        await this.deps.records.changeMeta(id, (meta) => {
          attempts = (meta.verifyAttempts ?? 0) + 1;
          return { ...meta, verifyAttempts: attempts };
        });
        if (attempts < VERIFY_ATTEMPTS) return;
      }
      await this.deps.records.apply(id, () => ({
        type: 'probed',
        phaseId: phase.id,
        results,
        at: this.deps.now(),
      }));
    } finally {
      await release();
    }
  }

  /**
   * The rollback run, exactly once, as fast as it can go out: the same lease and look-before-you-leap as a phase's
   * dispatch. Then the run that was rolling out is cancelled, so it cannot move traffic after the rollback.
   */
  private async dispatchRollback(id: string, record: DeployRecord): Promise<void> {
    const { settings, now, registry } = this.deps;
    const correlationId = `${id}-rollback`;
    await this.underLease(correlationId, async () => {
      const fresh = await this.deps.records.get(id);
      const state = fresh?.value.state;
      if (state?.status !== 'rolling_back' || state.rollback?.runId !== undefined) return;
      const previous = await registry.lastSucceeded(state.env, id).catch(() => undefined);
      const version = previous?.ref;
      const inputs = workflowInputs(
        { ...settings.rollback.inputs, ...(version === undefined ? {} : { rollback_version: version }) },
        { environment: state.env, ref: state.ref, greenlightId: correlationId },
      );
      if (!inputs.ok) {
        await this.deps.records.apply(id, () => ({
          type: 'rollbackFailed',
          reason: inputs.message,
          at: now(),
        }));
        return;
      }
      const request = {
        owner: settings.owner,
        repo: settings.repo,
        workflow: settings.rollback.workflow,
        ref: settings.rollback.ref,
        inputs: inputs.inputs,
        correlationId,
        dispatchedAfter: new Date(state.rollback?.requestedAt ?? record.state.requestedAt),
      };
      const result = await this.dispatchOrFind(id, request);
      if (!result.ok) {
        await this.deps.records.apply(id, () => ({
          type: 'rollbackFailed',
          reason: result.message,
          at: now(),
        }));
        return;
      }
      await this.deps.records.apply(id, () => ({
        type: 'rollbackDispatched',
        runId: result.runId,
        url: result.htmlUrl,
        ...(version === undefined ? {} : { version }),
        at: now(),
      }));
      await this.cancelRolloutRuns(state);
    });
  }

  private async cancelRolloutRuns(state: DeploymentState): Promise<void> {
    const { runs, settings, logger } = this.deps;
    const open = state.phases.flatMap((phase) => phase.runs.filter((run) => run.conclusion === undefined));
    for (const run of open) {
      await runs
        .cancelRun({ owner: settings.owner, repo: settings.repo, runId: run.runId })
        .catch((error: unknown) =>
          logger.warn({ event: 'deploy.cancel_failed', runId: run.runId, err: error }, 'run not cancelled'),
        );
    }
  }

  /** A rollback declares an incident, linked to the deployment, with the reason and the readings, once. */
  private async declareIncidentOnce(id: string): Promise<void> {
    await this.deps.incidents
      .declareForDeployment(id, rolledBackRollout)
      .catch((error: unknown) =>
        this.deps.logger.warn(
          { event: 'deploy.incident_declare_failed', deploymentId: id, err: error },
          'no incident declared for the rollback',
        ),
      );
  }

  /** Once per deployment, under the same kind of lock as a dispatch; 'elsewhere' when another process is at it. */
  private async createGitHubDeployment(id: string, record: DeployRecord): Promise<'done' | 'elsewhere'> {
    const { guard, settings } = this.deps;
    const release = await guard.acquire(`${id}-github-deployment`, settings.dispatchLockMs);
    if (!release) return 'elsewhere';
    try {
      const fresh = await this.deps.records.get(id);
      if (fresh?.value.state.status === 'running' && !fresh.value.meta.githubDeploymentId) {
        await this.createGitHubDeploymentNow(id, record);
      }
      return 'done';
    } finally {
      await release();
    }
  }

  private async createGitHubDeploymentNow(id: string, record: DeployRecord): Promise<void> {
    const { githubDeployments, settings, guard } = this.deps;
    if (await guard.markAttempt(`${id}-github-deployment`)) {
      // An earlier attempt may have created it and died before recording it.
      const found = await githubDeployments
        .findDeployment({
          owner: settings.owner,
          repo: settings.repo,
          environment: record.state.env,
          greenlightId: id,
        })
        .catch(() => undefined);
      if (found) {
        await this.deps.records.changeMeta(id, (meta) => ({ ...meta, githubDeploymentId: found }));
        return;
      }
    }
    const created = await githubDeployments.createDeployment({
      owner: settings.owner,
      repo: settings.repo,
      ref: record.state.ref,
      environment: record.state.env,
      description: `greenlight ${id} by ${record.state.requestedBy}`,
      payload: { greenlight_id: id },
    });
    if (!created.ok) {
      this.deps.logger.warn(
        { event: 'deploy.github_deployment_failed', deploymentId: id, reason: created.reason },
        created.message,
      );
      return;
    }
    const { sha } = created;
    // A fact, not a step: recorded with the id in one write that schedules nothing (no extra poll of GitHub).
    await this.deps.records.changeRecord(id, (record) => {
      const resolved = sha ? applyDeploymentEvent(record.state, { type: 'commitResolved', sha }) : undefined;
      return {
        ...record,
        state: resolved?.ok ? resolved.state : record.state,
        meta: { ...record.meta, githubDeploymentId: created.deploymentId },
      };
    });
    await githubDeployments.setDeploymentStatus(
      { owner: settings.owner, repo: settings.repo, deploymentId: created.deploymentId },
      'in_progress',
      { description: 'greenlight is deploying' },
    );
  }

  /** Idempotent end-of-deployment effects first, then the mark: a crash in between repeats them harmlessly. */
  private async finalize(id: string, record: DeployRecord): Promise<void> {
    const { lanes, githubDeployments, settings, now, logger } = this.deps;
    const { state } = record;
    if (record.meta.githubDeploymentId) {
      await githubDeployments
        .setDeploymentStatus(
          { owner: settings.owner, repo: settings.repo, deploymentId: record.meta.githubDeploymentId },
          state.status === 'succeeded' ? 'success' : state.status === 'cancelled' ? 'inactive' : 'failure',
          {
            description: (state.rollback
              ? `greenlight: ${state.status === 'rolled_back' ? 'rolled back' : 'rollback failed'}: ${state.rollback.reason}`
              : `greenlight: ${state.status}`
            ).slice(0, 140),
          },
        )
        .catch((error: unknown) =>
          logger.warn({ event: 'deploy.github_status_failed', err: error }, 'status not set'),
        );
    }
    if (state.rollback) await this.declareIncidentOnce(id);
    if (state.rollbackOf) {
      await this.deps.guard.releaseRollback(state.env, state.rollbackOf.service, id);
      if (settings.lockAfterRollback && state.status !== 'cancelled') {
        await lanes.lock(state.env, {
          by: 'greenlight',
          reason: `${state.rollbackOf.service} was rolled back to ${state.ref} (${id}); unlock with /deploy unlock ${state.env} once it is understood`,
          at: new Date(now()).toISOString(),
        });
      }
    }
    // A rollback always leaves the environment locked: whatever tripped it must be understood before the next try.
    if (state.rollback || (state.status === 'failed' && settings.lockOnFailure)) {
      const what = state.rollback
        ? state.status === 'rolled_back'
          ? 'was rolled back'
          : 'could not be rolled back'
        : 'failed';
      await lanes.lock(state.env, {
        by: 'greenlight',
        reason: `deployment ${id} ${what}; unlock with /deploy unlock ${state.env} once it is understood`,
        at: new Date(now()).toISOString(),
      });
    }
    const released = await lanes.release(state.env, id);
    if (released.status === 'promoted') await this.deps.jobs.advance(released.next, `promoted-by-${id}`);
    await lanes.leaveQueue(state.env, id);
    await this.deps.records.changeMeta(id, (meta) => ({ ...meta, finalized: true }));
    await lanes.untrack(id);
  }
}
