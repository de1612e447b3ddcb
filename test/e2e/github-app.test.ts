import { describe, expect, it, vi } from 'vitest';
import { FAST_GITHUB, useE2E } from '../helpers/e2e.js';
import { appEnv, movableClock, simApp } from '../helpers/github-app.js';

const clock = movableClock();

describe('greenlight as a GitHub App (Enterprise Server base URL with a path)', () => {
  const e2e = useE2E('github-app', {
    // No personal token is accepted: every request must carry an installation token of the App.
    github: () => ({ tokens: {}, app: simApp([{ id: 7001, repos: ['acme/platform'] }]), now: clock.now }),
  });

  it('deploys with installation tokens, and a token expiring mid-deployment is replaced before any request fails', async () => {
    await e2e.startBot(
      {
        github: { owner: 'acme', repo: 'platform', workflow: 'production-deployment.yml', ref: 'main' },
        environments: { staging: { approvals: 0 }, production: { approvals: 1, approvers: ['U0CAROL'] } },
        pipeline: [
          { id: 'validation', title: 'Validation', inputs: { deployment_phase: 'validation' } },
          { id: 'backend', title: 'Backend deploy', inputs: { deployment_phase: 'backend_deployment' } },
        ],
        deploy: { pollInterval: '1s' },
      },
      { env: appEnv(), runtime: { ...FAST_GITHUB, now: clock.now } },
    );
    await e2e.slack.command('/deploy', 'staging main', { user: 'U0ALICE' });
    const id = await e2e.records.nextDeployment('staging', 0);
    const first = await vi.waitFor(
      () => {
        const [run] = e2e.github.runs();
        if (!run) throw new Error('nothing dispatched yet');
        return run;
      },
      { timeout: 8_000 },
    );
    // The run is tracked (its repository's run list read) while the hour passes; the token it was dispatched with is dead afterwards.
    const before = e2e.github.requests.length;
    clock.advance(61 * 60_000);
    await e2e.github.waitFor(
      () =>
        e2e.github.requests
          .slice(before)
          .find((request) =>
            ['actions/list-workflow-runs-for-repo', 'actions/get-workflow-run'].includes(request.route),
          ),
      8_000,
      'a read of the run list after the hour',
    );
    e2e.github.finish(first.id);
    await vi.waitFor(() => expect(e2e.github.runs()).toHaveLength(2), { timeout: 8_000 });
    e2e.github.finish((run) => run.inputs.deployment_phase === 'backend_deployment');
    await e2e.records.waitForStatus(id, 'succeeded', { finalized: true, timeout: 10_000 });

    expect(e2e.github.requests.filter((request) => request.status >= 400)).toEqual([]);
    const tokens = e2e.github.installationTokens;
    expect(tokens.map((token) => token.installationId)).toEqual([7001, 7001]);
    expect(e2e.github.requestsTo('apps/get-repo-installation')).toHaveLength(1);
    expect(e2e.github.statuses().map((status) => status.state)).toEqual(['in_progress', 'success']);
    expect(e2e.github.deployments()[0]?.creator.login).toBe('greenlight-test[bot]');
    // The rate limit is the installation's, and /metrics says so.
    const metrics = await (await fetch(`${e2e.url}/metrics`)).text();
    expect(metrics).toMatch(
      /greenlight_github_rate_limit_remaining\{token="installation:7001",resource="core"\} \d+/,
    );
    expect(metrics).not.toContain('token="GITHUB_TOKEN"');
  }, 40_000);
});
