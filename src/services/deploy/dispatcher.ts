import type { DeployRecord } from '../../domain/deploy/deploy-record.js';
import { deploymentName } from '../../domain/deploy/deployment-name.js';
import type { RollbackRun, RollbackState } from '../../domain/deploy/deployment-state.js';
import { runsStillGoing } from '../../domain/deploy/deployment-state.js';
import { runRepository, type Step } from '../../domain/deploy/next-step.js';
import { rolloutRollbackRuns } from '../../domain/deploy/rollout-rollback.js';
import {
  type RollbackWorkflow,
  rollbackDispatch,
  type WorkflowDispatch,
} from '../../domain/deploy/workflow-inputs.js';
import type { OrchestratorDeps } from './orchestrator.js';
import type { DispatchRequest, DispatchResult } from './ports.js';

function numbered(result: { runNumber?: number }): { runNumber?: number } {
  return result.runNumber === undefined ? {} : { runNumber: result.runNumber };
}

/** Work in progress elsewhere: the job fails and BullMQ tries it again later. */
export class RetryLater extends Error {}

/**
 * Exactly one workflow run per phase step and per rollback, whatever crashes or replicas do: a lease while
 * dispatching, and a mark in the ledger set before the request, so any retry looks for the run it may have started
 * before it dispatches again.
 */
export class Dispatcher {
  constructor(private readonly deps: OrchestratorDeps) {}

  /** A phase step; a run that a stop overtook is cancelled, so it cannot go on deploying untracked. */
  async phase(id: string, step: Extract<Step, { kind: 'dispatch-phase' }>): Promise<void> {
    const { records, runs, settings, now } = this.deps;
    await this.underLease(
      step.dispatch.correlationId,
      async () => {
        const fresh = await records.get(id);
        const current = fresh?.value.state.phases.find((phase) => phase.id === step.phaseId);
        if (!fresh || current?.status !== 'dispatching' || current.step !== step.step) return;
        const result = await this.dispatchOrFind(
          id,
          this.request(step.dispatch, fresh.value.state.requestedAt),
        );
        if (result === 'looking') return;
        if (!result.ok) {
          await records.apply(id, () => ({
            type: 'fail',
            reason: `${step.title}: ${result.message}`,
            // GitHub took the dispatch but its run was never found: something may be deploying.
            ...(result.reason === 'run_not_found' ? { runMayHaveStarted: true } : {}),
            at: now(),
          }));
          return;
        }
        const recorded = await records.apply(id, () => ({
          type: 'phaseDispatched',
          runId: result.runId,
          ...numbered(result),
          url: result.htmlUrl,
          at: now(),
        }));
        if (!recorded.ok && (await records.state(id))?.status !== 'running') {
          // Stopped while GitHub was starting the run: nobody will track it, so it must not go on deploying.
          const { owner, repo } = step.dispatch.repository ?? settings;
          await runs.cancelRun({ owner, repo, runId: result.runId });
        }
      },
      'leave',
    );
  }

  /**
   * The rollback runs, one per repository the rollout deployed to (`rolloutRollbackRuns`), each to the last version
   * that succeeded here when the registry knows one; once all went out, the runs that were rolling out are cancelled,
   * so they cannot move traffic after the rollback. The first pass claims the rollback of every service the rollout
   * deployed, as `/rollback` does (when a `/rollback` holds one, that one rolls back and this rollout dispatches
   * nothing beside it), and fixes the repositories in the record. Each run then goes out under its own lease and
   * ledger mark, so a crash or a second replica neither doubles nor loses one.
   */
  async rollback(id: string): Promise<void> {
    const planned = await this.underLease(`${id}-rollback-plan`, () => this.planRollback(id));
    if (!planned) return;
    let elsewhere: RetryLater | undefined;
    let ended = false;
    for (const run of planned.runs) {
      if (run.runId !== undefined || run.refused !== undefined) continue;
      try {
        await this.underLease(run.correlationId, async () => {
          ended = (await this.dispatchRollbackRun(id, run.correlationId)) || ended;
        });
      } catch (error) {
        if (!(error instanceof RetryLater)) throw error;
        elsewhere = error;
      }
    }
    if (elsewhere) throw elsewhere;
    const after = await this.deps.records.get(id);
    const waiting = after?.value.state.rollback?.runs?.some(
      (run) => run.runId === undefined && run.refused === undefined,
    );
    // The pass that settled the last repository's rollback (sent, or refused) cancels the rollout's runs.
    if (ended && after && !waiting) await this.cancelRuns(after.value);
  }

