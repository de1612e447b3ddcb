import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { DeployService } from '../../src/services/deploy/deploy-service.js';
import type { IncidentService } from '../../src/services/incident-service.js';
import { ROLLBACK_REASON_MIN, rollbackStartedReply } from '../../views/deploy-views.js';
import { problemReply } from '../../views/format.js';
import {
  ROLLBACK_CONFIRM_MODAL,
  ROLLBACK_DECLARE_INCIDENT,
  ROLLBACK_REASON_BLOCK,
  ROLLBACK_REASON_INPUT,
} from '../../views/ids.js';
import { buttonClickSchema, clickedValue, inputOf, viewSubmissionSchema } from '../payloads.js';

export interface RollbackActionDeps {
  deploys: DeployService;
  incidents: Pick<IncidentService, 'declareFromRollback' | 'recent'>;
  client: Pick<WebClient, 'chat'>;
}

const target = z.object({ service: z.string().min(1), env: z.string().min(1), version: z.string().min(1) });

/**
 * The confirmation's submit: a missing reason keeps the modal open with the error under the field; otherwise the
 * modal closes at once (the ack) and the rollback starts. The outcome reaches the person who confirmed privately,
 * as a direct message from the bot: a view submission has no response_url.
 */
export function registerRollbackActions(app: App, deps: RollbackActionDeps): void {
  app.view(ROLLBACK_CONFIRM_MODAL, async ({ ack, body }) => {
    const payload = viewSubmissionSchema.parse(body);
    const reason = inputOf(payload, ROLLBACK_REASON_BLOCK, ROLLBACK_REASON_INPUT);
    if (reason.length < ROLLBACK_REASON_MIN) {
      await ack({
        response_action: 'errors',
        errors: { [ROLLBACK_REASON_BLOCK]: 'Say in a few words why you roll back.' },
      });
      return;
    }
    const chosen = target.parse(JSON.parse(payload.view.private_metadata));
    await ack();
    const user = payload.user.id;
    const outcome = await deps.deploys.startRollback({
      user,
      service: chosen.service,
      env: chosen.env,
      to: chosen.version,
      reason,
    });
    const message = outcome.ok
      ? rollbackStartedReply(outcome.state, outcome.stopped)
      : problemReply(outcome.message);
    await deps.client.chat.postMessage({ channel: user, text: message.text, blocks: message.blocks });
  });

  // The incident a /rollback belongs to, linked to it; a second click finds the one already declared.
  app.action(ROLLBACK_DECLARE_INCIDENT, async ({ ack, body }) => {
    await ack();
    const click = buttonClickSchema.parse(body);
    const user = click.user.id;
    const state = await deps.deploys.state(clickedValue(click));
    const answer = async (text: string) => deps.client.chat.postMessage({ channel: user, text });
    if (!state?.rollbackOf) return void (await answer('That rollback is no longer on record.'));
    if (!(await deps.deploys.claimIncident(state.id))) {
      const existing = (await deps.incidents.recent(500)).find(
        (incident) => incident.deploymentId === state.id,
      );
      return void (await answer(
        existing
          ? `Already declared: ${existing.id} (${existing.severity.toUpperCase()}), linked to ${state.id}.`
          : `An incident for ${state.id} is being declared right now.`,
      ));
    }
    const outcome = await deps.incidents.declareFromRollback({
      env: state.env,
      deploymentId: state.id,
      reason: `${state.rollbackOf.service} rolled back to ${state.ref}: ${state.rollbackOf.reason}`,
      version: state.ref,
      by: user,
    });
    await answer(
      outcome.ok
        ? `${outcome.existing ? 'Already declared' : 'Declared'}: ${outcome.incident.id} (${outcome.incident.severity.toUpperCase()}), linked to ${state.id}. Update it with /incident update ${outcome.incident.id} <text>.`
        : outcome.message,
    );
  });
}
