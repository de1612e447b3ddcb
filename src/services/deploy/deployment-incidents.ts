import { readingSummary } from '../../domain/analysis/decide.js';
import { deploymentName } from '../../domain/deploy/deployment-name.js';
import type { DeploymentState } from '../../domain/deploy/deployment-state.js';
import { repositoryName } from '../../domain/deploy/workflow-inputs.js';
import type { IncidentState, RollbackIncidentRequest } from '../../domain/incidents/incident.js';
import type { IncidentOutcome } from '../incident-service.js';
import type { DeploymentRecords } from './deployment-records.js';

/** The incident registry as deployments use it (IncidentService). */
export interface IncidentRegistry {
  declareFromRollback(request: RollbackIncidentRequest): Promise<IncidentOutcome>;
  forDeployment(deploymentId: string): Promise<IncidentState | undefined>;
}

export type DeploymentIncident =
  /** This caller claimed the deployment's incident and declared it (or the registry refused). */
  | { status: 'declared'; outcome: IncidentOutcome }
  /** Claimed before, and the registry has it. */
  | { status: 'existing'; incident: IncidentState }
  /** Claimed by another caller that has not written it yet. */
  | { status: 'declaring' }
  /** No such deployment, or nothing about it to declare. */
  | { status: 'nothing' };

export interface DeploymentIncidentsDeps {
  records: Pick<DeploymentRecords, 'state' | 'claimIncident'>;
  incidents: IncidentRegistry;
}

/** The incident a deployment may declare: one per deployment, whoever asks first. */
export class DeploymentIncidents {
  constructor(private readonly deps: DeploymentIncidentsDeps) {}

  /**
   * Declares the deployment's incident once: claimed in its record first, so two replicas, a retried job and a second
   * click never both declare; whoever finds it claimed gets the incident already declared, once the registry has it.
   * `describe` says what the incident is about; nothing is claimed when it has nothing to say.
   */
  async declareForDeployment(
    id: string,
    describe: (state: DeploymentState) => RollbackIncidentRequest | undefined,
  ): Promise<DeploymentIncident> {
    const state = await this.deps.records.state(id);
    if (state === undefined || describe(state) === undefined) return { status: 'nothing' };
    const claimed = await this.deps.records.claimIncident(id);
    if (claimed === undefined) {
      const incident = await this.deps.incidents.forDeployment(id);
      return incident ? { status: 'existing', incident } : { status: 'declaring' };
    }
    const request = describe(claimed.state) ?? describe(state);
    if (request === undefined) return { status: 'nothing' };
    return { status: 'declared', outcome: await this.deps.incidents.declareFromRollback(request) };
  }
}

/**
 * A rollout's rollback (automatic, or the timeline's Roll back): its reason, readings, version and runs, one per
 * repository it rolled back in.
 */
export function rolledBackRollout(state: DeploymentState): RollbackIncidentRequest | undefined {
  const { rollback } = state;
  if (rollback === undefined) return undefined;
  const runs = rollback.runs ?? [];
  const url = runs.find((run) => run.url !== undefined)?.url;
  return {
    env: state.env,
    deploymentId: state.id,
    deploymentName: deploymentName(state),
    reason: rollback.reason,
    ...(rollback.decision ? { readings: readingSummary(rollback.decision) } : {}),
    ...(url ? { rollbackRunUrl: url } : {}),
    ...(runs.length > 1
      ? {
          rollbackRuns: runs.map((run) => ({
            repository: run.repository ? repositoryName(run.repository) : 'github.repo',
            ...(run.url ? { url: run.url } : {}),
          })),
        }
      : {}),
    ...(rollback.version ? { version: rollback.version } : {}),
    ...(rollback.by ? { by: rollback.by } : {}),
  };
}

/** A confirmed `/rollback`, declared by the person who confirmed it: the service, the version and why. */
export function confirmedRollback(by: string) {
  return (state: DeploymentState): RollbackIncidentRequest | undefined =>
    state.rollbackOf && {
      env: state.env,
      deploymentId: state.id,
      deploymentName: deploymentName(state),
      reason: `${state.rollbackOf.service} rolled back to ${state.ref}: ${state.rollbackOf.reason}`,
      version: state.ref,
      by,
    };
}
