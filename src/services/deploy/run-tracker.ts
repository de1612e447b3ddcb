import type { Logger } from 'pino';
import type { DeploymentState } from '../../domain/deploy/deployment-state.js';
import { type EngineSettings, nextSteps } from '../../domain/deploy/next-step.js';
import { pollPace } from '../../domain/deploy/poll-pace.js';
import type { DeploymentRecords } from './deployment-records.js';
import type {
  DeployJobs,
  DispatchLease,
  DispatchLedger,
  EnvironmentLanes,
  GitHubBudget,
  ListedRun,
  RepoRef,
  RunListState,
  RunLists,
  WorkflowRuns,
} from './ports.js';

export interface RunTrackerSettings extends Pick<EngineSettings, 'gateTimeoutMs'> {
  /** How often the sweep job comes (`trackingCadence`): re-drives deployments, and reads run lists when due. */
  sweepEveryMs: number;
  /** How often run lists are read from GitHub: twice per poll interval, or the slow safety net when webhooks tell. */
  trackEveryMs: number;
  /** How often a deployment with a step to take is re-driven (`deploy.pollInterval`). */
  redriveEveryMs: number;
  /** Where runs not remembered with a repository are (those dispatched before runs kept theirs). */
  repo: RepoRef;
}

export interface RunTrackerDeps {
  records: Pick<DeploymentRecords, 'get'>;
  lanes: Pick<EnvironmentLanes, 'tracked'>;
  runs: Pick<WorkflowRuns, 'listRuns' | 'poll'>;
  ledger: Pick<DispatchLedger, 'reposOf' | 'etagOf' | 'saveEtag'>;
  lists: RunLists;
  lease: DispatchLease;
  jobs: Pick<DeployJobs, 'advance' | 'runCompleted' | 'runNumbered'>;
  budget?: GitHubBudget;
  settings: RunTrackerSettings;
  now: () => number;
  logger: Logger;
}

/** A run the sweep watches: its deployment, and when it was dispatched (the run list starts a little before). */
interface Watched {
  id: string;
  runId: number;
  dispatchedAt: number;
  /** Its `run_number` is recorded already (the dispatch does not tell it; the list does). */
  numbered: boolean;
}

export type SweepOutcome =
  /** Another process is sweeping: sweeps never overlap. */
  { status: 'elsewhere' } | { status: 'swept'; redriven: number; watched: number; requests: number };

/** Runs created this long before the oldest watched one are in the list too: GitHub's clock and ours differ. */
const CLOCK_SKEW_MS = 60_000;
/** A repository with more dispatched runs than this in the window is read no further; its stragglers one by one. */
const MAX_PAGES = 10;

/**
 * The sweep: one at a time across replicas (a lease), it re-drives every unfinished deployment that has a step to
 * take (as a job, not here) and watches every running workflow run with one conditional list request per
 * repository (a free 304 while nothing changed) instead of one request per run. A run seen ended is handed to its
 * own job; nothing is applied inside the sweep, so a slow GitHub or Slack never holds it up.
 */
export class RunTracker {
  constructor(private readonly deps: RunTrackerDeps) {}

  async sweep(): Promise<SweepOutcome> {
    const { lease, settings } = this.deps;
    const release = await lease.acquire('deploy-sweep', Math.max(30_000, settings.sweepEveryMs * 6));
    if (!release) return { status: 'elsewhere' };
    try {
      const { watched, redriven } = await this.redrive();
      const requests = await this.track(watched);
      return { status: 'swept', redriven, watched: watched.length, requests };
    } finally {
      await release();
    }
  }

  /** Queues an advance for every deployment with something to do besides waiting on a run, once per interval. */
  private async redrive(): Promise<{ watched: Watched[]; redriven: number }> {
    const { records, lanes, jobs, settings, now } = this.deps;
    const bucket = Math.floor(now() / settings.redriveEveryMs);
    const watched: Watched[] = [];
    let redriven = 0;
    for (const id of await lanes.tracked()) {
      const stored = await records.get(id);
      if (!stored) continue;
      const steps = nextSteps(stored.value, settings);
      for (const step of steps)
        if (step.kind === 'poll')
          watched.push({ id, runId: step.runId, ...dispatchOf(stored.value.state, step.runId) });
      if (steps.some((step) => step.kind !== 'poll')) {
        await jobs.advance(id, `sweep-${bucket}`);
        redriven += 1;
      }
    }
    return { watched, redriven };
  }

