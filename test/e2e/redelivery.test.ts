import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Delivery } from '../../playground/sim/slack.js';
import {
  ROLLBACK_CONFIRM_MODAL,
  ROLLBACK_DECLARE_INCIDENT,
  ROLLBACK_REASON_BLOCK,
  ROLLBACK_REASON_INPUT,
} from '../../views/ids.js';
import { deployConfig, FAST_GITHUB, useE2E, visibleText } from '../helpers/e2e.js';
import { type FakeApp, startFakeApp } from '../helpers/fake-app.js';

const DEPLOYER = 'U0ALICE';
const APPROVER = 'U0CAROL';

/**
 * Slack re-sends a request it thinks went unanswered (`X-Slack-Retry-Num`), and a captured request can be replayed
 * within its 5-minute window: the same signed bytes, the same trigger_id. Each must change things once.
 */
describe('re-delivered and replayed Slack requests', () => {
  const e2e = useE2E('redelivery');
  let app: FakeApp;

  beforeEach(async () => {
    app = await startFakeApp();
    for (const tag of ['v1.0.0', 'v1.1.0']) e2e.github.repo().setTag(tag, tag);
    e2e.github.setLifecycle({ mode: 'auto', runMs: 0 });
    await e2e.startBot(
      deployConfig(
        {},
        {
          environments: {
            staging: { approvals: 0, deployers: [DEPLOYER], approvers: [APPROVER] },
            production: { approvals: 1, approvers: [APPROVER] },
          },
          services: { api: { health: [{ url: `${app.url}/health`, expect: 200 }] } },
          pipeline: [
            {
              id: 'backend',
              title: 'Backend deploy',
              services: ['api'],
              inputs: { deployment_phase: 'backend' },
            },
          ],
          rollback: { inputs: { deployment_phase: 'rollback' } },
        },
      ),
      { runtime: FAST_GITHUB },
    );
  });
  afterEach(() => app.close());

  /** Two re-deliveries (as Slack retries) and one exact replay of what `first` sent; every one acked 200. */
  async function deliverAgain(first: Delivery): Promise<Delivery[]> {
    const again = [
      await first.resend({ retryNum: 1, reason: 'http_timeout' }),
      await first.resend({ retryNum: 2, reason: 'http_timeout' }),
      await first.resend(),
    ];
    expect([first, ...again].map((delivery) => delivery.status)).toEqual([200, 200, 200, 200]);
    return again;
  }

  const dispatches = (phase: string) =>
    e2e.github
      .requestsTo('actions/create-workflow-dispatch')
      .filter((request) => request.status === 200)
      .filter(
        (request) => (request.body as { inputs: Record<string, string> }).inputs.deployment_phase === phase,
      );
  const audited = async (action: string) =>
    (await e2e.records.audit()).filter((entry) => entry.action === action);

  async function deploy(ref: string): Promise<void> {
    const known = (await e2e.records.deploymentIds('staging')).length;
    await e2e.slack.command('/deploy', `staging ${ref}`, { user: DEPLOYER });
    await e2e.records.waitForStatus(await e2e.records.nextDeployment('staging', known), 'succeeded');
  }

  it('/deploy: one deployment and one dispatch; the repeats are told it was done once', async () => {
    const command = await e2e.slack.command('/deploy', 'staging v1.0.0', { user: DEPLOYER });
    await deliverAgain(command);

    const [id, ...others] = await vi.waitFor(async () => {
      const ids = await e2e.records.deploymentIds('staging');
      expect(ids.length).toBeGreaterThan(0);
      return ids;
    });
    expect(others).toEqual([]);
    await e2e.records.waitForStatus(id as string, 'succeeded');
    expect(dispatches('backend')).toHaveLength(1);
    await vi.waitFor(() => expect(command.replies()).toHaveLength(4));
    const texts = command.replies().map((post) => `${String(post.body.text)}\n${visibleText(post.body)}`);
    expect(texts.filter((text) => text.includes('it was carried out once'))).toHaveLength(3);
    expect(texts.filter((text) => text.startsWith('Deployment staging-'))).toHaveLength(1);
  });

  it('/flag: one write, one audit entry, one announcement', async () => {
    await e2e.redis.set(e2e.keys.flag('email_automation'), 'true');
    const command = await e2e.slack.command('/flag', 'disable email_automation noisy', { user: APPROVER });
    await deliverAgain(command);

    await vi.waitFor(() => expect(command.replies()).toHaveLength(4));
    expect(await e2e.redis.get(e2e.keys.flag('email_automation'))).toBe('false');
    expect(await audited('flag.changed')).toHaveLength(1);
    expect(e2e.slack.messages('#deployment-status')).toHaveLength(1);
  });

  it('/rollback: the confirmation submitted again starts one rollback, dispatched once, told once', async () => {
    await deploy('v1.0.0');
    await deploy('v1.1.0');
    await e2e.slack.command('/rollback', 'api staging checkout errors', { user: DEPLOYER });
    await vi.waitFor(() => expect(e2e.slack.modal(DEPLOYER)?.view.callback_id).toBe(ROLLBACK_CONFIRM_MODAL));
    const built = e2e.slack.submitRequest({
      user: DEPLOYER,
      callbackId: ROLLBACK_CONFIRM_MODAL,
      values: { [ROLLBACK_REASON_BLOCK]: { [ROLLBACK_REASON_INPUT]: 'checkout errors' } },
    });
    await deliverAgain(await e2e.slack.send(built.request));

    await vi.waitFor(() => expect(dispatches('rollback')).toHaveLength(1));
    const told = () => e2e.slack.callsOf('chat.postMessage').filter((call) => call.args.channel === DEPLOYER);
    await vi.waitFor(() => expect(told()).toHaveLength(1));
    const rollbacks = [];
    for (const id of await e2e.records.deploymentIds('staging'))
      if ((await e2e.records.state(id)).rollbackOf) rollbacks.push(id);
    expect(rollbacks).toHaveLength(1);

    // The button under the confirmation: a replayed click declares (and tells about) the incident once.
    const click = await e2e.slack.click({ actionId: ROLLBACK_DECLARE_INCIDENT, user: DEPLOYER });
    await deliverAgain(click);
    await vi.waitFor(() => expect(told()).toHaveLength(2));
    expect(await audited('incident.declared')).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(told()).toHaveLength(2);
    expect(dispatches('rollback')).toHaveLength(1);
  });

  it('/incident declare: one incident, one card, one audit entry', async () => {
    const command = await e2e.slack.command('/incident', 'declare sev3 Exports slow', { user: DEPLOYER });
    await deliverAgain(command);

    await vi.waitFor(() => expect(command.replies()).toHaveLength(4));
    expect(await e2e.redis.zcard(e2e.keys.incidents())).toBe(1);
    expect(await audited('incident.declared')).toHaveLength(1);
    expect(e2e.slack.messages('#incidents')).toHaveLength(1);
  });

  it('answers a read again: /deploy status re-delivered is answered each time, in each ack', async () => {
    const command = await e2e.slack.command('/deploy', 'status staging', { user: DEPLOYER });
    const deliveries = [command, ...(await deliverAgain(command))];
    const answers = deliveries.map((delivery) => visibleText(delivery.json));
    expect(answers.every((text) => text.includes('*staging*'))).toBe(true);
    expect(answers.join('\n')).not.toContain('carried out once');
    expect(command.replies()).toEqual([]);
  });
});
