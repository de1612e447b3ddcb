import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { slashCommand, TEST_BOT_TOKEN, TEST_SIGNING_SECRET } from '../helpers/slack.js';

const root = resolve(import.meta.dirname, '../..');
const GITHUB_TOKEN = 'ghp_processtesttoken0000000000000000000';

interface Running {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function runMain(env: Record<string, string>): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, output: () => output, exit };
}

/** A loopback stand-in for Slack: the Web API methods greenlight calls, and a response_url sink. */
async function fakeSlack(authTest: Record<string, unknown>) {
  const received: { path: string; body: string; authorization?: string }[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push({
      path: req.url ?? '',
      body,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    res.setHeader('content-type', 'application/json');
    if (req.url === '/api/auth.test') res.end(JSON.stringify(authTest));
    else if (req.url === '/api/chat.postMessage')
      res.end(JSON.stringify({ ok: true, channel: 'C0STATUS', ts: '1.2' }));
    else if (req.url === '/api/usergroups.list') res.end(JSON.stringify({ ok: true, usergroups: [] }));
    else res.end('ok');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((done) => server.close(() => done())) };
}

function configFile(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-process-'));
  const path = join(dir, 'greenlight.yml');
  writeFileSync(
    path,
    `slack: { statusChannel: "#deployment-status" }
redis: { keyPrefix: "${prefix}greenlight:" }
environments:
  production: { approvers: ["U0CAROL"] }
flags: { prefix: "${prefix}feature:", channel: "${prefix}flags", known: [scan_creation], protected: [scan_creation] }
`,
  );
  return path;
}

/** Everything the process needs to start against the loopback Slack and the test Redis. */
function botEnv(slackUrl: string, prefix: string): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    GITHUB_TOKEN,
    SLACK_API_URL: `${slackUrl}/api/`,
    REDIS_URL: testRedisUrl(),
    GREENLIGHT_CONFIG: configFile(prefix),
    PORT: '0',
  };
}

const OK_AUTH = {
  ok: true,
  url: 'https://acme.slack.com/',
  team: 'Acme',
  user: 'greenlight',
  team_id: 'T0TEST',
  user_id: 'U0BOT',
  bot_id: 'B0BOT',
};

describe('the greenlight process', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('refuses to start without credentials, naming each missing variable and how to get it', async () => {
    const run = runMain({ GREENLIGHT_CONFIG: configFile('x:') });
    expect(await run.exit).toBe(1);
    expect(run.output()).toContain('SLACK_BOT_TOKEN is missing');
    expect(run.output()).toContain('SLACK_SIGNING_SECRET is missing');
    expect(run.output()).toContain('GITHUB_TOKEN is missing');
    expect(run.output()).not.toContain('    at ');
  });

  it('refuses to start when Slack rejects the token', async () => {
    const slack = await fakeSlack({ ok: false, error: 'invalid_auth' });
    cleanups.push(slack.close);
    const run = runMain(botEnv(slack.url, uniquePrefix('proc')));
    expect(await run.exit).toBe(1);
    expect(run.output()).toContain('SLACK_BOT_TOKEN was refused by Slack (invalid_auth)');
    expect(run.output()).not.toContain(TEST_BOT_TOKEN);
  });

  it('serves a signed /flag, never logs a secret, and exits 0 within 10 s of SIGTERM', async () => {
    const prefix = uniquePrefix('proc');
    const redis = testRedis();
    cleanups.push(() => redis.disconnect());
    cleanups.push(() => deleteKeys(redis, prefix));
    const slack = await fakeSlack(OK_AUTH);
    cleanups.push(slack.close);
    const run = runMain({ ...botEnv(slack.url, prefix), LOG_LEVEL: 'debug' });
    cleanups.push(() => run.child.kill('SIGKILL'));
    const port = await vi.waitFor(
      () => {
        const match = run.output().match(/"event":"greenlight.started","port":(\d+)/);
        if (!match) throw new Error(`not started yet:\n${run.output()}`);
        return Number(match[1]);
      },
      { timeout: 15_000, interval: 50 },
    );

    const request = slashCommand('/flag', 'disable scan_creation incident 42', {
      userId: 'U0CAROL',
      responsePath: '/response/1',
      responseHost: slack.url,
    });
    const response = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
    expect(response.status).toBe(200);
    await vi.waitFor(async () => expect(await redis.get(`${prefix}feature:scan_creation`)).toBe('false'));
    await vi.waitFor(() => expect(slack.received.some((r) => r.path === '/response/1')).toBe(true));
    expect(slack.received.find((r) => r.path === '/api/chat.postMessage')?.authorization).toBe(
      `Bearer ${TEST_BOT_TOKEN}`,
    );

    const stoppedAt = Date.now();
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);

    const logs = run.output();
    expect(logs).toContain('"event":"greenlight.stopped"');
    for (const secret of [TEST_BOT_TOKEN, TEST_SIGNING_SECRET, GITHUB_TOKEN])
      expect(logs).not.toContain(secret);
  });
});
