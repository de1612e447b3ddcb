import type { WorkflowDispatch } from './dispatches.js';

/** One input under `on.workflow_dispatch.inputs`, as the workflow file declares it. */
export interface DeclaredInput {
  name: string;
  required: boolean;
  /** A required input with a default is filled in by GitHub when a dispatch leaves it out. */
  hasDefault: boolean;
  type?: string;
  /** The options of a `type: choice` input. */
  options?: string[];
}

/** What a workflow file says about being dispatched: not at all, or with these inputs. */
export type DeclaredDispatch = { dispatchable: false } | { dispatchable: true; inputs: DeclaredInput[] };

/**
 * Why GitHub would refuse (or misread) a dispatch greenlight makes to this workflow, one sentence per problem
 * naming the workflow, the input and the fix; empty when every dispatch fits. GitHub answers 422 to an input the
 * workflow does not declare and to a required input (without a default) left out, so both are checked for every
 * sender; a `choice` or `boolean` input is also checked against the values greenlight knows it will send.
 */
export function workflowInputProblems(
  workflow: string,
  declared: DeclaredDispatch,
  dispatches: readonly WorkflowDispatch[],
): string[] {
  const senders = dispatches.filter((dispatch) => dispatch.workflow === workflow);
  if (senders.length === 0) return [];
  const sent = unique(senders.flatMap((d) => [...d.always, ...d.sometimes.map((s) => s.name)]));
  if (!declared.dispatchable) {
    return [
      `workflow \`${workflow}\` has no \`workflow_dispatch\` trigger, so greenlight cannot start it: add \`workflow_dispatch:\` under \`on:\` with the inputs ${code(sent)}`,
    ];
  }
  const problems: string[] = [];
  const byName = new Map(declared.inputs.map((input) => [input.name, input]));
  const addedByGreenlight = new Set(
    senders.flatMap((d) =>
      [...d.always, ...d.sometimes.map((s) => s.name)].filter((n) => !d.configured.includes(n)),
    ),
  );
  for (const name of sent) {
    if (byName.has(name)) continue;
    const from = senders.filter((d) => sends(d, name));
    const always = senders.every((d) => d.always.includes(name));
    problems.push(
      `workflow \`${workflow}\` does not declare input \`${name}\`, which ${names(from, senders, 'sends', 'send')}: add \`${name}: { required: ${always}, type: string }\` under \`on.workflow_dispatch.inputs\`, or GitHub refuses the dispatch (422 Unexpected inputs provided)`,
    );
  }
  for (const input of declared.inputs) {
    if (!input.required || input.hasDefault) continue;
    const never = senders.filter((d) => !sends(d, input.name));
    const sometimes = senders.flatMap((d) => {
      const when = d.sometimes.find((s) => s.name === input.name)?.when;
      return when ? [{ dispatch: d, when }] : [];
    });
    if (never.length > 0) {
      const fix = addedByGreenlight.has(input.name)
        ? 'make it `required: false`'
        : `add it to ${locations(never, senders)} in greenlight.yml, make it \`required: false\`, or give it a \`default\``;
      problems.push(
        `workflow \`${workflow}\` requires input \`${input.name}\`, which ${names(never, senders, 'does', 'do')} not send: ${fix}`,
      );
    }
    for (const { dispatch, when } of sometimes) {
      problems.push(
        `workflow \`${workflow}\` requires input \`${input.name}\`, which ${dispatch.sender} sends ${when}: make it \`required: false\``,
      );
    }
  }
  for (const input of declared.inputs) {
    for (const dispatch of senders) {
      for (const value of dispatch.values[input.name] ?? []) {
        const problem = valueProblem(workflow, input, value, dispatch.sender);
        if (problem) problems.push(problem);
      }
    }
  }
  return unique(problems);
}

function valueProblem(
  workflow: string,
  input: DeclaredInput,
  value: string,
  sender: string,
): string | undefined {
  if (input.type === 'choice' && input.options && !input.options.includes(value))
    return `workflow \`${workflow}\` input \`${input.name}\` is a choice of ${input.options.join(', ')}, but ${sender} sends "${value}": add "${value}" to its options`;
  if (input.type === 'boolean' && value !== 'true' && value !== 'false')
    return `workflow \`${workflow}\` input \`${input.name}\` is a boolean, but ${sender} sends "${value}": send true or false`;
  return undefined;
}

function sends(dispatch: WorkflowDispatch, name: string): boolean {
  return dispatch.always.includes(name) || dispatch.sometimes.some((s) => s.name === name);
}

/** "phase `a` sends", "phase `a` and /rollback send", "every phase sends" when it is all of them. */
function names(
  some: readonly WorkflowDispatch[],
  all: readonly WorkflowDispatch[],
  singular: string,
  plural: string,
): string {
  const list = groupPhases(some, all, (d) => d.sender, 'every phase');
  return `${and(list)} ${list.length === 1 ? singular : plural}`;
}

/** Where greenlight.yml sets the inputs of these dispatches: "the `inputs` of phase `a`", "every phase's `inputs`". */
function locations(some: readonly WorkflowDispatch[], all: readonly WorkflowDispatch[]): string {
  return and(groupPhases(some, all, (d) => d.inputsAt, "every phase's `inputs`"));
}

function groupPhases(
  some: readonly WorkflowDispatch[],
  all: readonly WorkflowDispatch[],
  word: (dispatch: WorkflowDispatch) => string,
  everyPhase: string,
): string[] {
  const isPhase = (d: WorkflowDispatch) => d.sender.includes('phase');
  const phases = some.filter(isPhase);
  const grouped = phases.length > 1 && phases.length === all.filter(isPhase).length;
  return unique([
    ...(grouped ? [everyPhase] : phases.map(word)),
    ...some.filter((d) => !isPhase(d)).map(word),
  ]);
}

function and(list: readonly string[]): string {
  return list.length <= 1 ? (list[0] ?? '') : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
}

function code(names: readonly string[]): string {
  return names.map((name) => `\`${name}\``).join(', ');
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
