import { z } from 'zod';

/** The fields of Slack's slash command payload that greenlight reads; parsed at the edge, trusted inside. */
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
