import type { Logger } from 'pino';
import type { DeployRecord } from '../../domain/deploy/deploy-record.js';
import { hasRun, isAnalysing, withRunNumber } from '../../domain/deploy/deployment-state.js';
import {
  type EngineSettings,
  failedVerification,
  nextSteps,
  readingDelay,
  runEnded,
  type Step,
  VERIFY_ATTEMPTS,
} from '../../domain/deploy/next-step.js';
import type { RollbackWorkflow } from '../../domain/deploy/workflow-inputs.js';
import type { Analyst } from './analyst.js';
import type { DeployRegistry } from './deploy-registry.js';
import type { DeploymentIncidents } from './deployment-incidents.js';
import type { DeploymentRecords } from './deployment-records.js';
import { Dispatcher, RetryLater } from './dispatcher.js';
import { Finalizer } from './finalizer.js';
import type {
  DeployJob,
  DeployJobs,
  DispatchLease,
  DispatchLedger,
  EnvironmentLanes,
  GitHubBudget,
  GitHubDeployments,
  RollbackClaims,
  RunLists,
  WorkflowRuns,
} from './ports.js';
import { RunTracker } from './run-tracker.js';

export interface OrchestratorSettings extends EngineSettings {
  owner: string;
  repo: string;
  /** How long a dispatch (or the GitHub Deployment's creation) may hold its lease. */
  dispatchLockMs: number;
  /** The sweep job's interval (`trackingCadence`). */
  sweepEveryMs: number;
  /** How often run lists are read: twice per `deploy.pollInterval`, or `deploy.webhookPollInterval` with webhooks. */
  trackEveryMs: number;
  /** How often a deployment with a step to take is re-driven (`deploy.pollInterval`). */
  redriveEveryMs: number;
  /**
   * Looking for a run GitHub accepted without naming it (or that a process may have sent before it died): the
   * first look after `firstLookMs`, then later ones (delayed jobs, never a sleep in a worker) until `windowMs`.
   */
  findRun: { firstLookMs: number; windowMs: number };
  /** greenlight.yml's `rollback`, with the workflow and the ref to dispatch it at resolved. */
  rollback: RollbackWorkflow;
}

export interface OrchestratorDeps {
  records: DeploymentRecords;
  lanes: EnvironmentLanes;
  runs: WorkflowRuns;
  githubDeployments: GitHubDeployments;
  lease: DispatchLease;
  ledger: DispatchLedger;
  /** The sweep's last read of each repository's run list. */
  lists: RunLists;
  /** GitHub's rate limit as last seen: polling slows down before it runs out. */
  budget?: GitHubBudget;
  /** A rollout rolling itself back takes the same claims as `/rollback`, so the two never run side by side. */
  rollbackClaims: Pick<RollbackClaims, 'claimRollback' | 'releaseRollback'>;
  jobs: DeployJobs;
  analyst: Pick<Analyst, 'read' | 'probe'>;
  registry: Pick<DeployRegistry, 'lastSucceeded'>;
  /** The incident every rollback of a rollout declares. */
  incidents: Pick<DeploymentIncidents, 'declareForDeployment'>;
  settings: OrchestratorSettings;
  now: () => number;
  logger: Logger;
}

/**
 * Drives deployments from their state in Redis: every job loads the record, asks `nextSteps` (domain) what to do
 * and carries the steps out through the ports, each idempotent and each change written by compare-and-set.
 * Nothing lives only in memory, so a process may die at any point and another (or the same, restarted) continues
 * without losing or doubling a step.
 */
/** 0.5 s, 1 s, 2 s, 4 s, 8 s: a little longer than a dispatch's look-ups for its run take. */
const UNKNOWN_RUN_ATTEMPTS = 5;

export class DeployOrchestrator {
  private readonly dispatcher: Dispatcher;
  private readonly finalizer: Finalizer;
  private readonly tracker: RunTracker;

