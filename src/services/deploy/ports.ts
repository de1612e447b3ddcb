import type { HealthCheck, ProbeResult, SourceCursor, SourceMetrics } from '../../domain/analysis/reading.js';
import type { CommitCheck } from '../../domain/deploy/commit-checks.js';
import type { DeployRecord } from '../../domain/deploy/deploy-record.js';
import type { DeploymentState } from '../../domain/deploy/deployment-state.js';
import type { DoraIncident } from '../../domain/deploy/dora.js';

/*
 * The ports the deploy services need, in their terms: adapters implement them (GitHub, Redis, BullMQ, Slack,
 * probes, metric sources) and translate GitHub's errors and run outcomes into these results themselves.
 */

// ── GitHub Actions ──────────────────────────────────────────────────────────────────────────────────────────────

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface RunRef extends RepoRef {
  runId: number;
}

export interface DispatchRequest extends RepoRef {
  /** Workflow file name (`production-deployment.yml`) or numeric id. */
  workflow: string;
  ref: string;
  /** Built by `domain/deploy/workflow-inputs.ts`: holds `greenlight_id` equal to `correlationId`. */
  inputs: Readonly<Record<string, string>>;
  /**
   * Unique per dispatch (deployment, phase and step): a retried phase that reused it could be matched to the
   * earlier run.
   */
  correlationId: string;
  /** Just before the dispatch: runs created earlier are not this one. */
  dispatchedAfter: Date;
}

export type DispatchFailure =
  | 'too_many_inputs'
  | 'invalid_inputs'
  | 'workflow_not_found'
  | 'ref_not_found'
  | 'not_dispatchable'
  | 'forbidden'
  | 'unauthorized'
  | 'rejected'
  | 'run_not_found'
  /** GitHub took the dispatch without naming its run (Enterprise Server): it is looked for later, not sent again. */
  | 'run_pending';

export type DispatchResult =
  | {
      ok: true;
      runId: number;
      htmlUrl: string;
      via: 'return_run_details' | 'correlation';
      /**
       * GitHub's `run_number` (`#123`), when it was learnt with the run (a run looked for by its `greenlight_id`);
       * otherwise it comes later, from the run list or a webhook (`run-numbered`).
       */
      runNumber?: number;
    }
  | { ok: false; reason: DispatchFailure; message: string };

/** One look at a run, in the deployment's terms. */
export type RunPoll =
  /** Nothing changed since the ETag given (a free 304). */
  | { status: 'unchanged' }
  | { status: 'gone' }
  | { status: 'running'; etag?: string }
  /** Anything but `success` fails a phase: one that did not clearly deploy must not count as deployed. */
  | { status: 'completed'; etag?: string; conclusion: string }
  /** GitHub is down or rate-limited: try again at the next sweep, never fail a deployment for it. */
  | { status: 'unavailable'; cause: unknown };

/** One run as a run list shows it. */
export interface ListedRun {
  id: number;
  /** GitHub's `run_number` (`#123`): the dispatch answers only the run's id, the list tells its number. */
  runNumber?: number;
  status: 'running' | 'completed';
  /** Set once completed: success, failure, cancelled… */
  conclusion?: string;
}

/** One page of a repository's dispatched runs, asked with the ETag of the page's last answer. */
export type RunListPage =
  /** Nothing changed since that answer (a 304, which GitHub does not count against the rate limit). */
  | { status: 'unchanged' }
  | { status: 'ok'; etag?: string; runs: ListedRun[] /** Another page follows. */; more: boolean }
  /** GitHub is down or rate-limited: the next sweep asks again. */
  | { status: 'unavailable'; cause: unknown };

export type CancelResult =
  | { ok: true; state: 'cancel_requested' | 'already_finished' }
  | { ok: false; reason: 'run_not_found' | 'forbidden'; message: string };

