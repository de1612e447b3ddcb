import { describe, expect, it, vi } from 'vitest';
import { greenlightWorkflow } from '../../playground/sim/github.js';
import { DEPLOY_APPROVE } from '../../views/ids.js';
import { deployConfig, FAST_GITHUB, shownWithIds, useE2E, visibleText } from '../helpers/e2e.js';

const REQUESTER = 'U0ALICE';
const APPROVER = 'U0CAROL';
const STATUS = '#deployment-status';
const WEBHOOK_SECRET = 'webhook-secret-for-tests';

describe('the timeline and the gate survive Slack faults', () => {
  const e2e = useE2E('timeline-faults');

  const start = (overrides: Record<string, unknown> = {}) =>
    e2e.startBot(deployConfig({}, overrides), { runtime: FAST_GITHUB });
  /** The top-level messages of the status channel: one timeline per deployment. */
  const timelines = () => e2e.slack.messages(STATUS).filter((message) => !message.threadTs);
  const timeline = () => shownWithIds(timelines().at(-1));
  const failedCalls = (method: string) =>
    e2e.slack.callsOf(method).filter((call) => call.status !== 200 || call.response?.ok !== true);

  it.each([
    ['internal_error', { error: 'internal_error' }, 1_500],
    ['HTTP 503', { status: 503, error: 'service_unavailable' }, 1_500],
    ['HTTP 429 with Retry-After', { status: 429, retryAfterSeconds: 1 }, 950],
    // A refusal spends one of the job's attempts (with backoff), so one that never goes away ends.
    ['channel_not_found', { error: 'channel_not_found' }, 1_500],
  ])(
    'retries a first timeline post that failed (%s) until it exists, showing the newest state',
    async (_, fault, waitedMs) => {
      e2e.github.setLifecycle({ mode: 'auto', runMs: 0 });
      e2e.slack.failNext('chat.postMessage', { channel: STATUS, ...fault });
      await start();
      await e2e.slack.command('/deploy', 'staging main', { user: REQUESTER });
      const id = await e2e.records.nextDeployment('staging', 0);
      // The deployment does not wait for its timeline.
      await e2e.records.waitForStatus(id, 'succeeded', { finalized: true, timeout: 15_000 });
      await vi.waitFor(() => expect(visibleText(timelines().at(-1))).toContain('*Succeeded*'), {
        timeout: 15_000,
      });
      expect(timelines()).toHaveLength(1);
      expect(failedCalls('chat.postMessage')).toHaveLength(1);
      // Tried again later (after Retry-After when Slack gave one), not at once in a loop.
      const [failed, posted] = e2e.slack.callsOf('chat.postMessage');
      expect((posted?.at ?? 0) - (failed?.at ?? 0)).toBeGreaterThanOrEqual(waitedMs);
      // The end is a decision: replied to in the thread, once.
      const ts = timelines()[0]?.ts ?? '';
      await vi.waitFor(() =>
        expect(
          e2e.slack.thread(STATUS, ts).filter((reply) => reply.text.includes('succeeded in')),
        ).toHaveLength(1),
      );
    },
    40_000,
  );

  it('retries an internal_error on the final chat.update, so the timeline ends on success', async () => {
    await start();
    await e2e.slack.command('/deploy', 'staging main', { user: REQUESTER });
    const id = await e2e.records.nextDeployment('staging', 0);
    await vi.waitFor(() => expect(e2e.github.runs()).toHaveLength(1), { timeout: 5_000 });
    e2e.github.finish(e2e.github.runs()[0]?.id ?? 0, 'success');
    await vi.waitFor(() => expect(e2e.github.runs()).toHaveLength(2), { timeout: 5_000 });
    // The timeline has caught up with the last phase running: the next update is the one that shows the end.
    await vi.waitFor(() => expect(timeline()).toContain('*Database migration*'), { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    e2e.slack.failNext('chat.update', { error: 'internal_error' });
    e2e.github.finish(e2e.github.runs()[1]?.id ?? 0, 'success');
    await e2e.records.waitForStatus(id, 'succeeded', { finalized: true });
    await vi.waitFor(() => expect(failedCalls('chat.update')).toHaveLength(1), { timeout: 10_000 });
    await vi.waitFor(() => expect(visibleText(timelines().at(-1))).toContain('*Succeeded*'), {
      timeout: 15_000,
    });
    expect(visibleText(timelines().at(-1))).not.toContain('Running');
    expect(timelines()).toHaveLength(1);
  }, 40_000);

  it('offers the gate of a production deployment whose post failed in /deploy status and in the approver’s DM', async () => {
    e2e.github.setLifecycle({ mode: 'auto', runMs: 0 });
    // The status channel refuses every post for a while; direct messages still go through.
    e2e.slack.failNext('chat.postMessage', { channel: STATUS, error: 'internal_error', times: 1_000 });
    await start({
      pipeline: [{ id: 'validation', title: 'Validation', inputs: { deployment_phase: 'validation' } }],
    });

    await e2e.slack.command('/deploy', 'production main', { user: REQUESTER });
    const first = await e2e.records.nextDeployment('production', 0);
    await vi.waitFor(async () => expect((await e2e.records.state(first)).gate).toBeDefined());
    // /deploy status offers the gate's buttons, the timeline's own.
    const status = await e2e.slack.command('/deploy', 'status production', { user: APPROVER });
    const shown = await status.answer();
    expect(JSON.stringify(shown.body.blocks)).toContain(DEPLOY_APPROVE);
    await e2e.slack.click({ actionId: DEPLOY_APPROVE, value: first, user: APPROVER });
    await e2e.records.waitForStatus(first, 'succeeded', { finalized: true, timeout: 10_000 });

    // The approver got a direct message with the buttons, once for the gate, whatever the retries.
    const dm = e2e.slack.workspace.imWith(APPROVER).id;
    const asked = () =>
      e2e.slack.messages(dm).filter((message) => shownWithIds(message).includes(DEPLOY_APPROVE));
    expect(asked().length).toBe(1);
    expect(shownWithIds(asked()[0])).toContain(first);

    // A second deployment is approved from the DM alone.
    await e2e.slack.command('/deploy', 'production main', { user: REQUESTER });
    const second = await e2e.records.nextDeployment('production', 1);
    await vi.waitFor(() => expect(asked().length).toBe(2), { timeout: 10_000 });
    const message = asked()[1];
    expect(shownWithIds(message)).toContain(second);
    await e2e.slack.click({
      actionId: DEPLOY_APPROVE,
      value: second,
      user: APPROVER,
      in: { channel: dm, ts: message?.ts ?? '' },
    });
    await e2e.records.waitForStatus(second, 'succeeded', { finalized: true, timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(asked().length).toBe(2);

    // Once Slack takes posts again, both timelines appear, showing how the deployments ended.
    e2e.slack.clearFaults();
    await vi.waitFor(
      () => {
        expect(timelines()).toHaveLength(2);
        for (const message of timelines()) expect(visibleText(message)).toContain('*Succeeded*');
      },
      { timeout: 20_000 },
    );
  }, 60_000);

  it('hands a phase over without waiting for a slow Slack', async () => {
    e2e.github.repo().addWorkflow(greenlightWorkflow('deploy.yml'));
    e2e.github.setLifecycle({ mode: 'auto', runMs: 0 });
    e2e.slack.latency(1_500, 'chat.postMessage');
    e2e.slack.latency(1_500, 'chat.update');
    await e2e.startBot(
      deployConfig(
        {},
        {
          github: { owner: 'acme', repo: 'platform', workflow: 'deploy.yml', ref: 'main' },
          // Only the webhook tells greenlight a run ended.
          deploy: { pollInterval: '1m' },
        },
      ),
      { env: { GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET }, runtime: FAST_GITHUB },
    );
    e2e.github.addWebhook({ url: `${e2e.url}/github/webhooks`, secret: WEBHOOK_SECRET });
    await e2e.slack.command('/deploy', 'staging main', { user: REQUESTER });
    await vi.waitFor(() => expect(e2e.github.runs()).toHaveLength(2), { timeout: 5_000, interval: 10 });
    // Both phases went out before Slack had answered a single timeline call.
    expect(e2e.slack.callsOf('chat.postMessage')).toEqual([]);
    expect(e2e.slack.callsOf('chat.update')).toEqual([]);
  }, 30_000);
});
