import type { DeploymentPlan, PlannedPhase } from './plan.js';

/**
 * GitHub Enterprise Server accepts at most 10 `workflow_dispatch` inputs (github.com allows 25); greenlight keeps
 * to the smaller limit so a config that works on one works on both.
 */
export const MAX_WORKFLOW_INPUTS = 10;

/** The inputs greenlight adds to every phase; a phase may not set them itself. */
export const GREENLIGHT_INPUTS = ['environment', 'ref', 'greenlight_id'] as const;

/** Added per canary step with the step's percentage, so it counts towards a canary phase's inputs. */
export const CANARY_INPUT = 'traffic_percentage';

/** What GitHub accepts as an input id: a letter or `_`, then letters, digits, `-` or `_`. */
const INPUT_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export type WorkflowInputValue = string | number | boolean;

export type WorkflowInputsResult =
  | { ok: true; inputs: Record<string, string> }
  | { ok: false; reason: 'too_many_inputs' | 'input_name_clash' | 'invalid_input_name'; message: string };

/**
 * The inputs of one phase's `workflow_dispatch`: the phase's own, then `environment`, `ref` and the
 * `greenlight_id` that lets greenlight find the run. Pure, so the config loader can reject a phase that would
 * break the limit before anything is deployed. Values are sent as strings, which every input type accepts.
 * Names are compared case-insensitively because workflow expressions read `inputs.*` that way.
 */
export function workflowInputs(
  phaseInputs: Readonly<Record<string, WorkflowInputValue>>,
  added: { environment: string; ref: string; greenlightId: string },
): WorkflowInputsResult {
  const seen = new Map<string, string>();
  for (const name of GREENLIGHT_INPUTS) seen.set(name, name);
  for (const name of Object.keys(phaseInputs)) {
    if (!INPUT_NAME.test(name))
      return {
        ok: false,
        reason: 'invalid_input_name',
        message: `Input \`${name}\` is not a valid workflow input name: start with a letter or _, then use letters, digits, - or _.`,
      };
    const clash = seen.get(name.toLowerCase());
    if (clash !== undefined)
      return {
        ok: false,
        reason: 'input_name_clash',
        message: (GREENLIGHT_INPUTS as readonly string[]).includes(clash)
          ? `Input \`${name}\` is set by greenlight itself (${GREENLIGHT_INPUTS.join(', ')}); remove it from the phase's inputs.`
          : `Inputs \`${clash}\` and \`${name}\` differ only in case, and GitHub treats them as one; rename one.`,
      };
    seen.set(name.toLowerCase(), name);
  }
  if (seen.size > MAX_WORKFLOW_INPUTS)
    return {
      ok: false,
      reason: 'too_many_inputs',
      message: `This phase would send ${seen.size} workflow inputs (${seen.size - GREENLIGHT_INPUTS.length} of its own plus ${GREENLIGHT_INPUTS.join(', ')}), but GitHub accepts at most ${MAX_WORKFLOW_INPUTS}; drop ${seen.size - MAX_WORKFLOW_INPUTS}.`,
    };
  const inputs: Record<string, string> = {};
  for (const [name, value] of Object.entries(phaseInputs)) inputs[name] = String(value);
  inputs.environment = added.environment;
  inputs.ref = added.ref;
  inputs.greenlight_id = added.greenlightId;
  return { ok: true, inputs };
}

/** A GitHub repository greenlight dispatches to. */
export interface Repository {
  owner: string;
  repo: string;
}

/** `owner/name`, as GitHub and greenlight.yml write a repository. */
export function repositoryName(repository: Repository): string {
  return `${repository.owner}/${repository.repo}`;
}

/** `owner/name` read into its halves; undefined for anything else. */
export function parseRepository(text: string): Repository | undefined {
  const match = /^([A-Za-z0-9][A-Za-z0-9-]*)\/([A-Za-z0-9._-]+)$/.exec(text);
  return match?.[1] && match[2] ? { owner: match[1], repo: match[2] } : undefined;
}

