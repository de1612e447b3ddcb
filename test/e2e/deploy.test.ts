import { describe, expect, it, vi } from 'vitest';
import { DEPLOY_APPROVE } from '../../views/ids.js';
import { deployConfig, FAST_GITHUB, shownWithIds, useE2E } from '../helpers/e2e.js';

const REQUESTER = 'U0ALICE';
const APPROVER = 'U0CAROL';

describe('/deploy end to end (GitHub Enterprise base URL with a path)', () => {
  const e2e = useE2E('deploy');

  const start = () => e2e.startBot(deployConfig(), { runtime: FAST_GITHUB });

  /** The deployment's timeline message in the status channel, as it reads now. */
  const timeline = () => shownWithIds(e2e.slack.messages('#deployment-status').at(-1));

  it('waits for approval, dispatches each phase exactly once, passes the gate and succeeds', async () => {
    // Every run finishes as soon as it starts.
    e2e.github.setLifecycle({ mode: 'auto', runMs: 0 });
    await start();
    const ack = await e2e.slack.command('/deploy', 'production main', { user: REQUESTER });
    expect(ack.status).toBe(200);
    const id = await e2e.records.nextDeployment('production', 0);

    await vi.waitFor(() => expect(timeline()).toContain(DEPLOY_APPROVE));
    expect(e2e.github.runs()).toEqual([]);

    // The requester cannot approve their own deployment.
    await e2e.slack.click({ actionId: DEPLOY_APPROVE, value: id, user: REQUESTER });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(e2e.github.runs()).toEqual([]);

    await e2e.slack.click({ actionId: DEPLOY_APPROVE, value: id, user: APPROVER });
    await vi.waitFor(() => expect(e2e.github.runs()).toHaveLength(1), { timeout: 5_000 });
    const [dispatch] = e2e.github.requestsTo('actions/create-workflow-dispatch');
    expect(dispatch?.path).toBe(
      '/repos/acme/platform/actions/workflows/production-deployment.yml/dispatches',
    );
    expect(dispatch?.body).toEqual({
      ref: 'main',
      inputs: {
        deployment_phase: 'validation',
        environment: 'production',
        ref: 'main',
        greenlight_id: `${id}-validation-0`,
      },
      return_run_details: true,
    });
    expect(dispatch?.status).toBe(200);

    // The migration gate opens after validation succeeds; nothing is dispatched until it is approved.
    await vi.waitFor(
      async () => {
        const { state } = await e2e.records.deployment(id);
        expect(state.status).toBe('awaiting_approval');
        expect(state.gate?.phaseId).toBe('database_migration');
      },
      { timeout: 6_000 },
    );
    expect(e2e.github.runs()).toHaveLength(1);
    await vi.waitFor(() => expect(timeline()).toContain(DEPLOY_APPROVE));
    // A double click on Approve.
    await (await e2e.slack.click({ actionId: DEPLOY_APPROVE, value: id, user: APPROVER })).again();

    await e2e.records.waitForStatus(id, 'succeeded', { finalized: true, timeout: 8_000 });
    expect(e2e.github.runs().map((run) => run.inputs.deployment_phase)).toEqual([
      'validation',
      'database_migration',
    ]);
    expect(e2e.github.statuses().map((status) => status.state)).toEqual(['in_progress', 'success']);
    expect(timeline()).not.toContain(DEPLOY_APPROVE);
    expect(await e2e.redis.get(e2e.keys.activeDeployment('production'))).toBeNull();
    const timelineTs = e2e.slack.messages('#deployment-status').at(-1)?.ts ?? '';
    expect(e2e.slack.thread('#deployment-status', timelineTs).length).toBeGreaterThan(0);
  }, 30_000);

  it('fails the deployment when a run fails, and locks the environment', async () => {
    await start();
    await e2e.slack.command('/deploy', 'production', { user: REQUESTER });
    const id = await e2e.records.nextDeployment('production', 0);
    await vi.waitFor(() => expect(timeline()).toContain(DEPLOY_APPROVE));
    await e2e.slack.click({ actionId: DEPLOY_APPROVE, value: id, user: APPROVER });
    const run = await vi.waitFor(
      () => {
        const [dispatched] = e2e.github.runs();
        if (!dispatched) throw new Error('nothing dispatched yet');
        return dispatched;
      },
      { timeout: 5_000 },
    );
    expect(e2e.github.fail(run.id)).toBe(1);
    await e2e.records.waitForStatus(id, 'failed', { finalized: true, timeout: 8_000 });
    expect(e2e.github.runs()).toHaveLength(1);
    await vi.waitFor(() =>
      expect(e2e.github.statuses().map((status) => status.state)).toEqual(['in_progress', 'failure']),
    );
    expect(await e2e.redis.hget(e2e.keys.envLock('production'), 'by')).toBe('greenlight');
  }, 20_000);
});
