import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Greenlight } from '../../src/runtime.js';
import { type Capture, captureResponses, fakeSlackApi, isolateNetwork, post } from '../helpers/bot.js';
import { fakeGitHub, startDeployBot, visibleText } from '../helpers/deploy.js';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { slashCommand } from '../helpers/slack.js';

const PIPELINE = [
  { id: 'validation', title: 'Validation', inputs: { deployment_phase: 'validation', dry_run: false } },
  {
    id: 'traffic_switch',
    title: 'Traffic switch',
    inputs: { deployment_phase: 'traffic_switch', replicas: 3 },
    services: ['api'],
    canary: { steps: [5, 25, 100], hold: '100ms' },
  },
];

/** What a dry run's phase sections list: per phase, the workflow and each step's inputs in the order shown. */
function shownDispatches(text: string): { workflow: string; inputs: Record<string, string> }[] {
  return [...text.matchAll(/```([^`]*)```/g)].flatMap(([, block = '']) => {
    const [first = '', ...lines] = block.split('\n');
    const workflow = first.replace(/^workflow: /, '');
    const columns = lines.map((line) => {
      const [name = '', values = ''] = line.split(/: (.*)/s);
      return { name, values: values.split(' | ') };
    });
    const steps = Math.max(...columns.map((column) => column.values.length));
    return Array.from({ length: steps }, (_, step) => ({
      workflow,
      inputs: Object.fromEntries(columns.map(({ name, values }) => [name, values[step] ?? values[0] ?? ''])),
    }));
  });
}

describe('--dry-run shows exactly what the deployment then dispatches', () => {
  let prefix: string;
  let redis: Redis;
  let responses: Capture<{ path: string; body: Record<string, unknown> }>;
  const bots: Greenlight[] = [];
  // The canary's holds end on a passing reading: the service's health check answers here.
  let health: Server;

  beforeAll(async () => {
    isolateNetwork();
    health = createServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    nock.enableNetConnect();
    await new Promise((resolve) => health.close(resolve));
  });
  beforeEach(() => {
    prefix = uniquePrefix('dryrun');
    redis = testRedis();
    fakeSlackApi();
    responses = captureResponses();
  });
  afterEach(async () => {
    await Promise.all(bots.splice(0).map((bot) => bot.stop()));
    await deleteKeys(redis, prefix);
    redis.disconnect();
    nock.cleanAll();
  });

  it('lists every dispatch’s inputs byte for byte, a canary step by step, but for the deployment id', async () => {
    const github = fakeGitHub();
    const { port } = health.address() as AddressInfo;
    const bot = await startDeployBot(
      testRedisUrl(),
      prefix,
      {},
      {
        pipeline: PIPELINE,
        services: { api: { health: [{ url: `http://127.0.0.1:${port}/health`, expect: 200 }] } },
        analysis: { interval: '100ms' },
      },
    );
    bots.push(bot);
    const url = `http://127.0.0.1:${bot.port}`;

    const request = slashCommand('/deploy', 'staging v2.3.1 --dry-run', { userId: 'U0ALICE' });
    expect((await post(url, request)).status).toBe(200);
    const dryRun = await vi.waitFor(() => {
      const found = responses.calls.find((call) => call.path === request.responsePath);
      if (!found) throw new Error('no dry run yet');
      return visibleText(found.body);
    });
    const dryId = /greenlight_id: (\S+)-validation-0/.exec(dryRun)?.[1];
    expect(dryId).toBeDefined();

    expect((await post(url, slashCommand('/deploy', 'staging v2.3.1', { userId: 'U0ALICE' }))).status).toBe(
      200,
    );
    const id = await vi.waitFor(async () => {
      const [found] = await redis.zrange(`${prefix}greenlight:deploys:staging`, '0', '-1');
      if (!found) throw new Error('no deployment yet');
      return found;
    });
    await vi.waitFor(
      async () => {
        const doc = JSON.parse((await redis.hget(`${prefix}greenlight:deploy:${id}`, 'doc')) ?? '{}');
        expect(doc.state?.status).toBe('succeeded');
      },
      { timeout: 10_000 },
    );

    const sent = github.dispatches.map((dispatch) => ({
      workflow: dispatch.workflow,
      inputs: JSON.parse(JSON.stringify(dispatch.body.inputs).replaceAll(id, String(dryId))),
    }));
    expect(sent).toHaveLength(4);
    expect(sent.map((dispatch) => dispatch.inputs.traffic_percentage)).toEqual([undefined, '5', '25', '100']);
    // Same inputs, same values, same order: what was shown is what was sent.
    expect(shownDispatches(dryRun).map((dispatch) => JSON.stringify(dispatch))).toEqual(
      sent.map((dispatch) => JSON.stringify(dispatch)),
    );
    expect(github.dispatches.every((dispatch) => dispatch.body.ref === 'v2.3.1')).toBe(true);
  }, 30_000);
});
