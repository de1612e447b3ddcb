import type { DeployService } from '../../src/services/deploy/deploy-service.js';
import {
  deployAcceptedReply,
  deployHistoryReply,
  deployPlanReply,
  deployStatsReply,
  deployStatusReply,
  envAlreadyLockedReply,
  envLockedReply,
  envLockTakenReply,
  notGreenReply,
} from '../../views/deploy-views.js';
import { noticeReply, problemReply } from '../../views/format.js';
import type { Deliveries, Reply } from '../ports.js';
import { slashCommand } from '../slash-command.js';
import { DEPLOY_USAGE } from './deploy-usage.js';
import { parseDeployArgs } from './parse-deploy-args.js';

export interface DeployCommandDeps {
  deploys: DeployService | undefined;
  reply: Reply;
  deliveries: Deliveries;
}

/** What `/deploy` changes: a deployment started (not a dry run's plan), a lock taken or freed, a cancel. */
const CHANGING = new Set(['deploy', 'lock', 'unlock', 'cancel']);

const NOT_CONFIGURED =
  '/deploy needs a `github` section in greenlight.yml (owner, repo, workflow, ref) and a GITHUB_TOKEN with actions:write, deployments:write, contents:read.';

/** `/deploy`: parse (pure), ack within Slack's 3 s, then plan, check and start; answers privately. */
export function deployCommand(deps: DeployCommandDeps) {
  return slashCommand({
    parse: parseDeployArgs,
    usage: DEPLOY_USAGE,
    reply: deps.reply,
    deliveries: deps.deliveries,
    changes: (action) => CHANGING.has(action.kind) && !(action.kind === 'deploy' && action.dryRun),
    answersInAck: (action) => action.kind === 'status' || action.kind === 'history',
    async run(action, { user, reply }) {
      const deploys = deps.deploys;
      if (!deploys) return reply(problemReply(NOT_CONFIGURED));
      const answer = (outcome: { ok: boolean; message: string }) =>
        reply(outcome.ok ? noticeReply(outcome.message) : problemReply(outcome.message));
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
            return reply(
              outcome.lock
                ? envLockedReply(outcome.lock, action.env)
                : outcome.notGreen
                  ? notGreenReply(outcome.notGreen)
                  : problemReply(outcome.message),
            );
          return reply(
            outcome.kind === 'plan'
              ? deployPlanReply(outcome.plan, outcome.facts)
              : deployAcceptedReply(outcome.state, outcome.queue),
          );
        }
        case 'status':
          return reply(deployStatusReply(await deploys.status(action.env)));
        case 'history':
          return reply(deployHistoryReply(await deploys.history(action.env, action.limit)));
        case 'lock': {
          const outcome = await deploys.lock(action.env, user, action.reason, action.forMs);
          if (outcome.ok) return reply(envLockTakenReply(outcome.lock, action.env));
          return reply(
            outcome.lock ? envAlreadyLockedReply(outcome.lock, action.env) : problemReply(outcome.message),
          );
        }
        case 'unlock':
          return answer(await deploys.unlock(action.env, user));
        case 'cancel':
          return answer(await deploys.stop(action.id, user, undefined));
        case 'stats': {
          const outcome = await deploys.stats(action.env, action.windowMs);
          return reply(
            outcome.ok ? deployStatsReply(outcome.stats, action.window) : problemReply(outcome.message),
          );
        }
      }
    },
  });
}
