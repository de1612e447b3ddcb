import { noticeReply, problemReply, type SlackMessage, usageReply } from '../views/format.js';
import type { ParseResult } from './args.js';
import { type SlashCommandInput, slashCommandSchema } from './payloads.js';
import type { Deliveries, Reply } from './ports.js';

type Help = { kind: 'help' };

export interface SlashCommand<C extends { kind: string }> {
  /** The command's text to a command (pure). */
  parse(text: string): ParseResult<C>;
  /** What `help` answers. */
  usage: string;
  /** Answers through the command's response_url. */
  reply: Reply;
  /** Which deliveries are the first: a command that changes something runs once per trigger_id. */
  deliveries: Deliveries;
  /** Whether the command changes anything (a read is answered again on a re-delivery, a change never made twice). */
  changes(command: Exclude<C, Help>): boolean;
  /**
   * Whether the command is a read of greenlight's own Redis only, answered in the ack itself when it answers within
   * `ANSWER_IN_ACK_MS` (otherwise the ack goes at that deadline and the answer through response_url).
   */
  answersInAck?(command: Exclude<C, Help>): boolean;
  /** The work after the ack, for `user`; `reply` answers them privately. */
  run(
    command: Exclude<C, Help>,
    context: { user: string; input: SlashCommandInput; reply(message: SlackMessage): Promise<void> },
  ): Promise<void>;
}

/** What a re-delivered or replayed command that changes something is told instead of doing it again. */
export const ALREADY_DONE =
  'Slack delivered this command again; it was carried out once, when it first arrived, and not repeated.';

const UNREADABLE_COMMAND =
  'That command could not be read (it does not say who ran it), so nothing was done.';

/**
 * The opening every slash command shares: the payload parsed at the edge and the text parsed (pure); help and input
 * problems answered in the ack itself, so a typo costs no round trip; a quick read of Redis answered in the ack too
 * (`answersInAck`); otherwise the ack within Slack's 3 s, then a command that changes something claims its
 * trigger_id (a re-delivery or replay is told it was done once), then the work, answering privately through
 * response_url.
 */
export function slashCommand<C extends { kind: string }>(command: SlashCommand<C>) {
  return async ({
    command: payload,
    ack,
  }: {
    command: unknown;
    ack: (response?: Record<string, unknown>) => Promise<void>;
  }): Promise<void> => {
    const read = slashCommandSchema.safeParse(payload);
    if (!read.success) {
      await ack({ response_type: 'ephemeral', ...problemReply(UNREADABLE_COMMAND) });
      return;
    }
    const input = read.data;
    const parsed = command.parse(input.text);
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', ...problemReply(parsed.error, parsed.usage) });
      return;
    }
    if (parsed.value.kind === 'help') {
      await ack({ response_type: 'ephemeral', ...usageReply(command.usage) });
      return;
    }
    const action = parsed.value as Exclude<C, Help>;
    const responseUrl = input.response_url;
    if (command.answersInAck?.(action)) return answerInAck(command, action, input, ack);
    await ack();
    if (!responseUrl) throw new Error('slash command without response_url');
    const reply = (message: SlackMessage) => command.reply(responseUrl, message);
    // Without a trigger_id (never from Slack) the response_url, as unique to one invocation, is the key.
    if (command.changes(action) && !(await command.deliveries.first(input.trigger_id ?? responseUrl)))
      return reply(noticeReply(ALREADY_DONE));
    await command.run(action, { user: input.user_id, input, reply });
  };
}

/**
 * How long a quick read may hold the ack for its answer. Redis answers in well under a millisecond and commands fail
 * at once while it is down (no offline queue), so this only bounds a Redis that is up but stalled: far inside
 * Slack's 3 s, and the answer then still comes, through response_url.
 */
export const ANSWER_IN_ACK_MS = 250;

/**
 * A quick read answered in the ack: the user sees it with the command, Slack makes no second request, and the
 * response_url is left unused. The ack goes at once, empty, if the read fails or misses the deadline; what it
 * answers after that goes through response_url, and a failure to the error sink as any command's does.
 */
async function answerInAck<C extends { kind: string }>(
  command: SlashCommand<C>,
  action: Exclude<C, Help>,
  input: SlashCommandInput,
  ack: (response?: Record<string, unknown>) => Promise<void>,
): Promise<void> {
  let acked: Promise<void> | undefined;
  const ackOnce = (message?: SlackMessage): boolean => {
    if (acked) return false;
    acked = ack(message ? { response_type: 'ephemeral', ...message } : undefined);
    // Awaited (and its failure raised) in `finally`; the deadline's ack must not be an unhandled rejection meanwhile.
    acked.catch(() => undefined);
    return true;
  };
  const deadline = setTimeout(() => ackOnce(), ANSWER_IN_ACK_MS);
  const reply = async (message: SlackMessage): Promise<void> => {
    if (ackOnce(message)) return acked;
    if (!input.response_url) throw new Error('slash command without response_url');
    return command.reply(input.response_url, message);
  };
  try {
    await command.run(action, { user: input.user_id, input, reply });
  } finally {
    clearTimeout(deadline);
    ackOnce();
    await acked;
  }
}
