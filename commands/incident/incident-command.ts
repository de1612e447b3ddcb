import type { IncidentOutcome, IncidentService } from '../../src/services/incident-service.js';
import { formatDuration } from '../../views/deploy/deploy-text.js';
import { problemReply, type SlackMessage } from '../../views/format.js';
import {
  incidentChangedReply,
  incidentDeclaredReply,
  incidentListReply,
} from '../../views/incident-views.js';
import type { Deliveries, Reply } from '../ports.js';
import { slashCommand } from '../slash-command.js';
import { INCIDENT_USAGE } from './incident-usage.js';
import { parseIncidentArgs } from './parse-incident-args.js';

export interface IncidentCommandDeps {
  incidents: IncidentService;
  reply: Reply;
  deliveries: Deliveries;
  now?: () => number;
}

/**
 * `/incident`: parse (pure), ack within Slack's 3 s (help and typos are answered in the ack), then declare, update,
 * resolve, escalate or list, and answer privately through response_url. The card in the incident channel is what
 * everyone else sees.
 */
export function incidentCommand(deps: IncidentCommandDeps) {
  const now = deps.now ?? Date.now;
  const { incidents } = deps;
  return slashCommand({
    parse: parseIncidentArgs,
    usage: INCIDENT_USAGE,
    reply: deps.reply,
    deliveries: deps.deliveries,
    changes: (action) => action.kind !== 'list',
    answersInAck: (action) => action.kind === 'list',
    async run(action, { user, reply }) {
      switch (action.kind) {
        case 'declare': {
          const outcome = await incidents.declare({
            by: user,
            severity: action.severity,
            title: action.title,
            ...(action.env ? { env: action.env } : {}),
          });
          return reply(
            outcome.ok
              ? incidentDeclaredReply(outcome.incident, {
                  warnings: outcome.warnings,
                  ...(outcome.card ? { cardChannel: outcome.card.channel } : {}),
                })
              : problemReply(outcome.message),
          );
        }
        case 'update':
          return reply(
            answer(
              await incidents.update(action.id, user, action.text),
              (s) => `📝 Added to \`${s.id}\`'s timeline.`,
            ),
          );
        case 'resolve':
          return reply(
            answer(
              await incidents.resolve(action.id, user, action.summary),
              (s) =>
                `✅ \`${s.id}\` resolved after ${formatDuration((s.resolvedAt ?? s.declaredAt) - s.declaredAt)}.`,
            ),
          );
        case 'escalate':
          return reply(
            answer(
              await incidents.escalate(action.id, user),
              (s) => `⏫ \`${s.id}\` is now ${s.severity.toUpperCase()}.`,
            ),
          );
        case 'list':
          return reply(incidentListReply(await incidents.open(), now()));
      }
    },
  });
}

function answer(
  outcome: IncidentOutcome,
  text: (state: Extract<IncidentOutcome, { ok: true }>['incident']) => string,
): SlackMessage {
  return outcome.ok
    ? incidentChangedReply(text(outcome.incident), outcome.warnings)
    : problemReply(outcome.message);
}
