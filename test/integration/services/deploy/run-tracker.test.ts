import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GitHubSim, greenlightWorkflow } from '../../../../playground/sim/github.js';
import { githubRateBudget } from '../../../../src/adapters/github/rate-budget.js';
import { githubWorkflowRuns } from '../../../../src/adapters/github/workflow-runs.js';
import { redisDispatchLease } from '../../../../src/adapters/redis/dispatch-lease.js';
import { redisDispatchLedger } from '../../../../src/adapters/redis/dispatch-ledger.js';
import { redisDocumentStore } from '../../../../src/adapters/redis/document-store.js';
import { redisEnvironmentLanes } from '../../../../src/adapters/redis/environment-lanes.js';
import { type RedisKeys, redisKeys } from '../../../../src/adapters/redis/keys.js';
import { redisRunLists } from '../../../../src/adapters/redis/run-lists.js';
import { type DeployRecord, deployRecordSchema } from '../../../../src/domain/deploy/deploy-record.js';
import { createDeployment } from '../../../../src/domain/deploy/deployment-state.js';
import { type PlanConfig, planDeployment } from '../../../../src/domain/deploy/plan.js';
import { trackingCadence } from '../../../../src/domain/deploy/poll-pace.js';
import { workflowInputs } from '../../../../src/domain/deploy/workflow-inputs.js';
import { createLogger } from '../../../../src/logger.js';
import type { DeployJobs, RepoRef } from '../../../../src/services/deploy/ports.js';
import { RunTracker, type RunTrackerSettings } from '../../../../src/services/deploy/run-tracker.js';
import { applyAll } from '../../../helpers/deployment-events.js';
import { testGitHubClient } from '../../../helpers/github.js';
import { deleteKeys, testRedis, uniquePrefix } from '../../../helpers/redis.js';
import { startTestGitHub } from '../../../helpers/simulators.js';

const PLATFORM = { owner: 'acme', repo: 'platform' };
const WEB = { owner: 'acme', repo: 'web' };
const WORKFLOW = 'deploy.yml';

const config: PlanConfig = {
  github: { workflow: WORKFLOW, ref: 'main' },
  environments: { staging: { approvals: 0, approvers: [] } },
  services: { api: {} },
  pipeline: [{ id: 'deploy', title: 'Deploy', inputs: { deployment_phase: 'deploy' } }],
};

/** The jobs the sweep hands work to, as they were asked for. */
class CollectedJobs implements Pick<DeployJobs, 'advance' | 'runCompleted' | 'runNumbered'> {
  readonly completed: { runId: number; conclusion: string }[] = [];
  readonly numbered: { runId: number; runNumber: number }[] = [];
  readonly advanced: string[] = [];
  async runNumbered(runId: number, runNumber: number) {
    this.numbered.push({ runId, runNumber });
  }
  async advance(id: string) {
    this.advanced.push(id);
  }
  async runCompleted(runId: number, conclusion: string) {
    this.completed.push({ runId, conclusion });
  }
}

