import type { Redis } from 'ioredis';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeploymentState } from '../../src/domain/deploy/deployment-state.js';
import type { Greenlight } from '../../src/runtime.js';
import {
  ROLLBACK_CONFIRM_MODAL,
  ROLLBACK_DECLARE_INCIDENT,
  ROLLBACK_REASON_BLOCK,
  ROLLBACK_REASON_INPUT,
} from '../../views/ids.js';
import {
  type Capture,
  captureResponses,
  fakeSlackApi,
  isolateNetwork,
  post,
  type SlackCall,
} from '../helpers/bot.js';
import { type FakeGitHub, fakeGitHub, startDeployBot, visibleText } from '../helpers/deploy.js';
import { type FakeApp, startFakeApp } from '../helpers/fake-app.js';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { buttonClick, interaction, slashCommand } from '../helpers/slack.js';

const DEPLOYER = 'U0ALICE';
const OUTSIDER = 'U0MALLORY';

/** The confirmation submitted as Slack sends it: a signed view_submission with the reason in the input's state. */
function confirm(metadata: string, reason: string | null, userId = DEPLOYER) {
  return interaction({
    type: 'view_submission',
    team: { id: 'T0TEST', domain: 'acme' },
    user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: 'T0TEST' },
    api_app_id: 'A0GREEN',
    token: 'deprecated-verification-token',
    trigger_id: `${Date.now()}.5678.fedcba`,
    view: {
      id: 'V0MODAL',
      team_id: 'T0TEST',
      type: 'modal',
      callback_id: ROLLBACK_CONFIRM_MODAL,
      private_metadata: metadata,
      hash: '1700000000.abcdef',
      title: { type: 'plain_text', text: 'Confirm rollback' },
      blocks: [],
      state: {
        values: {
          [ROLLBACK_REASON_BLOCK]: { [ROLLBACK_REASON_INPUT]: { type: 'plain_text_input', value: reason } },
        },
      },
      app_id: 'A0GREEN',
      bot_id: 'B0BOT',
    },
    response_urls: [],
    is_enterprise_install: false,
  });
}

