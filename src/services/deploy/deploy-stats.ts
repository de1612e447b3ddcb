import type { DeploymentState } from '../../domain/deploy/deployment-state.js';
import {
  type CommitTimeGap,
  computeDora,
  type DeployStatsResult,
  incidentEnv,
  isRollbackRecord,
} from '../../domain/deploy/dora.js';
import type { CommitTimes } from './commit-times.js';
import type { RegistryWindow } from './ports.js';

export interface DeployStatsDeps {
  registry: RegistryWindow;
  /** Commit times of the deployed refs (cached, then GitHub): see `resolveCommitTimes`. */
  commitTimes(deployments: readonly DeploymentState[]): Promise<CommitTimes>;
  /** The environments of greenlight.yml, in its order. */
  environments: readonly string[];
  now: () => number;
  /** Documents read per environment (and incidents per call); beyond it the window is cut. Default 5,000. */
  maxDocuments?: number;
}

export const DEFAULT_MAX_DOCUMENTS = 5_000;

/**
 * `/deploy stats`: reads the window from the registries, looks up commit times, and computes the DORA figures of
 * each environment. The window is [now − windowMs, now).
 */
export class DeployStats {
  constructor(private readonly deps: DeployStatsDeps) {}

  async compute(env: string | undefined, windowMs: number): Promise<DeployStatsResult> {
    const { registry, now } = this.deps;
    const limit = this.deps.maxDocuments ?? DEFAULT_MAX_DOCUMENTS;
    const to = now();
    const from = to - windowMs;
    const envs = env === undefined ? productionFirst(this.deps.environments) : [env];
    const [reads, incidents] = await Promise.all([
      Promise.all(envs.map((name) => registry.deployments(name, from, to, limit))),
      registry.incidents(from, to, limit),
    ]);
    const deployments = reads.flatMap((read) => read.items);
    const changes = deployments.filter(
      (deployment) => deployment.status === 'succeeded' && !isRollbackRecord(deployment),
    );
    const commits = await this.deps.commitTimes(changes);

    const reports = envs.map((name, index) => {
      // A capped read covers only its newest part of the window: the figures say so by their window.
      const start = Math.max(from, reads[index]?.truncatedAt ?? from, incidents.truncatedAt ?? from);
      return computeDora({
        env: name,
        deployments,
        incidents: incidents.items,
        commitTimes: commits.times,
        window: { from: start, to },
        now: to,
      });
    });
    const byId = new Map(deployments.map((deployment) => [deployment.id, deployment]));
    const commitTimeGaps: Record<CommitTimeGap | 'moved', number> = {
      not_found: 0,
      unavailable: 0,
      not_looked_up: 0,
      moved: 0,
    };
    for (const gap of commits.gaps.values()) commitTimeGaps[gap] += 1;
    for (const change of changes) {
      const committedAt = commits.times.get(change.id);
      if (committedAt !== undefined && committedAt > (change.finishedAt ?? committedAt))
        commitTimeGaps.moved += 1;
    }
    return {
      window: { from, to, ms: windowMs },
      reports,
      commitTimeGaps,
      incidentsWithoutEnv: incidents.items.filter(
        (incident) => incident.deploymentId === undefined && incidentEnv(incident, byId) === undefined,
      ).length,
      unreadable: {
        deployments: reads.reduce((sum, read) => sum + read.unreadable, 0),
        incidents: incidents.unreadable,
      },
    };
  }
}

/** DORA is about production: its block comes first, the others in greenlight.yml's order. */
function productionFirst(environments: readonly string[]): string[] {
  return [...environments].sort((a, b) => Number(b === 'production') - Number(a === 'production'));
}
