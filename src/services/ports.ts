import type {
  FlagChangeNotice,
  FlagChangeSource,
  StoredFlag,
  StoredFlagValue,
} from '../domain/flags/flag-state.js';
import type { HomeSnapshot, HomeViewer } from '../domain/home/home-snapshot.js';
import type { IncidentRecord } from '../domain/incidents/incident-record.js';
import type { Role } from '../domain/policy/access.js';

/*
 * The ports the services in this folder need, in their terms; adapters implement them (Redis, Slack, BullMQ,
 * PagerDuty). The deploy services declare theirs in `deploy/ports.ts`.
 */

// ── Shared ──────────────────────────────────────────────────────────────────────────────────────────────────────

export interface Versioned<T> {
  value: T;
  version: number;
}

export type ReplaceResult = { ok: true; version: number } | { ok: false; currentVersion: number };

/** What a compare-and-set update did: wrote the changed document, left it as it was, or found none. */
export type CasUpdate<T> =
  | { status: 'written'; value: T; version: number }
  | { status: 'unchanged'; value: T; version: number }
  | { status: 'not-found' };

/**
 * JSON documents replaced only by compare-and-set on a version: the way two replicas (or a double-clicked
 * button and a poller) race on one deployment and exactly one transition wins.
 */
export interface DocumentStore<T> {
  get(id: string): Promise<Versioned<T> | undefined>;
  getMany(ids: readonly string[]): Promise<Versioned<T>[]>;
  /** The ids of an index, highest score (newest) first. */
  latest(indexKey: string, limit: number): Promise<string[]>;
  /** `expectedVersion` 0 creates the document; `indexScore` also adds it to the index sorted set. */
  replace(
    id: string,
    expectedVersion: number,
    value: T,
    index?: { key: string; score: number },
  ): Promise<ReplaceResult>;
  /**
   * Reads, changes and writes back by compare-and-set, re-reading and changing again when another writer got in
   * first. `change` answers undefined to leave the document as it is; it may run more than once, so it must not
   * have effects. Throws when every attempt lost: the caller retries later, as a whole.
   */
  casUpdate(id: string, change: (current: T) => T | undefined, attempts?: number): Promise<CasUpdate<T>>;
}

/** One audited action: an event name and flat string fields (who, what, why, outcome). */
export interface AuditEntry {
  action: string;
  by: string;
  at: string;
  [field: string]: string;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
}

export interface Permissions {
  /** Whether the user holds the role in the environment; an unknown environment grants nothing. */
  has(userId: string, role: Role, environment: string): Promise<boolean>;
}

export interface UserGroup {
  id: string;
  handle: string;
  users: readonly string[];
}

/** Who is in which Slack user group, for roles that name a group. */
export interface UserGroupDirectory {
  groups(): Promise<readonly UserGroup[]>;
}

// ── Flags ───────────────────────────────────────────────────────────────────────────────────────────────────────

export interface FlagWrite {
  name: string;
  value: StoredFlagValue;
  changeId: string;
  /** Only for an automatic revert: write only if this is still the flag's latest change. */
  expectedChangeId?: string;
  by: string;
  reason: string;
  at: string;
  until?: string;
  source: FlagChangeSource;
}

export type FlagWriteResult = { status: 'written'; old: string | null } | { status: 'superseded' };

export interface FlagStore {
  write(change: FlagWrite): Promise<FlagWriteResult>;
  read(name: string): Promise<StoredFlag>;
  readMany(names: readonly string[]): Promise<StoredFlag[]>;
  /**
   * Names of the flags greenlight knows in Redis (every flag it wrote, and those found once at start), at most
   * `limit`. Never scans the keyspace: the apps' Redis may hold millions of unrelated keys.
   */
  names(limit: number): Promise<string[]>;
}

/** A `--for` change's way back: the flip to undo, and who set it why. */
export interface FlagRevertJob {
  name: string;
  enabled: boolean;
  /** The change this job undoes; a newer change to the flag makes the job a no-op. */
  changeId: string;
  setBy: string;
  setReason: string;
  forText: string;
}

export interface FlagRevertScheduler {
  schedule(job: FlagRevertJob, delayMs: number): Promise<void>;
  cancel(changeId: string): Promise<void>;
}

export interface FlagAnnouncer {
  announce(notice: FlagChangeNotice): Promise<void>;
}

// ── Incidents ───────────────────────────────────────────────────────────────────────────────────────────────────

/** The card in the incident channel (views/incident-views.ts renders it). */
export interface IncidentCard {
  post(record: IncidentRecord): Promise<{ channel: string; ts: string }>;
  update(record: IncidentRecord, where: { channel: string; ts: string }): Promise<void>;
}

/** The registry's index of incidents by the deployment they were declared for. */
export interface IncidentLinks {
  link(deploymentId: string, incidentId: string): Promise<void>;
  incidentOf(deploymentId: string): Promise<string | undefined>;
}

export type SlackResult<T = object> = ({ ok: true } & T) | { ok: false; error: string };

/** An incident's own channel; results, not exceptions, so a failure can be shown on the card. */
export interface IncidentChannels {
  create(name: string): Promise<SlackResult<{ id: string; name: string }>>;
  invite(channel: string, user: string): Promise<SlackResult>;
}

/** What greenlight asks PagerDuty to do; the routing key and `source` are added by the adapter. */
export type PagerEvent =
  | {
      action: 'trigger';
      dedupKey: string;
      summary: string;
      severity: 'critical' | 'error' | 'warning';
      details: Record<string, string>;
      links?: { href: string; text: string }[];
    }
  | { action: 'resolve'; dedupKey: string };

export type PagerResult = { ok: true } | { ok: false; error: string };

/** Pages people. Never rejects: a refusal, a rate limit or an unreachable PagerDuty is a result with a sentence. */
export interface Pager {
  send(event: PagerEvent): Promise<PagerResult>;
}

// ── The Home tab ────────────────────────────────────────────────────────────────────────────────────────────────

/** Who opened the Home tab lately: the people a change is re-published for. */
export interface HomeViewers {
  seen(user: string, at: number): Promise<void>;
  /** Users who opened it since `since`, the most recent first, at most as many as the store keeps. */
  recent(since: number): Promise<string[]>;
}

/** Shows one viewer their Home tab (views.publish). */
export interface HomePublisher {
  publish(snapshot: HomeSnapshot, viewer: HomeViewer): Promise<void>;
}
