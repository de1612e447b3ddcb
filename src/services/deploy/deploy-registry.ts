import type { DeployRecord } from '../../domain/deploy/deploy-record.js';
import type { DeploymentState } from '../../domain/deploy/deployment-state.js';
import type { DocumentStore } from '../ports.js';

/** How many of an environment's latest deployments are looked through for good versions. */
const DEPTH = 200;

/** An environment's recent deployments, from the registry's index: where rollbacks find the versions to go back to. */
export interface DeployRegistry {
  /** Newest first. */
  recent(env: string): Promise<DeploymentState[]>;
  /** The newest successful deployment other than `exceptId`. */
  lastSucceeded(env: string, exceptId: string): Promise<DeploymentState | undefined>;
}

export function deployRegistry(
  records: DocumentStore<DeployRecord>,
  index: (env: string) => string,
): DeployRegistry {
  const recent = async (env: string) => {
    const found = await records.getMany(await records.latest(index(env), DEPTH));
    return found.map((record) => record.value.state).sort((a, b) => b.requestedAt - a.requestedAt);
  };
  return {
    recent,
    async lastSucceeded(env, exceptId) {
      return (await recent(env))
        .filter((state) => state.id !== exceptId && state.status === 'succeeded')
        .sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0))[0];
    },
  };
}
