/**
 * In-memory fakes of the deploy engine's ports, for the orchestrator's unit tests only: the orchestrator talks to
 * ports, never to Redis or GitHub, so its crash paths can be played out in milliseconds. Each fake keeps to its
 * port's contract (compare-and-set versions, a lease held by one holder, a run found by its correlation id) and
 * records what was asked of it. Redis, BullMQ and GitHub themselves are tested against the real thing elsewhere.
 */
import type {
  AnnounceJobs,
  CancelResult,
  Claim,
  DeployJobs,
  DispatchLease,
  DispatchLedger,
  DispatchRequest,
  DispatchResult,
  EnvironmentLanes,
  EnvironmentLock,
  GitHubDeployments,
  RepoRef,
  RollbackClaims,
  RunListPage,
  RunListState,
  RunLists,
  RunPoll,
  RunRef,
  WorkflowRuns,
} from '../../src/services/deploy/ports.js';
import type { CasUpdate, DocumentStore, Versioned } from '../../src/services/ports.js';

export class MemoryStore<T> implements DocumentStore<T> {
  readonly docs = new Map<string, Versioned<T>>();
  /** Runs before each compare-and-set write, after the read: where a test slips in another writer. */
  beforeWrite?: (id: string) => void;

  async get(id: string): Promise<Versioned<T> | undefined> {
    const doc = this.docs.get(id);
    return doc && structuredClone(doc);
  }

  async getMany(ids: readonly string[]): Promise<Versioned<T>[]> {
    return ids.flatMap((id) => {
      const doc = this.docs.get(id);
      return doc ? [structuredClone(doc)] : [];
    });
  }

  async latest(): Promise<string[]> {
    return [...this.docs.keys()].reverse();
  }

  async replace(id: string, expectedVersion: number, value: T) {
    const current = this.docs.get(id)?.version ?? 0;
    if (current !== expectedVersion) return { ok: false as const, currentVersion: current };
    this.docs.set(id, { value: structuredClone(value), version: current + 1 });
    return { ok: true as const, version: current + 1 };
  }

  async casUpdate(id: string, change: (current: T) => T | undefined, attempts = 8): Promise<CasUpdate<T>> {
    for (let attempt = 0; attempt < attempts; attempt += 1) {
      const current = await this.get(id);
      if (!current) return { status: 'not-found' };
      const next = change(current.value);
      if (next === undefined) return { status: 'unchanged', ...current };
      this.beforeWrite?.(id);
      const written = await this.replace(id, current.version, next);
      if (written.ok) return { status: 'written', value: next, version: written.version };
    }
    throw new Error(`document ${id} kept changing under ${attempts} attempts to update it`);
  }
}

interface FakeRun {
  id: number;
  correlationId: string;
  conclusion?: string;
  /** Polls left before it completes with `conclusion`. */
  pollsLeft: number;
}

/**
 * GitHub Actions as the port sees it: a dispatch starts a run that completes after `pollsToComplete` looks (a run
 * list read or a look at the run itself).
 */
export class FakeWorkflowRuns implements WorkflowRuns {
  readonly runs: FakeRun[] = [];
  readonly dispatched: DispatchRequest[] = [];
  readonly cancelled: number[] = [];
  readonly polled: number[] = [];
  pollsToComplete = 1;
  conclusion = 'success';
  /** Polls answered `unavailable` (GitHub 5xx) before GitHub answers again. */
  unavailablePolls = 0;
  /** Runs while GitHub starts the run, before it answers the dispatch. */
  duringDispatch?: (request: DispatchRequest) => Promise<void>;
  /** Thrown after the run started: GitHub failed to answer the dispatch. */
  failAfterStart?: Error;
  /** Thrown before anything started: GitHub down. */
  failBeforeStart?: Error;

