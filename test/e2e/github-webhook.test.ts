import { describe, expect, it, vi } from 'vitest';
import { greenlightWorkflow, webhookRequest } from '../../playground/sim/github.js';
import { shownWithIds, useE2E } from '../helpers/e2e.js';

const SECRET = 'webhook-secret-for-tests';

describe('POST /github/webhooks', () => {
  const e2e = useE2E('webhook');

  const BACKEND = {
    id: 'backend',
    title: 'Backend deploy',
    inputs: { deployment_phase: 'backend_deployment' },
  };

  /** The bot on one repository's `deploy.yml`, with GitHub's webhook pointed at it. */
  async function startWithWebhook(
    pipeline: Record<string, unknown>[],
    deploy: Record<string, string>,
  ): Promise<void> {
    e2e.github.repo().addWorkflow(greenlightWorkflow('deploy.yml'));
    await e2e.startBot(
      {
        github: { owner: 'acme', repo: 'platform', workflow: 'deploy.yml', ref: 'main' },
        environments: { staging: { approvals: 0 }, production: { approvals: 1, approvers: ['U0CAROL'] } },
        pipeline,
        deploy,
      },
      { env: { GITHUB_WEBHOOK_SECRET: SECRET } },
    );
    e2e.github.addWebhook({ url: `${e2e.url}/github/webhooks`, secret: SECRET });
  }

  it('finishes a phase from a signed workflow_run event and refuses a bad signature', async () => {
    // Polls far apart: within this test only the webhook can tell greenlight the run ended.
    await startWithWebhook([BACKEND], { pollInterval: '1m' });
    const hook = `${e2e.url}/github/webhooks`;
    await e2e.slack.command('/deploy', 'staging', { user: 'U0ALICE' });
    const id = await e2e.records.nextDeployment('staging', 0);
    const status = async () => (await e2e.records.state(id)).phases[0]?.status;
    await vi.waitFor(async () => expect(await status()).toBe('running'));
    const run = e2e.github.runs()[0];
    if (!run) throw new Error('no run dispatched');

    // The completion as an attacker would send it: the right payload, the wrong secret or none.
    const event = e2e.github.workflowRunEvent(run.id, 'completed') as {
      workflow_run: Record<string, unknown>;
    };
    const claimed = {
      ...event,
      workflow_run: { ...event.workflow_run, status: 'completed', conclusion: 'success' },
    };
    const forged = webhookRequest('workflow_run', claimed, { secret: 'wrong-secret' });
    expect((await fetch(hook, { method: 'POST', headers: forged.headers, body: forged.body })).status).toBe(
      401,
    );
    const unsigned = webhookRequest('workflow_run', claimed);
    expect(
      (await fetch(hook, { method: 'POST', headers: unsigned.headers, body: unsigned.body })).status,
    ).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await status()).toBe('running');

    // GitHub finishes the run and sends its signed workflow_run event.
    const polls = e2e.github.requestsTo('actions/get-workflow-run').length;
    expect(e2e.github.finish(run.id)).toBe(1);
    await vi.waitFor(async () => expect(await status()).toBe('succeeded'), { timeout: 2_000 });
    // The bot may record the completion a moment before its 202 reaches GitHub.
    await vi.waitFor(() =>
      expect(e2e.github.deliveries.find((delivery) => delivery.action === 'completed')?.status).toBe(202),
    );
    // No poll saw the completion: the webhook did.
    expect(e2e.github.requestsTo('actions/get-workflow-run')).toHaveLength(polls);
  });

  it('answers 202 before the work is done (queued), and with webhooks reads the run list only as a slow safety net', async () => {
    // The sweep comes every 200 ms, but with webhooks the run list is read at most once a minute.
    await startWithWebhook(
      [
        BACKEND,
        { id: 'frontend', title: 'Frontend deploy', inputs: { deployment_phase: 'frontend_deployment' } },
      ],
      { pollInterval: '200ms', webhookPollInterval: '1m' },
    );
    const hook = `${e2e.url}/github/webhooks`;
    await e2e.slack.command('/deploy', 'staging', { user: 'U0ALICE' });
    const id = await e2e.records.nextDeployment('staging', 0);
    await vi.waitFor(async () => expect((await e2e.records.state(id)).phases[0]?.status).toBe('running'));
    const run = e2e.github.runs()[0];
    if (!run) throw new Error('no run dispatched');

    // Slack is slow: the transition's announcement takes 1.5 s, which the webhook's answer must not wait for.
    e2e.slack.latency(1_500, 'chat.update');
    const event = e2e.github.workflowRunEvent(run.id, 'completed') as {
      workflow_run: Record<string, unknown>;
    };
    e2e.github.finish(run.id);
    const completed = webhookRequest(
      'workflow_run',
      { ...event, workflow_run: { ...event.workflow_run, status: 'completed', conclusion: 'success' } },
      { secret: SECRET },
    );
    const started = performance.now();
    const answer = await fetch(hook, { method: 'POST', headers: completed.headers, body: completed.body });
    const answeredMs = performance.now() - started;
    expect(answer.status).toBe(202);
    expect(answeredMs).toBeLessThan(1_000);
    await vi.waitFor(
      async () =>
        expect((await e2e.records.state(id)).phases.map((phase) => phase.status)).toContain('succeeded'),
      { timeout: 5_000 },
    );
    e2e.slack.clearFaults();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // Seven sweeps or so came by meanwhile; at most one read the run list (the first, finding nothing known yet).
    expect(e2e.github.requestsTo('actions/list-workflow-runs-for-repo').length).toBeLessThanOrEqual(1);
    expect(e2e.github.requestsTo('actions/get-workflow-run').length).toBeLessThanOrEqual(2);
  });

  it('two replicas, runs that end at once: each phase dispatched once, every deployment finished by webhooks alone', async () => {
    e2e.github.repo().addWorkflow(greenlightWorkflow('deploy.yml'));
    // A run ends 50 ms after it starts, so its workflow_run event often beats the dispatch's own record of it.
    e2e.github.setLifecycle({ mode: 'auto', runMs: 50 });
    const envs = ['a', 'b', 'c'];
    const config = {
      github: { owner: 'acme', repo: 'platform', workflow: 'deploy.yml', ref: 'main' },
      environments: {
        production: { approvals: 1, approvers: ['U0CAROL'] },
        ...Object.fromEntries(envs.map((env) => [env, { approvals: 0 }])),
      },
      pipeline: ['one', 'two', 'three'].map((phase) => ({
        id: phase,
        title: phase,
        inputs: { deployment_phase: phase },
      })),
      // No run-list read comes by within the test: only the webhooks can move the deployments on.
      deploy: { pollInterval: '1m' },
    };
    // Both replicas get every event, as after a redelivery or behind a load balancer that retries.
    for (let replica = 0; replica < 2; replica += 1) {
      await e2e.startBot(config, { env: { GITHUB_WEBHOOK_SECRET: SECRET } });
      e2e.github.addWebhook({ url: `${e2e.url}/github/webhooks`, secret: SECRET });
    }
    const ids: string[] = [];
    for (const env of envs) {
      await e2e.slack.command('/deploy', env, { user: 'U0ALICE' });
      ids.push(await e2e.records.nextDeployment(env, 0));
    }

    for (const id of ids)
      await e2e.records.waitForStatus(id, 'succeeded', { finalized: true, timeout: 20_000 });
    const dispatched = e2e.github.runs().map((run) => run.inputs.greenlight_id);
    expect(dispatched).toHaveLength(ids.length * 3);
    expect(new Set(dispatched).size).toBe(dispatched.length);
  }, 40_000);

  it("shows a dispatched run's number from its first webhook, without a look at the run", async () => {
    // Polls far apart: within this test only the webhooks tell greenlight anything about the run.
    await startWithWebhook([BACKEND], { pollInterval: '1m' });
    await e2e.slack.command('/deploy', 'staging', { user: 'U0ALICE' });
    const id = await e2e.records.nextDeployment('staging', 0);
    await vi.waitFor(async () => expect((await e2e.records.state(id)).phases[0]?.status).toBe('running'));
    const run = e2e.github.runs()[0];
    if (!run) throw new Error('no run dispatched');

    // The `requested` delivery names the run's number (`#N`, what GitHub's pages show); the timeline shows it.
    // Shown a second after GitHub tells it, by when the dispatch is recorded.
    await vi.waitFor(
      async () => expect((await e2e.records.state(id)).phases[0]?.runs[0]?.number).toBe(run.runNumber),
      { timeout: 5_000 },
    );
    await vi.waitFor(
      () => {
        const timeline = e2e.slack
          .messages('#deployment-status')
          .find((message) => shownWithIds(message).includes(id));
        expect(shownWithIds(timeline)).toContain(`run #${run.runNumber}`);
      },
      { timeout: 5_000 },
    );
    // The dispatch's answer carried the run's id; nothing asked GitHub about the run itself.
    expect(e2e.github.requestsTo('actions/get-workflow-run')).toHaveLength(0);
  });
});