/** Phases as GitHub Actions runs: start one, watch it, stop it. */
export interface WorkflowRuns {
  /** Sends one `workflow_dispatch`; throws only when GitHub stays unavailable (the job then retries). */
  dispatch(request: DispatchRequest): Promise<DispatchResult>;
  /**
   * The run an earlier dispatch of `request` started, if any: how a process that died between dispatching and
   * recording the run finds it again instead of dispatching twice.
   */
  findRun(request: DispatchRequest): Promise<{ id: number; htmlUrl: string; runNumber?: number } | undefined>;
  /** With the `etag` of the last answer, an unchanged run costs a 304 that does not count against the rate limit. */
  poll(run: RunRef, etag?: string): Promise<RunPoll>;
  /**
   * One page (100 runs, newest first) of the repository's dispatched runs created since `createdSince`: how the
   * sweep watches every run of a repository with one conditional request instead of one per run.
   */
  listRuns(repo: RepoRef, query: { createdSince: Date; page: number }, etag?: string): Promise<RunListPage>;
  /** A 202 only asks GitHub to cancel: keep polling until the run is `completed`. */
  cancelRun(run: RunRef): Promise<CancelResult>;
}

// ── GitHub Deployments ──────────────────────────────────────────────────────────────────────────────────────────

export interface DeploymentRequest extends RepoRef {
  ref: string;
  environment: string;
  description: string;
  /** Stored with the deployment for other tools to read (greenlight's deployment id, the plan…). */
  payload: Record<string, unknown>;
  /** The checks GitHub must find green on the commit before it records the deployment; `[]` for none. */
  requiredContexts: string[];
}

export interface DeploymentRef extends RepoRef {
  deploymentId: number;
}

export type CreateDeploymentResult =
  | { ok: true; deploymentId: number /** The commit GitHub resolved the ref to. */; sha?: string }
  | {
      ok: false;
      /** `checks_failed`: a required check is not green on the commit (GitHub's 409). */
      reason:
        | 'checks_failed'
        | 'merge_conflict'
        | 'auto_merged'
        | 'ref_not_found'
        | 'invalid'
        | 'forbidden'
        | 'not_found';
      message: string;
    };

/** The states greenlight reports; GitHub's environment page shows the latest. */
export type GitHubDeploymentState = 'queued' | 'in_progress' | 'success' | 'failure' | 'inactive' | 'error';

export interface DeploymentStatusDetails {
  /** Where the phase's output is: the workflow run page. */
  logUrl?: string;
  environmentUrl?: string;
  description?: string;
}

export type DeploymentStatusResult =
  | { ok: true; statusId: number }
  | { ok: false; reason: 'deployment_not_found' | 'forbidden' | 'invalid'; message: string };

/** Every greenlight deployment as a GitHub Deployment, so GitHub's environment page tells the same story. */
export interface GitHubDeployments {
  createDeployment(request: DeploymentRequest): Promise<CreateDeploymentResult>;
  /**
   * The recent Deployment of `environment` whose payload carries `greenlightId`: how a process that died between
   * creating a Deployment and recording it finds it again instead of creating a second one.
   */
  findDeployment(
    request: RepoRef & { environment: string; greenlightId: string },
  ): Promise<number | undefined>;
  setDeploymentStatus(
    deployment: DeploymentRef,
    state: GitHubDeploymentState,
    details?: DeploymentStatusDetails,
  ): Promise<DeploymentStatusResult>;
}

// ── Commits: what a ref is, whether it is green, and when it was made ──────────────────────────────────────────────

export interface CommitRequest extends RepoRef {
  /** A SHA, branch or tag: whatever was deployed. */
  ref: string;
}

export type CommitTimeResult =
  | { ok: true; sha: string; at: number }
  | { ok: false; reason: 'not_found' | 'forbidden'; message: string };

/** When a commit was made, for lead time: how long a change took from commit to production. */
export interface Commits {
  commitTime(request: CommitRequest): Promise<CommitTimeResult>;
}

/** GitHub could not be asked (down, rate-limited after the client's retries): nothing is decided on a guess. */
type Unavailable = { ok: false; reason: 'unavailable'; message: string };

export type ResolveRefResult =
  /** `isSha`: the ref named a commit (a full or abbreviated SHA), not a branch or tag. */
  | { ok: true; sha: string; isSha: boolean }
  | { ok: false; reason: 'not_found' | 'forbidden'; message: string }
  | Unavailable;

export type CommitChecksResult =
  | { ok: true; checks: CommitCheck[] }
  | { ok: false; reason: 'forbidden'; message: string }
  | Unavailable;