  constructor(private readonly deps: OrchestratorDeps) {
    this.dispatcher = new Dispatcher(deps);
    this.finalizer = new Finalizer(deps);
    const { settings } = deps;
    this.tracker = new RunTracker({
      ...deps,
      settings: {
        gateTimeoutMs: settings.gateTimeoutMs,
        sweepEveryMs: settings.sweepEveryMs,
        trackEveryMs: settings.trackEveryMs,
        redriveEveryMs: settings.redriveEveryMs,
        repo: { owner: settings.owner, repo: settings.repo },
      },
    });
  }

  /** `attemptsMade`: how often BullMQ has run this job before (its retries). */
  async handle(job: DeployJob, attemptsMade = 0): Promise<void> {
    switch (job.kind) {
      case 'advance':
        return this.advance(job.id);
      case 'sweep': {
        const swept = await this.tracker.sweep();
        if (swept.status === 'elsewhere')
          this.deps.logger.debug({ event: 'deploy.sweep_skipped' }, 'another process is sweeping');
        return;
      }
      case 'run-completed': {
        const id = await this.deps.ledger.ownerOfRun(job.runId);
        if (id) return this.completeRun(id, job.runId, job.conclusion, attemptsMade);
        // A run that ends at once can be reported before its dispatch found it (the look-ups go at 1 s, 2 s, 4 s):
        // ask again for about 15 s (the job's backoff) before deciding the run is none of greenlight's.
        if (attemptsMade < UNKNOWN_RUN_ATTEMPTS) throw new RetryLater(`run ${job.runId} not yet known`);
        return;
      }
      case 'run-numbered': {
        // Never retried: a run not recorded a second after GitHub told its number is not greenlight's, or one
        // still being looked for (Enterprise Server), whose look-up finds its number; the run list tells it too.
        const id = await this.deps.ledger.ownerOfRun(job.runId);
        if (id !== undefined) await this.numberRun(id, job.runId, job.runNumber);
        return;
      }
      case 'gate-expiry':
        await this.deps.records.apply(job.id, () => ({
          type: 'gateExpired',
          gateSeq: job.seq,
          at: this.deps.now(),
        }));
        return;
      case 'analyse':
        return this.analyse(job.id, job.tick);
      case 'stop-run':
        return this.dispatcher.stopRun(job.id, job.runId);
    }
  }

  /**
   * From the sweep's run list or a webhook: whichever comes first wins, the other is refused as stale. The job that
   * writes the run's end takes the next step itself (the next phase's dispatch), rather than queuing a job for it:
   * the lease and the ledger keep that dispatch exactly-once, and a failure retries this job, which then finds the
   * end written and queues the advance.
   */
  private async completeRun(
    id: string,
    runId: number,
    conclusion: string,
    attemptsMade: number,
  ): Promise<void> {
    const { records, jobs, now } = this.deps;
    let known = true;
    const ended = await records.apply(
      id,
      (state) => {
        known = hasRun(state, runId);
        return runEnded(state, runId, conclusion, now());
      },
      { nextStepHere: true },
    );
    if (ended.ok) return this.advance(id);
    if (ended.reason === 'not-found') return;
    // The dispatch remembered the run but had not recorded it in the deployment yet: ask again shortly.
    if (!known && attemptsMade < UNKNOWN_RUN_ATTEMPTS)
      throw new RetryLater(`run ${runId} not yet recorded in ${id}`);
    // Its end was written already, maybe by this job before it failed or its process died: the step goes on.
    await jobs.advance(id, `run-${runId}`);
  }

  /** A run's number, learnt after its dispatch: written as a fact (no next step) and shown on the timeline. */
  private async numberRun(id: string, runId: number, runNumber: number): Promise<void> {
    let recorded = false;
    await this.deps.records.changeRecord(id, (record) => {
      const numbered = withRunNumber(record.state, runId, runNumber);
      recorded = typeof numbered !== 'string';
      return typeof numbered === 'string' ? undefined : { ...record, state: numbered };
    });
    if (recorded) await this.deps.records.announce(id);
  }

  private async advance(id: string): Promise<void> {
    const stored = await this.deps.records.get(id);
    if (!stored) return;
    for (const step of nextSteps(stored.value, this.deps.settings)) {
      // Another process creating the GitHub Deployment: the rest waits for the job its write schedules.
      if (step.kind === 'create-github-deployment') {
        if ((await this.finalizer.createGitHubDeployment(id, step.repository)) === 'elsewhere') return;
      } else await this.take(id, stored.value, step);
    }
  }

