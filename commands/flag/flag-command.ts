import type { FlagService } from '../../src/services/flag-service.js';
import { flagChangedReply, flagListReply, flagStatusReply } from '../../views/flag-views.js';
import { problemReply } from '../../views/format.js';
import type { Deliveries, Reply } from '../ports.js';
import { slashCommand } from '../slash-command.js';
import { FLAG_USAGE } from './flag-usage.js';
import { parseFlagArgs } from './parse-flag-args.js';

export interface FlagCommandDeps {
  flags: FlagService;
  reply: Reply;
  deliveries: Deliveries;
}

/** `/flag`: parse (pure), ack within Slack's 3 s, then do the work and answer privately through response_url. */
export function flagCommand(deps: FlagCommandDeps) {
  return slashCommand({
    parse: parseFlagArgs,
    usage: FLAG_USAGE,
    reply: deps.reply,
    deliveries: deps.deliveries,
    changes: (action) => action.kind === 'set',
    answersInAck: (action) => action.kind !== 'set',
    async run(action, { user, input, reply }) {
      switch (action.kind) {
        case 'list':
          return reply(flagListReply(await deps.flags.list()));
        case 'status': {
          const outcome = await deps.flags.status(action.name);
          return reply(outcome.ok ? flagStatusReply(outcome.flag) : problemReply(outcome.message));
        }
        case 'set': {
          const outcome = await deps.flags.change({
            actor: { id: user, name: input.user_name },
            name: action.name,
            enabled: action.enabled,
            reason: action.reason,
            create: action.create,
            ...(action.forMs === undefined ? {} : { forMs: action.forMs, forText: action.forText }),
          });
          return reply(
            outcome.ok
              ? flagChangedReply(outcome.notice, outcome.announceError)
              : problemReply(outcome.message),
          );
        }
      }
    },
  });
}