  /** The repositories to roll back, fixed once under the claim of every service; undefined when there is nothing to do. */
  private async planRollback(id: string): Promise<(RollbackState & { runs: RollbackRun[] }) | undefined> {
    const { records, registry, rollbackClaims, now } = this.deps;
    const stored = await records.get(id);
    const state = stored?.value.state;
    if (!stored || state?.status !== 'rolling_back' || !state.rollback) return undefined;
    if (state.rollback.runs) return { ...state.rollback, runs: state.rollback.runs };
    const holder = await rollbackClaims.claimRollback(state.env, stored.value.plan.services, id);
    if (holder !== undefined) {
      const other = await records.state(holder);
      await records.apply(id, () => ({
        type: 'rollbackSuperseded',
        by: other ? deploymentName(other) : holder,
        at: now(),
      }));
      return undefined;
    }
    const version = (await registry.lastSucceeded(state.env, id).catch(() => undefined))?.ref;
    const runs = rolloutRollbackRuns(stored.value, this.rollbackWorkflow());
    const written = await records.apply(id, () => ({
      type: 'rollbackPlanned',
      runs,
      ...(version === undefined ? {} : { version }),
      at: now(),
    }));
    const rollback = written.ok ? written.state.rollback : (await records.state(id))?.rollback;
    return rollback?.runs ? { ...rollback, runs: rollback.runs } : undefined;
  }

  /** One repository's rollback run; answers whether it was settled just now (recorded as sent, or refused). */
  private async dispatchRollbackRun(id: string, correlationId: string): Promise<boolean> {
    const { records, now } = this.deps;
    const state = await records.state(id);
    const run = state?.rollback?.runs?.find((candidate) => candidate.correlationId === correlationId);
    if (state?.status !== 'rolling_back' || !run || run.runId !== undefined || run.refused !== undefined)
      return false;
    const { version } = state.rollback ?? {};
    const built = rollbackDispatch(
      this.rollbackWorkflow(),
      { id, env: state.env, ref: state.ref, ...(version === undefined ? {} : { version }) },
      {
        correlationId,
        ...(run.repository ? { repository: run.repository } : {}),
        ...(run.workflow ? { workflow: run.workflow } : {}),
      },
    );
    const result = built.ok
      ? await this.dispatchOrFind(
          id,
          this.request(built.dispatch, state.rollback?.requestedAt ?? state.requestedAt),
        )
      : built;
    if (result === 'looking') return false;
    if (!result.ok) {
      const refused = await records.apply(id, () => ({
        type: 'rollbackFailed',
        correlationId,
        reason: result.message,
        at: now(),
      }));
      return refused.ok;
    }
    const recorded = await records.apply(id, () => ({
      type: 'rollbackDispatched',
      correlationId,
      runId: result.runId,
      ...numbered(result),
      url: result.htmlUrl,
      at: now(),
    }));
    return recorded.ok;
  }

  /** greenlight.yml's rollback, in `github.repo` unless the plan or a service names another. */
  private rollbackWorkflow(): RollbackWorkflow {
    const { settings } = this.deps;
    return { repository: { owner: settings.owner, repo: settings.repo }, ...settings.rollback };
  }

  /**
   * One try of a cancelled deployment's run cancel: done once GitHub says the run ended (or is gone), which hands
   * the environment on; otherwise it asks GitHub to cancel it and throws, so the job tries again after a backoff.
   */
  async stopRun(id: string, runId: number): Promise<void> {
    const { records, runs, settings, logger, now } = this.deps;
    const stored = await records.get(id);
    if (!stored || !runsStillGoing(stored.value.state).includes(runId)) return;
    // The repository the run was dispatched in, as the record says (the same rule as every other cancel).
    const { owner, repo } = runRepository(stored.value, runId) ?? settings;
    const run = { owner, repo, runId };
    const polled = await runs.poll(run);
    if (polled.status === 'completed' || polled.status === 'gone') {
      const conclusion = polled.status === 'gone' ? 'gone' : polled.conclusion;
      await records.apply(id, () => ({ type: 'runStopped', runId, conclusion, at: now() }));
      return;
    }
    if (polled.status === 'unavailable')
      throw new RetryLater(`GitHub unavailable; run ${runId} still to cancel`);
    const asked = await runs.cancelRun(run);
    if (!asked.ok && asked.reason === 'run_not_found') {
      await records.apply(id, () => ({ type: 'runStopped', runId, conclusion: 'gone', at: now() }));
      return;
    }
    if (!asked.ok) logger.warn({ event: 'deploy.cancel_refused', deploymentId: id, runId }, asked.message);
    throw new RetryLater(`run ${runId}: cancel asked; waiting for GitHub to end it`);
  }