  /** Reads each due repository's run list and hands every watched run seen ended to its job; answers requests made. */
  private async track(watched: Watched[]): Promise<number> {
    if (watched.length === 0) return 0;
    const { ledger, settings } = this.deps;
    const repos = await ledger.reposOf(watched.map((run) => run.runId));
    const byRepo = new Map<string, { repo: RepoRef; runs: Watched[] }>();
    for (const run of watched) {
      const repo = repos.get(run.runId) ?? settings.repo;
      const key = `${repo.owner}/${repo.repo}`;
      const group = byRepo.get(key) ?? { repo, runs: [] };
      group.runs.push(run);
      byRepo.set(key, group);
    }
    let requests = 0;
    for (const { repo, runs } of byRepo.values()) requests += await this.trackRepo(repo, runs, byRepo.size);
    return requests;
  }

  private async trackRepo(repo: RepoRef, watched: Watched[], repoCount: number): Promise<number> {
    const { lists, runs, budget, settings, now, logger } = this.deps;
    const last = await lists.get(repo);
    const pace = pollPace({
      baseMs: settings.trackEveryMs,
      repos: repoCount,
      ...(budget?.latest() ? { rateLimit: budget.latest() } : {}),
      now: now(),
    });
    // Half a sweep of slack: a sweep that comes a little early still polls, rather than a whole interval late.
    if (last && now() - last.polledAt < pace - settings.sweepEveryMs / 2) return 0;
    const createdSince = new Date(Math.min(...watched.map((run) => run.dispatchedAt)) - CLOCK_SKEW_MS);
    const pages: RunListState['pages'] = [];
    let requests = 0;
    for (let page = 1; page <= MAX_PAGES; page += 1) {
      const cached = last?.pages[page - 1];
      const answer = await runs.listRuns(repo, { createdSince, page }, cached?.etag);
      requests += 1;
      if (answer.status === 'unavailable') {
        logger.warn(
          { event: 'deploy.poll_transient', repo: `${repo.owner}/${repo.repo}`, err: answer.cause },
          'GitHub hiccup; next sweep',
        );
        return requests;
      }
      if (answer.status === 'unchanged' && cached) pages.push(cached);
      else if (answer.status === 'ok')
        pages.push({ ...(answer.etag ? { etag: answer.etag } : {}), runs: answer.runs });
      const more = answer.status === 'ok' ? answer.more : (cached?.runs.length ?? 0) >= 100;
      if (!more) break;
    }
    await lists.set(repo, { polledAt: now(), pages });
    const listed = new Map<number, ListedRun>(pages.flatMap((page) => page.runs.map((run) => [run.id, run])));
    for (const run of watched) {
      const seen = listed.get(run.runId);
      if (seen?.runNumber !== undefined && !run.numbered)
        await this.deps.jobs.runNumbered(run.runId, seen.runNumber);
      if (seen?.status === 'completed')
        await this.deps.jobs.runCompleted(run.runId, seen.conclusion ?? 'failure');
      else if (!seen) requests += await this.lookAtOne(repo, run);
    }
    return requests;
  }

  /** A run the list does not show (just created, or deleted): one conditional look at it, a 304 while unchanged. */
  private async lookAtOne(repo: RepoRef, run: Watched): Promise<number> {
    const { runs, ledger, jobs } = this.deps;
    const polled = await runs.poll({ ...repo, runId: run.runId }, await ledger.etagOf(run.runId));
    if (polled.status === 'gone') await jobs.runCompleted(run.runId, 'gone');
    if (polled.status === 'running' || polled.status === 'completed') {
      if (polled.etag) await ledger.saveEtag(run.runId, polled.etag);
      if (polled.status === 'completed') await jobs.runCompleted(run.runId, polled.conclusion);
    }
    return 1;
  }
}

/**
 * When a run was dispatched, from the record (the request, for a run it does not know: the list then starts
 * recent), and whether its number is recorded.
 */
function dispatchOf(state: DeploymentState, runId: number): { dispatchedAt: number; numbered: boolean } {
  const rollback = state.rollback?.runs?.find((run) => run.runId === runId);
  if (rollback)
    return {
      dispatchedAt: rollback.dispatchedAt ?? state.rollback?.requestedAt ?? state.requestedAt,
      numbered: rollback.runNumber !== undefined,
    };
  for (const phase of state.phases)
    for (const run of phase.runs)
      if (run.runId === runId) return { dispatchedAt: run.dispatchedAt, numbered: run.number !== undefined };
  return { dispatchedAt: state.requestedAt, numbered: true };
}