/** What `/deploy` asks GitHub before it queues anything: the commit a ref names, and the checks on it. */
export interface CommitChecks {
  resolveRef(request: CommitRequest): Promise<ResolveRefResult>;
  /**
   * Every commit status (newest per context) and check run on `sha`, except the jobs of runs of `ownWorkflows`:
   * greenlight's own deployment runs are not checks of the commit.
   */
  checks(request: RepoRef & { sha: string; ownWorkflows: readonly string[] }): Promise<CommitChecksResult>;
}

export interface CachedCommit {
  sha: string;
  /** Commit time, epoch ms. */
  at: number;
}

/**
 * Commit times already asked of GitHub, so repeated `/deploy stats` do not ask again. A field is a SHA, or
 * `<ref>@<deploymentId>` for a branch or tag (pinned to what the ref pointed at when it was first looked up).
 */
export interface CommitTimeCache {
  /** The cached entries among `fields`; an unreadable entry is left out (and looked up again). */
  get(fields: readonly string[]): Promise<Map<string, CachedCommit>>;
  set(entries: ReadonlyMap<string, CachedCommit>): Promise<void>;
}

// ── Jobs ────────────────────────────────────────────────────────────────────────────────────────────────────────

export type DeployJob =
  | { kind: 'advance'; id: string }
  | { kind: 'gate-expiry'; id: string; seq: number }
  | { kind: 'analyse'; id: string; tick: number }
  /** Cancels a cancelled deployment's run until GitHub confirms it ended (retried with backoff). */
  | { kind: 'stop-run'; id: string; runId: number }
  /** A run ended (seen by the sweep's list or told by a webhook): its deployment moves on, if the run is ours. */
  | { kind: 'run-completed'; runId: number; conclusion: string }
  /** A run's `run_number` (`#123`), seen in a run list or a webhook: recorded, and the timeline shows it. */
  | { kind: 'run-numbered'; runId: number; runNumber: number }
  | { kind: 'sweep' };

/**
 * How the engine schedules its next steps; job ids derive from the trigger, so repeats merge. A sweep every few
 * seconds (one per interval across replicas) re-drives every unfinished deployment.
 */
export interface DeployJobs {
  /**
   * `cause` names the trigger (`v7` for a state change, `promoted`…): the same cause twice is one job. With
   * `delayMs`, it runs that much later (a look for a dispatched run GitHub has not listed yet).
   */
  advance(id: string, cause: string, delayMs?: number): Promise<void>;
  /** Hands a run's end to its own job; the same run twice while it waits is one job. */
  runCompleted(runId: number, conclusion: string): Promise<void>;
  /** Hands a run's number to its own job; the same run twice is one job. */
  runNumbered(runId: number, runNumber: number): Promise<void>;
  expireGate(id: string, seq: number, delayMs: number): Promise<void>;
  /** The reading numbered `tick`, after `delayMs`; asking again while it waits or runs is the same job. */
  analyse(id: string, tick: number, delayMs: number): Promise<void>;
  /**
   * The durable cancel of a run a cancelled deployment left going: one job per run, retried with backoff until
   * GitHub confirms the run ended; asking again while it waits is the same job.
   */
  stopRun(id: string, runId: number): Promise<void>;
}

/** What the sweep last read of a repository's run list: when, and each page's ETag and runs. */
export interface RunListState {
  polledAt: number;
  pages: { etag?: string; runs: ListedRun[] }[];
}

/** The run lists the sweep read, per repository, shared by the replicas (whichever sweeps next reads them). */
export interface RunLists {
  get(repo: RepoRef): Promise<RunListState | undefined>;
  set(repo: RepoRef, state: RunListState): Promise<void>;
}

/** What GitHub last said of the token's rate limit (`x-ratelimit-remaining`, `-limit`, `-reset`). */
export interface RateLimitReading {
  remaining: number;
  limit?: number;
  /** Epoch ms when the window resets. */
  resetAt: number;
}

/** The newest rate-limit reading the GitHub client saw, so polling slows down before the limit, not after. */
export interface GitHubBudget {
  latest(): RateLimitReading | undefined;
}

// ── Environments ────────────────────────────────────────────────────────────────────────────────────────────────

export type Claim = { status: 'active' } | { status: 'queued'; position: number; holder: string };
export type Release =
  | { status: 'released' }
  | { status: 'promoted'; next: string }
  | { status: 'not-holder' };

