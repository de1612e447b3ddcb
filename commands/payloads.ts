import { z } from 'zod';

/** The fields of Slack's payloads that greenlight reads; parsed at the edge, trusted inside. */

/** A response_url: Slack's https URL (the simulators' http one). Checked by prefix, not parsed, on every request. */
const responseUrl = z.string().regex(/^https?:\/\/\S+$/);

/** Slack's trigger_id: what a re-delivery and a replay share, and nothing else does. */
const triggerId = z.string().min(1).max(200);

/** A slash command. */
export const slashCommandSchema = z.object({
  command: z.string(),
  text: z.string().default(''),
  user_id: z.string().min(1),
  user_name: z.string().default(''),
  channel_id: z.string().default(''),
  team_id: z.string().default(''),
  response_url: responseUrl.optional(),
  trigger_id: triggerId.optional(),
});

export type SlashCommandInput = z.infer<typeof slashCommandSchema>;

/** A click on a button greenlight rendered; every button carries what it acts on in its `value`. */
export const buttonClickSchema = z.object({
  user: z.object({ id: z.string().min(1) }),
  trigger_id: triggerId,
  response_url: responseUrl.optional(),
  actions: z
    .array(z.object({ action_id: z.string(), block_id: z.string().optional(), value: z.string().min(1) }))
    .min(1),
});

export type ButtonClick = z.infer<typeof buttonClickSchema>;

/** A modal submitted; `private_metadata` says what it is about. */
export const viewSubmissionSchema = z.object({
  user: z.object({ id: z.string().min(1) }),
  trigger_id: triggerId,
  view: z.object({
    private_metadata: z.string().min(1),
    state: z.object({
      values: z.record(z.string(), z.record(z.string(), z.object({ value: z.string().nullish() }))),
    }),
  }),
});

export type ViewSubmission = z.infer<typeof viewSubmissionSchema>;

/** The value of the button clicked. */
export function clickedValue(click: ButtonClick): string {
  return click.actions[0]?.value ?? '';
}

/** The block_id of the button clicked ('' when Slack sent none). */
export function clickedBlock(click: ButtonClick): string {
  return click.actions[0]?.block_id ?? '';
}

/** What the user typed into a modal's text input, trimmed; empty when nothing. */
export function inputOf(submission: ViewSubmission, block: string, input: string): string {
  return submission.view.state.values[block]?.[input]?.value?.trim() ?? '';
}
