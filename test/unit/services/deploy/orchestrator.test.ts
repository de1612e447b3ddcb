import { describe, expect, it } from 'vitest';
import type { DeployRecord } from '../../../../src/domain/deploy/deploy-record.js';
import { createDeployment, type DeploymentState } from '../../../../src/domain/deploy/deployment-state.js';
import { type PlanConfig, planDeployment } from '../../../../src/domain/deploy/plan.js';
import { createLogger } from '../../../../src/logger.js';
import { Analyst } from '../../../../src/services/deploy/analyst.js';
import { DeploymentIncidents } from '../../../../src/services/deploy/deployment-incidents.js';
import { DeploymentRecords } from '../../../../src/services/deploy/deployment-records.js';
import { RetryLater } from '../../../../src/services/deploy/dispatcher.js';
import { DeployOrchestrator } from '../../../../src/services/deploy/orchestrator.js';
import {
  FakeAnnounceJobs,
  FakeGitHubDeployments,
  FakeJobs,
  FakeLanes,
  FakeLease,
  FakeLedger,
  FakeRollbackClaims,
  FakeWorkflowRuns,
  MemoryRunLists,
  MemoryStore,
} from '../../../helpers/engine-ports.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const ID = 'gl_1';

const config: PlanConfig = {
  github: { workflow: 'deploy.yml', ref: 'main' },
  environments: { staging: { approvals: 0, approvers: [] } },
  services: { api: {} },
  pipeline: [
    { id: 'validation', title: 'Validation', inputs: { deployment_phase: 'validation' } },
    { id: 'rollout', title: 'Rollout', inputs: { deployment_phase: 'rollout' } },
  ],
};

/** The orchestrator over in-memory ports, and a worker loop that runs the `advance` jobs its writes queue. */
function engine() {
  const store = new MemoryStore<DeployRecord>();
  const runs = new FakeWorkflowRuns();
  const deployments = new FakeGitHubDeployments();
  const lease = new FakeLease();
  const ledger = new FakeLedger();
  const lanes = new FakeLanes();
  const jobs = new FakeJobs();
  const incidents: { deploymentId: string; version?: string }[] = [];
  const logger = createLogger('silent');
  let clock = T0;
  const now = () => (clock += 1_000);
  const records = new DeploymentRecords({
    store,
    index: (env) => `deploys:${env}`,
    jobs,
    announcements: new FakeAnnounceJobs(),
    logger,
  });
  const lastGood: { ref?: string } = {};
  const claims = new FakeRollbackClaims();
  const orchestrator = new DeployOrchestrator({
    records,
    lanes,
    runs,
    githubDeployments: deployments,
    lease,
    ledger,
    rollbackClaims: claims,
    lists: new MemoryRunLists(),
    jobs,
    analyst: new Analyst({ prober: { probe: async () => [], close: async () => {} }, checks: {}, now }),
    registry: {
      lastSucceeded: async () => (lastGood.ref ? ({ ref: lastGood.ref } as DeploymentState) : undefined),
    },
    incidents: new DeploymentIncidents({
      records,
      incidents: {
        declareFromRollback: async (request) => {
          incidents.push(request);
          return { ok: false, message: 'not kept by this test' };
        },
        forDeployment: async () => undefined,
      },
    }),
    settings: {
      owner: 'acme',
      repo: 'platform',
      gateTimeoutMs: 3_600_000,
      dispatchLockMs: 120_000,
      // The test clock moves a second per reading of it: every sweep reads the run list.
      sweepEveryMs: 1_000,
      trackEveryMs: 1_000,
      redriveEveryMs: 1_000,
      findRun: { firstLookMs: 1_000, windowMs: 30_000 },
      lockOnFailure: true,
      lockAfterRollback: true,
      rollback: { workflow: 'rollback.yml', ref: 'main', inputs: { deployment_phase: 'rollback' } },
    },
    now,
    logger,
  });
  /** Jobs that failed (BullMQ would retry them), in order. */
  const failures: unknown[] = [];

  return {
    store,
    runs,
    deployments,
    lease,
    ledger,
    lanes,
    jobs,
    records,
    incidents,
    lastGood,
    claims,
    orchestrator,
    failures,
    /** `/deploy staging`: the record, tracked, and its first job queued. */
    async request(): Promise<void> {
      const planned = planDeployment(config, { env: 'staging', greenlightId: ID });
      if (!planned.ok) throw new Error(planned.message);
      const state = createDeployment({ plan: planned.plan, requestedBy: 'U0ALICE' }, T0);
      await store.replace(ID, 0, { state, plan: planned.plan, meta: { repliesPosted: 1 } });
      await lanes.track(ID);
      await jobs.advance(ID, 'v1');
    },
    /** Runs queued jobs until none is left; a failed job is recorded, as BullMQ would before retrying it. */
    async drain(): Promise<void> {
      for (let left = 200; left > 0; left -= 1) {
        const id = jobs.take();
        const completion = id === undefined ? jobs.takeCompletion() : undefined;
        if (id === undefined && completion === undefined) return;
        const job =
          id !== undefined
            ? ({ kind: 'advance', id } as const)
            : ({ kind: 'run-completed', ...(completion as { runId: number; conclusion: string }) } as const);
        await orchestrator.handle(job).catch((error: unknown) => failures.push(error));
      }
    },
    /** The sweeper's pass over every unfinished deployment, then the jobs it led to. */
    async sweep(): Promise<void> {
      await orchestrator.handle({ kind: 'sweep' });
      await this.drain();
    },
    /** Sweeps (each followed by the jobs it led to) until the deployment is finished, at most `rounds` times. */
    async settle(rounds = 12): Promise<void> {
      await this.drain();
      for (let round = 0; round < rounds && !(await store.get(ID))?.value.meta.finalized; round += 1)
        await this.sweep();
    },
    async record(): Promise<DeployRecord> {
      const stored = await store.get(ID);
      if (!stored) throw new Error('no record');
      return stored.value;
    },
  };
}