describe('the sweep watches runs through one run list per repository', () => {
  let github: GitHubSim;
  let redis: Redis;
  let prefix: string;
  let keys: RedisKeys;
  beforeEach(async () => {
    github = await startTestGitHub({
      repos: [
        { fullName: 'acme/platform', workflows: [greenlightWorkflow(WORKFLOW)] },
        { fullName: 'acme/web', workflows: [greenlightWorkflow(WORKFLOW)] },
      ],
    });
    redis = testRedis();
    prefix = uniquePrefix('tracker');
    keys = redisKeys(`${prefix}greenlight:`, `${prefix}feature:`);
  });
  afterEach(async () => {
    await github.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const runs = () => githubWorkflowRuns(testGitHubClient({ baseUrl: github.apiUrl }));
  const store = () => redisDocumentStore<DeployRecord>(redis, keys.deployment, deployRecordSchema);

  /** A deployment whose one phase runs in `repo`: dispatched on the simulator, recorded, tracked. */
  async function running(id: string, repo: RepoRef): Promise<number> {
    const planned = planDeployment(config, { env: 'staging', greenlightId: id });
    if (!planned.ok) throw new Error(planned.message);
    const built = workflowInputs(
      { deployment_phase: 'deploy' },
      { environment: 'staging', ref: 'main', greenlightId: `${id}-deploy-0` },
    );
    if (!built.ok) throw new Error(built.message);
    const dispatched = await runs().dispatch({
      ...repo,
      workflow: WORKFLOW,
      ref: 'main',
      inputs: built.inputs,
      correlationId: `${id}-deploy-0`,
      dispatchedAfter: new Date(),
    });
    if (!dispatched.ok) throw new Error(dispatched.message);
    const now = Date.now();
    const state = applyAll(
      { ...createDeployment({ plan: planned.plan, requestedBy: 'U0ALICE' }, now), id },
      { type: 'start', at: now },
      { type: 'phaseDispatched', runId: dispatched.runId, url: 'https://example.test', at: now },
    );
    await store().replace(id, 0, {
      state,
      plan: planned.plan,
      meta: { repliesPosted: 0, githubDeploymentId: 1 },
    });
    await redisDispatchLedger(redis, keys).rememberRun(dispatched.runId, id, repo);
    await redisEnvironmentLanes(redis, keys).track(id);
    return dispatched.runId;
  }

  function tracker(
    jobs: CollectedJobs,
    cadence: Partial<RunTrackerSettings> = {},
    now: () => number = Date.now,
  ) {
    const documents = store();
    return new RunTracker({
      records: { get: (id) => documents.get(id) },
      lanes: redisEnvironmentLanes(redis, keys),
      runs: runs(),
      ledger: redisDispatchLedger(redis, keys),
      lists: redisRunLists(redis, keys),
      lease: redisDispatchLease(redis, keys),
      jobs,
      budget: githubRateBudget(),
      settings: {
        gateTimeoutMs: 3_600_000,
        sweepEveryMs: 10,
        trackEveryMs: 10,
        redriveEveryMs: 10,
        repo: PLATFORM,
        ...cadence,
      },
      now,
      logger: createLogger('silent'),
    });
  }

  const lists = () => github.requestsTo('actions/list-workflow-runs-for-repo');
  const pause = () => new Promise((resolve) => setTimeout(resolve, 20));

  it('one conditional request per repository per sweep, a 304 while nothing changed, an ended run handed to its job', async () => {
    const platformRuns = [
      await running('d1', PLATFORM),
      await running('d2', PLATFORM),
      await running('d3', PLATFORM),
    ];
    const webRuns = [await running('d4', WEB), await running('d5', WEB)];
    const jobs = new CollectedJobs();
    const sweeper = tracker(jobs);
    const before = github.requests.length;

    expect(await sweeper.sweep()).toMatchObject({ status: 'swept', watched: 5, requests: 2 });
    expect(
      lists()
        .map((request) => request.repo)
        .sort(),
    ).toEqual(['acme/platform', 'acme/web']);
    await pause();
    await sweeper.sweep();
    // Nothing changed: both reads sent the ETag and got a free 304.
    expect(
      lists()
        .slice(2)
        .map((request) => [request.conditional, request.status]),
    ).toEqual([
      [true, 304],
      [true, 304],
    ]);

    github.finish(webRuns[0] ?? 0, 'failure');
    await pause();
    await sweeper.sweep();
    const third = lists().slice(4);
    expect(third.map((request) => [request.repo, request.status]).sort()).toEqual([
      ['acme/platform', 304],
      ['acme/web', 200],
    ]);
    expect(jobs.completed).toEqual([{ runId: webRuns[0], conclusion: 'failure' }]);
    // Never a request per run: only the run lists.
    expect(
      github.requests
        .slice(before)
        .every((request) => request.route === 'actions/list-workflow-runs-for-repo'),
    ).toBe(true);
    expect(platformRuns).toHaveLength(3);
    expect(jobs.advanced).toEqual([]);
  });

  it("hands a run's number (which its dispatch did not answer) on from the list it reads anyway", async () => {
    const runId = await running('d1', PLATFORM);
    const jobs = new CollectedJobs();
    const before = github.requests.length;

    await tracker(jobs).sweep();

    expect(jobs.numbered).toEqual([{ runId, runNumber: github.run(runId)?.runNumber }]);
    // One list read, no look at the run itself.
    expect(github.requests.slice(before).map((request) => request.route)).toEqual([
      'actions/list-workflow-runs-for-repo',
    ]);
  });

  it('polling only, two replicas read the run list twice per poll interval between them, never both at once', async () => {
    await running('d1', PLATFORM);
    const { sweepEveryMs, readEveryMs, redriveEveryMs } = trackingCadence({
      pollIntervalMs: 5_000,
      webhookPollIntervalMs: 60_000,
      webhooks: false,
    });
    expect({ sweepEveryMs, readEveryMs, redriveEveryMs }).toEqual({
      sweepEveryMs: 2_500,
      readEveryMs: 2_500,
      redriveEveryMs: 5_000,
    });
    let clock = Date.now();
    const replica = () =>
      tracker(new CollectedJobs(), { sweepEveryMs, trackEveryMs: readEveryMs, redriveEveryMs }, () => clock);
    const [first, second] = [replica(), replica()];
    const readsAt = (...sweeps: [RunTracker, number][]) =>
      sweeps.reduce<Promise<number[]>>(async (done, [sweeper, after]) => {
        const reads = await done;
        clock += after;
        const before = lists().length;
        await sweeper.sweep();
        return [...reads, lists().length - before];
      }, Promise.resolve([]));

    // 0 s, 2.5 s, 5 s: a read each, whichever replica sweeps; a sweep 1 s after a read finds nothing due.
    expect(await readsAt([first, 0], [second, 2_500], [first, 1_000], [second, 1_500])).toEqual([1, 1, 0, 1]);
    // The read after that sends the ETag the other replica last got: a free 304.
    expect(lists().map((request) => request.status)).toEqual([200, 304, 304]);

    // Both replicas' sweeps come at the same moment: one reads, the other finds the lease taken.
    github.faults.latency(150);
    clock += 2_500;
    const outcomes = await Promise.all([first.sweep(), second.sweep()]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['elsewhere', 'swept']);
    expect(lists()).toHaveLength(4);
  });

  it('sweeps never overlap: a second sweep while one is under way does nothing', async () => {
    await running('d1', PLATFORM);
    github.faults.latency(150);
    const jobs = new CollectedJobs();
    const [first, second] = await Promise.all([tracker(jobs).sweep(), tracker(jobs).sweep()]);
    expect([first.status, second.status].sort()).toEqual(['elsewhere', 'swept']);
    expect(lists()).toHaveLength(1);
  });
});
