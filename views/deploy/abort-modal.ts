import type { ModalView } from '@slack/types';
import { deploymentName } from '../../src/domain/deploy/deployment-name.js';
import type { DeploymentState } from '../../src/domain/deploy/deployment-state.js';
import { section } from '../format.js';
import { ABORT_REASON_BLOCK, ABORT_REASON_INPUT, DEPLOY_ABORT_MODAL } from '../ids.js';
import { inlineText, phaseTitle, statusEmoji, statusLabel } from './deploy-text.js';

export const ABORT_REASON_MIN = 3;
export const ABORT_REASON_MAX = 500;

/**
 * Asks why before aborting, so the timeline and the audit log say it. `private_metadata` carries the deployment id;
 * the reason arrives as `view.state.values[ABORT_REASON_BLOCK][ABORT_REASON_INPUT].value`, 3 to 500 characters
 * (Slack enforces both before the submission reaches greenlight).
 */
export function abortModal(deploymentId: string, state: DeploymentState): ModalView {
  const active = state.phases.find((phase) =>
    ['running', 'dispatching', 'waiting_gate'].includes(phase.status),
  );
  const where = active ? ` Now at: *${phaseTitle(active)}*.` : '';
  return {
    type: 'modal',
    callback_id: DEPLOY_ABORT_MODAL,
    private_metadata: deploymentId,
    title: { type: 'plain_text', text: 'Abort deployment' },
    submit: { type: 'plain_text', text: 'Abort' },
    close: { type: 'plain_text', text: 'Keep going' },
    blocks: [
      section(
        `${statusEmoji(state)} Abort the deployment of \`${inlineText(state.ref, 100)}\` to *${inlineText(state.env, 40)}* (${statusLabel(state).toLowerCase()}, \`${inlineText(deploymentName(state), 64)}\`)?${where}\nNo further phase will be dispatched. The reason goes into the deployment's timeline.`,
      ),
      {
        type: 'input',
        block_id: ABORT_REASON_BLOCK,
        label: { type: 'plain_text', text: 'Reason' },
        element: {
          type: 'plain_text_input',
          action_id: ABORT_REASON_INPUT,
          multiline: true,
          min_length: ABORT_REASON_MIN,
          max_length: ABORT_REASON_MAX,
          placeholder: { type: 'plain_text', text: 'e.g. error rate rising on the canary' },
        },
      },
    ],
  };
}
