import { z } from 'zod';
import type { IncidentState } from './incident.js';

/** What PagerDuty was last told about an incident, and whether it listened. */
export interface PagingState {
  /** `greenlight-inc-7`: the same key triggers, re-triggers on escalation and resolves. */
  dedupKey: string;
  action: 'trigger' | 'resolve';
  status: 'sent' | 'failed';
  at: number;
  /** Why PagerDuty did not take the event (status `failed`). */
  error?: string;
}

/** Everything greenlight keeps about one incident, in one versioned document (replaced by compare-and-set). */
export interface IncidentRecord {
  /** What `/deploy stats` and other readers use: severity, declaredAt, resolvedAt, env, deploymentId. */
  state: IncidentState;
  meta: {
    /** The card in the incident channel. */
    message?: { channel: string; ts: string };
    /** Why the card could not be posted. */
    cardError?: string;
    /** The incident's own channel (`incidents.createChannel`), or why there is none. */
    channel?: { id: string; name: string } | { error: string };
    /** Why the declarer could not be invited to that channel. */
    inviteError?: string;
    paging?: PagingState;
    /** What an automatic rollback knew when it declared the incident. */
    rollback?: {
      reason: string;
      readings?: string;
      runUrl?: string;
      version?: string;
      /** The repositories it rolled back in, with their runs, when there were several. */
      runs?: { repository: string; url?: string }[];
    };
  };
}

/** Our own documents, written only by this code: a shape check is enough to catch a foreign or old document. */
export const incidentRecordSchema = z.custom<IncidentRecord>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    'state' in value &&
    'meta' in value &&
    typeof (value as { state: { id?: unknown } }).state.id === 'string' &&
    Array.isArray((value as { state: { timeline?: unknown } }).state.timeline),
  'not an incident record',
);