export interface EnvironmentLock {
  by: string;
  reason: string;
  at: string;
  until?: string;
}

/**
 * One active deployment per environment, a FIFO queue behind it, and manual locks, agreed between replicas
 * without any process keeping them in memory.
 */
export interface EnvironmentLanes {
  claim(env: string, deploymentId: string): Promise<Claim>;
  release(env: string, deploymentId: string): Promise<Release>;
  /** Removes a queued deployment; true when it was waiting. */
  leaveQueue(env: string, deploymentId: string): Promise<boolean>;
  queue(env: string): Promise<{ active?: string; waiting: string[] }>;
  /** Locks unless already locked; answers the lock that holds the environment either way. */
  lock(
    env: string,
    lock: EnvironmentLock,
    ttlMs?: number,
  ): Promise<{ locked: boolean; lock: EnvironmentLock }>;
  unlock(env: string): Promise<EnvironmentLock | undefined>;
  lockOf(env: string): Promise<EnvironmentLock | undefined>;
  /** Deployments not finished yet, for the sweeper. */
  track(deploymentId: string): Promise<void>;
  untrack(deploymentId: string): Promise<void>;
  tracked(): Promise<string[]>;
}

/** What people call deployments: `production-42`, a number per environment, and the way back to the id. */
export interface DeploymentNames {
  /** The next number of `env`, recorded as naming deployment `id`. */
  assign(env: string, id: string): Promise<number>;
  /** The deployment a name (`production-42`) stands for. */
  idOf(name: string): Promise<string | undefined>;
}

// ── Doing a thing once ──────────────────────────────────────────────────────────────────────────────────────────

