/**
 * The deploy UI's Block Kit builders, all pure: the status-channel timeline and its thread replies, the abort
 * modal, and the ephemeral replies to `/deploy`. Listeners import from here; ids live in `./ids.ts`.
 */
export { ABORT_REASON_MAX, ABORT_REASON_MIN, abortModal } from './deploy/abort-modal.js';
export { approvalRequest } from './deploy/approval-request.js';
export { canaryBar, formatDuration } from './deploy/deploy-text.js';
export {
  type DeployLock,
  deployAcceptedReply,
  deployHistoryReply,
  deployPlanReply,
  deployStatusReply,
  type EnvironmentStatus,
  envAlreadyLockedReply,
  envLockedReply,
  envLockTakenReply,
  notGreenReply,
  type QueuePlace,
} from './deploy/replies.js';
export {
  ROLLBACK_REASON_MIN,
  type RollbackConfirmation,
  type RollbackTarget,
  rollbackModal,
  rollbackStartedReply,
} from './deploy/rollback-views.js';
export { deployStatsReply } from './deploy/stats.js';
export { deployTimeline, gateActions, type TimelineContext } from './deploy/timeline.js';
export { timelineEvent } from './deploy/timeline-event.js';
