import type { SourceCursor, SourceMetrics } from '../../domain/analysis/reading.js';

/**
 * Where canary metrics come from. `read` resolves with what happened since `cursor` (the previous reading's,
 * absent for the first) and the cursor to pass next time; a source that cannot answer says why in
 * `metrics.noData` instead of rejecting, so a flaky metrics backend pauses a rollout rather than failing it.
 */
export interface MetricSource {
  read(input: { env: string; now: number; cursor?: SourceCursor }): Promise<{
    metrics: SourceMetrics;
    cursor: SourceCursor;
  }>;
  /** Releases what the source owns (connections it opened); a borrowed connection is left open. */
  close(): Promise<void>;
}
