import type { Redis } from 'ioredis';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Greenlight } from '../../src/runtime.js';
import { DEPLOY_APPROVE } from '../../views/ids.js';
import {
  type Capture,
  captureResponses,
  fakeSlackApi,
  isolateNetwork,
  post,
  type SlackCall,
} from '../helpers/bot.js';
import { fakeGitHub, startDeployBot } from '../helpers/deploy.js';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { buttonClick, slashCommand } from '../helpers/slack.js';

const REQUESTER = 'U0ALICE';
const APPROVER = 'U0CAROL';

describe('/deploy end to end (GitHub Enterprise base URL with a path)', () => {
  let prefix: string;
  let redis: Redis;
  let slack: Capture<SlackCall>;
  const bots: Greenlight[] = [];

  beforeAll(() => isolateNetwork());
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => {
    prefix = uniquePrefix('deploy');
    redis = testRedis();
    slack = fakeSlackApi();
    captureResponses();
  });
  afterEach(async () => {
    await Promise.all(bots.splice(0).map((bot) => bot.stop()));
    await deleteKeys(redis, prefix);
    redis.disconnect();
    nock.cleanAll();
  });

  async function start(): Promise<string> {
    const bot = await startDeployBot(testRedisUrl(), prefix);
    bots.push(bot);
    return `http://127.0.0.1:${bot.port}`;
  }

  const timelineUpdates = () =>
    slack.calls
      .filter(
        (call) =>
          call.method === 'chat.update' || (call.method === 'chat.postMessage' && !call.args.thread_ts),
      )
      .map((call) => JSON.stringify(call.args.blocks));

  async function deploymentId(): Promise<string> {
    return vi.waitFor(async () => {
      const ids = await redis.zrange(`${prefix}greenlight:deploys:production`, '0', '-1');
      if (!ids[0]) throw new Error('no deployment yet');
      return ids[0];
    });
  }

  it('waits for approval, dispatches each phase exactly once, passes the gate and succeeds', async () => {
    const github = fakeGitHub();
    const url = await start();
    const ack = await post(url, slashCommand('/deploy', 'production main', { userId: REQUESTER }));
    expect(ack.status).toBe(200);
    const id = await deploymentId();

    await vi.waitFor(() => expect(timelineUpdates().at(-1)).toContain(DEPLOY_APPROVE));
    expect(github.dispatches).toEqual([]);

    // The requester cannot approve their own deployment.
    await post(url, buttonClick(DEPLOY_APPROVE, id, REQUESTER));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(github.dispatches).toEqual([]);

    await post(url, buttonClick(DEPLOY_APPROVE, id, APPROVER));
    await vi.waitFor(() => expect(github.dispatches).toHaveLength(1), { timeout: 5_000 });
    expect(github.dispatches[0]).toEqual({
      workflow: 'production-deployment.yml',
      runId: 9001,
      body: {
        ref: 'main',
        inputs: {
          deployment_phase: 'validation',
          environment: 'production',
          ref: 'main',
          greenlight_id: `${id}-validation-0`,
        },
        return_run_details: true,
      },
    });

    // The migration gate opens after validation succeeds; nothing is dispatched until it is approved.
    await vi.waitFor(
      async () => {
        const doc = JSON.parse((await redis.hget(`${prefix}greenlight:deploy:${id}`, 'doc')) ?? '{}');
        expect(doc.state.status).toBe('awaiting_approval');
        expect(doc.state.gate.phaseId).toBe('database_migration');
      },
      { timeout: 6_000 },
    );
    expect(github.dispatches).toHaveLength(1);
    await post(url, buttonClick(DEPLOY_APPROVE, id, APPROVER));
    await post(url, buttonClick(DEPLOY_APPROVE, id, APPROVER));

    await vi.waitFor(
      async () => {
        const doc = JSON.parse((await redis.hget(`${prefix}greenlight:deploy:${id}`, 'doc')) ?? '{}');
        expect(doc.state.status).toBe('succeeded');
        expect(doc.meta.finalized).toBe(true);
      },
      { timeout: 8_000 },
    );
    expect(github.dispatches.map((d) => d.body.inputs.deployment_phase)).toEqual([
      'validation',
      'database_migration',
    ]);
    expect(github.statuses.map((status) => status.state)).toEqual(['in_progress', 'success']);
    expect(timelineUpdates().at(-1)).not.toContain(DEPLOY_APPROVE);
    expect(await redis.get(`${prefix}greenlight:env:production:active`)).toBeNull();
    const replies = slack.calls.filter((call) => call.method === 'chat.postMessage' && call.args.thread_ts);
    expect(replies.length).toBeGreaterThan(0);
  }, 30_000);

  it('fails the deployment when a run fails, and locks the environment', async () => {
    const github = fakeGitHub({ hold: true });
    const url = await start();
    await post(url, slashCommand('/deploy', 'production', { userId: REQUESTER }));
    const id = await deploymentId();
    await post(url, buttonClick(DEPLOY_APPROVE, id, APPROVER));
    await vi.waitFor(() => expect(github.dispatches).toHaveLength(1), { timeout: 5_000 });
    github.complete(9001, 'failure');
    await vi.waitFor(
      async () => {
        const doc = JSON.parse((await redis.hget(`${prefix}greenlight:deploy:${id}`, 'doc')) ?? '{}');
        expect(doc.state.status).toBe('failed');
        expect(doc.meta.finalized).toBe(true);
      },
      { timeout: 8_000 },
    );
    expect(github.dispatches).toHaveLength(1);
    await vi.waitFor(() =>
      expect(github.statuses.map((status) => status.state)).toEqual(['in_progress', 'failure']),
    );
    expect(await redis.hget(`${prefix}greenlight:env:production:lock`, 'by')).toBe('greenlight');
  }, 20_000);
});
