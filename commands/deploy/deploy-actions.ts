import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Reply } from '../../src/adapters/slack/response-url.js';
import type { DeployService, Outcome } from '../../src/services/deploy/deploy-service.js';
import { abortModal } from '../../views/deploy-views.js';
import { problemReply } from '../../views/flag-views.js';
import {
  ABORT_REASON_BLOCK,
  ABORT_REASON_INPUT,
  DEPLOY_ABORT,
  DEPLOY_ABORT_MODAL,
  DEPLOY_APPROVE,
  DEPLOY_PAUSE,
  DEPLOY_PROMOTE,
  DEPLOY_RESUME,
  DEPLOY_ROLLBACK,
} from '../../views/ids.js';

export interface DeployActionDeps {
  deploys: DeployService;
  reply: Reply;
  client: Pick<WebClient, 'views' | 'chat'>;
}

const buttonPayload = z.object({
  user: z.object({ id: z.string() }),
  trigger_id: z.string(),
  response_url: z.url().optional(),
  actions: z.array(z.object({ value: z.string().min(1) })).min(1),
});

const abortSubmission = z.object({
  user: z.object({ id: z.string() }),
  view: z.object({
    private_metadata: z.string().min(1),
    state: z.object({
      values: z.record(z.string(), z.record(z.string(), z.object({ value: z.string().nullish() }))),
    }),
  }),
});

/**
 * The timeline's buttons (Approve, Abort, Promote, Pause, Resume, Roll back) and the abort modal: ack first, then
 * the use case; refusals reach only the clicker, and the timeline itself shows what changed.
 */
export function registerDeployActions(app: App, deps: DeployActionDeps): void {
  const button = (actionId: string, use: (id: string, user: string) => Promise<Outcome>) =>
    app.action(actionId, async ({ ack, body }) => {
      await ack();
      const payload = buttonPayload.parse(body);
      const outcome = await use(payload.actions[0]?.value ?? '', payload.user.id);
      if (!outcome.ok && payload.response_url) {
        await deps.reply(payload.response_url, { ...problemReply(outcome.message), replace_original: false });
      }
    });
  button(DEPLOY_APPROVE, (id, user) => deps.deploys.approve(id, user));
  button(DEPLOY_PROMOTE, (id, user) => deps.deploys.steer(id, user, 'promote'));
  button(DEPLOY_PAUSE, (id, user) => deps.deploys.steer(id, user, 'pause'));
  button(DEPLOY_RESUME, (id, user) => deps.deploys.steer(id, user, 'resume'));
  button(DEPLOY_ROLLBACK, (id, user) => deps.deploys.rollback(id, user));

  app.action(DEPLOY_ABORT, async ({ ack, body }) => {
    await ack();
    const payload = buttonPayload.parse(body);
    const id = payload.actions[0]?.value ?? '';
    const state = await deps.deploys.state(id);
    if (!state) return;
    await deps.client.views.open({ trigger_id: payload.trigger_id, view: abortModal(id, state) });
  });

  app.view(DEPLOY_ABORT_MODAL, async ({ ack, body }) => {
    const payload = abortSubmission.parse(body);
    const reason = payload.view.state.values[ABORT_REASON_BLOCK]?.[ABORT_REASON_INPUT]?.value?.trim() ?? '';
    if (reason.length < 3) {
      await ack({
        response_action: 'errors',
        errors: { [ABORT_REASON_BLOCK]: 'Say in a few words why you abort.' },
      });
      return;
    }
    await ack();
    const id = payload.view.private_metadata;
    const outcome = await deps.deploys.stop(id, payload.user.id, reason);
    if (!outcome.ok) {
      const channel = await deps.deploys.channelOf(id);
      if (channel)
        await deps.client.chat.postEphemeral({ channel, user: payload.user.id, text: outcome.message });
    }
  });
}
