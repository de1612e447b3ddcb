import { noSuchName } from '../close-matches.js';
import { type DeploymentPlan, mainRepository, type ServiceDispatchConfig } from './plan.js';
import { parseRepository, workflowInputs } from './workflow-inputs.js';

/** The parts of greenlight.yml a `/rollback` depends on; the loaded `FileConfig` fits it as is. */
export interface RollbackPlanConfig {
  github?: { owner?: string; repo?: string; workflow: string; ref: string };
  services: Readonly<Record<string, { health: readonly unknown[] } & ServiceDispatchConfig>>;
  rollback?: { workflow?: string; inputs: Readonly<Record<string, string | number | boolean>> };
}

export interface RollbackRequest {
  service: string;
  env: string;
  /** The version to go back to: the `ref` input and `rollback_version`, and the ref the registry records. */
  version: string;
  greenlightId: string;
}

/** Inputs greenlight adds to the rollback workflow besides `environment`, `ref` and `greenlight_id`. */
export const ROLLBACK_INPUTS = ['rollback_version', 'service'] as const;

export type RollbackPlanResult = { ok: true; plan: DeploymentPlan } | { ok: false; message: string };

/**
 * Where `/rollback <service>` dispatches: `services.<name>.rollback.repo`, else the service's `repo`, else
 * `github.repo`; the workflow `services.<name>.rollback.workflow`, else (for a service in a repository of its own)
 * the service's `workflow`, else `rollback.workflow`, else `github.workflow`.
 */
export function serviceRollbackTarget(
  config: RollbackPlanConfig,
  service: { health: readonly unknown[] } & ServiceDispatchConfig,
) {
  const ownRepo = service.rollback?.repo ?? service.repo;
  const repository = (ownRepo === undefined ? undefined : parseRepository(ownRepo)) ?? mainRepository(config);
  const workflow =
    service.rollback?.workflow ??
    (ownRepo === undefined ? undefined : service.workflow) ??
    config.rollback?.workflow ??
    config.github?.workflow;
  return { repository, workflow };
}

/**
 * A `/rollback` as a one-phase deployment: the rollback workflow, dispatched at once (no gate, no canary, no hold)
 * at the default branch of the service's repository, with `service` and `rollback_version`; then the service's
 * health checks, once the run succeeded, verify the version it went back to.
 */
export function planRollback(config: RollbackPlanConfig, request: RollbackRequest): RollbackPlanResult {
  const service = config.services[request.service];
  if (service === undefined) {
    return { ok: false, message: noSuchName('service', request.service, Object.keys(config.services)) };
  }
  const { repository, workflow } = serviceRollbackTarget(config, service);
  if (workflow === undefined || config.github === undefined) {
    return {
      ok: false,
      message: 'greenlight.yml names no workflow for rollbacks (`rollback.workflow` or `github.workflow`).',
    };
  }
  const inputs = workflowInputs(
    { ...(config.rollback?.inputs ?? {}), service: request.service, rollback_version: request.version },
    { environment: request.env, ref: request.version, greenlightId: request.greenlightId },
  );
  if (!inputs.ok) return { ok: false, message: `The rollback workflow's inputs: ${inputs.message}` };
  return {
    ok: true,
    plan: {
      env: request.env,
      ref: request.version,
      greenlightId: request.greenlightId,
      phases: [
        {
          id: 'rollback',
          title: `Roll back ${request.service} to ${request.version}`.slice(0, 75),
          workflow,
          ...(repository ? { repository } : {}),
          dispatchRef: config.github.ref,
          inputs: inputs.inputs,
          ...(service.health.length > 0 ? { health: true, verifyAfterRun: true } : {}),
          services: [request.service],
        },
      ],
      skippedPhases: [],
      approvalsAtStart: 0,
      approvers: [],
      services: [request.service],
      ...(mainRepository(config) ? { repository: mainRepository(config) } : {}),
    },
  };
}
