import { parse, stringify } from 'yaml';

/** One `on.workflow_dispatch.inputs` entry, as GitHub reads it from the workflow file. */
export interface WorkflowInput {
  description?: string;
  required?: boolean;
  default?: string | boolean | number;
  type?: 'string' | 'boolean' | 'choice' | 'number' | 'environment';
  options?: string[];
}

/** What the simulator knows of a workflow: parsed from its YAML, which the contents API serves unchanged. */
export interface WorkflowFile {
  /** `.github/workflows/<file>`. */
  path: string;
  /** The file name, which the REST API accepts in place of the workflow id. */
  file: string;
  name: string;
  runName?: string;
  /** False when `on` has no `workflow_dispatch`: GitHub refuses to dispatch it. */
  dispatchable: boolean;
  inputs: Record<string, WorkflowInput>;
  /** Its jobs' names (a job's `name`, else its id): each run reports one check run per job on its commit. */
  jobs: string[];
  yaml: string;
}

/** A workflow declared by its parts; rendered to YAML so the contents API serves a real file. */
export interface WorkflowSpec {
  file: string;
  name?: string;
  runName?: string;
  inputs?: Record<string, WorkflowInput>;
}

/**
 * greenlight's documented `run-name` (README, GitHub setup): the run's title carries `greenlight_id`, so a run can
 * be recognised on servers that do not return run details.
 */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JS template
export const GREENLIGHT_RUN_NAME = 'deploy ${{ inputs.deployment_phase }} ${{ inputs.greenlight_id }}';

/** Every input greenlight can send: a phase's own, the three it adds, a canary's and a rollback's. */
export const GREENLIGHT_INPUTS: Record<string, WorkflowInput> = {
  deployment_phase: { required: true, type: 'string' },
  environment: { required: true, type: 'string' },
  ref: { required: true, type: 'string' },
  greenlight_id: { required: true, type: 'string' },
  traffic_percentage: { required: false, type: 'string' },
  service: { required: false, type: 'string' },
  rollback_version: { required: false, type: 'string' },
};

/** A workflow that accepts everything greenlight sends, titled as greenlight's README says. */
export function greenlightWorkflow(file: string, name = file.replace(/\.ya?ml$/, '')): WorkflowSpec {
  return { file, name, runName: GREENLIGHT_RUN_NAME, inputs: GREENLIGHT_INPUTS };
}

export function workflowYaml(spec: WorkflowSpec): string {
  const document: Record<string, unknown> = { name: spec.name ?? spec.file };
  if (spec.runName !== undefined) document['run-name'] = spec.runName;
  document.on = { workflow_dispatch: spec.inputs ? { inputs: spec.inputs } : null };
  document.jobs = { deploy: { 'runs-on': 'ubuntu-latest', steps: [{ run: 'echo deploying' }] } };
  return stringify(document);
}

/** Reads a workflow file as GitHub does for a dispatch: its name, run-name and dispatch inputs. */
export function parseWorkflow(file: string, yaml: string): WorkflowFile {
  const document = parse(yaml) as Record<string, unknown> | null;
  if (document === null || typeof document !== 'object') throw new Error(`${file}: not a workflow`);
  const on = document.on;
  let dispatch: unknown;
  let dispatchable = false;
  if (typeof on === 'string') dispatchable = on === 'workflow_dispatch';
  else if (Array.isArray(on)) dispatchable = on.includes('workflow_dispatch');
  else if (on !== null && typeof on === 'object' && 'workflow_dispatch' in on) {
    dispatchable = true;
    dispatch = (on as Record<string, unknown>).workflow_dispatch;
  }
  const declared =
    dispatch !== null && typeof dispatch === 'object' ? (dispatch as { inputs?: unknown }).inputs : undefined;
  const inputs: Record<string, WorkflowInput> = {};
  if (declared !== null && typeof declared === 'object')
    for (const [name, input] of Object.entries(declared as Record<string, unknown>))
      inputs[name] = input !== null && typeof input === 'object' ? (input as WorkflowInput) : {};
  const jobs =
    document.jobs !== null && typeof document.jobs === 'object'
      ? Object.entries(document.jobs as Record<string, unknown>).map(([id, job]) => {
          const name = job !== null && typeof job === 'object' ? (job as { name?: unknown }).name : undefined;
          return typeof name === 'string' ? name : id;
        })
      : [];
  return {
    path: `.github/workflows/${file}`,
    file,
    name: typeof document.name === 'string' ? document.name : `.github/workflows/${file}`,
    ...(typeof document['run-name'] === 'string' ? { runName: document['run-name'] } : {}),
    dispatchable,
    inputs,
    jobs,
    yaml,
  };
}

/**
 * A run's title from the workflow's `run-name`, as GitHub evaluates it for a dispatch: `inputs.X` and
 * `github.event.inputs.X` (with the workflow's defaults), `github.ref_name`, `github.actor`; anything else is
 * empty. Without `run-name` a dispatched run is titled with the workflow's name.
 */
export function runTitle(
  workflow: WorkflowFile,
  context: { inputs: Record<string, string>; refName: string; actor: string },
): string {
  if (workflow.runName === undefined) return workflow.name;
  return workflow.runName.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expression: string) => {
    const input = /^(?:github\.event\.)?inputs\.([A-Za-z_][\w-]*)$/.exec(expression);
    if (input?.[1] !== undefined) return context.inputs[input[1]] ?? '';
    if (expression === 'github.ref_name') return context.refName;
    if (expression === 'github.actor' || expression === 'github.triggering_actor') return context.actor;
    return '';
  });
}

export type InputProblem =
  | { kind: 'unexpected'; names: string[] }
  | { kind: 'missing'; name: string }
  | { kind: 'invalid'; name: string; value: string; why: string };

/**
 * The inputs a dispatch would run with (declared defaults filled in), or what GitHub refuses, in the order GitHub
 * checks: undeclared inputs first, then required ones missing, then values a `choice` or `boolean` cannot take.
 * Names are compared case-insensitively, as GitHub does.
 */
export function resolveInputs(
  workflow: WorkflowFile,
  given: Record<string, unknown>,
): { ok: true; inputs: Record<string, string> } | { ok: false; problem: InputProblem } {
  const declared = new Map(Object.keys(workflow.inputs).map((name) => [name.toLowerCase(), name]));
  const unexpected = Object.keys(given).filter((name) => !declared.has(name.toLowerCase()));
  if (unexpected.length > 0) return { ok: false, problem: { kind: 'unexpected', names: unexpected } };
  const values = new Map(Object.entries(given).map(([name, value]) => [name.toLowerCase(), String(value)]));
  const inputs: Record<string, string> = {};
  for (const [name, input] of Object.entries(workflow.inputs)) {
    const value =
      values.get(name.toLowerCase()) ?? (input.default === undefined ? undefined : String(input.default));
    if (value === undefined) {
      if (input.required) return { ok: false, problem: { kind: 'missing', name } };
      continue;
    }
    if (input.type === 'choice' && input.options && !input.options.includes(value))
      return {
        ok: false,
        problem: { kind: 'invalid', name, value, why: 'not in the list of allowed values' },
      };
    if (input.type === 'boolean' && value !== 'true' && value !== 'false')
      return { ok: false, problem: { kind: 'invalid', name, value, why: 'is not a valid boolean' } };
    if (input.type === 'number' && Number.isNaN(Number(value)))
      return { ok: false, problem: { kind: 'invalid', name, value, why: 'is not a valid number' } };
    inputs[name] = value;
  }
  return { ok: true, inputs };
}
