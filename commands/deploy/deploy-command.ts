import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Reply } from '../../src/adapters/slack/response-url.js';
import type { DeployService } from '../../src/services/deploy/deploy-service.js';
import {
  deployAcceptedReply,
  deployHistoryReply,
  deployPlanReply,
  deployStatsReply,
  deployStatusReply,
  envLockedReply,
} from '../../views/deploy-views.js';
import { problemReply, usageReply } from '../../views/flag-views.js';
import { noticeReply, type SlackMessage } from '../../views/format.js';
import { slashCommandSchema } from '../slash-command.js';
import { DEPLOY_USAGE } from './deploy-usage.js';
import { parseDeployArgs } from './parse-deploy-args.js';

export interface DeployCommandDeps {
  deploys: DeployService | undefined;
  reply: Reply;
}

const NOT_CONFIGURED =
  '/deploy needs a `github` section in greenlight.yml (owner, repo, workflow, ref) and a GITHUB_TOKEN with actions:write, deployments:write, contents:read.';

/** `/deploy`: parse (pure), ack within Slack's 3 s, then plan, check and start; answers privately. */
export function deployCommand(deps: DeployCommandDeps) {
  return async ({ command, ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const input = slashCommandSchema.parse(command);
    const parsed = parseDeployArgs(input.text);
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', ...problemReply(parsed.error, parsed.usage) });
      return;
    }
    if (parsed.value.kind === 'help') {
      await ack({ response_type: 'ephemeral', ...usageReply(DEPLOY_USAGE) });
      return;
    }
    await ack();
    const responseUrl = input.response_url;
    if (!responseUrl) throw new Error('slash command without response_url');
    const reply = (message: SlackMessage) => deps.reply(responseUrl, message);
    const user = input.user_id;
    const action = parsed.value;
    const deploys = deps.deploys;
    if (!deploys) return void (await reply(problemReply(NOT_CONFIGURED)));
    switch (action.kind) {
      case 'deploy': {
        const outcome = await deploys.request({
          user,
          env: action.env,
          dryRun: action.dryRun,
          ...(action.ref ? { ref: action.ref.value } : {}),
          ...(action.services ? { services: action.services } : {}),
          ...(action.override ? { override: action.override } : {}),
        });
        if (!outcome.ok)
          return void (await reply(
            outcome.lock ? envLockedReply(outcome.lock, action.env) : problemReply(outcome.message),
          ));
        return void (await reply(
          outcome.kind === 'plan'
            ? deployPlanReply(outcome.plan)
            : deployAcceptedReply(outcome.state, outcome.queue),
        ));
      }
      case 'status':
        return void (await reply(deployStatusReply(await deploys.status(action.env))));
      case 'history':
        return void (await reply(deployHistoryReply(await deploys.history(action.env, action.limit))));
      case 'lock': {
        const outcome = await deploys.lock(action.env, user, action.reason, action.forMs);
        return void (await reply(outcome.ok ? noticeReply(outcome.message) : problemReply(outcome.message)));
      }
      case 'unlock': {
        const outcome = await deploys.unlock(action.env, user);
        return void (await reply(outcome.ok ? noticeReply(outcome.message) : problemReply(outcome.message)));
      }
      case 'cancel': {
        const outcome = await deploys.stop(action.id, user, undefined);
        return void (await reply(outcome.ok ? noticeReply(outcome.message) : problemReply(outcome.message)));
      }
      case 'stats': {
        const outcome = await deploys.stats(action.env, action.windowMs);
        return void (await reply(
          outcome.ok ? deployStatsReply(outcome.stats, action.window) : problemReply(outcome.message),
        ));
      }
    }
  };
}
