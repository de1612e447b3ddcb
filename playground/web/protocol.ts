/**
 * What the playground's server and its page say to each other: the snapshot streamed to the page (Server-Sent
 * Events, `GET /events`) whenever the simulated Slack, GitHub or traffic change, and the requests the page posts to
 * `/api/…` when someone types a command, clicks, submits or moves a slider. Types only, shared by both sides.
 */

/** Who a person is to greenlight, from the playground config and the workspace's user groups. */
export type Role = 'deployer' | 'approver' | 'deployer and approver' | 'outsider';

export interface SnapshotUser {
  id: string;
  name: string;
  realName: string;
  role: Role;
  /** The user group handles they belong to (without `@`). */
  groups: string[];
}

export interface SnapshotMessage {
  ts: string;
  user: string;
  text: string;
  blocks?: unknown[];
  edited: boolean;
  /** Thread replies, oldest first (none for a reply itself). */
  replies: SnapshotMessage[];
}

export interface SnapshotChannel {
  id: string;
  name: string;
  /** A direct message between the bot and `user`. */
  im: boolean;
  user?: string;
  members: string[];
  messages: SnapshotMessage[];
}

export interface SnapshotEphemeral {
  channel: string;
  user: string;
  ts: string;
  text: string;
  blocks?: unknown[];
}

/** A modal on a user's screen, or a Home tab the bot published. */
export interface SnapshotView {
  id: string;
  user: string;
  hash: string;
  view: Record<string, unknown>;
}

export interface SnapshotRun {
  id: number;
  number: number;
  title: string;
  /** The `deployment_phase` input, and the `traffic_percentage` of a canary step. */
  phase: string;
  environment: string;
  traffic?: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  url: string;
  createdAt: number;
  updatedAt: number;
}

export interface SnapshotDeployment {
  id: number;
  environment: string;
  ref: string;
  sha: string;
  createdAt: number;
  statuses: { state: string; description: string; at: number }[];
}

/** How simulated runs move: queued this long, then in progress this long, then `conclusion`. */
export interface Lifecycle {
  queuedMs: number;
  runMs: number;
  conclusion: 'success' | 'failure';
}

/** The traffic the simulated app serves (and counts in Redis as the runbooks' apps do). */
export interface TrafficSettings {
  /** Share of requests that fail, 0–1. */
  errorRate: number;
  /** The p95 of request durations, in milliseconds. */
  latencyMs: number;
  requestsPerSecond: number;
}

/** A simulated service behind the config's health checks. */
export interface ServiceHealth {
  name: string;
  path: string;
  /** What it answers now. */
  status: number;
  healthy: boolean;
}

export interface Snapshot {
  team: { name: string; domain: string };
  bot: { userId: string; name: string };
  users: SnapshotUser[];
  usergroups: { id: string; handle: string }[];
  channels: SnapshotChannel[];
  ephemerals: SnapshotEphemeral[];
  modals: SnapshotView[];
  homes: SnapshotView[];
  /** The slash commands the app declares (manifest.yml). */
  commands: string[];
  github: {
    repo: string;
    webUrl: string;
    runs: SnapshotRun[];
    deployments: SnapshotDeployment[];
    lifecycle: Lifecycle;
    /** Signed workflow_run webhooks delivered to the bot, and how many it refused. */
    webhooks: { delivered: number; refused: number };
  };
  /** The Web API calls and response_url posts the bot made, and the ones Slack refused (Block Kit limits…). */
  slackApi: { calls: number; refused: SlackRefusal[] };
  traffic: TrafficSettings;
  services: ServiceHealth[];
  /** The feature flags as the apps read them (greenlight's flag client), `null` while unknown. */
  flags: { name: string; enabled: boolean | null }[];
}

/** A Web API call (or response_url post) the simulated Slack refused, as Slack words it. */
export interface SlackRefusal {
  method: string;
  error: string;
  /** `response_metadata.messages`: which block broke which rule. */
  messages: string[];
}

/** Where a clicked button is. */
export type Place = { channel: string; ts: string } | { ephemeralTs: string } | { viewId: string };

export interface CommandRequest {
  user: string;
  channel: string;
  /** What was typed: `/deploy production`, or a plain message. */
  text: string;
}

export interface ClickRequest {
  user: string;
  actionId: string;
  value?: string;
  place: Place;
}

export interface SubmitRequest {
  user: string;
  viewId: string;
  values: Record<string, Record<string, string | null>>;
}

/** Every `/api/…` answer: done, or what Slack's client would have said. */
export type ApiAnswer = { ok: true; errors?: Record<string, string> } | { ok: false; error: string };
