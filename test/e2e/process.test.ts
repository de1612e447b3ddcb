import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SlackSim } from '../../playground/sim/slack.js';
import { testKeys } from '../helpers/config.js';
import { TEST_BOT_TOKEN, TEST_SIGNING_SECRET } from '../helpers/credentials.js';
import { spawnGreenlight } from '../helpers/greenlight-process.js';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { startTestSlack } from '../helpers/simulators.js';

const GITHUB_TOKEN = 'ghp_processtesttoken0000000000000000000';

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

/** Everything the process needs to start against the Slack simulator and the test Redis. */
function botEnv(slack: SlackSim, prefix: string, token = TEST_BOT_TOKEN): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: token,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    GITHUB_TOKEN,
    SLACK_API_URL: slack.apiUrl,
    REDIS_URL: testRedisUrl(),
    GREENLIGHT_CONFIG: configFile(prefix),
    PORT: '0',
  };
}

describe('the greenlight process', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('refuses to start without credentials, naming each missing variable and how to get it', async () => {
    const run = spawnGreenlight({ GREENLIGHT_CONFIG: configFile('x:') });
    expect(await run.exit).toBe(1);
    expect(run.output()).toContain('SLACK_BOT_TOKEN is missing');
    expect(run.output()).toContain('SLACK_SIGNING_SECRET is missing');
    expect(run.output()).toContain('GITHUB_TOKEN is missing');
    expect(run.output()).not.toContain('    at ');
  });

  it('refuses to start when Slack rejects the token', async () => {
    const slack = await startTestSlack();
    cleanups.push(slack.close);
    const revoked = 'xoxb-revoked-0000-bot-token';
    const run = spawnGreenlight(botEnv(slack, uniquePrefix('proc'), revoked));
    expect(await run.exit).toBe(1);
    expect(slack.callsOf('auth.test')[0]).toMatchObject({
      token: 'invalid',
      response: { error: 'invalid_auth' },
    });
    expect(run.output()).toContain('SLACK_BOT_TOKEN was refused by Slack (invalid_auth)');
    expect(run.output()).not.toContain(revoked);
  });

  it('serves a signed /flag, never logs a secret, and exits 0 within 10 s of SIGTERM', async () => {
    const prefix = uniquePrefix('proc');
    const redis = testRedis();
    cleanups.push(() => redis.disconnect());
    cleanups.push(() => deleteKeys(redis, prefix));
    const slack = await startTestSlack();
    cleanups.push(slack.close);
    const run = spawnGreenlight({ ...botEnv(slack, prefix), LOG_LEVEL: 'debug' });
    cleanups.push(() => run.child.kill('SIGKILL'));
    const port = await vi.waitFor(
      () => {
        const match = run.output().match(/"event":"greenlight.started","port":(\d+)/);
        if (!match) throw new Error(`not started yet:\n${run.output()}`);
        return Number(match[1]);
      },
      { timeout: 15_000, interval: 50 },
    );

    slack.connectBot(`http://127.0.0.1:${port}/slack/events`);
    const command = await slack.command('/flag', 'disable scan_creation incident 42', { user: 'U0CAROL' });
    expect(command.status).toBe(200);
    await vi.waitFor(async () =>
      expect(await redis.get(testKeys(prefix).flag('scan_creation'))).toBe('false'),
    );
    expect((await command.reply()).status).toBe(200);
    await vi.waitFor(() => expect(slack.callsOf('chat.postMessage')).toHaveLength(1));
    expect(slack.callsOf('chat.postMessage')[0]).toMatchObject({ token: 'bot', auth: 'bearer' });

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
