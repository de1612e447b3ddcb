import type { ModalView } from '@slack/types';
import { deploymentName } from '../../src/domain/deploy/deployment-name.js';
import type { DeploymentState } from '../../src/domain/deploy/deployment-state.js';
import { noticeReply, type SlackMessage, section } from '../format.js';
import {
  ROLLBACK_CONFIRM_MODAL,
  ROLLBACK_DECLARE_INCIDENT,
  ROLLBACK_REASON_BLOCK,
  ROLLBACK_REASON_INPUT,
} from '../ids.js';
import { inlineText, timeAt, who } from './deploy-text.js';

export const ROLLBACK_REASON_MIN = 3;
export const ROLLBACK_REASON_MAX = 500;

/** What the confirmation carries back in `private_metadata`: exactly what was shown, so the rollback does that. */
export interface RollbackTarget {
  service: string;
  env: string;
  version: string;
}

export interface RollbackConfirmation extends RollbackTarget {
  live?: DeploymentState;
  target?: DeploymentState;
  reason?: string;
  workflow: string;
}

/** `/rollback`'s confirmation: what is live, what it goes back to, what happens on confirm, and a required reason. */
export function rollbackModal(confirm: RollbackConfirmation): ModalView {
  const service = `*${inlineText(confirm.service, 64)}*`;
  const env = `*${inlineText(confirm.env, 40)}*`;
  const version = `\`${inlineText(confirm.version, 100)}\``;
  const live = confirm.live
    ? `\`${inlineText(confirm.live.ref, 100)}\`, deployed ${timeAt(confirm.live.finishedAt ?? confirm.live.requestedAt)} by ${who(confirm.live.requestedBy)} (\`${inlineText(deploymentName(confirm.live), 64)}\`)`
    : 'no successful deployment on record';
  const target = confirm.target
    ? `${version}, deployed ${timeAt(confirm.target.finishedAt ?? confirm.target.requestedAt)} by ${who(confirm.target.requestedBy)}`
    : version;
  const metadata: RollbackTarget = { service: confirm.service, env: confirm.env, version: confirm.version };
  return {
    type: 'modal',
    callback_id: ROLLBACK_CONFIRM_MODAL,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text', text: 'Confirm rollback' },
    submit: { type: 'plain_text', text: 'Roll back now' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(`↩️ Roll back ${service} in ${env}\n*Live now:* ${live}\n*Goes back to:* ${target}`),
      section(
        `On confirm: \`${inlineText(confirm.workflow, 100)}\` is dispatched at once (no canary, no hold) with \`service\` and \`rollback_version\`; then ${service}'s health checks verify it, and ${env} stays locked until \`/deploy unlock\`. A deployment running there is stopped.`,
      ),
      {
        type: 'input',
        block_id: ROLLBACK_REASON_BLOCK,
        label: { type: 'plain_text', text: 'Why roll back?' },
        element: {
          type: 'plain_text_input',
          action_id: ROLLBACK_REASON_INPUT,
          multiline: true,
          min_length: ROLLBACK_REASON_MIN,
          max_length: ROLLBACK_REASON_MAX,
          ...(confirm.reason ? { initial_value: confirm.reason.slice(0, ROLLBACK_REASON_MAX) } : {}),
          placeholder: { type: 'plain_text', text: 'e.g. checkout errors since the 10:02 release' },
        },
      },
    ],
  };
}

/** The private answer once the rollback started: where to follow it, what was stopped, and the incident to declare. */
export function rollbackStartedReply(state: DeploymentState, stopped?: string): SlackMessage {
  const service = state.rollbackOf?.service ?? 'the service';
  const lines = [
    `↩️ Rolling back *${inlineText(service, 64)}* in *${inlineText(state.env, 40)}* to \`${inlineText(state.ref, 100)}\` (\`${inlineText(deploymentName(state), 64)}\`): the rollback workflow is being dispatched; follow it on the timeline in the status channel.`,
  ];
  if (stopped)
    lines.push(`The deployment \`${inlineText(stopped, 64)}\` that was running there was stopped.`);
  lines.push('Is this an incident? Declare it linked to this rollback (SEV2; escalate from the card):');
  const notice = noticeReply(lines.join('\n'));
  return {
    ...notice,
    blocks: [
      ...notice.blocks,
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: ROLLBACK_DECLARE_INCIDENT,
            text: { type: 'plain_text', text: '🚨 Declare incident' },
            value: state.id,
          },
        ],
      },
    ],
  };
}