/** One process at a time may do a given thing (a dispatch, creating the GitHub Deployment, a round of probes). */
export interface DispatchLease {
  /**
   * The holder's release function, or undefined when another process holds the lease. The holder keeps it for up
   * to `ttlMs`, and the lease of a process that died lapses within seconds.
   */
  acquire(name: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
}

/** What was sent to GitHub, so a retry looks before it leaps, a webhook finds its deployment and a poll is free. */
export interface DispatchLedger {
  /** Marks it as (maybe) sent at `at`; answers when an earlier attempt marked it, if one did. */
  markAttempt(correlationId: string, at: number): Promise<number | undefined>;
  /**
   * GitHub took the dispatch at `at` without naming its run: the run is looked for (until a deadline), never sent
   * again.
   */
  markAccepted(correlationId: string, at: number): Promise<void>;
  acceptedAt(correlationId: string): Promise<number | undefined>;
  /** Remembers which deployment a run belongs to (for webhooks) and its repository (the sweep lists by repository). */
  rememberRun(runId: number, deploymentId: string, repo: RepoRef): Promise<void>;
  ownerOfRun(runId: number): Promise<string | undefined>;
  /** The repositories of runs, as remembered; a run not remembered is left out. */
  reposOf(runIds: readonly number[]): Promise<Map<number, RepoRef>>;
  /** The ETag of the last answer about a run, for a conditional (free) poll. */
  etagOf(runId: number): Promise<string | undefined>;
  saveEtag(runId: number, etag: string): Promise<void>;
}

/**
 * The one rollback of a service in an environment at a time, whichever kind: a `/rollback` claims its service, a
 * rollout rolling itself back every service it deployed.
 */
export interface RollbackClaims {
  /**
   * Claims every one of `services`, atomically, or none: answers the other deployment's id holding one of them, if
   * any. Claiming again what `id` already holds succeeds.
   */
  claimRollback(env: string, services: readonly string[], id: string): Promise<string | undefined>;
  rollbackHolder(env: string, service: string): Promise<string | undefined>;
  /** Frees the claims `id` still holds. */
  releaseRollback(env: string, services: readonly string[], id: string): Promise<void>;
}

// ── Slack ───────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * What Slack made of one call: done, or not now and when to try again. `paced` means greenlight held the call back
 * itself to stay within Slack's rate limits (nothing was sent); the others are Slack's answer (`rate_limited`: a 429
 * with its Retry-After; `unavailable`: a 5xx, `internal_error` or no answer; `refused`: any other error).
 */
export type SlackOutcome<T = undefined> =
  | { ok: true; value: T }
  | {
      ok: false;
      reason: 'paced' | 'rate_limited' | 'unavailable' | 'refused';
      retryInMs: number;
      message: string;
    };

/**
 * What the status channel shows, one Slack call at a time, paced per channel within Slack's tiers: a call that
 * would exceed them, or that Slack refuses, answers when to try again instead of waiting in a worker slot.
 */
export interface DeployAnnouncer {
  /** Posts the timeline message of a deployment that has none yet. */
  post(record: DeployRecord): Promise<SlackOutcome<{ channel: string; ts: string }>>;
  /** Re-renders the timeline message (`record.meta.message`) from the record's state. */
  update(record: DeployRecord, message: { channel: string; ts: string }): Promise<SlackOutcome>;
  /** One thread reply under the timeline, for a decision (`repliesInThread`). */
  reply(
    record: DeployRecord,
    message: { channel: string; ts: string },
    entry: DeployRecord['state']['timeline'][number],
  ): Promise<SlackOutcome>;
  /** A direct message to one approver with the open gate's Approve and Abort buttons. */
  askApprover(record: DeployRecord, user: string): Promise<SlackOutcome>;
}

/** What Slack has been shown of each deployment, so a retried announcement repeats nothing. */
export interface AnnouncementLedger {
  read(id: string): Promise<{
    /** Whether the timeline message shows this state already. */
    shows: (state: DeploymentState) => boolean;
    /** The seq of the gate whose buttons the timeline message shows, if any. */
    gateShown?: number;
    /** Timeline entries handled for thread replies (posted or needing none). */
    replied?: number;
  }>;
  /** The timeline message now shows `state` (and its gate's buttons when one is open). */
  shown(id: string, state: DeploymentState): Promise<void>;
  replied(id: string, count: number): Promise<void>;
  /** Whether `user` was sent the buttons of gate `seq` already; marks it sent. */
  askedApprover(id: string, seq: number, user: string): Promise<boolean>;
  /** Un-marks it after a send that failed, so the next try sends it. */
  forgetApprover(id: string, seq: number, user: string): Promise<void>;
}

/**
 * One run of an announcement: done, or try again after `retryInMs` (a durable delay, not a sleep). `refused`: Slack
 * refused the call for a reason a retry will likely meet again (a channel gone, a scope missing), so the retries are
 * counted and end, where a 429 or a 5xx is waited out however long it lasts.
 */
export type AnnounceRun = { done: true } | { done: false; retryInMs: number; refused?: string };

/** The durable announcement of a deployment: one job per deployment that renders its newest state. */
export interface AnnounceJobs {
  announce(id: string): Promise<void>;
}

/** The people a list of principals (user ids, user-group ids or `@handles`) names. */
export interface ApproverDirectory {
  usersOf(principals: readonly string[]): Promise<string[]>;
}

// ── Readings ────────────────────────────────────────────────────────────────────────────────────────────────────

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

export interface HealthTarget {
  service: string;
  check: HealthCheck;
}

export interface HealthProber {
  /** Probes every target at once; resolves (never rejects) with one result per target, in the targets' order. */
  probe(targets: readonly HealthTarget[]): Promise<ProbeResult[]>;
  /** Closes the kept-alive connections once the probes under way have finished. */
  close(): Promise<void>;
}

// ── Registries ──────────────────────────────────────────────────────────────────────────────────────────────────

/** What one window read returns: newest first, and where a capped read stopped. */
export interface WindowRead<T> {
  items: T[];
  /**
   * Set when more than `limit` fell in the window: the index score (request or declare time) of the oldest item
   * read. The figures then cover [truncatedAt, to) only.
   */
  truncatedAt?: number;
  /** Documents the index names that could not be read (deleted, or in a shape greenlight does not know). */
  unreadable: number;
}

/** The registry as `/deploy stats` reads it: by time window, through the indexes. */
export interface RegistryWindow {
  /** Deployments of `env` requested in [from, to). */
  deployments(env: string, from: number, to: number, limit: number): Promise<WindowRead<DeploymentState>>;
  /** Incidents declared in [from, to). */
  incidents(from: number, to: number, limit: number): Promise<WindowRead<DoraIncident>>;
}
