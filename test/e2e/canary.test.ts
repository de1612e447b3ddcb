import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeploymentState } from '../../src/domain/deploy/deployment-state.js';
import { DEPLOY_PAUSE, DEPLOY_PROMOTE, DEPLOY_RESUME, DEPLOY_ROLLBACK } from '../../views/ids.js';
import { deployConfig, FAST_GITHUB, useE2E, visibleText } from '../helpers/e2e.js';
import {
  FAKE_APP_DATADOG_QUERIES,
  FAKE_APP_QUERIES,
  type FakeApp,
  startFakeApp,
} from '../helpers/fake-app.js';
import { DATADOG_TEST_KEYS } from '../helpers/fake-datadog.js';
import { freePort } from '../helpers/net.js';

const DEPLOYER = 'U0ALICE';
const OUTSIDER = 'U0MALLORY';
const INTERVAL_MS = 150;
const HOLD_MS = 450;

describe('canary analysis and automatic rollback, end to end', () => {
  const e2e = useE2E('canary');
  let app: FakeApp;
  /** Runs dispatched before this index belong to an earlier deployment of the test. */
  let firstRun = 0;

  beforeEach(async () => {
    app = await startFakeApp();
    firstRun = 0;
    for (const tag of ['v1.0.0', 'v1.1.0', 'v2']) e2e.github.repo().setTag(tag, tag);
    // Every run succeeds as soon as it starts, unless a test holds it.
    e2e.github.setLifecycle({ mode: 'auto', runMs: 0 });
  });
  afterEach(() => app.close());

  /** Staging: no approvals, deployers U0ALICE only; a four-step canary with short holds, then a monitoring window. */
  async function start(
    analysis: Record<string, unknown>,
    pipeline?: unknown[],
    env: Record<string, string> = {},
  ): Promise<void> {
    await e2e.startBot(
      deployConfig(
        {},
        {
          environments: {
            staging: { approvals: 0, deployers: [DEPLOYER] },
            production: { approvals: 1, approvers: ['U0CAROL'] },
          },
          services: { api: { health: [{ url: `${app.url}/health`, expect: 200, timeoutMs: 1_000 }] } },
          pipeline: pipeline ?? [
            {
              id: 'validation',
              title: 'Pre-deployment validation',
              health: true,
              inputs: { deployment_phase: 'validation' },
            },
            {
              id: 'traffic_switch',
              title: 'Traffic switch',
              services: ['api'],
              inputs: { deployment_phase: 'traffic_switch' },
              canary: { steps: [5, 25, 50, 100], hold: `${HOLD_MS}ms` },
            },
            { id: 'monitoring', title: 'Post-switch monitoring', monitor: '300ms' },
          ],
          rollback: { inputs: { deployment_phase: 'rollback' } },
          analysis: { interval: `${INTERVAL_MS}ms`, noDataToPause: 3, ...analysis },
        },
      ),
      { runtime: FAST_GITHUB, env },
    );
  }

  async function deploy(ref = 'main'): Promise<string> {
    const known = (await e2e.records.deploymentIds('staging')).length;
    expect((await e2e.slack.command('/deploy', `staging ${ref}`, { user: DEPLOYER })).status).toBe(200);
    return e2e.records.nextDeployment('staging', known);
  }

  const stateOf = (id: string): Promise<DeploymentState> => e2e.records.state(id);

  const runs = () => e2e.github.runs().slice(firstRun);
  const percentages = () =>
    runs()
      .filter((run) => run.inputs.deployment_phase === 'traffic_switch')
      .map((run) => run.inputs.traffic_percentage);
  const rollbacks = () => runs().filter((run) => run.inputs.deployment_phase === 'rollback');
  const STATUS_CHANNEL = '#deployment-status';
  // The timeline is announced by a job of its own, after the step: the status channel catches up, so read it there.
  const lastTimeline = () =>
    visibleText(
      e2e.slack.calls.findLast(
        (call) =>
          [STATUS_CHANNEL, e2e.slack.channel(STATUS_CHANNEL)?.id].includes(String(call.args.channel)) &&
          (call.method === 'chat.update' || (call.method === 'chat.postMessage' && !call.args.thread_ts)),
      )?.args,
    );
  const timelineJson = () => JSON.stringify(e2e.slack.callsOf('chat.update').at(-1)?.args.blocks ?? []);

  /** Sets the breach once the canary reached `percentage`, and answers the number of readings taken before it. */
  async function whenAt(id: string, percentage: string, breach: () => void): Promise<number> {
    await vi.waitFor(() => expect(percentages()).toContain(percentage), { timeout: 10_000, interval: 20 });
    const ticks = (await stateOf(id)).analysis?.ticks ?? 0;
    breach();
    return ticks;
  }

  it('promotes a healthy canary through every step, holding and analysing each, then monitors and succeeds', async () => {
    await start({
      source: 'prometheus',
      prometheusUrl: app.prometheusUrl,
      prometheus: FAKE_APP_QUERIES,
    });
    const id = await deploy();
    await vi.waitFor(async () => expect((await stateOf(id)).status).toBe('succeeded'), { timeout: 15_000 });

    expect(percentages()).toEqual(['5', '25', '50', '100']);
    const state = await stateOf(id);
    // Each step held for its hold time before the next went out.
    const runs = state.phases.find((phase) => phase.id === 'traffic_switch')?.runs ?? [];
    for (let step = 1; step < runs.length; step += 1) {
      const previous = runs[step - 1];
      expect((runs[step]?.dispatchedAt ?? 0) - (previous?.completedAt ?? 0)).toBeGreaterThanOrEqual(HOLD_MS);
    }
    expect(state.analysis?.baseline).toMatchObject({ p95Ms: 100 });
    expect(state.analysis?.last).toMatchObject({
      verdict: 'pass',
      reading: { errorRate: 0.001, p95Ms: 100 },
    });
    // Validation probed the service bot-side and shows the result.
    expect(state.phases[0]?.probes).toEqual([
      expect.objectContaining({ service: 'api', ok: true, status: 200 }),
    ]);
    expect(state.phases.map((phase) => phase.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(app.queries).toContain('app_error_rate{env="staging"}');
    expect(rollbacks()).toEqual([]);
    // The end is handled after the state says succeeded: GitHub's final status, and the environment left unlocked.
    await vi.waitFor(() => expect(e2e.github.statuses().at(-1)?.state).toBe('success'));
    // The commit GitHub resolved `main` to is on the deployment and, short, in its timeline header.
    const sha = e2e.github.repo().branches.get('main') ?? '';
    expect(state.sha).toBe(sha);
    await vi.waitFor(() =>
      expect(lastTimeline()).toContain(
        `(<${e2e.github.webUrl}/acme/platform/commit/${sha}|\`${sha.slice(0, 7)}\`>)`,
      ),
    );
    expect(await e2e.redis.exists(e2e.keys.envLock('staging'))).toBe(0);
  });

  it('rolls back on a 6 % error rate at 25 % within two readings, to the last good version, and locks the environment', async () => {
    await start({
      source: 'prometheus',
      prometheusUrl: app.prometheusUrl,
      prometheus: FAKE_APP_QUERIES,
    });
    const good = await deploy('v1.0.0');
    await vi.waitFor(async () => expect((await stateOf(good)).status).toBe('succeeded'), { timeout: 15_000 });
    await (await e2e.slack.command('/deploy', 'unlock staging', { user: DEPLOYER })).reply();
    firstRun = e2e.github.runs().length;

    const bad = await deploy('v1.1.0');
    const before = await whenAt(bad, '25', () => {
      app.metrics.errorRate = 0.06;
      // The rollback run stays in progress until the test completes it.
      e2e.github.setLifecycle({ mode: 'manual' });
    });
    await vi.waitFor(() => expect(rollbacks()).toHaveLength(1), { timeout: 10_000, interval: 20 });
    // While it rolls back, a /rollback of the same service is shown the running one, not started again.
    await e2e.slack.command('/rollback', 'api staging', { user: DEPLOYER });
    await vi.waitFor(() =>
      expect(visibleText(e2e.slack.responses.at(-1)?.body)).toContain(
        'A rollback of `api` in staging is already under way',
      ),
    );
    expect(visibleText(e2e.slack.responses.at(-1)?.body)).toContain('is rolling itself back');
    // It holds the same claim a /rollback takes, so a confirmation racing it is refused atomically too.
    expect(await e2e.redis.get(e2e.keys.rollbackClaim('staging', 'api'))).toBe(bad);
    expect(e2e.github.finish(rollbacks()[0]?.id ?? 0)).toBe(1);
    const rolling = await stateOf(bad);
    expect(rolling.rollback?.decision?.reading.errorRate).toBe(0.06);
    // The reading that tripped it is at most the second one taken after the breach.
    const breachTick = rolling.analysis?.ticks ?? Number.POSITIVE_INFINITY;
    expect(breachTick - before).toBeLessThanOrEqual(2);
    expect(rolling.rollback?.reason).toBe('error rate 6 % is above the rollback threshold of 5 %');
    expect(rollbacks()[0]?.inputs).toMatchObject({
      deployment_phase: 'rollback',
      rollback_version: 'v1.0.0',
      environment: 'staging',
      greenlight_id: `${bad}-rollback`,
    });
    expect(percentages()).not.toContain('50');
    expect(rollbacks()).toHaveLength(1);

    await vi.waitFor(async () => expect((await stateOf(bad)).status).toBe('rolled_back'), {
      timeout: 10_000,
    });
    await vi.waitFor(async () =>
      expect(await e2e.redis.hget(e2e.keys.envLock('staging'), 'reason')).toContain('rolled back'),
    );
    expect(e2e.github.statuses().at(-1)?.state).toBe('failure');
    expect(await e2e.redis.get(e2e.keys.rollbackClaim('staging', 'api'))).toBeNull();
    // The rollback declared an incident, linked to the deployment, with the reason and the readings.
    const incident = e2e.slack.callsOf('chat.postMessage').find((call) => call.args.channel === '#incidents');
    const card = visibleText(incident?.args);
    expect(card).toContain(
      '*Impact:* Automatic rollback of staging: error rate 6 % is above the rollback threshold of 5 %',
    );
    expect(card).toContain('SEV2');
    expect(card).toContain('error rate 6 %');
    expect(card).toContain('`v1.0.0`');
    expect(await e2e.records.incident('inc-1')).toMatchObject({
      state: { deploymentId: bad, env: 'staging', severity: 'sev2' },
    });
    await vi.waitFor(() => expect(lastTimeline()).toContain('↩️ *Rolled back* automatically'), {
      timeout: 10_000,
    });
  });

  it('rolls back on a 6 % error rate read from Datadog’s query API (analysis.source: datadog)', async () => {
    await start(
      {
        source: 'datadog',
        datadog: { apiUrl: app.datadogUrl, ...FAKE_APP_DATADOG_QUERIES, window: '1m' },
      },
      undefined,
      { DD_API_KEY: DATADOG_TEST_KEYS.apiKey, DD_APP_KEY: DATADOG_TEST_KEYS.appKey },
    );
    const id = await deploy('v1.1.0');
    await whenAt(id, '25', () => {
      app.metrics.errorRate = 0.06;
    });
    await vi.waitFor(() => expect(rollbacks()).toHaveLength(1), { timeout: 10_000, interval: 20 });
    const state = await stateOf(id);
    expect(state.analysis?.source).toBe('datadog');
    expect(state.rollback?.reason).toBe('error rate 6 % is above the rollback threshold of 5 %');
    expect(state.rollback?.decision?.reading).toMatchObject({
      source: 'datadog',
      errorRate: 0.06,
      p95Ms: 100,
    });
    expect(percentages()).not.toContain('50');
    // Each reading asked Datadog for the window before it, with the environment in the query.
    const asked = app.datadogQueries.find((query) => query.query === 'app.error_rate{env:staging}');
    expect(asked && asked.to - asked.from).toBe(60);
    expect(app.queries).toEqual([]);
  });

  it('rolls back when p95 reaches 2.5× the baseline read from the apps’ Redis counters', async () => {
    const counters = `${e2e.prefix}app:`;
    await start({
      source: 'redis-counters',
      redisCounters: { keyPrefix: counters, endpoints: ['GET:/api/scans'], minSamples: 5 },
    });
    let latency = 100;
    let stop = false;
    // The app as the runbook writes it: hourly counters and a perf sorted set of recent durations.
    const traffic = (async () => {
      while (!stop) {
        const now = Date.now();
        const hour = new Date(now).toISOString().slice(0, 13);
        await e2e.redis
          .multi()
          .incrby(`${counters}requests:${hour}`, 10)
          .zadd(`${counters}perf:GET:/api/scans`, now, JSON.stringify({ duration: latency, timestamp: now }))
          .zadd(
            `${counters}perf:GET:/api/scans`,
            now + 0.5,
            JSON.stringify({ duration: latency, timestamp: now + 1 }),
          )
          .exec();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    try {
      const id = await deploy();
      await whenAt(id, '25', () => {
        latency = 250;
      });
      await vi.waitFor(() => expect(rollbacks()).toHaveLength(1), { timeout: 10_000, interval: 20 });
      const state = await stateOf(id);
      expect(state.analysis?.baseline?.p95Ms).toBe(100);
      expect(state.rollback?.reason).toMatch(/^p95 latency 250 ms is 2\.5× the baseline 100 ms/);
      expect(state.rollback?.decision?.reading.errorRate).toBe(0);
    } finally {
      stop = true;
      await traffic;
    }
  });

  it('rolls back after 3 failed health checks in a row, and not after 2', async () => {
    await start({ source: 'health', healthFailuresToRollback: 3 });
    const id = await deploy();
    const before = await whenAt(id, '5', () => {
      app.health.status = 503;
    });
    await vi.waitFor(() => expect(rollbacks()).toHaveLength(1), { timeout: 10_000, interval: 20 });
    const state = await stateOf(id);
    expect(state.analysis?.healthFailuresInARow).toBe(3);
    expect((state.analysis?.ticks ?? 0) - before).toBeGreaterThanOrEqual(3);
    expect(state.rollback?.reason).toContain('health check failed 3 times in a row: api');
    expect(state.rollback?.reason).toContain('answered 503, expected 200');
    // Health failing below the threshold holds the step: it was never promoted past 5 %.
    expect(percentages()).toEqual(['5']);
  });

  it('pauses instead of promoting when the metric source cannot be reached, and asks a human', async () => {
    await start({
      source: 'prometheus',
      prometheusUrl: `http://127.0.0.1:${await freePort()}/prom`,
      prometheus: { ...FAKE_APP_QUERIES, timeoutMs: 300 },
    });
    const id = await deploy();
    await vi.waitFor(async () => expect((await stateOf(id)).analysis?.paused).toBeDefined(), {
      timeout: 10_000,
    });
    const paused = await stateOf(id);
    expect(paused.analysis?.paused?.reason).toMatch(
      /^3 readings in a row without data \(no data: Prometheus unreachable/,
    );
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS + 3 * INTERVAL_MS));
    expect(percentages()).toEqual(['5']);
    expect(rollbacks()).toEqual([]);
    expect((await stateOf(id)).status).toBe('running');
    await vi.waitFor(() => expect(timelineJson()).toContain(DEPLOY_RESUME));
    expect(lastTimeline()).toContain('⏸️ *Paused*');
    await vi.waitFor(() =>
      expect(e2e.slack.calls.some((call) => String(call.args.text ?? '').includes('Rollout paused'))).toBe(
        true,
      ),
    );
    const reply = e2e.slack.calls.find((call) => String(call.args.text ?? '').includes('Rollout paused'));
    expect(reply?.args.thread_ts).toBeDefined();
  });

  it('Promote skips the holds, Pause stops the steps, Roll back rolls back — and each is refused to outsiders', async () => {
    await start({ source: 'prometheus', prometheusUrl: app.prometheusUrl, prometheus: FAKE_APP_QUERIES }, [
      {
        id: 'traffic_switch',
        title: 'Traffic switch',
        inputs: { deployment_phase: 'traffic_switch' },
        canary: { steps: [5, 25, 50, 100], hold: '1h' },
      },
    ]);
    const id = await deploy();
    await vi.waitFor(() => expect(timelineJson()).toContain(DEPLOY_PAUSE), { timeout: 10_000 });

    // An outsider is refused privately and nothing changes.
    for (const action of [DEPLOY_PAUSE, DEPLOY_PROMOTE, DEPLOY_ROLLBACK]) {
      await e2e.slack.click({ actionId: action, value: id, user: OUTSIDER });
    }
    await vi.waitFor(() => {
      const refusals = e2e.slack.responses.filter(
        (post) =>
          post.user === OUTSIDER &&
          String(post.body.text ?? '').includes('Only deployers and approvers of staging'),
      );
      expect(refusals).toHaveLength(3);
    });
    expect((await stateOf(id)).analysis?.paused).toBeUndefined();

    await e2e.slack.click({ actionId: DEPLOY_PAUSE, value: id, user: DEPLOYER });
    await vi.waitFor(async () => expect((await stateOf(id)).analysis?.paused?.by).toBe(DEPLOYER));
    // Promote while paused is recorded but moves nothing until Resume.
    await e2e.slack.click({ actionId: DEPLOY_PROMOTE, value: id, user: DEPLOYER });
    await vi.waitFor(async () => expect((await stateOf(id)).phases[0]?.promoted).toBe(true));
    await new Promise((resolve) => setTimeout(resolve, 4 * INTERVAL_MS));
    expect(percentages()).toEqual(['5']);

    await vi.waitFor(() => expect(timelineJson()).toContain(DEPLOY_RESUME));
    await e2e.slack.click({ actionId: DEPLOY_RESUME, value: id, user: DEPLOYER });
    // With the 1 h holds skipped, every remaining step goes out without waiting.
    await vi.waitFor(async () => expect((await stateOf(id)).status).toBe('succeeded'), { timeout: 10_000 });
    expect(percentages()).toEqual(['5', '25', '50', '100']);

    // Roll back by hand, on a second deployment.
    await (await e2e.slack.command('/deploy', 'unlock staging', { user: DEPLOYER })).reply();
    const second = await deploy('v2');
    // The timeline offers Roll back once a run is on record.
    await vi.waitFor(async () => expect((await stateOf(second)).phases[0]?.runs.length).toBeGreaterThan(0), {
      timeout: 10_000,
    });
    await vi.waitFor(
      () => {
        expect(timelineJson()).toContain(DEPLOY_ROLLBACK);
        expect(timelineJson()).toContain(second);
      },
      { timeout: 10_000 },
    );
    await e2e.slack.click({ actionId: DEPLOY_ROLLBACK, value: second, user: DEPLOYER });
    await vi.waitFor(() => expect(rollbacks()).toHaveLength(1), { timeout: 10_000 });
    expect(rollbacks()[0]?.inputs.rollback_version).toBe('main');
    await vi.waitFor(async () => expect((await stateOf(second)).status).toBe('rolled_back'), {
      timeout: 10_000,
    });
    expect((await stateOf(second)).rollback).toMatchObject({ by: DEPLOYER });
    await vi.waitFor(() => expect(lastTimeline()).toContain(`↩️ *Rolled back* by <@${DEPLOYER}>`), {
      timeout: 10_000,
    });
  });
});
