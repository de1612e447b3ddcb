import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeploymentState } from '../../src/domain/deploy/deployment-state.js';
import { createLogger } from '../../src/logger.js';
import { type Greenlight, startGreenlight } from '../../src/runtime.js';
import { post } from '../helpers/bot.js';
import { testConfig } from '../helpers/config.js';
import { FAKE_APP_QUERIES, type FakeApp, startFakeApp } from '../helpers/fake-app.js';
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github-server.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack-server.js';
import { spawnGreenlight, startedPort, writeConfigFile } from '../helpers/greenlight-process.js';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { slashCommand, TEST_BOT_TOKEN, TEST_SIGNING_SECRET } from '../helpers/slack.js';

const STEPS = [5, 25, 50, 100];

/** Production without approvals, one canary phase analysed through the fake app's Prometheus API. */
function fileConfig(prefix: string, app: FakeApp, hold: string): Record<string, unknown> {
  return {
    slack: { statusChannel: '#deployment-status', incidentChannel: '#incidents' },
    github: { owner: 'acme', repo: 'platform', workflow: 'production-deployment.yml', ref: 'main' },
    redis: { keyPrefix: `${prefix}greenlight:` },
    environments: { production: { approvals: 0, deployers: [] } },
    services: { api: { health: [{ url: `${app.url}/health`, expect: 200 }] } },
    pipeline: [
      {
        id: 'traffic_switch',
        title: 'Traffic switch',
        services: ['api'],
        inputs: { deployment_phase: 'traffic_switch' },
        canary: { steps: STEPS, hold },
      },
    ],
    rollback: { inputs: { deployment_phase: 'rollback' } },
    analysis: {
      source: 'prometheus',
      prometheusUrl: app.prometheusUrl,
      prometheus: FAKE_APP_QUERIES,
      interval: '200ms',
    },
    deploy: { pollInterval: '1s', gateTimeout: '1h', lockOnFailure: true },
    flags: { prefix: `${prefix}feature:`, channel: `${prefix}greenlight:flags` },
  };
}

describe('a canary survives a killed process and is shared between replicas', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  let prefix: string;
  let redis: Redis;
  let github: FakeGitHub;
  let slack: FakeSlack;
  let app: FakeApp;

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(label: string): Promise<void> {
    prefix = uniquePrefix(label);
    redis = testRedis();
    github = await startFakeGitHub();
    slack = await startFakeSlack();
    app = await startFakeApp();
    // GitHub finishes every traffic-switch run a moment after it starts, as the workflow would.
    const finisher = setInterval(() => github.finish((run) => run.status === 'in_progress'), 100);
    cleanups.push(
      () => redis.disconnect(),
      () => deleteKeys(redis, prefix),
      () => github.close(),
      () => slack.close(),
      () => app.close(),
      () => clearInterval(finisher),
    );
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

  async function stateOf(id: string): Promise<DeploymentState> {
    const doc = await redis.hget(`${prefix}greenlight:deploy:${id}`, 'doc');
    if (!doc) throw new Error(`no record for ${id}`);
    return (JSON.parse(doc) as { state: DeploymentState }).state;
  }

  const stepIds = () =>
    github.dispatches
      .filter((run) => run.inputs.deployment_phase === 'traffic_switch')
      .map((run) => run.inputs.greenlight_id);

  it('a process killed while a step holds: the next resumes at the same step, with the same baseline', async () => {
    await setUp('canary-kill');
    const path = writeConfigFile(fileConfig(prefix, app, '1500ms'));
    cleanups.push(() => rmSync(dirname(path), { recursive: true, force: true }));
    const env = {
      SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      SLACK_API_URL: `${slack.url}/api/`,
      GITHUB_TOKEN: 'ghp_durabilitytest00000000000000000000',
      GITHUB_API_URL: github.apiUrl,
      REDIS_URL: testRedisUrl(),
      GREENLIGHT_CONFIG: path,
      PORT: '0',
      LOG_LEVEL: 'info',
    };
    const first = spawnGreenlight(env);
    cleanups.push(() => first.kill());
    const id = await requestDeploy(`http://127.0.0.1:${await startedPort(first)}`);

    // The 25 % step ran and holds, with readings being taken.
    const holding = await vi.waitFor(
      async () => {
        const state = await stateOf(id);
        const phase = state.phases[0];
        expect(phase?.step).toBe(1);
        expect(phase?.status).toBe('holding');
        expect(state.analysis?.ticks).toBeGreaterThan(0);
        return state;
      },
      { timeout: 15_000, interval: 50 },
    );
    await first.kill();
    const readingsAtKill = (await stateOf(id)).analysis?.ticks ?? 0;

    const second = spawnGreenlight(env);
    cleanups.push(() => second.kill());
    await startedPort(second);
    const done = await vi.waitFor(
      async () => {
        const state = await stateOf(id);
        expect(state.status).toBe('succeeded');
        return state;
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(done.analysis?.baseline).toEqual(holding.analysis?.baseline);
    expect(done.analysis?.ticks).toBeGreaterThan(readingsAtKill);
    // Each step dispatched once, in order, across both processes.
    expect(stepIds()).toEqual(STEPS.map((_, step) => `${id}-traffic_switch-${step}`));
  }, 60_000);

  it('two replicas take each reading once, dispatch each step once and the rollback once', async () => {
    await setUp('canary-replicas');
    github.delayDispatches(200);
    const config = testConfig(testRedisUrl(), prefix, fileConfig(prefix, app, '600ms'));
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
    await vi.waitFor(() => expect(stepIds()).toHaveLength(2), { timeout: 15_000, interval: 20 });
    app.metrics.errorRate = 0.2;
    const done = await vi.waitFor(
      async () => {
        const state = await stateOf(id);
        expect(state.status).toBe('rolled_back');
        return state;
      },
      { timeout: 15_000, interval: 50 },
    );
    const rollbacks = github.dispatches.filter((run) => run.inputs.deployment_phase === 'rollback');
    expect(rollbacks.map((run) => run.inputs.greenlight_id)).toEqual([`${id}-rollback`]);
    expect(stepIds()).toEqual([`${id}-traffic_switch-0`, `${id}-traffic_switch-1`]);
    // One reading per interval, not one per replica: the Prometheus queries come three to a reading.
    const readings = done.analysis?.ticks ?? 0;
    expect(app.queries.filter((query) => query.startsWith('app_error_rate'))).toHaveLength(readings + 1);
    const incidents = () =>
      slack.received.filter(
        (request) =>
          request.path === '/api/chat.postMessage' &&
          new URLSearchParams(request.body).get('channel') === '#incidents',
      );
    await vi.waitFor(() => expect(incidents()).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(incidents()).toHaveLength(1);
  }, 45_000);
});
