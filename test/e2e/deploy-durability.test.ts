import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeploymentState } from '../../src/domain/deploy/deployment-state.js';
import { createLogger } from '../../src/logger.js';
import { type Greenlight, startGreenlight } from '../../src/runtime.js';
import { post } from '../helpers/bot.js';
import { testConfig } from '../helpers/config.js';
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github-server.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack-server.js';
import {
  type GreenlightProcess,
  spawnGreenlight,
  startedPort,
  writeConfigFile,
} from '../helpers/greenlight-process.js';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { slashCommand, TEST_BOT_TOKEN, TEST_SIGNING_SECRET } from '../helpers/slack.js';

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

interface StoredDeployment {
  state: DeploymentState;
  meta: { finalized?: boolean; githubDeploymentId?: number };
}

describe('deployments survive a killed process and share work between replicas', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  let prefix: string;
  let redis: Redis;
  let github: FakeGitHub;
  let slack: FakeSlack;
  const processes: GreenlightProcess[] = [];

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') {
      for (const [index, run] of processes.entries())
        process.stderr.write(`--- greenlight process ${index + 1} ---\n${run.output()}\n`);
    }
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    processes.splice(0);
  });

  async function setUp(label: string): Promise<void> {
    prefix = uniquePrefix(label);
    redis = testRedis();
    github = await startFakeGitHub();
    slack = await startFakeSlack();
    cleanups.push(
      () => redis.disconnect(),
      () => deleteKeys(redis, prefix),
      () => github.close(),
      () => slack.close(),
    );
  }

  function configFile(): string {
    const path = writeConfigFile(fileConfig(prefix));
    cleanups.push(() => rmSync(dirname(path), { recursive: true, force: true }));
    return path;
  }

  /** A real `node src/main.ts` against the fake GitHub and Slack and the test Redis, started and listening. */
  async function startProcess(configPath: string): Promise<{ run: GreenlightProcess; url: string }> {
    const run = spawnGreenlight({
      SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      SLACK_API_URL: `${slack.url}/api/`,
      GITHUB_TOKEN: 'ghp_durabilitytest00000000000000000000',
      GITHUB_API_URL: github.apiUrl,
      REDIS_URL: testRedisUrl(),
      GREENLIGHT_CONFIG: configPath,
      PORT: '0',
      LOG_LEVEL: 'info',
    });
    processes.push(run);
    // The afterEach hook of a failed test prints the output first; the kill comes after.
    cleanups.push(() => run.kill());
    return { run, url: `http://127.0.0.1:${await startedPort(run)}` };
  }

  async function requestDeploy(url: string): Promise<string> {
    const request = slashCommand('/deploy', 'production', { userId: 'U0ALICE', responseHost: slack.url });
    expect((await post(url, request)).status).toBe(200);
    return vi.waitFor(
      async () => {
        const [id] = await redis.zrange(`${prefix}greenlight:deploys:production`, '0', '-1');
        if (!id) throw new Error('no deployment yet');
        return id;
      },
      { timeout: 5_000, interval: 50 },
    );
  }

  async function stored(id: string): Promise<StoredDeployment> {
    const doc = await redis.hget(`${prefix}greenlight:deploy:${id}`, 'doc');
    if (!doc) throw new Error(`no record for ${id}`);
    return JSON.parse(doc) as StoredDeployment;
  }

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
      expect(github.finish(runId, 'success')).toBe(1);
    }
    return vi.waitFor(
      async () => {
        const record = await stored(id);
        expect(record.state.status).toBe('succeeded');
        expect(record.meta.finalized).toBe(true);
        return record;
      },
      { timeout: 10_000, interval: 100 },
    );
  }

  function expectOneDispatchPerPhase(id: string): void {
    expect(
      github.dispatches.map((run) => ({ workflow: run.workflow, greenlightId: run.inputs.greenlight_id })),
    ).toEqual(PHASES.map((phase) => ({ workflow: WORKFLOW, greenlightId: `${id}-${phase}-0` })));
  }

  it('a new process finishes the deployment of a process killed while a phase ran, dispatching each phase once', async () => {
    await setUp('kill-running');
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
    expect(github.dispatches.map((run) => run.status)).toEqual(['in_progress']);
    await first.run.kill();

    const second = await startProcess(configPath);
    expect(second.run.child.pid).not.toBe(first.run.child.pid);
    const record = await finishEveryPhase(id);

    expectOneDispatchPerPhase(id);
    expect(record.state.phases.map((phase) => phase.runs.map((run) => run.runId))).toEqual(
      github.dispatches.map((run) => [run.id]),
    );
    expect(github.requestsTo('POST', /^\/deployments$/)).toHaveLength(1);
    const statuses = github
      .requestsTo('POST', /^\/deployments\/\d+\/statuses$/)
      .map((request) => (request.body as { state: string }).state);
    expect(statuses.at(-1)).toBe('success');
    expect(await redis.get(`${prefix}greenlight:env:production:active`)).toBeNull();
  }, 45_000);

  it('a process killed while a dispatch was in flight: the next one finds the run instead of dispatching again', async () => {
    await setUp('kill-dispatch');
    const configPath = configFile();
    const first = await startProcess(configPath);
    // GitHub starts the run but answers late: the process dies before it learns the run id.
    github.delayDispatches(60_000);
    const id = await requestDeploy(first.url);
    await vi.waitFor(() => expect(github.inFlight()).toBe(1), { timeout: 10_000, interval: 20 });
    expect((await stored(id)).state.phases[0]?.status).toBe('dispatching');
    await first.run.kill();
    github.delayDispatches(0);

    await startProcess(configPath);
    const record = await finishEveryPhase(id, 25_000);

    expectOneDispatchPerPhase(id);
    expect(record.state.phases[0]?.runs.map((run) => run.runId)).toEqual([github.dispatches[0]?.id]);
    // The new process looked for phase 1's run by its correlation id rather than dispatching it again.
    expect(github.requestsTo('GET', /^\/actions\/workflows\/[^/]+\/runs$/).length).toBeGreaterThan(0);
  }, 60_000);

  it('two replicas at once dispatch each phase exactly once', async () => {
    await setUp('replicas');
    // Slow answers widen the windows in which the other replica's sweep re-drives the same step.
    github.delayDispatches(300);
    github.delayDeployments(1_500);
    const config = testConfig(testRedisUrl(), prefix, fileConfig(prefix));
    config.env.GITHUB_API_URL = github.apiUrl;
    config.env.SLACK_API_URL = `${slack.url}/api/`;
    const bots: Greenlight[] = [];
    cleanups.push(() => Promise.all(bots.map((bot) => bot.stop())));
    for (let index = 0; index < 2; index += 1) {
      bots.push(
        await startGreenlight(config, {
          logger: createLogger('silent'),
          botIdentity: { botId: 'B0BOT', botUserId: 'U0BOT' },
          github: { retryAfterBaseValue: 0, spaceWrites: false },
        }),
      );
    }
    const id = await requestDeploy(`http://127.0.0.1:${bots[0]?.port}`);
    const record = await finishEveryPhase(id);

    expectOneDispatchPerPhase(id);
    expect(record.state.timeline.map((entry) => entry.kind)).toEqual(
      expect.arrayContaining(['started', 'dispatched', 'run_completed', 'succeeded']),
    );
    expect(record.state.timeline.filter((entry) => entry.kind === 'dispatched')).toHaveLength(PHASES.length);
    expect(github.requestsTo('POST', /^\/deployments$/)).toHaveLength(1);
  }, 30_000);
});
