import { z } from 'zod';

/** The fields of Slack's payloads that greenlight reads; parsed at the edge, trusted inside. */

/** A slash command. */
export const slashCommandSchema = z.object({
  command: z.string(),
  text: z.string().default(''),
  user_id: z.string().min(1),
  user_name: z.string().default(''),
  channel_id: z.string().default(''),
  team_id: z.string().default(''),
  response_url: z.url().optional(),
  trigger_id: z.string().optional(),
});

export type SlashCommandInput = z.infer<typeof slashCommandSchema>;

/** A click on a button greenlight rendered; every button carries what it acts on in its `value`. */
export const buttonClickSchema = z.object({
  user: z.object({ id: z.string() }),
  trigger_id: z.string(),
  response_url: z.url().optional(),
  actions: z.array(z.object({ value: z.string().min(1) })).min(1),
});

export type ButtonClick = z.infer<typeof buttonClickSchema>;

/** A modal submitted; `private_metadata` says what it is about. */
export const viewSubmissionSchema = z.object({
  user: z.object({ id: z.string() }),
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

/** What the user typed into a modal's text input, trimmed; empty when nothing. */
export function inputOf(submission: ViewSubmission, block: string, input: string): string {
  return submission.view.state.values[block]?.[input]?.value?.trim() ?? '';
}
