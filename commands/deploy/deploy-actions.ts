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
  renderedForBlock,
} from '../../views/ids.js';
import { type InteractionDeps, interactions } from '../interactions.js';
import { type ButtonClick, clickedBlock, clickedValue, inputOf } from '../payloads.js';

export interface DeployActionDeps extends InteractionDeps {
  deploys: DeployService;
  client: Pick<WebClient, 'views' | 'chat'>;
}

/**
 * The timeline's buttons (Approve, Abort, Promote, Pause, Resume, Roll back) and the abort modal: ack first, then
 * the use case; refusals reach only the clicker, and the timeline itself shows what changed.
 */
export function registerDeployActions(app: App, deps: DeployActionDeps): void {
  const { button, click, submission, open } = interactions(app, deps);
  // Each carries the gate or canary step its block was rendered for: a click on a message that had not caught up
  // is refused instead of acting on whatever is open now.
  const renderedFor = (click: ButtonClick) => renderedForBlock(clickedBlock(click));
  button(DEPLOY_APPROVE, (id, user, click) => deps.deploys.approve(id, user, renderedFor(click)));
  button(DEPLOY_PROMOTE, (id, user, click) => deps.deploys.steer(id, user, 'promote', renderedFor(click)));
  button(DEPLOY_PAUSE, (id, user, click) => deps.deploys.steer(id, user, 'pause', renderedFor(click)));
  button(DEPLOY_RESUME, (id, user, click) => deps.deploys.steer(id, user, 'resume', renderedFor(click)));
  button(DEPLOY_ROLLBACK, (id, user, click) => deps.deploys.rollback(id, user, renderedFor(click)));

  click(DEPLOY_ABORT, async (parsed) => {
    const id = clickedValue(parsed);
    const state = await deps.deploys.state(id);
    if (!state) return;
    await open(parsed, abortModal(id, state));
  });

  submission(DEPLOY_ABORT_MODAL, {
    errors: (submitted) =>
      inputOf(submitted, ABORT_REASON_BLOCK, ABORT_REASON_INPUT).length < 3
        ? { [ABORT_REASON_BLOCK]: 'Say in a few words why you abort.' }
        : undefined,
    async run(submitted) {
      const reason = inputOf(submitted, ABORT_REASON_BLOCK, ABORT_REASON_INPUT);
      const id = submitted.view.private_metadata;
      const user = submitted.user.id;
      const outcome = await deps.deploys.stop(id, user, reason);
      if (outcome.ok) return;
      const channel = await deps.deploys.channelOf(id);
      if (channel) await deps.client.chat.postEphemeral({ channel, user, text: outcome.message });
      else await deps.tell(user, outcome.message);
    },
  });
}