  private async take(
    id: string,
    record: DeployRecord,
    step: Exclude<Step, { kind: 'create-github-deployment' }>,
  ): Promise<void> {
    const { records, jobs, now } = this.deps;
    switch (step.kind) {
      case 'start':
        await records.apply(id, () => ({ type: 'start', at: now() }));
        return;
      case 'claim-environment':
        return this.claimEnvironment(id, record);
      case 'expire-gate':
        await jobs.expireGate(id, step.seq, step.delayMs);
        return;
      case 'capture-baseline':
        return this.captureBaseline(id, record);
      case 'dispatch-phase':
        return this.dispatcher.phase(id, step);
      case 'probe':
        return this.probeOnce(id, record, step.phaseId);
      case 'poll':
        // Watched by the sweep's run list (one request per repository) and by webhooks, not one request per run.
        return;
      case 'schedule-reading':
        await jobs.analyse(id, step.tick, readingDelay(step, now()));
        return;
      case 'dispatch-rollback':
        return this.dispatcher.rollback(id);
      case 'declare-incident':
        return this.finalizer.declareIncident(id);
      case 'stop-run':
        await jobs.stopRun(id, step.runId);
        return;
      case 'finalize':
        return this.finalizer.finalize(id);
    }
  }

  private async claimEnvironment(id: string, record: DeployRecord): Promise<void> {
    const claim = await this.deps.lanes.claim(record.state.env, id);
    if (claim.status === 'active') {
      await this.deps.records.apply(id, () => ({ type: 'start', at: this.deps.now() }));
      return;
    }
    this.deps.logger.info(
      {
        event: 'deploy.queued',
        deploymentId: id,
        env: record.state.env,
        position: claim.position,
        holder: claim.holder,
      },
      'waiting for the environment',
    );
  }

  /** One reading: numbered, so a repeated job (a retry, a second replica) finds its number taken and drops it. */
  private async analyse(id: string, tick: number): Promise<void> {
    const stored = await this.deps.records.get(id);
    const analysis = stored?.value.state.analysis;
    if (!stored || analysis === undefined || !isAnalysing(stored.value.state) || analysis.ticks + 1 !== tick)
      return;
    const { state, plan } = stored.value;
    const { reading, cursor } = await this.deps.analyst.read(state, plan.services, analysis.cursor);
    await this.deps.records.apply(id, () => ({ type: 'analysed', tick, reading, cursor, at: reading.at }));
  }

  /** Before the first canary step: what "normal" looks like, for the p95 comparison and the metric source's cursor. */
  private async captureBaseline(id: string, record: DeployRecord): Promise<void> {
    const { reading, cursor } = await this.deps.analyst.read(record.state, record.plan.services, undefined);
    await this.deps.records.apply(id, () => ({ type: 'baselineCaptured', reading, cursor, at: reading.at }));
  }

  /** The phase's bot-side health checks, by one process at a time; the record keeps the first results written. */
  private async probeOnce(id: string, record: DeployRecord, phaseId: string): Promise<void> {
    const { lease, records, analyst, settings, now } = this.deps;
    const phase = record.state.phases.find((candidate) => candidate.id === phaseId);
    if (!phase) return;
    const release = await lease.acquire(`${id}-probe-${phaseId}`, settings.dispatchLockMs);
    if (!release) return;
    try {
      const results = await analyst.probe(record.plan.services);
      // A version just rolled back to may need a moment to come up: the sweep probes again before it is judged.
      if (failedVerification(phase, results) && (await this.countFailedVerification(id)) < VERIFY_ATTEMPTS)
        return;
      await records.apply(id, () => ({ type: 'probed', phaseId, results, at: now() }));
    } finally {
      await release();
    }
  }

  private async countFailedVerification(id: string): Promise<number> {
    let attempts = 0;
    await this.deps.records.changeMeta(id, (meta) => {
      attempts = (meta.verifyAttempts ?? 0) + 1;
      return { ...meta, verifyAttempts: attempts };
    });
    return attempts;
  }
}
