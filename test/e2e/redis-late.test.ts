import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startPrivateRedis } from '../../playground/launcher/private-redis.js';
import { createLogger } from '../../src/logger.js';
import { useE2E } from '../helpers/e2e.js';
import {
  type GreenlightProcess,
  simulatedEnv,
  spawnGreenlight,
  startedPort,
  writeConfigFile,
} from '../helpers/greenlight-process.js';
import { freePort, startRedisProxy } from '../helpers/net.js';
import { testRedisUrl } from '../helpers/redis.js';
import { startTestGitHub, startTestSlack } from '../helpers/simulators.js';

/** The pino lines with this event name. */
function events(run: GreenlightProcess, name: string): string[] {
  return run
    .output()
    .split('\n')
    .filter((line) => line.includes(`"event":"${name}"`));
}

describe('a greenlight started before its Redis', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  let run: GreenlightProcess | undefined;
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && run)
      process.stderr.write(`--- greenlight ---\n${run.output()}\n`);
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('listens at once, says not ready naming Redis, tells the outage in one line, and works once Redis is up', async () => {
    const redisPort = await freePort();
    const slack = await startTestSlack();
    const github = await startTestGitHub();
    cleanups.push(slack.close, github.close);
    const configPath = writeConfigFile({
      slack: { statusChannel: '#deployment-status' },
      github: { owner: 'acme', repo: 'platform', workflow: 'production-deployment.yml', ref: 'main' },
      environments: { production: { approvers: ['U0CAROL'] } },
      pipeline: [{ id: 'rollout', title: 'Rollout', inputs: { deployment_phase: 'rollout' } }],
      deploy: { pollInterval: '1s' },
      flags: { known: ['scan_creation'] },
    });
    cleanups.push(() => rmSync(dirname(configPath), { recursive: true, force: true }));

    run = spawnGreenlight(
      simulatedEnv(slack, github, configPath, { REDIS_URL: `redis://127.0.0.1:${redisPort}/0` }),
    );
    const greenlight = run;
    cleanups.push(() => greenlight.kill());
    // Listening at all is the point: start-up used to wait for Redis forever.
    const port = await startedPort(greenlight);
    const url = `http://127.0.0.1:${port}`;
    slack.connectBot(`${url}/slack/events`);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ status: 'not ready', redis: 'unreachable' });

    // Several reconnect attempts of every connection, queue and worker: still one line, and no stack trace.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(events(greenlight, 'redis.down')).toHaveLength(1);
    expect(events(greenlight, 'redis.down')[0]).toContain(`127.0.0.1:${redisPort}`);
    expect(events(greenlight, 'redis.error')).toEqual([]);
    expect(greenlight.output()).not.toContain('    at ');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/greenlight_redis_errors_total [1-9]/);

    const redis = await startPrivateRedis(redisPort);
    cleanups.push(redis.stop);
    await vi.waitFor(async () => expect((await fetch(`${url}/readyz`)).status).toBe(200), {
      timeout: 8_000,
      interval: 200,
    });
    expect(events(greenlight, 'redis.up')).toHaveLength(1);

    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    cleanups.push(() => client.disconnect());
    const ack = await slack.command('/flag', 'disable scan_creation --for 2s maintenance', {
      user: 'U0CAROL',
    });
    expect(ack.status).toBe(200);
    await vi.waitFor(async () => expect(await client.get('feature:scan_creation')).toBe('false'));
    // The revert is a BullMQ job: the queue and its worker came back with Redis.
    await vi.waitFor(async () => expect(await client.get('feature:scan_creation')).toBe('true'), {
      timeout: 10_000,
      interval: 200,
    });
    const status = await slack.command('/flag', 'status scan_creation', { user: 'U0ALICE' });
    expect(JSON.stringify((await status.answer()).body)).toContain('scan_creation');

    greenlight.child.kill('SIGTERM');
    expect(await greenlight.exit).toBe(0);
    expect(events(greenlight, 'redis.down')).toHaveLength(1);
    expect(events(greenlight, 'redis.error')).toEqual([]);
  }, 45_000);
});

describe('a greenlight whose Redis goes away and comes back', () => {
  const e2e = useE2E('outage');

  it('says so once each way, and serves again once Redis is back', async () => {
    const proxy = await startRedisProxy(testRedisUrl());
    const lines: string[] = [];
    const logger = createLogger('info', {
      write: (line: string) => {
        lines.push(line);
      },
    });
    await e2e.startBot({}, { env: { REDIS_URL: proxy.url }, runtime: { logger } });
    const url = e2e.url;
    const event = (name: string) => lines.filter((line) => line.includes(`"event":"${name}"`));
    try {
      await proxy.down();
      await vi.waitFor(async () => expect((await fetch(`${url}/readyz`)).status).toBe(503), {
        timeout: 5_000,
      });
      // Every connection, queue and worker retries meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(event('redis.down')).toHaveLength(1);
      expect(event('redis.down')[0]).toContain('lost Redis');
      expect(event('redis.error')).toEqual([]);

      await proxy.up();
      await vi.waitFor(async () => expect((await fetch(`${url}/readyz`)).status).toBe(200), {
        timeout: 8_000,
        interval: 200,
      });
      expect(event('redis.up')).toHaveLength(1);
      const ack = await e2e.slack.command('/flag', 'status email_automation', { user: 'U0ALICE' });
      expect(ack.status).toBe(200);
      expect(JSON.stringify((await ack.answer()).body)).toContain('email_automation');
      expect(event('redis.down')).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  }, 30_000);
});

describe('a greenlight whose Redis is up but stalled', () => {
  const e2e = useE2E('stall');

  it('acks /flag status within Slack’s 3 s anyway, and answers through response_url once Redis answers', async () => {
    const proxy = await startRedisProxy(testRedisUrl());
    await e2e.startBot({}, { env: { REDIS_URL: proxy.url } });
    try {
      const quick = await e2e.slack.command('/flag', 'status email_automation', { user: 'U0ALICE' });
      expect((await quick.answer()).via).toBe('ack');

      proxy.stall();
      const sentAt = Date.now();
      const stalled = await e2e.slack.command('/flag', 'status email_automation', { user: 'U0ALICE' });
      const ackMs = Date.now() - sentAt;
      expect(stalled.status).toBe(200);
      expect(stalled.text).toBe('');
      expect(ackMs).toBeLessThan(2_000);
      proxy.resume();
      const answer = await stalled.answer();
      expect(answer.via).toBe('response_url');
      expect(JSON.stringify(answer.body)).toContain('email_automation');
    } finally {
      proxy.resume();
      await proxy.close();
    }
  }, 30_000);
});
