import type { TimelineEntry, TimelineKind } from './deployment-state.js';

/**
 * The moments worth a reply in the timeline's thread: decisions, by people or by the analysis, and how the
 * deployment ended. Progress (a phase dispatched or done, a canary step's hold, baselines, health checks) only
 * updates the timeline message, so the thread reads as the log of what was decided and why.
 */
const DECISIONS: ReadonlySet<TimelineKind> = new Set<TimelineKind>([
  'approved',
  'promoted',
  'paused',
  'resumed',
  'analysis_warning',
  'rollback_started',
  'rolled_back',
  'failed',
  'cancelled',
  'succeeded',
]);

/** Whether a timeline entry gets a thread reply of its own. */
export function repliesInThread(entry: Pick<TimelineEntry, 'kind'>): boolean {
  return DECISIONS.has(entry.kind);
}
