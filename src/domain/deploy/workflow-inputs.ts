/**
 * GitHub Enterprise Server accepts at most 10 `workflow_dispatch` inputs (github.com allows 25); greenlight keeps
 * to the smaller limit so a config that works on one works on both.
 */
export const MAX_WORKFLOW_INPUTS = 10;

/** The inputs greenlight adds to every phase; a phase may not set them itself. */
export const GREENLIGHT_INPUTS = ['environment', 'ref', 'greenlight_id'] as const;

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
