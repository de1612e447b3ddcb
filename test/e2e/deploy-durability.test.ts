import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { greenlightWorkflow } from '../../playground/sim/github.js';
import { useE2E } from '../helpers/e2e.js';
import {
  type GreenlightProcess,
  simulatedEnv,
  spawnGreenlight,
  startedPort,
  writeConfigFile,
} from '../helpers/greenlight-process.js';
import type { StoredDeployment } from '../helpers/records.js';

const PHASES = ['validation', 'database_migration', 'rollout'] as const;
const WORKFLOW = 'production-deployment.yml';

/** greenlight.yml for these tests: three phases, production without approvals so a deployment starts at once. */
function fileConfig(prefix: string): Record<string, unknown> {
  return {
    slack: { statusChannel: '#deployment-status' },
    github: { owner: 'acme', repo: 'platform', workflow: WORKFLOW, ref: 'main' },
    redis: { keyPrefix: `${prefix}greenlight:` },
    environments: { production: { approvals: 0, deployers: [] } },
    pipeline: PHASES.map((id) => ({ id, title: id.replace('_', ' '), inputs: { deployment_phase: id } })),
    deploy: { pollInterval: '1s', gateTimeout: '1h', lockOnFailure: true },
    flags: { prefix: `${prefix}feature:`, channel: `${prefix}greenlight:flags` },
  };
}