  /** A run an earlier dispatch started, as GitHub has it (the process died before recording it). */
  start(request: Pick<DispatchRequest, 'correlationId'>): number {
    const run = {
      id: 9001 + this.runs.length,
      correlationId: request.correlationId,
      pollsLeft: this.pollsToComplete,
    };
    this.runs.push(run);
    return run.id;
  }

  /** false: dispatches answer 204 without the run (Enterprise Server), which is then looked for. */
  namesRuns = true;
  /** Looks for a run that miss before GitHub lists it. */
  listedAfterLooks = 0;
  looks = 0;

  async dispatch(request: DispatchRequest): Promise<DispatchResult> {
    if (this.failBeforeStart) throw this.failBeforeStart;
    this.dispatched.push(request);
    const runId = this.start(request);
    await this.duringDispatch?.(request);
    if (this.failAfterStart) throw this.failAfterStart;
    if (!this.namesRuns) return { ok: false, reason: 'run_pending', message: 'accepted' };
    return { ok: true, runId, htmlUrl: `https://github.test/runs/${runId}`, via: 'return_run_details' };
  }

  async findRun(request: DispatchRequest) {
    this.looks += 1;
    if (this.looks <= this.listedAfterLooks) return undefined;
    const run = this.runs.find((candidate) => candidate.correlationId === request.correlationId);
    return run && { id: run.id, htmlUrl: `https://github.test/runs/${run.id}` };
  }

  /** Run list pages asked for, with the ETag sent. */
  readonly lists: { etag?: string }[] = [];

  async listRuns(
    _repo: RepoRef,
    _query: { createdSince: Date; page: number },
    etag?: string,
  ): Promise<RunListPage> {
    this.lists.push(etag === undefined ? {} : { etag });
    if (this.unavailablePolls > 0) {
      this.unavailablePolls -= 1;
      return { status: 'unavailable', cause: new Error('GitHub answered 502') };
    }
    for (const run of this.runs) {
      if (run.conclusion !== undefined) continue;
      run.pollsLeft -= 1;
      if (run.pollsLeft <= 0) run.conclusion = this.conclusion;
    }
    const now = `"${this.runs.map((run) => `${run.id}-${run.conclusion ?? 'running'}`).join(',')}"`;
    if (etag === now) return { status: 'unchanged' };
    return {
      status: 'ok',
      etag: now,
      more: false,
      runs: this.runs.map((run) =>
        run.conclusion === undefined
          ? { id: run.id, status: 'running' }
          : { id: run.id, status: 'completed', conclusion: run.conclusion },
      ),
    };
  }

  async poll({ runId }: RunRef, etag?: string): Promise<RunPoll> {
    this.polled.push(runId);
    if (this.unavailablePolls > 0) {
      this.unavailablePolls -= 1;
      return { status: 'unavailable', cause: new Error('GitHub answered 502') };
    }
    const run = this.runs.find((candidate) => candidate.id === runId);
    if (!run) return { status: 'gone' };
    if (run.conclusion === undefined) {
      run.pollsLeft -= 1;
      if (run.pollsLeft <= 0) run.conclusion = this.conclusion;
    }
    const now = `"${runId}-${run.conclusion ?? 'running'}"`;
    if (etag === now) return { status: 'unchanged' };
    return run.conclusion === undefined
      ? { status: 'running', etag: now }
      : { status: 'completed', etag: now, conclusion: run.conclusion };
  }

  async cancelRun({ runId }: RunRef): Promise<CancelResult> {
    this.cancelled.push(runId);
    const run = this.runs.find((candidate) => candidate.id === runId);
    if (run && run.conclusion === undefined) run.conclusion = 'cancelled';
    return { ok: true, state: 'cancel_requested' };
  }

  /** The dispatches of one correlation id. */
  dispatchesOf(correlationId: string): DispatchRequest[] {
    return this.dispatched.filter((request) => request.correlationId === correlationId);
  }
}

export class FakeGitHubDeployments implements GitHubDeployments {
  readonly created: { id: number; greenlightId: unknown }[] = [];
  readonly statuses: { deploymentId: number; state: string; description?: string }[] = [];

