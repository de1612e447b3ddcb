import type { DeployRecord } from '../../domain/deploy/deploy-record.js';
import { applyDeploymentEvent, type DeploymentState } from '../../domain/deploy/deployment-state.js';
import {
  finalization,
  githubDeploymentOf,
  needsGitHubDeploymentFirst,
  somethingWentOut,
} from '../../domain/deploy/next-step.js';
import { rolledBackRollout } from './deployment-incidents.js';
import type { OrchestratorDeps } from './orchestrator.js';

/**
 * The GitHub Deployment that mirrors a deployment, and the end of a deployment: its final GitHub status, the
 * incident of a rollback, locks, and the environment handed to the next in line. Both under one lease per
 * deployment, so a final status never precedes the Deployment's creation and the sweeper never repeats GitHub
 * writes still in flight.
 */
export class Finalizer {
  constructor(private readonly deps: OrchestratorDeps) {}

  /** Once per deployment; 'elsewhere' when another process is at it. */
  async createGitHubDeployment(id: string): Promise<'done' | 'elsewhere'> {
    return this.underLease<'done' | 'elsewhere'>(id, 'elsewhere', async () => {
      const fresh = await this.deps.records.get(id);
      if (fresh?.value.state.status === 'running' && !fresh.value.meta.githubDeploymentId)
        await this.createNow(id, fresh.value.state);
      return 'done';
    });
  }

  /** Idempotent end-of-deployment effects first, then the mark: a crash in between repeats them harmlessly. */
  async finalize(id: string): Promise<void> {
    await this.underLease(id, undefined, async () => {
      let fresh = await this.deps.records.get(id);
      if (!fresh || fresh.value.meta.finalized) return;
      if (needsGitHubDeploymentFirst(fresh.value)) {
        await this.createNow(id, fresh.value.state);
        fresh = (await this.deps.records.get(id)) ?? fresh;
      }
      await this.finish(id, fresh.value);
    });
  }

  /**
   * A rollback declares an incident, linked to the deployment, with the reason and the readings: once, whoever asks
   * (two replicas, a retried job, the confirmation's button), through the deployment's incident claim.
   */
  async declareIncident(id: string): Promise<void> {
    await this.deps.incidents
      .declareForDeployment(id, rolledBackRollout)
      .catch((error: unknown) =>
        this.deps.logger.warn(
          { event: 'deploy.incident_declare_failed', deploymentId: id, err: error },
          'no incident declared for the rollback',
        ),
      );
  }

  private async underLease<T>(id: string, elsewhere: T, work: () => Promise<T>): Promise<T> {
    const release = await this.deps.lease.acquire(
      `${id}-github-deployment`,
      this.deps.settings.dispatchLockMs,
    );
    if (!release) return elsewhere;
    try {
      return await work();
    } finally {
      await release();
    }
  }

  private async createNow(id: string, state: DeploymentState): Promise<void> {
    const { githubDeployments, ledger, records, settings, logger } = this.deps;
    const repo = { owner: settings.owner, repo: settings.repo };
    if ((await ledger.markAttempt(`${id}-github-deployment`, this.deps.now())) !== undefined) {
      // An earlier attempt may have created it and died before recording it.
      const found = await githubDeployments
        .findDeployment({ ...repo, environment: state.env, greenlightId: id })
        .catch(() => undefined);
      if (found) {
        await records.changeMeta(id, (meta) => ({ ...meta, githubDeploymentId: found }));
        return;
      }
    }
    const { started, ...wanted } = githubDeploymentOf(state);
    const created = await githubDeployments.createDeployment({ ...repo, ...wanted });
    if (!created.ok) {
      // GitHub refuses the commit itself (red checks, a ref gone): before anything went out, that ends it.
      if (
        (created.reason === 'checks_failed' || created.reason === 'ref_not_found') &&
        !somethingWentOut(state)
      ) {
        await records.apply(id, () => ({ type: 'fail', reason: created.message, at: this.deps.now() }));
        return;
      }
      logger.warn(
        { event: 'deploy.github_deployment_failed', deploymentId: id, reason: created.reason },
        created.message,
      );
      return;
    }
    const { sha } = created;
    // A fact, not a step: recorded with the id in one write that schedules nothing (no extra poll of GitHub).
    await records.changeRecord(id, (record) => {
      const resolved = sha ? applyDeploymentEvent(record.state, { type: 'commitResolved', sha }) : undefined;
      return {
        ...record,
        state: resolved?.ok ? resolved.state : record.state,
        meta: { ...record.meta, githubDeploymentId: created.deploymentId },
      };
    });
    await githubDeployments.setDeploymentStatus(
      { ...repo, deploymentId: created.deploymentId },
      started.state,
      {
        description: started.description,
      },
    );
  }

  private async finish(id: string, record: DeployRecord): Promise<void> {
    const { lanes, githubDeployments, rollbackClaims, records, jobs, settings, now, logger } = this.deps;
    const { state } = record;
    const end = finalization(state, settings, now(), record.plan.services);
    if (record.meta.githubDeploymentId) {
      await githubDeployments
        .setDeploymentStatus(
          { owner: settings.owner, repo: settings.repo, deploymentId: record.meta.githubDeploymentId },
          end.githubStatus.state,
          { description: end.githubStatus.description },
        )
        .catch((error: unknown) =>
          logger.warn({ event: 'deploy.github_status_failed', err: error }, 'status not set'),
        );
    }
    if (end.declareIncident) await this.declareIncident(id);
    if (end.releaseRollbackClaim) {
      const { env, services } = end.releaseRollbackClaim;
      await rollbackClaims.releaseRollback(env, services, id);
    }
    for (const lock of end.locks) await lanes.lock(state.env, lock);
    const released = await lanes.release(state.env, id);
    if (released.status === 'promoted') await jobs.advance(released.next, `promoted-by-${id}`);
    await lanes.leaveQueue(state.env, id);
    await records.changeMeta(id, (meta) => ({ ...meta, finalized: true }));
    await lanes.untrack(id);
  }
}
