import { createHmac } from 'node:crypto';
import type { Redis } from 'ioredis';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { type Greenlight, startGreenlight } from '../../src/runtime.js';
import { captureResponses, fakeSlackApi, isolateNetwork, post } from '../helpers/bot.js';
import { testConfig } from '../helpers/config.js';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { slashCommand } from '../helpers/slack.js';

const SECRET = 'webhook-secret-for-tests';
const API = '/repos/acme/platform';

function signed(body: string, secret = SECRET): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-github-event': 'workflow_run',
    'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
  };
}

describe('POST /github/webhooks', () => {
  const prefix = uniquePrefix('webhook');
  let redis: Redis;
  let bot: Greenlight;

  beforeAll(() => isolateNetwork());
  afterAll(() => nock.enableNetConnect());
  afterEach(async () => {
    await bot?.stop();
    await deleteKeys(redis, prefix);
    redis.disconnect();
    nock.cleanAll();
  });

  it('finishes a phase from a signed workflow_run event and refuses a bad signature', async () => {
    redis = testRedis();
    fakeSlackApi();
    captureResponses();
    nock('https://api.github.com')
      .persist()
      .post(`${API}/actions/workflows/deploy.yml/dispatches`)
      .reply(200, {
        workflow_run_id: 4242,
        run_url: 'u',
        html_url: 'https://github.com/acme/platform/actions/runs/4242',
      })
      .get(`${API}/actions/runs/4242`)
      .reply(200, {
        id: 4242,
        name: 'deploy',
        display_title: 'deploy',
        status: 'in_progress',
        conclusion: null,
        html_url: 'https://github.com/acme/platform/actions/runs/4242',
        updated_at: new Date().toISOString(),
      })
      .post(`${API}/deployments`)
      .reply(201, { id: 5 })
      .post(`${API}/deployments/5/statuses`)
      .reply(201, { id: 1 });
    const config = testConfig(testRedisUrl(), prefix, {
      github: { owner: 'acme', repo: 'platform', workflow: 'deploy.yml', ref: 'main' },
      environments: { staging: { approvals: 0 }, production: { approvals: 1, approvers: ['U0CAROL'] } },
      pipeline: [
        { id: 'backend', title: 'Backend deploy', inputs: { deployment_phase: 'backend_deployment' } },
      ],
      deploy: { pollInterval: '1s' },
    });
    config.env.GITHUB_WEBHOOK_SECRET = SECRET;
    bot = await startGreenlight(config, {
      logger: createLogger('silent'),
      botIdentity: { botId: 'B0', botUserId: 'U0BOT' },
      github: { retryAfterBaseValue: 0, spaceWrites: false },
    });
    const url = `http://127.0.0.1:${bot.port}`;
    await post(url, slashCommand('/deploy', 'staging', { userId: 'U0ALICE' }));
    const id = await vi.waitFor(async () => {
      const [first] = await redis.zrange(`${prefix}greenlight:deploys:staging`, '0', '-1');
      if (!first) throw new Error('not yet');
      return first;
    });
    const status = async () =>
      JSON.parse((await redis.hget(`${prefix}greenlight:deploy:${id}`, 'doc')) ?? '{}').state?.phases?.[0]
        ?.status;
    await vi.waitFor(async () => expect(await status()).toBe('running'));

    const event = JSON.stringify({
      action: 'completed',
      workflow_run: { id: 4242, status: 'completed', conclusion: 'success', name: 'deploy' },
      repository: { full_name: 'acme/platform' },
    });
    const forged = await fetch(`${url}/github/webhooks`, {
      method: 'POST',
      headers: signed(event, 'wrong-secret'),
      body: event,
    });
    expect(forged.status).toBe(401);
    const unsigned = await fetch(`${url}/github/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'workflow_run' },
      body: event,
    });
    expect(unsigned.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await status()).toBe('running');

    const accepted = await fetch(`${url}/github/webhooks`, {
      method: 'POST',
      headers: signed(event),
      body: event,
    });
    expect(accepted.status).toBe(202);
    await vi.waitFor(async () => expect(await status()).toBe('succeeded'), { timeout: 2_000 });
  });
});
