import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Reply } from '../../src/adapters/slack/response-url.js';
import type { FlagService } from '../../src/services/flag-service.js';
import {
  flagChangedReply,
  flagListReply,
  flagStatusReply,
  problemReply,
  usageReply,
} from '../../views/flag-views.js';
import type { SlackMessage } from '../../views/format.js';
import { slashCommandSchema } from '../slash-command.js';
import { FLAG_USAGE } from './flag-usage.js';
import { parseFlagArgs } from './parse-flag-args.js';

export interface FlagCommandDeps {
  flags: FlagService;
  reply: Reply;
}

/**
 * `/flag`: parse (pure), ack within Slack's 3 s, then do the work and answer privately through response_url.
 * Help and input problems go back in the ack itself, so a typo costs no round trip.
 */
export function flagCommand(deps: FlagCommandDeps) {
  return async ({ command, ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const input = slashCommandSchema.parse(command);
    const parsed = parseFlagArgs(input.text);
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', ...problemReply(parsed.error, parsed.usage) });
      return;
    }
    if (parsed.value.kind === 'help') {
      await ack({ response_type: 'ephemeral', ...usageReply(FLAG_USAGE) });
      return;
    }
    await ack();
    const responseUrl = input.response_url;
    if (!responseUrl) throw new Error('slash command without response_url');
    const reply = (message: SlackMessage) => deps.reply(responseUrl, message);

    const action = parsed.value;
    switch (action.kind) {
      case 'list':
        await reply(flagListReply(await deps.flags.list()));
        return;
      case 'status': {
        const outcome = await deps.flags.status(action.name);
        await reply(outcome.ok ? flagStatusReply(outcome.flag) : problemReply(outcome.message));
        return;
      }
      case 'set': {
        const outcome = await deps.flags.change({
          actor: { id: input.user_id, name: input.user_name },
          name: action.name,
          enabled: action.enabled,
          reason: action.reason,
          create: action.create,
          ...(action.forMs === undefined ? {} : { forMs: action.forMs, forText: action.forText }),
        });
        await reply(
          outcome.ok
            ? flagChangedReply(outcome.notice, outcome.announceError)
            : problemReply(outcome.message),
        );
        return;
      }
    }
  };
}
