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
import { type InteractionDeps, interactions } from '../interactions.js';
import { clickedValue, inputOf } from '../payloads.js';

export interface RollbackActionDeps extends InteractionDeps {
  rollbacks: Pick<RollbackService, 'startRollback' | 'declareIncident'>;
  client: Pick<WebClient, 'views' | 'chat'>;
}

const target = z.object({ service: z.string().min(1), env: z.string().min(1), version: z.string().min(1) });

/** The confirmation's `private_metadata`, or undefined when it is not the target greenlight wrote. */
function targetOf(metadata: string): z.infer<typeof target> | undefined {
  try {
    const parsed = target.safeParse(JSON.parse(metadata));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The confirmation's submit: a missing reason keeps the modal open with the error under the field; otherwise the
 * modal closes at once (the ack) and the rollback starts. The outcome reaches the person who confirmed privately,
 * as a direct message from the bot: a view submission has no response_url.
 */
export function registerRollbackActions(app: App, deps: RollbackActionDeps): void {
  const { click, submission } = interactions(app, deps);
  submission(ROLLBACK_CONFIRM_MODAL, {
    errors: (submitted) =>
      inputOf(submitted, ROLLBACK_REASON_BLOCK, ROLLBACK_REASON_INPUT).length < ROLLBACK_REASON_MIN
        ? { [ROLLBACK_REASON_BLOCK]: 'Say in a few words why you roll back.' }
        : undefined,
    async run(submitted) {
      const user = submitted.user.id;
      const chosen = targetOf(submitted.view.private_metadata);
      if (!chosen)
        return deps.tell(
          user,
          'That confirmation does not say what to roll back, so nothing was rolled back; run `/rollback` again.',
        );
      const outcome = await deps.rollbacks.startRollback({
        user,
        service: chosen.service,
        env: chosen.env,
        to: chosen.version,
        reason: inputOf(submitted, ROLLBACK_REASON_BLOCK, ROLLBACK_REASON_INPUT),
      });
      const message = outcome.ok
        ? rollbackStartedReply(outcome.state, outcome.stopped)
        : problemReply(outcome.message);
      await deps.client.chat.postMessage({ channel: user, text: message.text, blocks: message.blocks });
    },
  });

  // The incident a /rollback belongs to, linked to it; a second click finds the one already declared.
  click(ROLLBACK_DECLARE_INCIDENT, async (parsed) => {
    const user = parsed.user.id;
    const outcome = await deps.rollbacks.declareIncident(clickedValue(parsed), user);
    await deps.client.chat.postMessage({ channel: user, text: outcome.message });
  });
}