const correlations = (runs: FakeWorkflowRuns) => runs.dispatched.map((request) => request.correlationId);

/** An engine whose deployment's first run was dispatched and is running (GitHub never ends it by itself). */
async function firstRunRunning() {
  const e = engine();
  e.runs.pollsToComplete = Number.POSITIVE_INFINITY;
  await e.request();
  await e.drain();
  return { e, runId: e.runs.runs[0]?.id ?? 0 };
}

describe('the orchestrator over in-memory ports', () => {
  it('runs a deployment through: each phase dispatched once, GitHub told, the environment handed on', async () => {
    const e = engine();
    await e.request();
    await e.settle();

    const { state, meta } = await e.record();
    expect(state.status).toBe('succeeded');
    expect(correlations(e.runs)).toEqual(['gl_1-validation-0', 'gl_1-rollout-0']);
    expect(e.runs.dispatched[1]?.inputs).toEqual({
      deployment_phase: 'rollout',
      environment: 'staging',
      ref: 'main',
      greenlight_id: 'gl_1-rollout-0',
    });
    expect(e.deployments.created).toEqual([{ id: 77, greenlightId: ID }]);
    expect(e.deployments.statuses.map((status) => status.state)).toEqual(['in_progress', 'success']);
    expect(meta).toMatchObject({ finalized: true, githubDeploymentId: 77 });
    expect(await e.lanes.queue('staging')).toEqual({ waiting: [] });
    expect(await e.lanes.tracked()).toEqual([]);
    expect(e.failures).toEqual([]);
  });

  it.each([
    [
      'a dispatch in flight when the process died: the run GitHub started is found, not dispatched again',
      (runs: FakeWorkflowRuns) => {
        runs.failAfterStart = new Error('process killed while GitHub answered');
      },
    ],
    [
      'GitHub down during a dispatch: the retry looks for a run, finds none, and sends the dispatch once',
      (runs: FakeWorkflowRuns) => {
        runs.failBeforeStart = new Error('GitHub answered 502 three times');
      },
    ],
  ])('%s', async (_, breakFirstAttempt) => {
    const e = engine();
    breakFirstAttempt(e.runs);
    await e.request();
    await e.drain();
    expect(e.failures).toHaveLength(1);
    expect((await e.record()).state.phases[0]?.status).toBe('dispatching');

    e.runs.failAfterStart = undefined;
    e.runs.failBeforeStart = undefined;
    await e.settle();

    const { state } = await e.record();
    expect(state.status).toBe('succeeded');
    expect(e.runs.dispatchesOf('gl_1-validation-0')).toHaveLength(1);
    expect(correlations(e.runs)).toEqual(['gl_1-validation-0', 'gl_1-rollout-0']);
    expect(state.phases[0]?.runs.map((run) => run.runId)).toEqual([e.runs.runs[0]?.id]);
    expect(e.ledger.owners.get(e.runs.runs[0]?.id ?? 0)).toBe(ID);
  });

  it('a lease held by another process: the job leaves the dispatch to it, and the sweep re-drives it once the lease lapsed', async () => {
    const e = engine();
    e.lease.heldElsewhere.add('gl_1-validation-0');
    await e.request();
    await e.drain();
    // Nothing dispatched and nothing failed: the holder's write queues the next step.
    expect(e.failures).toEqual([]);
    expect(e.runs.dispatched).toEqual([]);

    // Its holder died: the lease lapsed.
    e.lease.heldElsewhere.clear();
    await e.settle();
    expect(correlations(e.runs)).toEqual(['gl_1-validation-0', 'gl_1-rollout-0']);
  });

  it("a run's end takes the next step in its own job: the next phase is dispatched without an advance job", async () => {
    const { e, runId } = await firstRunRunning();
    const advancesBefore = e.jobs.advances.length;

    // As a webhook's job: GitHub says the validation run succeeded.
    await e.orchestrator.handle({ kind: 'run-completed', runId, conclusion: 'success' });

    expect(correlations(e.runs)).toEqual(['gl_1-validation-0', 'gl_1-rollout-0']);
    // Only the rollout's dispatch (recording its run) queued an advance; the run's end queued none.
    expect(e.jobs.advances.slice(advancesBefore)).toHaveLength(1);
    expect((await e.record()).state.phases.map((phase) => phase.status)).toEqual(['succeeded', 'running']);
  });

  it("a run's end that comes before its dispatch recorded the run is asked again, not dropped", async () => {
    const { e, runId } = await firstRunRunning();
    // As between the dispatch remembering the run's owner and recording the run: the phase still dispatching.
    const stored = await e.store.get(ID);
    if (!stored) throw new Error('no record');
    const { state } = stored.value;
    const dispatching = state.phases.map((phase, index) =>
      index === 0 ? { ...phase, status: 'dispatching' as const, runs: [] } : phase,
    );
    await e.store.replace(ID, stored.version, { ...stored.value, state: { ...state, phases: dispatching } });

    await expect(
      e.orchestrator.handle({ kind: 'run-completed', runId, conclusion: 'success' }),
    ).rejects.toBeInstanceOf(RetryLater);
    expect((await e.record()).state.phases[0]?.status).toBe('dispatching');
  });

  it("a retried run's end that finds the end written already queues the next step", async () => {
    const { e, runId } = await firstRunRunning();
    // The first try wrote the run's end and then failed (GitHub down) before dispatching the rollout.
    e.runs.failBeforeStart = new Error('GitHub answered 502 three times');
    await expect(
      e.orchestrator.handle({ kind: 'run-completed', runId, conclusion: 'success' }),
    ).rejects.toThrow('502');
    expect((await e.record()).state.phases.map((phase) => phase.status)).toEqual([
      'succeeded',
      'dispatching',
    ]);
    e.runs.failBeforeStart = undefined;

    await e.orchestrator.handle({ kind: 'run-completed', runId, conclusion: 'success' }, 1);
    await e.drain();
    expect(correlations(e.runs)).toEqual(['gl_1-validation-0', 'gl_1-rollout-0']);
  });

  it('two processes advancing the same deployment at once dispatch each phase once', async () => {
    const e = engine();
    e.runs.pollsToComplete = Number.POSITIVE_INFINITY;
    await e.request();
    const first = e.jobs.take() ?? '';
    await e.orchestrator.handle({ kind: 'advance', id: first });
    const settled = await Promise.allSettled([
      e.orchestrator.handle({ kind: 'advance', id: ID }),
      e.orchestrator.handle({ kind: 'advance', id: ID }),
    ]);
    await e.drain();
    await e.sweep();
    expect(settled.filter((result) => result.status === 'rejected').length).toBeLessThanOrEqual(1);
    expect(correlations(e.runs)).toEqual(['gl_1-validation-0']);
    expect((await e.record()).state.phases[0]?.runs).toHaveLength(1);
  });

  it('a concurrent write while the run is recorded: the change is redone on the newer record, the run recorded once', async () => {
    const e = engine();
    let slipped = false;
    e.store.beforeWrite = (id) => {
      if (slipped || e.runs.dispatched.length !== 1) return;
      slipped = true;
      // The timeline's message is recorded by a command at that very moment.
      const doc = e.store.docs.get(id);
      if (doc)
        e.store.docs.set(id, {
          version: doc.version + 1,
          value: { ...doc.value, meta: { ...doc.value.meta, message: { channel: 'C0STATUS', ts: '1.0' } } },
        });
    };
    await e.request();
    await e.settle();

    const { state, meta } = await e.record();
    expect(slipped).toBe(true);
    expect(meta.message).toEqual({ channel: 'C0STATUS', ts: '1.0' });
    expect(state.phases[0]?.runs).toHaveLength(1);
    expect(correlations(e.runs)).toEqual(['gl_1-validation-0', 'gl_1-rollout-0']);
    expect(state.status).toBe('succeeded');
  });

  it('a record that changes under every attempt: the job fails whole, and its retry finds the run it sent', async () => {
    const e = engine();
    let contended = true;
    e.store.beforeWrite = (id) => {
      const doc = e.store.docs.get(id);
      if (contended && doc && e.runs.dispatched.length === 1)
        e.store.docs.set(id, { ...doc, version: doc.version + 1 });
    };
    await e.request();
    await e.drain();
    expect(e.failures).toHaveLength(1);
    expect((await e.record()).state.phases[0]?.runs).toEqual([]);

    contended = false;
    await e.settle();
    expect(e.runs.dispatchesOf('gl_1-validation-0')).toHaveLength(1);
    expect((await e.record()).state.status).toBe('succeeded');
  });

  it('GitHub unavailable while polling: nothing changes, and the next sweep looks again', async () => {
    const e = engine();
    e.runs.unavailablePolls = 2;
    await e.request();
    await e.drain();
    expect((await e.record()).state.phases[0]?.runs[0]?.conclusion).toBeUndefined();

    await e.sweep();
    await e.sweep();
    expect((await e.record()).state.phases[0]?.status).toBe('running');
    await e.settle();
    expect((await e.record()).state.status).toBe('succeeded');
    expect(e.failures).toEqual([]);
  });

  it('watches runs through one run list per sweep, sent with the ETag of its last answer, never one request per run', async () => {
    const e = engine();
    e.runs.pollsToComplete = 3;
    await e.request();
    await e.drain();
    const runId = e.runs.runs[0]?.id ?? 0;
    await e.sweep();
    await e.sweep();
    await e.sweep();
    expect((await e.record()).state.phases[0]?.status).toBe('succeeded');
    // The first read learns the ETag; the second is sent with it (GitHub's 304); the third sees the run ended.
    expect(e.runs.lists.slice(0, 3)).toEqual([
      {},
      { etag: `"${runId}-running"` },
      { etag: `"${runId}-running"` },
    ]);
    expect(e.runs.polled).toEqual([]);
  });

  it("a run's number told after its dispatch is recorded once, without a next step; another run's is ignored", async () => {
    const { e, runId } = await firstRunRunning();
    const advances = e.jobs.advances.length;

    // A webhook for a run greenlight did not dispatch (a CI run dispatched by hand): nothing to record, no retry.
    await e.orchestrator.handle({ kind: 'run-numbered', runId: 999, runNumber: 5 });
    await e.orchestrator.handle({ kind: 'run-numbered', runId, runNumber: 418 });
    await e.orchestrator.handle({ kind: 'run-numbered', runId, runNumber: 419 });

    expect((await e.record()).state.phases[0]?.runs.map((run) => run.number)).toEqual([418]);
    expect(e.jobs.advances).toHaveLength(advances);
  });

  it("a run's end told between its owner being remembered and the run being recorded is asked again, not lost", async () => {
    const { e, runId } = await firstRunRunning();
    // The next phase's run: its dispatch remembered whose it is, and has not written it into the record yet.
    await e.ledger.rememberRun(runId + 1, ID, { owner: 'acme', repo: 'platform' });

    await expect(
      e.orchestrator.handle({ kind: 'run-completed', runId: runId + 1, conclusion: 'success' }),
    ).rejects.toThrow(RetryLater);
    // A run the record has, told twice: the second is stale, and not asked again.
    await e.orchestrator.handle({ kind: 'run-completed', runId, conclusion: 'success' });
    await e.orchestrator.handle({ kind: 'run-completed', runId, conclusion: 'success' });
    expect((await e.record()).state.phases[0]?.runs[0]?.conclusion).toBe('success');
  });

  it('sweeps never overlap: a sweep finding another under way does nothing', async () => {
    const e = engine();
    e.runs.pollsToComplete = Number.POSITIVE_INFINITY;
    await e.request();
    await e.drain();
    e.lease.heldElsewhere.add('deploy-sweep');
    await e.sweep();
    expect(e.runs.lists).toEqual([]);
    e.lease.heldElsewhere.delete('deploy-sweep');
    await e.sweep();
    expect(e.runs.lists).toHaveLength(1);
  });

  it('a run GitHub took without naming it is looked for by delayed jobs, never dispatched twice', async () => {
    const e = engine();
    e.runs.namesRuns = false;
    e.runs.pollsToComplete = Number.POSITIVE_INFINITY;
    // GitHub lists the run only at the third look: each miss queues the next look as a delayed job.
    e.runs.listedAfterLooks = 2;
    await e.request();
    await e.drain();
    expect(e.runs.looks).toBe(3);
    expect(e.jobs.advances.filter((job) => job.includes('-look-gl_1-validation-0-'))).toHaveLength(3);
    expect(e.runs.dispatchesOf('gl_1-validation-0')).toHaveLength(1);
    expect((await e.record()).state.phases[0]?.runs.map((run) => run.runId)).toEqual([e.runs.runs[0]?.id]);
  });

  it('a stop while GitHub starts the run: the run is cancelled, and the deployment ends untracked', async () => {
    const e = engine();
    e.runs.duringDispatch = async () => {
      e.runs.duringDispatch = undefined;
      await e.records.apply(ID, () => ({
        type: 'cancel',
        user: 'U0CAROL',
        access: { ok: true },
        at: T0 + 500,
      }));
    };
    await e.request();
    await e.drain();

    const { state, meta } = await e.record();
    expect(state.status).toBe('cancelled');
    expect(e.runs.cancelled).toEqual([e.runs.runs[0]?.id]);
    expect(e.runs.runs[0]?.conclusion).toBe('cancelled');
    // The GitHub Deployment went first (GitHub checked the commit), and hears the stop.
    expect(e.deployments.created).toHaveLength(1);
    expect(e.deployments.statuses.map((status) => status.state)).toEqual(['in_progress', 'inactive']);
    expect(meta.finalized).toBe(true);
    expect(await e.lanes.tracked()).toEqual([]);
    expect(await e.lanes.lockOf('staging')).toBeUndefined();
  });

  it('a GitHub Deployment created by a process that died before recording it is found, not created twice', async () => {
    const e = engine();
    await e.deployments.createDeployment({
      owner: 'acme',
      repo: 'platform',
      ref: 'main',
      environment: 'staging',
      description: 'greenlight gl_1 by U0ALICE',
      payload: { greenlight_id: ID },
      requiredContexts: [],
    });
    await e.ledger.markAttempt(`${ID}-github-deployment`, T0);
    await e.request();
    await e.settle();

    expect(e.deployments.created).toHaveLength(1);
    expect((await e.record()).meta.githubDeploymentId).toBe(77);
    expect(e.deployments.statuses.map((status) => status.state)).toEqual(['success']);
  });

  it('a failed run fails the deployment, locks the environment and starts the next in line', async () => {
    const e = engine();
    e.runs.pollsToComplete = Number.POSITIVE_INFINITY;
    await e.request();
    await e.drain();
    expect(await e.lanes.claim('staging', 'gl_2')).toEqual({ status: 'queued', position: 1, holder: ID });
    const run = e.runs.runs[0];
    if (run) run.conclusion = 'failure';
    await e.sweep();

    const { state } = await e.record();
    expect(state.status).toBe('failed');
    expect((await e.lanes.lockOf('staging'))?.reason).toBe(
      'deployment gl_1 failed; unlock with /deploy unlock staging once it is understood',
    );
    expect(e.deployments.statuses.map((status) => status.state)).toEqual(['in_progress', 'failure']);
    expect(e.jobs.advances).toContain('advance-gl_2-promoted-by-gl_1');
    expect(await e.lanes.queue('staging')).toEqual({ active: 'gl_2', waiting: [] });
  });

  it('rolls a rollout back once, to the last good version, cancelling its run, declaring one incident', async () => {
    const e = engine();
    e.lastGood.ref = 'v1.4.2';
    e.runs.pollsToComplete = Number.POSITIVE_INFINITY;
    await e.request();
    await e.drain();
    const rolloutRun = e.runs.runs[0]?.id;
    await e.records.apply(ID, () => ({
      type: 'rollback',
      user: 'U0CAROL',
      access: { ok: true },
      reason: 'rolled back by hand by <@U0CAROL>',
      at: T0 + 30_000,
    }));
    await e.drain();
    await e.sweep();

    const rollbacks = e.runs.dispatchesOf('gl_1-rollback');
    expect(rollbacks.map((request) => [request.workflow, request.ref, request.inputs])).toEqual([
      [
        'rollback.yml',
        'main',
        {
          deployment_phase: 'rollback',
          rollback_version: 'v1.4.2',
          environment: 'staging',
          ref: 'main',
          greenlight_id: 'gl_1-rollback',
        },
      ],
    ]);
    expect(e.runs.cancelled).toEqual([rolloutRun]);
    expect(e.incidents).toEqual([expect.objectContaining({ deploymentId: ID, version: 'v1.4.2' })]);

    const rollbackRun = e.runs.runs.at(-1);
    if (rollbackRun) rollbackRun.conclusion = 'success';
    await e.sweep();
    await e.sweep();
    const { state, meta } = await e.record();
    expect(state.status).toBe('rolled_back');
    expect(meta.finalized).toBe(true);
    expect(e.incidents).toHaveLength(1);
    expect((await e.lanes.lockOf('staging'))?.reason).toBe(
      'deployment gl_1 was rolled back; unlock with /deploy unlock staging once it is understood',
    );
  });

  /** Rolls the running rollout back by hand, as the timeline's button does. */
  const rollBack = (e: ReturnType<typeof engine>) =>
    e.records.apply(ID, () => ({
      type: 'rollback',
      user: 'U0CAROL',
      access: { ok: true },
      reason: 'rolled back by hand by <@U0CAROL>',
      at: T0 + 30_000,
    }));

  it('a rollout rolling itself back holds the rollback claim of every service it deployed until it ends', async () => {
    const e = engine();
    e.runs.pollsToComplete = Number.POSITIVE_INFINITY;
    await e.request();
    await e.drain();
    await rollBack(e);
    await e.drain();

    expect(e.runs.dispatchesOf('gl_1-rollback')).toHaveLength(1);
    // A /rollback of api confirmed now finds the claim taken, by this rollout.
    expect(await e.claims.claimRollback('staging', ['api'], 'gl_9')).toBe(ID);

    const rollbackRun = e.runs.runs.at(-1);
    if (rollbackRun) rollbackRun.conclusion = 'success';
    await e.sweep();
    await e.sweep();
    expect((await e.record()).state.status).toBe('rolled_back');
    expect(await e.claims.rollbackHolder('staging', 'api')).toBeUndefined();
  });

  it('a /rollback already holding the claim: the rollout dispatches no rollback beside it and ends, naming it', async () => {
    const e = engine();
    e.runs.pollsToComplete = Number.POSITIVE_INFINITY;
    await e.request();
    await e.drain();
    const manual = createDeployment(
      {
        plan: { ...(await e.record()).plan, greenlightId: 'gl_9' },
        number: 43,
        requestedBy: 'U0CAROL',
        rollbackOf: { service: 'api', reason: 'bad release' },
      },
      T0,
    );
    await e.store.replace('gl_9', 0, {
      state: { ...manual, id: 'gl_9' },
      plan: (await e.record()).plan,
      meta: { repliesPosted: 1 },
    });
    expect(await e.claims.claimRollback('staging', ['api'], 'gl_9')).toBeUndefined();

    await rollBack(e);
    await e.drain();
    await e.sweep();

    expect(e.runs.dispatchesOf('gl_1-rollback')).toEqual([]);
    const { state, meta } = await e.record();
    expect(state.status).toBe('failed');
    expect(state.rollback?.supersededBy).toBe('staging-43');
    expect(state.timeline.at(-1)?.text).toBe(
      'no rollback dispatched: `staging-43` (a /rollback already under way) rolls the same service back',
    );
    expect(meta.finalized).toBe(true);
    // The /rollback keeps its claim; the rollout freed nothing it did not hold.
    expect(await e.claims.rollbackHolder('staging', 'api')).toBe('gl_9');
    expect((await e.lanes.lockOf('staging'))?.reason).toBe(
      'deployment gl_1 was rolled back by staging-43; unlock with /deploy unlock staging once it is understood',
    );
  });
});
