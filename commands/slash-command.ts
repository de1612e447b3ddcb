import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { problemReply, type SlackMessage, usageReply } from '../views/format.js';
import type { ParseResult } from './args.js';
import { type SlashCommandInput, slashCommandSchema } from './payloads.js';
import type { Reply } from './ports.js';

type Help = { kind: 'help' };

export interface SlashCommand<C extends { kind: string }> {
  /** The command's text to a command (pure). */
  parse(text: string): ParseResult<C>;
  /** What `help` answers. */
  usage: string;
  /** Answers through the command's response_url. */
  reply: Reply;
  /** The work after the ack, for `user`; `reply` answers them privately. */
  run(
    command: Exclude<C, Help>,
    context: { user: string; input: SlashCommandInput; reply(message: SlackMessage): Promise<void> },
  ): Promise<void>;
}

/**
 * The opening every slash command shares: the payload parsed at the edge and the text parsed (pure); help and input
 * problems answered in the ack itself, so a typo costs no round trip; otherwise the ack within Slack's 3 s, then the
 * work, answering privately through response_url.
 */
export function slashCommand<C extends { kind: string }>(command: SlashCommand<C>) {
  return async ({ command: payload, ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const input = slashCommandSchema.parse(payload);
    const parsed = command.parse(input.text);
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', ...problemReply(parsed.error, parsed.usage) });
      return;
    }
    if (parsed.value.kind === 'help') {
      await ack({ response_type: 'ephemeral', ...usageReply(command.usage) });
      return;
    }
    await ack();
    const responseUrl = input.response_url;
    if (!responseUrl) throw new Error('slash command without response_url');
    await command.run(parsed.value as Exclude<C, Help>, {
      user: input.user_id,
      input,
      reply: (message) => command.reply(responseUrl, message),
    });
  };
}