  /** Every run of the deployment still going, each in its own repository. */
  private async cancelRuns(record: DeployRecord): Promise<void> {
    const { settings, logger } = this.deps;
    const runs = record.state.phases.flatMap((phase) => phase.runs);
    for (const run of runs.filter((candidate) => candidate.conclusion === undefined)) {
      const { owner, repo } = runRepository(record, run.runId) ?? settings;
      await this.deps.runs
        .cancelRun({ owner, repo, runId: run.runId })
        .catch((error: unknown) =>
          logger.warn({ event: 'deploy.cancel_failed', runId: run.runId, err: error }, 'run not cancelled'),
        );
    }
  }

  /**
   * One process at a time dispatches a given run. A phase's dispatch asked meanwhile is left to the holder
   * (`leave`: under load the retries kept meeting the next phase's dispatch; the holder's write queues the next step,
   * and a holder that dies loses its lease within seconds, its job is retried, and the sweep re-drives); a rollback's
   * is retried later (`retry`), so the pass that settles the last repository's run is one that saw them all.
   */
  private async underLease<T>(
    correlationId: string,
    work: () => Promise<T>,
    whenHeld: 'leave' | 'retry' = 'retry',
  ): Promise<T | undefined> {
    const release = await this.deps.lease.acquire(correlationId, this.deps.settings.dispatchLockMs);
    if (!release) {
      if (whenHeld === 'retry') throw new RetryLater(`dispatch of ${correlationId} is in progress elsewhere`);
      this.deps.logger.debug(
        { event: 'deploy.dispatch_elsewhere', correlationId },
        'dispatch in progress elsewhere; left to it',
      );
      return undefined;
    }
    try {
      return await work();
    } finally {
      await release();
    }
  }

  /**
   * Dispatches once: when an earlier attempt may have sent it already, the run it started is looked for first (by
   * the `greenlight_id` in its title). A run not listed yet is looked for again by a delayed job, `looking` meanwhile:
   * until `findRun.windowMs` after GitHub took the dispatch, after which it is `run_not_found`; or, when GitHub
   * never answered the earlier attempt, until that long after it, after which it is sent again.
   */
  private async dispatchOrFind(id: string, request: DispatchRequest): Promise<DispatchResult | 'looking'> {
    const { ledger, runs, settings, now } = this.deps;
    const { correlationId } = request;
    const earlier = await ledger.markAttempt(correlationId, now());
    let result: DispatchResult | undefined;
    if (earlier !== undefined) {
      const found = await runs.findRun(request);
      if (found)
        result = {
          ok: true,
          runId: found.id,
          htmlUrl: found.htmlUrl,
          via: 'correlation',
          ...(found.runNumber === undefined ? {} : { runNumber: found.runNumber }),
        };
      else {
        const accepted = await ledger.acceptedAt(correlationId);
        const waited = now() - (accepted ?? earlier);
        if (waited < settings.findRun.windowMs) return this.lookLater(id, correlationId, waited);
        if (accepted !== undefined) result = runNotFound(request);
      }
    }
    result ??= await runs.dispatch(request);
    if (!result.ok && result.reason === 'run_pending') {
      await ledger.markAccepted(correlationId, now());
      return this.lookLater(id, correlationId, 0);
    }
    if (result.ok) await ledger.rememberRun(result.runId, id, { owner: request.owner, repo: request.repo });
    return result;
  }

  /** The next look for a run, after about as long again as has been waited (1 s, 2 s, 4 s… by default). */
  private async lookLater(id: string, correlationId: string, waited: number): Promise<'looking'> {
    const { firstLookMs, windowMs } = this.deps.settings.findRun;
    const delay = Math.min(Math.max(firstLookMs, waited), Math.max(firstLookMs, windowMs / 4));
    await this.deps.jobs.advance(id, `look-${correlationId}-${waited}`, delay);
    return 'looking';
  }

  /** The dispatch as built by workflow-inputs.ts, in its repository (`github.repo` for plans that name none). */
  private request(dispatch: WorkflowDispatch, after: number): DispatchRequest {
    const { owner, repo } = dispatch.repository ?? this.deps.settings;
    const { workflow, ref, inputs, correlationId } = dispatch;
    return { owner, repo, workflow, ref, inputs, correlationId, dispatchedAfter: new Date(after) };
  }
}

/** GitHub took the dispatch but its run never showed up: something may be deploying, unseen. */
function runNotFound(request: DispatchRequest): DispatchResult {
  return {
    ok: false,
    reason: 'run_not_found',
    message: `The workflow \`${request.workflow}\` was dispatched, but greenlight could not find its run: give the workflow \`run-name: "… \${{ inputs.greenlight_id }}"\` so the run can be recognised, and check its runs on GitHub.`,
  };
}