  async createDeployment(request: Parameters<GitHubDeployments['createDeployment']>[0]) {
    const id = 77 + this.created.length;
    this.created.push({ id, greenlightId: request.payload.greenlight_id });
    return { ok: true as const, deploymentId: id, sha: 'a'.repeat(40) };
  }

  async findDeployment(request: { greenlightId: string }) {
    return this.created.find((deployment) => deployment.greenlightId === request.greenlightId)?.id;
  }

  async setDeploymentStatus(
    deployment: { deploymentId: number },
    state: string,
    details: { description?: string } = {},
  ) {
    this.statuses.push({ deploymentId: deployment.deploymentId, state, ...details });
    return { ok: true as const, statusId: this.statuses.length };
  }
}

/** A lease per name; `heldElsewhere` names leases another (live) process holds. */
export class FakeLease implements DispatchLease {
  readonly held = new Set<string>();
  readonly heldElsewhere = new Set<string>();

  async acquire(name: string) {
    if (this.held.has(name) || this.heldElsewhere.has(name)) return undefined;
    this.held.add(name);
    return async () => {
      this.held.delete(name);
    };
  }
}

export class FakeLedger implements DispatchLedger {
  readonly attempts = new Map<string, number>();
  readonly accepted = new Map<string, number>();
  readonly owners = new Map<number, string>();
  readonly repos = new Map<number, RepoRef>();
  readonly etags = new Map<number, string>();

  async markAttempt(correlationId: string, at: number) {
    const before = this.attempts.get(correlationId);
    if (before === undefined) this.attempts.set(correlationId, at);
    return before;
  }
  async markAccepted(correlationId: string, at: number) {
    this.accepted.set(correlationId, at);
  }
  async acceptedAt(correlationId: string) {
    return this.accepted.get(correlationId);
  }
  async rememberRun(runId: number, deploymentId: string, repo: RepoRef) {
    this.owners.set(runId, deploymentId);
    this.repos.set(runId, repo);
  }
  async reposOf(runIds: readonly number[]) {
    return new Map(
      runIds.flatMap((runId) => {
        const repo = this.repos.get(runId);
        return repo ? [[runId, repo] as const] : [];
      }),
    );
  }
  async ownerOfRun(runId: number) {
    return this.owners.get(runId);
  }
  async etagOf(runId: number) {
    return this.etags.get(runId);
  }
  async saveEtag(runId: number, etag: string) {
    this.etags.set(runId, etag);
  }
}

export class FakeRollbackClaims implements RollbackClaims {
  readonly claims = new Map<string, string>();
  async claimRollback(env: string, services: readonly string[], id: string) {
    const holder = services
      .map((service) => this.claims.get(`${env}/${service}`))
      .find((held) => held && held !== id);
    if (holder) return holder;
    for (const service of services) this.claims.set(`${env}/${service}`, id);
    return undefined;
  }
  async rollbackHolder(env: string, service: string) {
    return this.claims.get(`${env}/${service}`);
  }
  async releaseRollback(env: string, services: readonly string[], id: string) {
    for (const service of services)
      if (this.claims.get(`${env}/${service}`) === id) this.claims.delete(`${env}/${service}`);
  }
}

export class FakeLanes implements EnvironmentLanes {
  readonly active = new Map<string, string>();
  readonly waiting = new Map<string, string[]>();
  readonly locks = new Map<string, EnvironmentLock>();
  readonly unfinished = new Set<string>();

