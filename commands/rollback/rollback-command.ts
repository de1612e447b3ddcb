import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Reply } from '../../src/adapters/slack/response-url.js';
import type { DeployService } from '../../src/services/deploy/deploy-service.js';
import { rollbackModal } from '../../views/deploy-views.js';
import { problemReply, usageReply } from '../../views/flag-views.js';
import { slashCommandSchema } from '../slash-command.js';
import { parseRollbackArgs } from './parse-rollback-args.js';
import { ROLLBACK_USAGE } from './rollback-usage.js';

export interface RollbackCommandDeps {
  /** Absent when greenlight.yml has no `github` section. */
  deploys: DeployService | undefined;
  reply: Reply;
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
  return async ({ command, ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const input = slashCommandSchema.parse(command);
    const parsed = parseRollbackArgs(input.text, deps.environments);
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', ...problemReply(parsed.error, parsed.usage) });
      return;
    }
    if (parsed.value.kind === 'help') {
      await ack({ response_type: 'ephemeral', ...usageReply(ROLLBACK_USAGE) });
      return;
    }
    await ack();
    const responseUrl = input.response_url;
    if (!responseUrl) throw new Error('slash command without response_url');
    const { deploys, workflow } = deps;
    if (!deploys || !workflow) return void (await deps.reply(responseUrl, problemReply(NOT_CONFIGURED)));
    const action = parsed.value;
    const outcome = await deploys.previewRollback({
      user: input.user_id,
      service: action.service,
      env: action.env,
      ...(action.to ? { to: action.to } : {}),
    });
    if (!outcome.ok) return void (await deps.reply(responseUrl, problemReply(outcome.message)));
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
  };
}
