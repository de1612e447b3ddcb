import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { RollbackService } from '../../src/services/deploy/rollback-service.js';
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
  rollbacks: Pick<RollbackService, 'startRollback' | 'declareIncident'>;
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
    const outcome = await deps.rollbacks.startRollback({
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
    const outcome = await deps.rollbacks.declareIncident(clickedValue(click), user);
    await deps.client.chat.postMessage({ channel: user, text: outcome.message });
  });
}
