import { deploymentName } from '../../src/domain/deploy/deployment-name.js';
import type { DeploymentState } from '../../src/domain/deploy/deployment-state.js';
import { type SlackMessage, section } from '../format.js';
import { fallback, inlineText, who } from './deploy-text.js';
import { gateActions, gateTarget } from './timeline.js';

/**
 * The direct message to an approver when the status channel could not show an open gate: what waits for them, and
 * the gate's own Approve and Abort buttons (the timeline's ids, so the same rules and checks apply).
 */
export function approvalRequest(state: DeploymentState): SlackMessage {
  const gate = state.gate;
  const what = `\`${inlineText(state.ref, 60)}\` to *${inlineText(state.env, 40)}*`;
  const target = gate ? ` ${gateTarget(state, gate)}` : '';
  const text = `✋ ${who(state.requestedBy)} asks to deploy ${what}: approval needed${target} (\`${inlineText(deploymentName(state), 64)}\`). The status channel could not show it, so here are its buttons.`;
  return {
    text: fallback(
      `Approval needed: deploy ${inlineText(state.ref, 60)} to ${inlineText(state.env, 40)}${target}`,
    ),
    blocks: [section(text), ...(gate ? [gateActions(state, gate)] : [])],
  };
}
