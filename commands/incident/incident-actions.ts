import type { App } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { IncidentState } from '../../src/domain/incidents/incident.js';
import type { IncidentOutcome, IncidentService } from '../../src/services/incident-service.js';
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
import { type InteractionDeps, interactions } from '../interactions.js';
import { type ButtonClick, clickedValue, inputOf, type ViewSubmission } from '../payloads.js';

export interface IncidentActionDeps extends InteractionDeps {
  incidents: IncidentService;
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
  const { button, click, submission, refuse, open } = interactions(app, deps);
  /** A button that opens a modal about the incident it carries, unless the incident is gone or resolved. */
  const opens =
    (modal: (state: IncidentState) => ModalView) =>
    async (parsed: ButtonClick): Promise<void> => {
      const id = clickedValue(parsed);
      const state = await incidents.get(id);
      if (!state) return refuse(parsed, `There is no incident \`${id}\`.`);
      if (state.status === 'resolved') return refuse(parsed, `\`${id}\` is already resolved.`);
      await open(parsed, modal(state));
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
  click(INCIDENT_UPDATE, opens(updateModal));
  click(INCIDENT_RESOLVE, opens(resolveNow));

  const updateText = (payload: ViewSubmission) =>
    inputOf(payload, INCIDENT_UPDATE_BLOCK, INCIDENT_UPDATE_INPUT);
  submission(INCIDENT_UPDATE_MODAL, {
    errors: (payload) =>
      updateText(payload).length === 0 ? { [INCIDENT_UPDATE_BLOCK]: 'Say what changed.' } : undefined,
    async run(payload) {
      const id = payload.view.private_metadata;
      await tellAfterModal(
        id,
        payload.user.id,
        await incidents.update(id, payload.user.id, updateText(payload)),
      );
    },
  });

  submission(INCIDENT_RESOLVE_MODAL, {
    async run(payload) {
      const id = payload.view.private_metadata;
      const summary = inputOf(payload, INCIDENT_SUMMARY_BLOCK, INCIDENT_SUMMARY_INPUT);
      await tellAfterModal(
        id,
        payload.user.id,
        await incidents.resolve(id, payload.user.id, summary || undefined),
      );
    },
  });
}
