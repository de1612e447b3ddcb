import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { DeployService } from '../../src/services/deploy/deploy-service.js';
import { abortModal } from '../../views/deploy-views.js';
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
import { buttonsAnsweringWith } from '../buttons.js';
import { buttonClickSchema, clickedValue, inputOf, viewSubmissionSchema } from '../payloads.js';
import type { Reply } from '../ports.js';

export interface DeployActionDeps {
  deploys: DeployService;
  reply: Reply;
  client: Pick<WebClient, 'views' | 'chat'>;
}

/**
 * The timeline's buttons (Approve, Abort, Promote, Pause, Resume, Roll back) and the abort modal: ack first, then
 * the use case; refusals reach only the clicker, and the timeline itself shows what changed.
 */
export function registerDeployActions(app: App, deps: DeployActionDeps): void {
  const button = buttonsAnsweringWith(app, deps.reply);
  button(DEPLOY_APPROVE, (id, user) => deps.deploys.approve(id, user));
  button(DEPLOY_PROMOTE, (id, user) => deps.deploys.steer(id, user, 'promote'));
  button(DEPLOY_PAUSE, (id, user) => deps.deploys.steer(id, user, 'pause'));
  button(DEPLOY_RESUME, (id, user) => deps.deploys.steer(id, user, 'resume'));
  button(DEPLOY_ROLLBACK, (id, user) => deps.deploys.rollback(id, user));

  app.action(DEPLOY_ABORT, async ({ ack, body }) => {
    await ack();
    const click = buttonClickSchema.parse(body);
    const id = clickedValue(click);
    const state = await deps.deploys.state(id);
    if (!state) return;
    await deps.client.views.open({ trigger_id: click.trigger_id, view: abortModal(id, state) });
  });

  app.view(DEPLOY_ABORT_MODAL, async ({ ack, body }) => {
    const submission = viewSubmissionSchema.parse(body);
    const reason = inputOf(submission, ABORT_REASON_BLOCK, ABORT_REASON_INPUT);
    if (reason.length < 3) {
      await ack({
        response_action: 'errors',
        errors: { [ABORT_REASON_BLOCK]: 'Say in a few words why you abort.' },
      });
      return;
    }
    await ack();
    const id = submission.view.private_metadata;
    const outcome = await deps.deploys.stop(id, submission.user.id, reason);
    if (!outcome.ok) {
      const channel = await deps.deploys.channelOf(id);
      if (channel)
        await deps.client.chat.postEphemeral({ channel, user: submission.user.id, text: outcome.message });
    }
  });
}
