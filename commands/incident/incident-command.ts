import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Reply } from '../../src/adapters/slack/response-url.js';
import type { IncidentOutcome, IncidentService } from '../../src/services/incident-service.js';
import { formatDuration } from '../../views/deploy/deploy-text.js';
import { problemReply, usageReply } from '../../views/flag-views.js';
import type { SlackMessage } from '../../views/format.js';
import {
  incidentChangedReply,
  incidentDeclaredReply,
  incidentListReply,
} from '../../views/incident-views.js';
import { slashCommandSchema } from '../slash-command.js';
import { INCIDENT_USAGE } from './incident-usage.js';
import { parseIncidentArgs } from './parse-incident-args.js';

export interface IncidentCommandDeps {
  incidents: IncidentService;
  reply: Reply;
  now?: () => number;
}

/**
 * `/incident`: parse (pure), ack within Slack's 3 s (help and typos are answered in the ack), then declare, update,
 * resolve, escalate or list, and answer privately through response_url. The card in the incident channel is what
 * everyone else sees.
 */
export function incidentCommand(deps: IncidentCommandDeps) {
  const now = deps.now ?? Date.now;
  return async ({ command, ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const input = slashCommandSchema.parse(command);
    const parsed = parseIncidentArgs(input.text);
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', ...problemReply(parsed.error, parsed.usage) });
      return;
    }
    if (parsed.value.kind === 'help') {
      await ack({ response_type: 'ephemeral', ...usageReply(INCIDENT_USAGE) });
      return;
    }
    await ack();
    const responseUrl = input.response_url;
    if (!responseUrl) throw new Error('slash command without response_url');
    const reply = (message: SlackMessage) => deps.reply(responseUrl, message);
    const user = input.user_id;
    const action = parsed.value;
    const { incidents } = deps;
    switch (action.kind) {
      case 'declare': {
        const outcome = await incidents.declare({
          by: user,
          severity: action.severity,
          title: action.title,
          ...(action.env ? { env: action.env } : {}),
        });
        return void (await reply(
          outcome.ok
            ? incidentDeclaredReply(outcome.incident, {
                warnings: outcome.warnings,
                ...(outcome.card ? { cardChannel: outcome.card.channel } : {}),
              })
            : problemReply(outcome.message),
        ));
      }
      case 'update':
        return void (await reply(
          answer(
            await incidents.update(action.id, user, action.text),
            (s) => `📝 Added to \`${s.id}\`'s timeline.`,
          ),
        ));
      case 'resolve':
        return void (await reply(
          answer(
            await incidents.resolve(action.id, user, action.summary),
            (s) =>
              `✅ \`${s.id}\` resolved after ${formatDuration((s.resolvedAt ?? s.declaredAt) - s.declaredAt)}.`,
          ),
        ));
      case 'escalate':
        return void (await reply(
          answer(
            await incidents.escalate(action.id, user),
            (s) => `⏫ \`${s.id}\` is now ${s.severity.toUpperCase()}.`,
          ),
        ));
      case 'list':
        return void (await reply(incidentListReply(await incidents.open(), now())));
    }
  };
}

function answer(
  outcome: IncidentOutcome,
  text: (state: Extract<IncidentOutcome, { ok: true }>['incident']) => string,
): SlackMessage {
  return outcome.ok
    ? incidentChangedReply(text(outcome.incident), outcome.warnings)
    : problemReply(outcome.message);
}
