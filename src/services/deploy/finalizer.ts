import type { DeployRecord } from '../../domain/deploy/deploy-record.js';
import { applyDeploymentEvent } from '../../domain/deploy/deployment-state.js';
import {
  finalization,
  githubDeploymentIn,
  githubDeploymentOf,
  githubDeploymentsMissing,
  githubDeploymentsOf,
  refIn,
  somethingWentOut,
} from '../../domain/deploy/next-step.js';
import { type Repository, repositoryName } from '../../domain/deploy/workflow-inputs.js';
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

  /** Once per deployment and repository (absent: `github.repo`); 'elsewhere' when another process is at it. */
  async createGitHubDeployment(id: string, repository?: Repository): Promise<'done' | 'elsewhere'> {
    return this.underLease<'done' | 'elsewhere'>(id, 'elsewhere', async () => {
      const fresh = await this.deps.records.get(id);
      if (
        fresh?.value.state.status === 'running' &&
        githubDeploymentIn(fresh.value, repository) === undefined
      )
        await this.createNow(id, fresh.value, repository);
      return 'done';
    });
  }

  /** Idempotent end-of-deployment effects first, then the mark: a crash in between repeats them harmlessly. */
  async finalize(id: string): Promise<void> {
    await this.underLease(id, undefined, async () => {
      let fresh = await this.deps.records.get(id);
      if (!fresh || fresh.value.meta.finalized) return;
      for (const repository of githubDeploymentsMissing(fresh.value)) {
        await this.createNow(id, fresh.value, repository);
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

  /**
   * The GitHub Deployment in one repository: in `github.repo` (`repository` absent or the plan's own) GitHub checks
   * the commit greenlight judged; in another it records the deployment of the same ref there.
   */
  private async createNow(id: string, record: DeployRecord, repository?: Repository): Promise<void> {
    const { githubDeployments, ledger, records, settings, logger } = this.deps;
    const { state } = record;
    const main =
      repository === undefined ||
      repositoryName(repository) === repositoryName(record.plan.repository ?? settings);
    const repo = { owner: (repository ?? settings).owner, repo: (repository ?? settings).repo };
    const recorded =
      (deploymentId: number) =>
      (meta: DeployRecord['meta']): DeployRecord['meta'] =>
        main
          ? { ...meta, githubDeploymentId: deploymentId }
          : {
              ...meta,
              githubDeployments: { ...meta.githubDeployments, [repositoryName(repo)]: deploymentId },
            };
    const mark = main ? `${id}-github-deployment` : `${id}-github-deployment-${repositoryName(repo)}`;
    if ((await ledger.markAttempt(mark, this.deps.now())) !== undefined) {
      // An earlier attempt may have created it and died before recording it.
      const found = await githubDeployments
        .findDeployment({ ...repo, environment: state.env, greenlightId: id })
        .catch(() => undefined);
      if (found) {
        await records.changeMeta(id, recorded(found));
        return;
      }
    }
    const { started, ...wanted } = githubDeploymentOf(state, main ? undefined : { ref: refIn(record, repo) });
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
    // The commit GitHub resolved is the deployment's only in `github.repo`; elsewhere the same ref is another one.
    const sha = main ? created.sha : undefined;
    // A fact, not a step: recorded with the id in one write that schedules nothing (no extra poll of GitHub).
    await records.changeRecord(id, (current) => {
      const resolved = sha ? applyDeploymentEvent(current.state, { type: 'commitResolved', sha }) : undefined;
      return {
        ...current,
        state: resolved?.ok ? resolved.state : current.state,
        meta: recorded(created.deploymentId)(current.meta),
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
    for (const { repository, deploymentId } of githubDeploymentsOf(record)) {
      const { owner, repo } = repository ?? settings;
      await githubDeployments
        .setDeploymentStatus({ owner, repo, deploymentId }, end.githubStatus.state, {
          description: end.githubStatus.description,
        })
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
