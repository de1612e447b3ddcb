import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeploymentState } from '../../src/domain/deploy/deployment-state.js';
import { useE2E } from '../helpers/e2e.js';
import { FAKE_APP_QUERIES, type FakeApp, startFakeApp } from '../helpers/fake-app.js';
import {
  simulatedEnv,
  spawnGreenlight,
  startedPort,
  writeConfigFile,
} from '../helpers/greenlight-process.js';

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
  const e2e = useE2E('canary-durability');
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  let app: FakeApp;

  beforeEach(async () => {
    app = await startFakeApp();
    // GitHub finishes every traffic-switch run a moment after it starts, as the workflow would.
    e2e.github.setLifecycle({ mode: 'auto', runMs: 100 });
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await app.close();
  });

  async function requestDeploy(url: string): Promise<string> {
    e2e.slack.connectBot(`${url}/slack/events`);
    expect((await e2e.slack.command('/deploy', 'production', { user: 'U0ALICE' })).status).toBe(200);
    return e2e.records.nextDeployment('production', 0);
  }

  const stateOf = (id: string): Promise<DeploymentState> => e2e.records.state(id);

  const stepIds = () =>
    e2e.github
      .runs()
      .filter((run) => run.inputs.deployment_phase === 'traffic_switch')
      .map((run) => run.inputs.greenlight_id);

  it('a process killed while a step holds: the next resumes at the same step, with the same baseline', async () => {
    const path = writeConfigFile(fileConfig(e2e.prefix, app, '1500ms'));
    cleanups.push(() => rmSync(dirname(path), { recursive: true, force: true }));
    const env = simulatedEnv(e2e.slack, e2e.github, path);
    const first = spawnGreenlight(env);
    cleanups.push(() => first.kill());
    const id = await requestDeploy(`http://127.0.0.1:${await startedPort(first)}`);

    // A canary step after the first ran and holds, with readings being taken (on a loaded machine the poll may
    // first see the 50 % step rather than the 25 % one; either is a step that holds).
    const holding = await vi.waitFor(
      async () => {
        const state = await stateOf(id);
        const phase = state.phases[0];
        expect(phase?.step).toBeGreaterThanOrEqual(1);
        expect(phase?.step).toBeLessThan(STEPS.length - 1);
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
    e2e.github.delayDispatches(200);
    await e2e.startBot(fileConfig(e2e.prefix, app, '600ms'));
    const first = e2e.url;
    await e2e.startBot(fileConfig(e2e.prefix, app, '600ms'));
    const id = await requestDeploy(first);
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
    const rollbacks = e2e.github.runs().filter((run) => run.inputs.deployment_phase === 'rollback');
    expect(rollbacks.map((run) => run.inputs.greenlight_id)).toEqual([`${id}-rollback`]);
    expect(stepIds()).toEqual([`${id}-traffic_switch-0`, `${id}-traffic_switch-1`]);
    // One reading per interval, not one per replica: the Prometheus queries come three to a reading.
    const readings = done.analysis?.ticks ?? 0;
    expect(app.queries.filter((query) => query.startsWith('app_error_rate'))).toHaveLength(readings + 1);
    const incidents = () =>
      e2e.slack.callsOf('chat.postMessage').filter((call) => call.args.channel === '#incidents');
    await vi.waitFor(() => expect(incidents()).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(incidents()).toHaveLength(1);
  }, 45_000);
});