  async claim(env: string, id: string): Promise<Claim> {
    const holder = this.active.get(env);
    if (holder === undefined || holder === id) {
      this.active.set(env, id);
      return { status: 'active' };
    }
    const queue = this.waiting.get(env) ?? [];
    if (!queue.includes(id)) queue.push(id);
    this.waiting.set(env, queue);
    return { status: 'queued', position: queue.indexOf(id) + 1, holder };
  }
  async release(env: string, id: string) {
    if (this.active.get(env) !== id) return { status: 'not-holder' as const };
    const next = (this.waiting.get(env) ?? []).shift();
    if (next === undefined) {
      this.active.delete(env);
      return { status: 'released' as const };
    }
    this.active.set(env, next);
    return { status: 'promoted' as const, next };
  }
  async leaveQueue(env: string, id: string) {
    const queue = this.waiting.get(env) ?? [];
    this.waiting.set(
      env,
      queue.filter((queued) => queued !== id),
    );
    return queue.includes(id);
  }
  async queue(env: string) {
    const active = this.active.get(env);
    return { ...(active ? { active } : {}), waiting: [...(this.waiting.get(env) ?? [])] };
  }
  async lock(env: string, lock: EnvironmentLock) {
    const held = this.locks.get(env);
    if (held) return { locked: false, lock: held };
    this.locks.set(env, lock);
    return { locked: true, lock };
  }
  async unlock(env: string) {
    const held = this.locks.get(env);
    this.locks.delete(env);
    return held;
  }
  async lockOf(env: string) {
    return this.locks.get(env);
  }
  async track(id: string) {
    this.unfinished.add(id);
  }
  async untrack(id: string) {
    this.unfinished.delete(id);
  }
  async tracked() {
    return [...this.unfinished];
  }
}

/** BullMQ as the port sees it: job ids merge repeats; `take` hands out the next `advance` not yet run. */
export class FakeJobs implements DeployJobs {
  readonly advances: string[] = [];
  readonly gateTimers: { id: string; seq: number; delayMs: number }[] = [];
  readonly readings: { id: string; tick: number; delayMs: number }[] = [];
  private readonly seen = new Set<string>();
  private readonly pending: string[] = [];

  async advance(id: string, cause: string, _delayMs?: number) {
    const jobId = `advance-${id}-${cause}`;
    this.advances.push(jobId);
    if (this.seen.has(jobId)) return;
    this.seen.add(jobId);
    this.pending.push(id);
  }
  async expireGate(id: string, seq: number, delayMs: number) {
    this.gateTimers.push({ id, seq, delayMs });
  }
  async analyse(id: string, tick: number, delayMs: number) {
    this.readings.push({ id, tick, delayMs });
  }
  /** Run cancels asked for, waiting to be run by the test (`stopRuns`), one per run until it is done. */
  readonly stopRuns = new Map<number, string>();
  async stopRun(id: string, runId: number) {
    this.stopRuns.set(runId, id);
  }
  /** Run ends handed to their jobs, not run yet (`takeCompletion`). */
  readonly completions: { runId: number; conclusion: string }[] = [];
  async runCompleted(runId: number, conclusion: string) {
    if (!this.completions.some((job) => job.runId === runId)) this.completions.push({ runId, conclusion });
  }
  takeCompletion() {
    return this.completions.shift();
  }
  /** Run numbers handed to their jobs, not run yet. */
  readonly numbers: { runId: number; runNumber: number }[] = [];
  async runNumbered(runId: number, runNumber: number) {
    if (!this.numbers.some((job) => job.runId === runId)) this.numbers.push({ runId, runNumber });
  }
  take(): string | undefined {
    return this.pending.shift();
  }
}

/** The announcement jobs asked for, in order (the timeline itself is the e2e tests' business). */
export class FakeAnnounceJobs implements AnnounceJobs {
  readonly announced: string[] = [];
  async announce(id: string) {
    this.announced.push(id);
  }
}

export class MemoryRunLists implements RunLists {
  readonly lists = new Map<string, RunListState>();
  async get(repo: RepoRef) {
    return structuredClone(this.lists.get(`${repo.owner}/${repo.repo}`));
  }
  async set(repo: RepoRef, state: RunListState) {
    this.lists.set(`${repo.owner}/${repo.repo}`, structuredClone(state));
  }
}