/** One `workflow_dispatch`, exactly as it is sent. */
export interface WorkflowDispatch {
  /**
   * The repository it is sent to; absent only in the plans of deployments started before greenlight named one, which
   * go to `github.owner`/`github.repo`.
   */
  repository?: Repository;
  workflow: string;
  /** The git ref the workflow runs at. */
  ref: string;
  /** The `greenlight_id` input, by which the run is found again: `<deployment>-<phase>-<step>`, `<deployment>-rollback`. */
  correlationId: string;
  /** Every input, every value a string, in the order sent. */
  inputs: Record<string, string>;
  /** The canary step's traffic percentage (also the `traffic_percentage` input). */
  percentage?: number;
}

/**
 * Every dispatch of a planned phase, in order: one per canary step, else one; none for a monitoring-only phase.
 * The one place a phase's inputs become a request: the orchestrator sends these, and `--dry-run` shows them.
 */
export function phaseDispatches(plan: DeploymentPlan, phase: PlannedPhase): WorkflowDispatch[] {
  const steps = phase.canarySteps ?? [undefined];
  return steps.flatMap((_, step) => phaseDispatch(plan, phase, step) ?? []);
}

/** The dispatch of one step of a planned phase (step 0 for a phase without canary steps). */
export function phaseDispatch(
  plan: DeploymentPlan,
  phase: PlannedPhase,
  step: number,
): WorkflowDispatch | undefined {
  if (phase.workflow === undefined) return undefined;
  const correlationId = `${plan.greenlightId}-${phase.id}-${step}`;
  const percentage = phase.canarySteps?.[step];
  return {
    ...(phase.repository ? { repository: phase.repository } : {}),
    workflow: phase.workflow,
    ref: phase.dispatchRef ?? plan.ref,
    correlationId,
    // The plan's inputs were checked by `workflowInputs` with the step's percentage counted; only the ids differ.
    inputs: {
      ...phase.inputs,
      greenlight_id: correlationId,
      ...(percentage === undefined ? {} : { [CANARY_INPUT]: String(percentage) }),
    },
    ...(percentage === undefined ? {} : { percentage }),
  };
}

/** greenlight.yml's `rollback`, with the workflow and the ref to dispatch it at resolved. */
export interface RollbackWorkflow {
  /** Where the rollback of phases without services is dispatched: `github.repo`. */
  repository?: Repository;
  workflow: string;
  ref: string;
  inputs: Readonly<Record<string, WorkflowInputValue>>;
  /**
   * Where each service rolls back, as `/rollback <service>` does (see `serviceRollbackTarget`): a rollout rolling
   * itself back dispatches there for the services it deployed. A service left out rolls back with the above.
   */
  services?: Readonly<Record<string, { repository?: Repository; workflow?: string }>>;
}

/**
 * One rollback run of a rollout that went wrong: greenlight.yml's rollback inputs, `rollback_version` when the
 * registry knows the version to go back to, then the deployment's environment, ref and the run's correlation id
 * (`<deployment>-rollback` unless `target` names another), in `target`'s repository with its workflow (by default
 * `rollback`'s).
 */
export function rollbackDispatch(
  rollback: RollbackWorkflow,
  deployment: { id: string; env: string; ref: string; version?: string },
  target: { correlationId?: string; repository?: Repository; workflow?: string } = {},
): { ok: true; dispatch: WorkflowDispatch } | Extract<WorkflowInputsResult, { ok: false }> {
  const correlationId = target.correlationId ?? `${deployment.id}-rollback`;
  const inputs = workflowInputs(
    {
      ...rollback.inputs,
      ...(deployment.version === undefined ? {} : { rollback_version: deployment.version }),
    },
    { environment: deployment.env, ref: deployment.ref, greenlightId: correlationId },
  );
  if (!inputs.ok) return inputs;
  const repository = target.repository ?? rollback.repository;
  return {
    ok: true,
    dispatch: {
      ...(repository ? { repository } : {}),
      workflow: target.workflow ?? rollback.workflow,
      ref: rollback.ref,
      correlationId,
      inputs: inputs.inputs,
    },
  };
}
