import type { DeployRecord } from '../deploy/deploy-record.js';
import { type DeploymentPlan, mainRepository, type PlanConfig, planDeployment } from '../deploy/plan.js';
import { planRollback, type RollbackPlanConfig, serviceRollbackTarget } from '../deploy/rollback-plan.js';
import { rolloutRollbackRuns } from '../deploy/rollout-rollback.js';
import {
  CANARY_INPUT,
  GREENLIGHT_INPUTS,
  type Repository,
  type RollbackWorkflow,
  repositoryName,
  rollbackDispatch,
} from '../deploy/workflow-inputs.js';

/** One kind of `workflow_dispatch` greenlight makes, as far as the workflow's declared inputs are concerned. */
export interface WorkflowDispatch {
  /** The repository it is sent to, `owner/name` (`github.repo` unless a service names its own). */
  repository: string;
  workflow: string;
  /** Who sends it, for sentences: "phase `validation`", "/rollback", "an automatic rollback". */
  sender: string;
  /** Where greenlight.yml sets this dispatch's own inputs: "the `inputs` of phase `validation`", "`rollback.inputs`". */
  inputsAt: string;
  /** The inputs greenlight.yml sets (the rest greenlight adds). */
  configured: string[];
  /** Inputs sent every time. */
  always: string[];
  /** Inputs sent only some of the time, with when. */
  sometimes: { name: string; when: string }[];
  /** The values an input can take that are known before any deployment (its own inputs, the environment names). */
  values: Record<string, string[]>;
}

export type DispatchesConfig = PlanConfig &
  RollbackPlanConfig & { github?: { owner?: string; repo?: string; workflow: string; ref: string } };

const PLACEHOLDER_ID = 'preflight';

/**
 * Every dispatch greenlight can make under this config, with the inputs it sends: each phase (canary phases add
 * `traffic_percentage`), `/rollback`, and the automatic rollback of an analysed rollout. Built from the same domain
 * functions the deploy path uses (`planDeployment`, `planRollback`, `workflowInputs`), so it cannot drift from what
 * is dispatched. A config the planner refuses yields no dispatches: the config loader reports that.
 */
export function workflowDispatches(config: DispatchesConfig): WorkflowDispatch[] {
  const environments = Object.keys(config.environments);
  const [env] = environments;
  if (config.github === undefined || env === undefined) return [];
  const main = nameOf(mainRepository(config));
  const dispatches: WorkflowDispatch[] = [];
  const plan = planDeployment(config, { env, greenlightId: PLACEHOLDER_ID });
  if (plan.ok) {
    for (const phase of plan.plan.phases) {
      if (phase.workflow === undefined) continue;
      const own = Object.keys(phase.inputs).filter((name) => !isGreenlightInput(name));
      dispatches.push({
        repository: phase.repository ? repositoryName(phase.repository) : main,
        workflow: phase.workflow,
        sender: `${phase.canarySteps ? 'canary phase' : 'phase'} \`${phase.id}\``,
        inputsAt: `the \`inputs\` of phase \`${phase.id}\``,
        configured: own,
        always: [...own, ...GREENLIGHT_INPUTS, ...(phase.canarySteps ? [CANARY_INPUT] : [])],
        sometimes: [],
        values: {
          ...Object.fromEntries(own.map((name) => [name, [phase.inputs[name] ?? '']])),
          environment: environments,
        },
      });
    }
  }
  if (plan.ok && plan.plan.analysis !== undefined)
    dispatches.push(...automaticRollbacks(config, plan.plan, environments));
  // One /rollback per repository and workflow the services roll back with, sending each of their names.
  const targets = new Map<string, string[]>();
  for (const [service, settings] of Object.entries(config.services)) {
    const target = serviceRollbackTarget(config, settings);
    const key = `${nameOf(target.repository)}|${target.workflow ?? ''}`;
    targets.set(key, [...(targets.get(key) ?? []), service]);
  }
  for (const services of targets.values()) {
    const [service] = services;
    if (service === undefined) continue;
    const rollback = planRollback(config, { service, env, version: 'v', greenlightId: PLACEHOLDER_ID });
    const phase = rollback.ok ? rollback.plan.phases[0] : undefined;
    if (phase?.workflow !== undefined) {
      const own = Object.keys(config.rollback?.inputs ?? {});
      dispatches.push({
        repository: phase.repository ? repositoryName(phase.repository) : main,
        workflow: phase.workflow,
        sender: '/rollback',
        inputsAt: '`rollback.inputs`',
        configured: own,
        always: Object.keys(phase.inputs),
        sometimes: [],
        values: {
          ...Object.fromEntries(own.map((name) => [name, [phase.inputs[name] ?? '']])),
          environment: environments,
          service: services,
        },
      });
    }
  }
  return dispatches;
}

/**
 * The rollbacks an analysed rollout dispatches when a threshold trips (or Roll back is pressed), one per repository
 * (and rollback workflow) a rollout that deployed every phase rolls back in: `rollback.inputs`, greenlight's own,
 * and `rollback_version` when an earlier successful deployment is on record; built by `rolloutRollbackRuns` and
 * `rollbackDispatch`, as the dispatcher builds them.
 */
function automaticRollbacks(
  config: DispatchesConfig,
  plan: DeploymentPlan,
  environments: string[],
): WorkflowDispatch[] {
  const workflow = config.rollback?.workflow ?? config.github?.workflow;
  if (workflow === undefined || config.github === undefined) return [];
  const own = config.rollback?.inputs ?? {};
  const rollback: RollbackWorkflow = {
    workflow,
    ref: config.github.ref,
    inputs: own,
    ...(mainRepository(config) ? { repository: mainRepository(config) } : {}),
    services: Object.fromEntries(
      Object.entries(config.services).map(([name, service]) => [
        name,
        serviceRollbackTarget(config, service),
      ]),
    ),
  };
  // Every phase deployed: each repository a rollout can roll back in.
  const deployed = {
    plan,
    state: { phases: plan.phases.map((phase) => ({ id: phase.id, runs: [{}] })) },
  } as unknown as Pick<DeployRecord, 'plan' | 'state'>;
  return rolloutRollbackRuns(deployed, rollback).flatMap((run) => {
    const built = rollbackDispatch(rollback, { id: PLACEHOLDER_ID, env: '', ref: '' }, run);
    if (!built.ok) return [];
    const { dispatch } = built;
    return [
      {
        repository: dispatch.repository
          ? repositoryName(dispatch.repository)
          : nameOf(mainRepository(config)),
        workflow: dispatch.workflow,
        sender: 'an automatic rollback',
        inputsAt: '`rollback.inputs`',
        configured: Object.keys(own),
        always: Object.keys(dispatch.inputs),
        sometimes: [
          { name: 'rollback_version', when: 'only when an earlier successful deployment is on record' },
        ],
        values: {
          ...Object.fromEntries(Object.keys(own).map((name) => [name, [dispatch.inputs[name] ?? '']])),
          environment: environments,
        },
      },
    ];
  });
}

function nameOf(repository: Repository | undefined): string {
  return repository ? repositoryName(repository) : '';
}

function isGreenlightInput(name: string): boolean {
  return (GREENLIGHT_INPUTS as readonly string[]).includes(name);
}
