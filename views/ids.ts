import type { RenderedFor } from '../src/domain/deploy/deployment-state.js';

/**
 * Every id the deploy UI puts into Slack and gets back in an interaction payload, shared by the view builders and
 * the listeners so a renamed id cannot leave a button without a handler.
 */

/** The gate's Approve button; its `value` is the deployment id. */
export const DEPLOY_APPROVE = 'deploy_approve';
/** The gate's Abort button; its `value` is the deployment id. It opens the abort modal. */
export const DEPLOY_ABORT = 'deploy_abort';

/** The rollout's buttons while a canary step holds or a monitoring window runs; each `value` is the deployment id. */
export const DEPLOY_PROMOTE = 'deploy_promote';
export const DEPLOY_PAUSE = 'deploy_pause';
export const DEPLOY_RESUME = 'deploy_resume';
/** Roll back now: Slack asks "are you sure" (a `confirm` dialog) before the click reaches greenlight. */
export const DEPLOY_ROLLBACK = 'deploy_rollback';

/** `callback_id` of the modal asking why a deployment is aborted; its `private_metadata` is the deployment id. */
export const DEPLOY_ABORT_MODAL = 'deploy_abort_modal';
/** The input block and element holding the abort reason: `view.state.values[ABORT_REASON_BLOCK][ABORT_REASON_INPUT]`. */
export const ABORT_REASON_BLOCK = 'abort_reason';
export const ABORT_REASON_INPUT = 'abort_reason_input';

/**
 * The incident card's buttons. Update and Resolve carry the incident id; Escalate `inc-7:sev2` (the id and the
 * severity shown), so a click on a card that has not caught up cannot escalate twice.
 */
export const INCIDENT_UPDATE = 'incident_update';
export const INCIDENT_RESOLVE = 'incident_resolve';
export const INCIDENT_ESCALATE = 'incident_escalate';
/** The actions block under an open incident's card. */
export const INCIDENT_ACTIONS_BLOCK = 'incident_actions';
/** The update modal (`private_metadata`: incident id) and its required text input. */
export const INCIDENT_UPDATE_MODAL = 'incident_update_modal';
export const INCIDENT_UPDATE_BLOCK = 'incident_update_text';
export const INCIDENT_UPDATE_INPUT = 'incident_update_input';
/** The resolve modal (`private_metadata`: incident id) and its optional summary input. */
export const INCIDENT_RESOLVE_MODAL = 'incident_resolve_modal';
export const INCIDENT_SUMMARY_BLOCK = 'incident_summary';
export const INCIDENT_SUMMARY_INPUT = 'incident_summary_input';

/** In the message to whoever confirmed a `/rollback`: declare the incident it belongs to; `value` is the rollback's id. */
export const ROLLBACK_DECLARE_INCIDENT = 'rollback_declare_incident';

/**
 * The Home tab's buttons. Several of each kind sit in one view and Slack wants each `action_id` unique, so the id is
 * the prefix and what it acts on (`home_unlock:production`, `home_flag:scan_creation`); listeners match the prefix
 * (`prefixed`). Unlock's `value` is the environment; a flag's is `<name>:on|off`, the value it sets.
 */
export const HOME_UNLOCK = 'home_unlock';
export const HOME_FLAG = 'home_flag';

/** `home_unlock:production`: an action id made unique within the view by what it acts on. */
export function homeActionId(prefix: string, key: string): string {
  return `${prefix}:${key}`.slice(0, 255);
}

/** What a listener registers for a prefixed action id: every `<prefix>:…`. */
export function prefixed(prefix: string): RegExp {
  return new RegExp(`^${prefix}:`);
}

/**
 * Every `action_id` a deploy view can emit as a `block_actions` payload; each needs an `app.action` listener.
 * `ABORT_REASON_INPUT` is not here: a modal input without `dispatch_action` only arrives with the view submission.
 */
export const ACTION_IDS: readonly string[] = [
  DEPLOY_APPROVE,
  DEPLOY_ABORT,
  DEPLOY_PROMOTE,
  DEPLOY_PAUSE,
  DEPLOY_RESUME,
  DEPLOY_ROLLBACK,
  INCIDENT_UPDATE,
  INCIDENT_RESOLVE,
  INCIDENT_ESCALATE,
  ROLLBACK_DECLARE_INCIDENT,
  HOME_UNLOCK,
  HOME_FLAG,
];

/** `callback_id` of `/rollback`'s confirmation; its `private_metadata` is the JSON of `RollbackTarget`. */
export const ROLLBACK_CONFIRM_MODAL = 'rollback_confirm';
/** The required reason in the rollback confirmation. */
export const ROLLBACK_REASON_BLOCK = 'rollback_reason';
export const ROLLBACK_REASON_INPUT = 'rollback_reason_input';

/** Every `callback_id` a deploy view can submit; each needs an `app.view` listener. */
export const VIEW_CALLBACK_IDS: readonly string[] = [
  DEPLOY_ABORT_MODAL,
  ROLLBACK_CONFIRM_MODAL,
  INCIDENT_UPDATE_MODAL,
  INCIDENT_RESOLVE_MODAL,
];

/** The actions block holding Promote, Pause/Resume and Roll back (with `:<phase>:<step>` while a phase is active). */
export const ROLLOUT_BLOCK = 'deploy_rollout';

const GATE_BLOCK_PREFIX = 'deploy_gate:';

/**
 * The `block_id` of the actions block under an open gate. It carries the gate's `seq`, so each gate's buttons are a
 * new block of the message, never the block rendered for an earlier gate, and a click says which gate it approves.
 */
export function gateBlockId(gateSeq: number): string {
  return `${GATE_BLOCK_PREFIX}${gateSeq}`;
}

/**
 * The rollout block's `block_id`: the active phase and its canary step, so a click on Promote, Pause, Resume or Roll
 * back says which step it was rendered for (`deploy_rollout:canary:1`); `ROLLOUT_BLOCK` with no phase active.
 */
export function rolloutBlockId(active?: { id: string; step: number }): string {
  return active ? `${ROLLOUT_BLOCK}:${active.step}:${active.id}`.slice(0, 255) : ROLLOUT_BLOCK;
}

/** What a clicked block was rendered for (see `gateBlockId`, `rolloutBlockId`), or undefined when it does not say. */
export function renderedForBlock(blockId: string): RenderedFor | undefined {
  const gate = /^deploy_gate:(\d{1,9})$/.exec(blockId);
  if (gate) return { gateSeq: Number(gate[1]) };
  const rollout = /^deploy_rollout:(\d{1,4}):(.+)$/.exec(blockId);
  if (rollout) return { step: Number(rollout[1]), phaseId: rollout[2] ?? '' };
  return undefined;
}
