/**
 * An incident as greenlight records it: declared by a person or by an automatic rollback, updated, resolved. The
 * registry keeps one versioned document per incident (like deployments) and an index by declare time, which
 * `/deploy stats` reads for change-failure rate and time to restore.
 */
export type Severity = 'sev1' | 'sev2' | 'sev3';

export interface IncidentEntry {
  at: number;
  /** A Slack user id, or `greenlight` for what the bot adds (a rollback, a flag flip). */
  by: string;
  text: string;
}

export interface IncidentState {
  /** Short and typeable: `inc-7`. */
  id: string;
  severity: Severity;
  title: string;
  status: 'open' | 'resolved';
  declaredBy: string;
  declaredAt: number;
  /** The environment it concerns, when known (an automatic rollback's, or `production`). */
  env?: string;
  /** The deployment that caused it or that it rolled back, for change-failure rate. */
  deploymentId?: string;
  /** What people call that deployment (`production-42`), for the card. */
  deploymentName?: string;
  timeline: IncidentEntry[];
  resolvedAt?: number;
  resolvedBy?: string;
  summary?: string;
}

/** What an automatic (or manual) rollback knows when it turns into an incident. */
export interface RollbackIncidentRequest {
  env: string;
  deploymentId: string;
  /** What people call the deployment (`production-42`). */
  deploymentName?: string;
  /** Why it rolled back, one line: `error rate 7.2 % above 5 %`. */
  reason: string;
  /** The readings behind the decision, as text. */
  readings?: string;
  /** The rollback workflow run (the first, when it rolled back in several repositories). */
  rollbackRunUrl?: string;
  /** Every repository's rollback run, when a rollout rolled back in several. */
  rollbackRuns?: { repository: string; url?: string }[];
  /** The version rolled back to. */
  version?: string;
  /** A user id for a rollback someone asked for; `greenlight` (the default) for an automatic one. */
  by?: string;
  /** SEV2 unless the caller knows better. */
  severity?: Severity;
}
