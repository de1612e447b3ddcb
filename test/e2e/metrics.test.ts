import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEPLOY_APPROVE } from '../../views/ids.js';
import { deployConfig, FAST_GITHUB, useE2E } from '../helpers/e2e.js';
import { FAKE_APP_QUERIES, type FakeApp, startFakeApp } from '../helpers/fake-app.js';

const DEPLOYER = 'U0ALICE';
const APPROVER = 'U0CAROL';

/** Prometheus' text format as samples: `name{label="value",…}` → value, label order as written. */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const at = line.lastIndexOf(' ');
    found.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return found;
}

/** The value of the sample of `family` whose labels include every one of `labels`. */
function sample(
  all: Map<string, number>,
  family: string,
  labels: Record<string, string>,
): number | undefined {
  for (const [key, value] of all) {
    const name = key.split('{')[0];
    if (name !== family) continue;
    if (Object.entries(labels).every(([label, wanted]) => key.includes(`${label}="${wanted}"`))) return value;
  }
  return undefined;
}

describe('/metrics after a deployment and a rollback, end to end', () => {
  const e2e = useE2E('metrics');
  let app: FakeApp;
  beforeEach(async () => {
    app = await startFakeApp();
    e2e.github.repo().setTag('v1.1.0', 'v1.1.0');
    e2e.github.setLifecycle({ mode: 'auto', runMs: 0 });
  });
  afterEach(() => app.close());

  it('shows every family with its labels: deployments, phases, readings, rollbacks, gates, GitHub, queues, incidents', async () => {
    await e2e.startBot(
      deployConfig(
        { approvals: 1, approvers: [APPROVER] },
        {
          pipeline: [
            {
              id: 'validation',
              title: 'Pre-deployment validation',
              inputs: { deployment_phase: 'validation' },
            },
            {
              id: 'traffic_switch',
              title: 'Traffic switch',
              inputs: { deployment_phase: 'traffic_switch' },
              canary: { steps: [5, 25, 100], hold: '300ms' },
            },
          ],
          rollback: { inputs: { deployment_phase: 'rollback' } },
          analysis: {
            source: 'prometheus',
            prometheusUrl: app.prometheusUrl,
            prometheus: FAKE_APP_QUERIES,
            interval: '100ms',
          },
        },
      ),
      { runtime: FAST_GITHUB },
    );
    const deploy = async (ref: string): Promise<string> => {
      const known = (await e2e.records.deploymentIds('production')).length;
      await e2e.slack.command('/deploy', `production ${ref}`, { user: DEPLOYER });
      const id = await e2e.records.nextDeployment('production', known);
      await vi.waitFor(() => expect(JSON.stringify(e2e.slack.messages('#deployment-status'))).toContain(id));
      await e2e.slack.click({ actionId: DEPLOY_APPROVE, value: id, user: APPROVER });
      return id;
    };

    const good = await deploy('main');
    await e2e.records.waitForStatus(good, 'succeeded', { finalized: true, timeout: 15_000 });
    const bad = await deploy('v1.1.0');
    await vi.waitFor(
      () =>
        expect(
          e2e.github
            .runs()
            .filter(
              (run) => run.inputs.traffic_percentage === '25' && run.inputs.greenlight_id?.startsWith(bad),
            ),
        ).toHaveLength(1),
      { timeout: 10_000, interval: 20 },
    );
    app.metrics.errorRate = 0.06;
    await e2e.records.waitForStatus(bad, 'rolled_back', { finalized: true, timeout: 15_000 });
    await vi.waitFor(async () => expect(await e2e.records.incident('inc-1')).toBeDefined());

    const response = await fetch(`${e2e.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    const all = samples(text);
    const production = { env: 'production' };

    expect(sample(all, 'greenlight_deployments_started_total', { ...production, kind: 'deploy' })).toBe(2);
    expect(
      sample(all, 'greenlight_deployments_finished_total', {
        ...production,
        kind: 'deploy',
        outcome: 'succeeded',
      }),
    ).toBe(1);
    expect(
      sample(all, 'greenlight_deployments_finished_total', {
        ...production,
        kind: 'deploy',
        outcome: 'rolled_back',
      }),
    ).toBe(1);
    expect(
      sample(all, 'greenlight_deployment_duration_seconds_count', { ...production, outcome: 'rolled_back' }),
    ).toBe(1);
    expect(
      sample(all, 'greenlight_phase_duration_seconds_count', {
        ...production,
        phase: 'traffic_switch',
        outcome: 'succeeded',
      }),
    ).toBe(1);
    expect(
      sample(all, 'greenlight_phase_duration_seconds_count', {
        ...production,
        phase: 'validation',
        outcome: 'succeeded',
      }),
    ).toBe(2);
    expect(
      sample(all, 'greenlight_canary_readings_total', { ...production, verdict: 'pass' }),
    ).toBeGreaterThan(0);
    expect(sample(all, 'greenlight_canary_readings_total', { ...production, verdict: 'rollback' })).toBe(1);
    expect(sample(all, 'greenlight_automatic_rollbacks_total', { ...production, reason: 'error_rate' })).toBe(
      1,
    );
    expect(
      sample(all, 'greenlight_rollback_dispatch_seconds_count', { ...production, origin: 'automatic' }),
    ).toBe(1);
    expect(sample(all, 'greenlight_gate_wait_seconds_count', { ...production, outcome: 'approved' })).toBe(2);
    expect(sample(all, 'greenlight_queue_length', production)).toBe(0);
    expect(sample(all, 'greenlight_deployment_running_seconds', production)).toBe(0);
    expect(sample(all, 'greenlight_environment_locked', production)).toBe(1);
    expect(sample(all, 'greenlight_environment_locked', { env: 'staging' })).toBe(0);
    expect(
      sample(all, 'greenlight_github_requests_total', {
        route: 'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
        outcome: '2xx',
      }),
    ).toBe(e2e.github.requestsTo('actions/create-workflow-dispatch').length);
    expect(
      sample(all, 'greenlight_github_rate_limit_remaining', { token: 'GITHUB_TOKEN', resource: 'core' }),
    ).toBeGreaterThan(0);
    for (const queue of ['deployments', 'flag-reverts'])
      for (const state of ['waiting', 'delayed', 'active', 'failed'])
        expect(sample(all, 'greenlight_queue_jobs', { queue, state })).toBeGreaterThanOrEqual(0);
    expect(text).toContain('# TYPE greenlight_queue_jobs_failed_total counter');
    expect(sample(all, 'greenlight_incidents_open', { severity: 'sev2' })).toBe(1);
    expect(sample(all, 'greenlight_incidents_open', { severity: 'sev1' })).toBe(0);
  }, 40_000);
});
