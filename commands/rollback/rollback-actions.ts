import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { DeployService } from '../../src/services/deploy/deploy-service.js';
import { ROLLBACK_REASON_MIN, rollbackStartedReply } from '../../views/deploy-views.js';
import { problemReply } from '../../views/flag-views.js';
import { ROLLBACK_CONFIRM_MODAL, ROLLBACK_REASON_BLOCK, ROLLBACK_REASON_INPUT } from '../../views/ids.js';

export interface RollbackActionDeps {
  deploys: DeployService;
  client: Pick<WebClient, 'chat'>;
}

const target = z.object({ service: z.string().min(1), env: z.string().min(1), version: z.string().min(1) });

const submission = z.object({
  user: z.object({ id: z.string() }),
  view: z.object({
    private_metadata: z.string().min(1),
    state: z.object({
      values: z.record(z.string(), z.record(z.string(), z.object({ value: z.string().nullish() }))),
    }),
  }),
});

/**
 * The confirmation's submit: a missing reason keeps the modal open with the error under the field; otherwise the
 * modal closes at once (the ack) and the rollback starts. The outcome reaches the person who confirmed privately,
 * as a direct message from the bot: a view submission has no response_url.
 */
export function registerRollbackActions(app: App, deps: RollbackActionDeps): void {
  app.view(ROLLBACK_CONFIRM_MODAL, async ({ ack, body }) => {
    const payload = submission.parse(body);
    const reason =
      payload.view.state.values[ROLLBACK_REASON_BLOCK]?.[ROLLBACK_REASON_INPUT]?.value?.trim() ?? '';
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
}