describe('deployments survive a killed process and share work between replicas', () => {
  // A release tag besides main: a tag's run has no head_branch, so a look-up by branch would miss it.
  const e2e = useE2E('durability', {
    github: () => ({
      repos: [
        {
          fullName: 'acme/platform',
          workflows: [greenlightWorkflow(WORKFLOW)],
          tags: { 'v1.2.0': 'release' },
        },
      ],
    }),
  });
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const processes: GreenlightProcess[] = [];

  // Registered after the harness's hooks, so it runs first: output printed, processes killed, then the rest.
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') {
      for (const [index, run] of processes.entries())
        process.stderr.write(`--- greenlight process ${index + 1} ---\n${run.output()}\n`);
    }
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    processes.splice(0);
  });

  function configFile(): string {
    const path = writeConfigFile(fileConfig(e2e.prefix));
    cleanups.push(() => rmSync(dirname(path), { recursive: true, force: true }));
    return path;
  }

  /** A real `node src/main.ts` against the simulators and the test Redis, started and listening. */
  async function startProcess(configPath: string): Promise<{ run: GreenlightProcess; url: string }> {
    const run = spawnGreenlight(simulatedEnv(e2e.slack, e2e.github, configPath));
    processes.push(run);
    cleanups.push(() => run.kill());
    return { run, url: `http://127.0.0.1:${await startedPort(run)}` };
  }

  async function requestDeploy(url: string, ref?: string): Promise<string> {
    e2e.slack.connectBot(`${url}/slack/events`);
    const text = ref === undefined ? 'production' : `production ${ref}`;
    expect((await e2e.slack.command('/deploy', text, { user: 'U0ALICE' })).status).toBe(200);
    return e2e.records.nextDeployment('production', 0);
  }

  const stored = (id: string): Promise<StoredDeployment> => e2e.records.deployment(id);

  /** Finishes each phase's run once the deployment has recorded it, then waits for the deployment to be done. */
  async function finishEveryPhase(id: string, timeoutPerPhase = 15_000): Promise<StoredDeployment> {
    for (const [index, phase] of PHASES.entries()) {
      const runId = await vi.waitFor(
        async () => {
          const run = (await stored(id)).state.phases[index]?.runs.at(-1);
          if (!run) throw new Error(`phase ${phase} has no run yet`);
          return run.runId;
        },
        { timeout: timeoutPerPhase, interval: 50 },
      );
      expect(e2e.github.finish(runId, 'success')).toBe(1);
    }
    return e2e.records.waitForStatus(id, 'succeeded', { finalized: true });
  }

  function expectOneDispatchPerPhase(id: string): void {
    expect(
      e2e.github.runs().map((run) => ({ workflow: run.workflow, greenlightId: run.inputs.greenlight_id })),
    ).toEqual(PHASES.map((phase) => ({ workflow: WORKFLOW, greenlightId: `${id}-${phase}-0` })));
  }

  const deploymentStatuses = () =>
    e2e.github
      .requestsTo('repos/create-deployment-status')
      .map((request) => (request.body as { state: string }).state);

  it('a new process finishes the deployment of a process killed while a phase ran, dispatching each phase once', async () => {
    const configPath = configFile();
    const first = await startProcess(configPath);
    const id = await requestDeploy(first.url);

    // Phase 1's run is dispatched and recorded, and still in progress on GitHub.
    await vi.waitFor(
      async () => {
        const phase = (await stored(id)).state.phases[0];
        expect(phase?.status).toBe('running');
        expect(phase?.runs).toHaveLength(1);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(e2e.github.runs().map((run) => run.status)).toEqual(['in_progress']);
    await first.run.kill();

    const second = await startProcess(configPath);
    expect(second.run.child.pid).not.toBe(first.run.child.pid);
    const record = await finishEveryPhase(id);

    expectOneDispatchPerPhase(id);
    expect(record.state.phases.map((phase) => phase.runs.map((run) => run.runId))).toEqual(
      e2e.github.runs().map((run) => [run.id]),
    );
    expect(e2e.github.requestsTo('repos/create-deployment')).toHaveLength(1);
    expect(deploymentStatuses().at(-1)).toBe('success');
    expect(await e2e.redis.get(e2e.keys.activeDeployment('production'))).toBeNull();
  }, 45_000);

  it.each([
    { kind: 'branch', ref: undefined },
    { kind: 'tag', ref: 'v1.2.0' },
  ])(
    'a process killed while a dispatch of a $kind was in flight: the next one finds the run by its greenlight_id instead of dispatching again',
    async ({ ref }) => {
      const configPath = configFile();
      const first = await startProcess(configPath);
      // GitHub starts the run but answers late: the process dies before it learns the run id.
      e2e.github.delayDispatches(60_000);
      const id = await requestDeploy(first.url, ref);
      await vi.waitFor(() => expect(e2e.github.inFlight()).toBe(1), { timeout: 10_000, interval: 20 });
      expect((await stored(id)).state.phases[0]?.status).toBe('dispatching');
      await first.run.kill();
      e2e.github.delayDispatches(0);

      await startProcess(configPath);
      const record = await finishEveryPhase(id, 25_000);

      expectOneDispatchPerPhase(id);
      expect(e2e.github.runs().map((run) => run.headBranch)).toEqual(
        PHASES.map(() => (ref === undefined ? 'main' : null)),
      );
      expect(record.state.phases[0]?.runs.map((run) => run.runId)).toEqual([e2e.github.runs()[0]?.id]);
      // The new process looked for phase 1's run by its correlation id rather than dispatching it again.
      expect(e2e.github.requestsTo('actions/list-workflow-runs').length).toBeGreaterThan(0);
    },
    60_000,
  );

  it('two replicas at once dispatch each phase exactly once', async () => {
    // Slow answers widen the windows in which the other replica's sweep re-drives the same step.
    e2e.github.delayDispatches(300);
    e2e.github.delayDeployments(1_500);
    await e2e.startBot(fileConfig(e2e.prefix));
    const first = e2e.url;
    await e2e.startBot(fileConfig(e2e.prefix));
    const id = await requestDeploy(first);
    const record = await finishEveryPhase(id);

    expectOneDispatchPerPhase(id);
    expect(record.state.timeline.map((entry) => entry.kind)).toEqual(
      expect.arrayContaining(['started', 'dispatched', 'run_completed', 'succeeded']),
    );
    expect(record.state.timeline.filter((entry) => entry.kind === 'dispatched')).toHaveLength(PHASES.length);
    expect(e2e.github.requestsTo('repos/create-deployment')).toHaveLength(1);
  }, 30_000);
});
