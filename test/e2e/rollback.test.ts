import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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
const OUTSIDER = 'U0MALLORY';

describe('/rollback end to end', () => {
  const e2e = useE2E('rollback');
  let app: FakeApp;

  beforeEach(async () => {
    app = await startFakeApp();
    for (const tag of ['v1.0.0', 'v1.1.0']) e2e.github.repo().setTag(tag, tag);
    // Runs succeed as soon as they start, unless a test holds them.
    e2e.github.setLifecycle({ mode: 'auto', runMs: 0 });
    await e2e.startBot(
      deployConfig(
        {},
        {
          environments: {
            // Carol approves in staging too: a second person who may roll back there.
            staging: { approvals: 0, deployers: [DEPLOYER], approvers: [APPROVER] },
            production: { approvals: 1, approvers: [APPROVER] },
          },
          services: { api: { health: [{ url: `${app.url}/health`, expect: 200 }] }, web: { health: [] } },
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

  const stateOf = (id: string) => e2e.records.state(id);

  async function deploy(ref: string): Promise<void> {
    const known = (await e2e.records.deploymentIds('staging')).length;
    await e2e.slack.command('/deploy', `staging ${ref}`, { user: DEPLOYER });
    const id = await e2e.records.nextDeployment('staging', known);
    await e2e.records.waitForStatus(id, 'succeeded');
  }

  const command = (text: string, user = DEPLOYER) => e2e.slack.command('/rollback', text, { user });
  const modals = () => e2e.slack.callsOf('views.open');
  /** The modal as views.open received it. */
  const modalView = (index: number) =>
    modals()[index]?.args.view as { blocks: unknown[]; private_metadata: string; title: { text: string } };
  /** The user's open confirmation, submitted with `reason` typed in. */
  const confirm = (reason: string | null, user = DEPLOYER, clientChecks = true) =>
    e2e.slack.submit({
      user,
      callbackId: ROLLBACK_CONFIRM_MODAL,
      values: { [ROLLBACK_REASON_BLOCK]: { [ROLLBACK_REASON_INPUT]: reason } },
      clientChecks,
    });
  /** `/rollback <text>`, then the confirmation it opens submitted with `reason`. */
  async function rollback(text: string, reason: string, user = DEPLOYER) {
    await command(text, user);
    await vi.waitFor(() => expect(e2e.slack.modal(user)?.view.callback_id).toBe(ROLLBACK_CONFIRM_MODAL));
    return confirm(reason, user);
  }
  const rollbackDispatches = () =>
    e2e.github
      .requestsTo('actions/create-workflow-dispatch')
      .filter((request) => request.status === 200)
      .map((request) => request.body as { inputs: Record<string, string> })
      .filter((body) => body.inputs.deployment_phase === 'rollback');
  const rollbacks = () => e2e.github.runs().filter((run) => run.inputs.deployment_phase === 'rollback');
  const directMessages = (user: string) =>
    e2e.slack.callsOf('chat.postMessage').filter((call) => call.args.channel === user);
  const lastReply = () => visibleText(e2e.slack.responses.at(-1)?.body);

  async function rollbackId(): Promise<string> {
    return vi.waitFor(async () => {
      for (const id of (await e2e.records.deploymentIds('staging')).reverse()) {
        if ((await stateOf(id)).rollbackOf) return id;
      }
      throw new Error('no rollback yet');
    });
  }

  it('confirms what is live and what it goes back to, then dispatches at once, verifies health and locks', async () => {
    await deploy('v1.0.0');
    await deploy('v1.1.0');

    await command('api staging checkout errors since 10:02');
    await vi.waitFor(() => expect(modals()).toHaveLength(1));
    const view = modalView(0);
    const text = visibleText(view);
    expect(text).toContain('*Live now:* `v1.1.0`');
    expect(text).toContain('*Goes back to:* `v1.0.0`');
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(JSON.stringify(view.blocks)).toContain('"initial_value":"checkout errors since 10:02"');

    // A blank reason (Slack's client would not send it; a crafted request could) keeps the modal open.
    const empty = await confirm(' ', DEPLOYER, false);
    expect(e2e.slack.modal(DEPLOYER)?.view.private_metadata).toBe(view.private_metadata);
    expect(empty.json).toEqual({
      response_action: 'errors',
      errors: { [ROLLBACK_REASON_BLOCK]: 'Say in a few words why you roll back.' },
    });
    expect(rollbacks()).toEqual([]);

    expect((await confirm('checkout errors since 10:02')).status).toBe(200);
    expect(e2e.slack.modal(DEPLOYER)).toBeUndefined();
    await vi.waitFor(() => expect(rollbacks()).toHaveLength(1), { timeout: 5_000, interval: 10 });
    const id = await rollbackId();
    expect(rollbackDispatches()[0]).toEqual({
      ref: 'main',
      inputs: {
        deployment_phase: 'rollback',
        service: 'api',
        rollback_version: 'v1.0.0',
        environment: 'staging',
        ref: 'v1.0.0',
        greenlight_id: `${id}-rollback-0`,
      },
      return_run_details: true,
    });
    await vi.waitFor(async () => expect((await stateOf(id)).status).toBe('succeeded'), { timeout: 10_000 });
    const done = await stateOf(id);
    expect(done.phases[0]?.probes).toEqual([
      expect.objectContaining({ service: 'api', ok: true, status: 200 }),
    ]);
    expect(done.rollbackOf).toEqual({
      service: 'api',
      from: 'v1.1.0',
      fromId: expect.stringMatching(/^d/),
      reason: 'checkout errors since 10:02',
    });
    await vi.waitFor(async () =>
      expect(await e2e.redis.hget(e2e.keys.envLock('staging'), 'reason')).toContain(
        'api was rolled back to v1.0.0',
      ),
    );
    expect(e2e.github.deployments().at(-1)?.payload).toMatchObject({ greenlight_id: id });
    expect(e2e.github.statuses().at(-1)?.state).toBe('success');
    const dm = visibleText(directMessages(DEPLOYER).at(-1)?.args ?? {});
    expect(dm).toContain('Rolling back *api* in *staging* to `v1.0.0`');
    expect(JSON.stringify(directMessages(DEPLOYER).at(-1)?.args.blocks)).toContain(ROLLBACK_DECLARE_INCIDENT);
    // The offered incident, declared from the message: linked to the rollback, and only once.
    const declare = await e2e.slack.click({ actionId: ROLLBACK_DECLARE_INCIDENT, value: id, user: DEPLOYER });
    await vi.waitFor(() =>
      expect(String(directMessages(DEPLOYER).at(-1)?.args.text)).toMatch(
        /^Declared: inc-1 \(SEV2\), linked to /,
      ),
    );
    await declare.again();
    await vi.waitFor(() =>
      expect(String(directMessages(DEPLOYER).at(-1)?.args.text)).toMatch(
        /^Already declared: inc-1 \(SEV2\), linked to /,
      ),
    );
    const incident = await e2e.records.incident('inc-1');
    expect(incident?.state).toMatchObject({
      deploymentId: id,
      env: 'staging',
      declaredBy: DEPLOYER,
      title: 'Rollback of staging: api rolled back to v1.0.0: checkout errors since 10:02',
    });
    expect(await e2e.redis.zcard(e2e.keys.incidents())).toBe(1);
    // Unlocked and asked again, the rollback's own version is now what is live.
    await (await e2e.slack.command('/deploy', 'unlock staging', { user: DEPLOYER })).reply();
    await command('api staging');
    await vi.waitFor(() => expect(modals()).toHaveLength(2));
    expect(visibleText(modalView(1))).toContain('*Live now:* `v1.0.0`');
  });

  it('refuses people without the role, unknown versions and services, and never doubles a running rollback', async () => {
    await deploy('v1.0.0');
    await deploy('v1.1.0');

    await command('api staging', OUTSIDER);
    await vi.waitFor(() =>
      expect(lastReply()).toContain('Only deployers and approvers of staging may roll back there.'),
    );
    await command('api staging --to v0.9.9');
    await vi.waitFor(() =>
      expect(lastReply()).toContain(
        '`v0.9.9` never deployed successfully to staging, so greenlight will not roll back to it. Good versions on record: `v1.1.0`, `v1.0.0`.',
      ),
    );
    await command('apx staging');
    await vi.waitFor(() => expect(lastReply()).toContain('There is no service `apx`. Did you mean `api`?'));
    expect(modals()).toEqual([]);

    e2e.github.setLifecycle({ mode: 'manual' });
    // Alice and Carol both open the confirmation; Alice confirms first.
    for (const user of [DEPLOYER, APPROVER]) {
      await command('api staging', user);
      await vi.waitFor(() => expect(e2e.slack.modal(user)).toBeDefined());
    }
    await confirm('first');
    await vi.waitFor(() => expect(rollbacks()).toHaveLength(1));
    await confirm('second, from someone else in a hurry', APPROVER);
    await vi.waitFor(() =>
      expect(visibleText(directMessages(APPROVER).at(-1)?.args)).toContain(
        'A rollback of `api` in staging is already under way',
      ),
    );
    await command('api staging');
    await vi.waitFor(() => expect(lastReply()).toContain('is already under way'));
    expect(rollbacks()).toHaveLength(1);
  });

  it('gives the version it went back to a few rounds of health checks to come up', async () => {
    await deploy('v1.0.0');
    await deploy('v1.1.0');
    app.health.status = 503;
    await rollback('api staging --to v1.0.0', 'errors');
    const id = await rollbackId();
    // The first round fails; the service is up by the next one.
    await vi.waitFor(
      async () => {
        const { meta } = (await e2e.records.deployment(id)) as { meta: { verifyAttempts?: number } };
        expect(meta.verifyAttempts).toBe(1);
      },
      { timeout: 10_000, interval: 20 },
    );
    app.health.status = 200;
    await vi.waitFor(async () => expect((await stateOf(id)).status).toBe('succeeded'), { timeout: 10_000 });
    expect((await stateOf(id)).phases[0]?.probes).toEqual([
      expect.objectContaining({ ok: true, status: 200 }),
    ]);
  });

  it('says loudly when the version it went back to is unhealthy too, and what to do next', async () => {
    await deploy('v1.0.0');
    await deploy('v1.1.0');
    app.health.status = 503;
    await rollback('api staging --to v1.0.0', 'errors');
    const id = await rollbackId();
    // Judged unhealthy only after three rounds of checks, one per sweep.
    await vi.waitFor(async () => expect((await stateOf(id)).status).toBe('failed'), { timeout: 15_000 });
    expect(app.healthChecks).toBeGreaterThanOrEqual(3);
    // The timeline catches up by its own job.
    const timeline = () => visibleText(e2e.slack.callsOf('chat.update').at(-1)?.args);
    await vi.waitFor(() => expect(timeline()).toContain('🔥 *`v1.0.0` is unhealthy too.*'), {
      timeout: 10_000,
    });
    expect(timeline()).toContain('/rollback api staging --to &lt;older version&gt;');
    expect(timeline()).toContain('answered 503, expected 200');
    await vi.waitFor(async () => expect(await e2e.redis.exists(e2e.keys.envLock('staging'))).toBe(1));
  });
});
