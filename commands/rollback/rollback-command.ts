import type { WebClient } from '@slack/web-api';
import type { RollbackService } from '../../src/services/deploy/rollback-service.js';
import { rollbackModal } from '../../views/deploy-views.js';
import { problemReply } from '../../views/format.js';
import type { Deliveries, Reply } from '../ports.js';
import { slashCommand } from '../slash-command.js';
import { parseRollbackArgs } from './parse-rollback-args.js';
import { ROLLBACK_USAGE } from './rollback-usage.js';

export interface RollbackCommandDeps {
  /** Absent when greenlight.yml has no `github` section. */
  rollbacks: RollbackService | undefined;
  reply: Reply;
  deliveries: Deliveries;
  client: Pick<WebClient, 'views'>;
  environments: readonly string[];
  /** The workflow a rollback dispatches, shown in the confirmation. */
  workflow: string | undefined;
}

const NOT_CONFIGURED =
  '/rollback needs a `github` section in greenlight.yml and a GITHUB_TOKEN, as /deploy does; see `/deploy help`.';

/**
 * `/rollback`: parse (pure), ack at once, then open the confirmation while the trigger is fresh (Slack allows 3 s),
 * after only Redis reads: who may, whether one is under way, and the versions from the registry.
 */
export function rollbackCommand(deps: RollbackCommandDeps) {
  return slashCommand({
    parse: (text) => parseRollbackArgs(text, deps.environments),
    usage: ROLLBACK_USAGE,
    reply: deps.reply,
    deliveries: deps.deliveries,
    // Its trigger_id opens the confirmation once: a re-delivery could not open it again, and is told so.
    changes: () => true,
    async run(action, { user, input, reply }) {
      const { rollbacks, workflow } = deps;
      if (!rollbacks || !workflow) return reply(problemReply(NOT_CONFIGURED));
      const outcome = await rollbacks.previewRollback({
        user,
        service: action.service,
        env: action.env,
        ...(action.to ? { to: action.to } : {}),
      });
      if (!outcome.ok) return reply(problemReply(outcome.message));
      if (!input.trigger_id) throw new Error('slash command without trigger_id');
      const { preview } = outcome;
      await deps.client.views.open({
        trigger_id: input.trigger_id,
        view: rollbackModal({
          service: preview.service,
          env: preview.env,
          version: preview.target.version,
          workflow,
          ...(preview.live ? { live: preview.live } : {}),
          ...(preview.target.deployment ? { target: preview.target.deployment } : {}),
          ...(action.reason ? { reason: action.reason } : {}),
        }),
      });
    },
  });
}
