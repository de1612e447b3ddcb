import type { AllMiddlewareArgs, App, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { IncidentState } from '../../src/domain/incidents/incident.js';
import type { IncidentOutcome, IncidentService } from '../../src/services/incident-service.js';
import { problemReply } from '../../views/format.js';
import {
  INCIDENT_ESCALATE,
  INCIDENT_RESOLVE,
  INCIDENT_RESOLVE_MODAL,
  INCIDENT_SUMMARY_BLOCK,
  INCIDENT_SUMMARY_INPUT,
  INCIDENT_UPDATE,
  INCIDENT_UPDATE_BLOCK,
  INCIDENT_UPDATE_INPUT,
  INCIDENT_UPDATE_MODAL,
} from '../../views/ids.js';
import { escalateValueOf, resolveModal, updateModal } from '../../views/incident-views.js';
import { buttonsAnsweringWith } from '../buttons.js';
import { buttonClickSchema, clickedValue, inputOf, viewSubmissionSchema } from '../payloads.js';
import type { Reply } from '../ports.js';

export interface IncidentActionDeps {
  incidents: IncidentService;
  reply: Reply;
  client: Pick<WebClient, 'views' | 'chat'>;
  now?: () => number;
}

/**
 * The incident card's buttons and modals: Update and Resolve open a modal, Escalate (behind Slack's confirmation)
 * raises the severity. Ack first; the card itself shows what changed, and refusals reach only the person who
 * clicked (through the click's response_url, or as an ephemeral message in the card's channel after a modal).
 */
export function registerIncidentActions(app: App, deps: IncidentActionDeps): void {
  const { incidents, client } = deps;
  const now = deps.now ?? Date.now;
  const refuse = async (responseUrl: string | undefined, message: string) => {
    if (responseUrl) await deps.reply(responseUrl, { ...problemReply(message), replace_original: false });
  };
  const button = buttonsAnsweringWith(app, deps.reply);
  /** A button that opens a modal about the incident it carries, unless the incident is gone or resolved. */
  const opens =
    (modal: (state: IncidentState) => ModalView) =>
    async ({ ack, body }: SlackActionMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
      await ack();
      const click = buttonClickSchema.parse(body);
      const id = clickedValue(click);
      const state = await incidents.get(id);
      if (!state) return void (await refuse(click.response_url, `There is no incident \`${id}\`.`));
      if (state.status === 'resolved')
        return void (await refuse(click.response_url, `\`${id}\` is already resolved.`));
      await client.views.open({ trigger_id: click.trigger_id, view: modal(state) });
    };
  /** After a modal there is no response_url: a refusal goes to the card's channel, visible to the person only. */
  const tellAfterModal = async (id: string, user: string, outcome: IncidentOutcome) => {
    if (outcome.ok) return;
    const channel = await incidents.cardChannelOf(id);
    if (channel) await client.chat.postEphemeral({ channel, user, text: outcome.message });
  };

  button(INCIDENT_ESCALATE, async (value, user) => {
    const target = escalateValueOf(value);
    if (!target) return { ok: false, message: 'That button does not name an incident.' };
    return incidents.escalate(target.id, user, target.from);
  });
  const resolveNow = (state: IncidentState) => resolveModal(state, now());
  app.action(INCIDENT_UPDATE, opens(updateModal));
  app.action(INCIDENT_RESOLVE, opens(resolveNow));

  app.view(INCIDENT_UPDATE_MODAL, async ({ ack, body }) => {
    const payload = viewSubmissionSchema.parse(body);
    const text = inputOf(payload, INCIDENT_UPDATE_BLOCK, INCIDENT_UPDATE_INPUT);
    if (text.length === 0) {
      await ack({ response_action: 'errors', errors: { [INCIDENT_UPDATE_BLOCK]: 'Say what changed.' } });
      return;
    }
    await ack();
    const id = payload.view.private_metadata;
    await tellAfterModal(id, payload.user.id, await incidents.update(id, payload.user.id, text));
  });

  app.view(INCIDENT_RESOLVE_MODAL, async ({ ack, body }) => {
    const payload = viewSubmissionSchema.parse(body);
    await ack();
    const id = payload.view.private_metadata;
    const summary = inputOf(payload, INCIDENT_SUMMARY_BLOCK, INCIDENT_SUMMARY_INPUT);
    await tellAfterModal(
      id,
      payload.user.id,
      await incidents.resolve(id, payload.user.id, summary || undefined),
    );
  });
}