describe('/rollback end to end', () => {
  let prefix: string;
  let redis: Redis;
  let slack: Capture<SlackCall>;
  let responses: Capture<{ path: string; body: Record<string, unknown> }>;
  let github: FakeGitHub;
  let app: FakeApp;
  let url: string;
  const bots: Greenlight[] = [];

  beforeAll(() => isolateNetwork());
  afterAll(() => nock.enableNetConnect());
  beforeEach(async () => {
    prefix = uniquePrefix('rollback');
    redis = testRedis();
    slack = fakeSlackApi();
    responses = captureResponses();
    github = fakeGitHub();
    app = await startFakeApp();
    const bot = await startDeployBot(
      testRedisUrl(),
      prefix,
      {},
      {
        environments: {
          staging: { approvals: 0, deployers: [DEPLOYER] },
          production: { approvals: 1, approvers: ['U0CAROL'] },
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
    );
    bots.push(bot);
    url = `http://127.0.0.1:${bot.port}`;
  });
  afterEach(async () => {
    await Promise.all(bots.splice(0).map((bot) => bot.stop()));
    await app.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
    nock.cleanAll();
  });

  async function stateOf(id: string): Promise<DeploymentState> {
    const doc = await redis.hget(`${prefix}greenlight:deploy:${id}`, 'doc');
    if (!doc) throw new Error(`no deployment ${id}`);
    return (JSON.parse(doc) as { state: DeploymentState }).state;
  }

  async function deploy(ref: string): Promise<void> {
    const before = await redis.zcard(`${prefix}greenlight:deploys:staging`);
    await post(url, slashCommand('/deploy', `staging ${ref}`, { userId: DEPLOYER }));
    const id = await vi.waitFor(async () => {
      if ((await redis.zcard(`${prefix}greenlight:deploys:staging`)) === before) throw new Error('not yet');
      return (await redis.zrevrange(`${prefix}greenlight:deploys:staging`, 0, 0))[0] ?? '';
    });
    await vi.waitFor(async () => expect((await stateOf(id)).status).toBe('succeeded'), { timeout: 10_000 });
  }

  const modals = () => slack.calls.filter((call) => call.method === 'views.open');
  /** The modal as views.open received it (the Web API client sends `view` JSON-encoded in the form). */
  const modalView = (index: number) => {
    const view = modals()[index]?.args.view;
    return (typeof view === 'string' ? JSON.parse(view) : view) as {
      blocks: unknown[];
      private_metadata: string;
      title: { text: string };
    };
  };
  const rollbacks = () => github.dispatches.filter((d) => d.body.inputs.deployment_phase === 'rollback');
  const directMessages = (user: string) =>
    slack.calls.filter((call) => call.method === 'chat.postMessage' && call.args.channel === user);
  const lastReply = () => visibleText(responses.calls.at(-1)?.body ?? {});

  async function rollbackId(): Promise<string> {
    return vi.waitFor(async () => {
      for (const id of await redis.zrevrange(`${prefix}greenlight:deploys:staging`, 0, 5)) {
        if ((await stateOf(id)).rollbackOf) return id;
      }
      throw new Error('no rollback yet');
    });
  }

  it('confirms what is live and what it goes back to, then dispatches at once, verifies health and locks', async () => {
    await deploy('v1.0.0');
    await deploy('v1.1.0');

    await post(
      url,
      slashCommand('/rollback', 'api staging checkout errors since 10:02', { userId: DEPLOYER }),
    );
    await vi.waitFor(() => expect(modals()).toHaveLength(1));
    const view = modalView(0);
    const text = visibleText(view);
    expect(text).toContain('*Live now:* `v1.1.0`');
    expect(text).toContain('*Goes back to:* `v1.0.0`');
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(JSON.stringify(view.blocks)).toContain('"initial_value":"checkout errors since 10:02"');

    // A missing reason keeps the modal open with the error under the field.
    const empty = await post(url, confirm(view.private_metadata, ' '));
    expect(JSON.parse(empty.text)).toEqual({
      response_action: 'errors',
      errors: { [ROLLBACK_REASON_BLOCK]: 'Say in a few words why you roll back.' },
    });
    expect(rollbacks()).toEqual([]);

    expect((await post(url, confirm(view.private_metadata, 'checkout errors since 10:02'))).status).toBe(200);
    await vi.waitFor(() => expect(rollbacks()).toHaveLength(1), { timeout: 5_000, interval: 10 });
    const id = await rollbackId();
    expect(rollbacks()[0]?.body).toEqual({
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
      expect(await redis.hget(`${prefix}greenlight:env:staging:lock`, 'reason')).toContain(
        'api was rolled back to v1.0.0',
      ),
    );
    expect(github.deployments.at(-1)?.greenlightId).toBe(id);
    expect(github.statuses.at(-1)?.state).toBe('success');
    const dm = visibleText(directMessages(DEPLOYER).at(-1)?.args ?? {});
    expect(dm).toContain('Rolling back *api* in *staging* to `v1.0.0`');
    expect(JSON.stringify(directMessages(DEPLOYER).at(-1)?.args.blocks)).toContain(ROLLBACK_DECLARE_INCIDENT);
    // The offered incident, declared from the message: linked to the rollback, and only once.
    await post(url, buttonClick(ROLLBACK_DECLARE_INCIDENT, id, DEPLOYER));
    await vi.waitFor(() =>
      expect(String(directMessages(DEPLOYER).at(-1)?.args.text)).toMatch(
        /^Declared: inc-1 \(SEV2\), linked to /,
      ),
    );
    await post(url, buttonClick(ROLLBACK_DECLARE_INCIDENT, id, DEPLOYER));
    await vi.waitFor(() =>
      expect(String(directMessages(DEPLOYER).at(-1)?.args.text)).toMatch(
        /^Already declared: inc-1 \(SEV2\), linked to /,
      ),
    );
    const incident = JSON.parse((await redis.hget(`${prefix}greenlight:incident:inc-1`, 'doc')) ?? '{}');
    expect(incident.state).toMatchObject({
      deploymentId: id,
      env: 'staging',
      declaredBy: DEPLOYER,
      title: 'Rollback of staging: api rolled back to v1.0.0: checkout errors since 10:02',
    });
    expect(await redis.zcard(`${prefix}greenlight:incidents`)).toBe(1);
    // Unlocked and asked again, the rollback's own version is now what is live.
    await post(url, slashCommand('/deploy', 'unlock staging', { userId: DEPLOYER }));
    await post(url, slashCommand('/rollback', 'api staging', { userId: DEPLOYER }));
    await vi.waitFor(() => expect(modals()).toHaveLength(2));
    expect(visibleText(modalView(1))).toContain('*Live now:* `v1.0.0`');
  });

  it('refuses people without the role, unknown versions and services, and never doubles a running rollback', async () => {
    await deploy('v1.0.0');
    await deploy('v1.1.0');

    await post(url, slashCommand('/rollback', 'api staging', { userId: OUTSIDER }));
    await vi.waitFor(() =>
      expect(lastReply()).toContain('Only deployers and approvers of staging may roll back there.'),
    );
    await post(url, slashCommand('/rollback', 'api staging --to v0.9.9', { userId: DEPLOYER }));
    await vi.waitFor(() =>
      expect(lastReply()).toContain(
        '`v0.9.9` never deployed successfully to staging, so greenlight will not roll back to it. Good versions on record: `v1.1.0`, `v1.0.0`.',
      ),
    );
    await post(url, slashCommand('/rollback', 'apx staging', { userId: DEPLOYER }));
    await vi.waitFor(() => expect(lastReply()).toContain('There is no service `apx`. Did you mean `api`?'));
    expect(modals()).toEqual([]);

    github.hold = true;
    const metadata = JSON.stringify({ service: 'api', env: 'staging', version: 'v1.0.0' });
    await post(url, confirm(metadata, 'first'));
    await vi.waitFor(() => expect(rollbacks()).toHaveLength(1));
    await post(url, confirm(metadata, 'second, from someone else in a hurry'));
    await vi.waitFor(() =>
      expect(visibleText(directMessages(DEPLOYER).at(-1)?.args ?? {})).toContain(
        'A rollback of `api` in staging is already under way',
      ),
    );
    await post(url, slashCommand('/rollback', 'api staging', { userId: DEPLOYER }));
    await vi.waitFor(() => expect(lastReply()).toContain('is already under way'));
    expect(rollbacks()).toHaveLength(1);
  });

  it('gives the version it went back to a few rounds of health checks to come up', async () => {
    await deploy('v1.0.0');
    await deploy('v1.1.0');
    app.health.status = 503;
    const metadata = JSON.stringify({ service: 'api', env: 'staging', version: 'v1.0.0' });
    await post(url, confirm(metadata, 'errors'));
    const id = await rollbackId();
    // The first round fails; the service is up by the next one.
    await vi.waitFor(
      async () => {
        const doc = JSON.parse((await redis.hget(`${prefix}greenlight:deploy:${id}`, 'doc')) ?? '{}');
        expect(doc.meta?.verifyAttempts).toBe(1);
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
    const metadata = JSON.stringify({ service: 'api', env: 'staging', version: 'v1.0.0' });
    await post(url, confirm(metadata, 'errors'));
    const id = await rollbackId();
    // Judged unhealthy only after three rounds of checks, one per sweep.
    await vi.waitFor(async () => expect((await stateOf(id)).status).toBe('failed'), { timeout: 15_000 });
    expect(app.healthChecks).toBeGreaterThanOrEqual(3);
    const timeline = visibleText(
      (slack.calls.findLast((call) => call.method === 'chat.update')?.args ?? {}) as { blocks?: unknown },
    );
    expect(timeline).toContain('🔥 *`v1.0.0` is unhealthy too.*');
    expect(timeline).toContain('/rollback api staging --to &lt;older version&gt;');
    expect(timeline).toContain('answered 503, expected 200');
    await vi.waitFor(async () => expect(await redis.exists(`${prefix}greenlight:env:staging:lock`)).toBe(1));
  });
});
