/**
 * Child process: one app under test (greenlight, or the bare Bolt baseline), alone in its process so the two
 * never share an event loop or a heap, and neither shares one with the load generator.
 */
import { createLogger } from '../src/logger.js';
import { startGreenlight } from '../src/runtime.js';
import { testConfig } from '../test/helpers/config.js';
import { TEST_BOT_TOKEN } from '../test/helpers/credentials.js';
import { startBareBolt } from './bare-bolt.js';
import { sleep } from './lib/clock.js';
import type { ServerMessage, ServerStart } from './lib/protocol.js';
import { BENCH_SIGNING_SECRET } from './lib/slash-request.js';

let stop: (() => Promise<void>) | undefined;

function reply(message: ServerMessage): void {
  process.send?.(message);
}

async function start(message: ServerStart): Promise<number> {
  if (message.kind === 'bare-bolt') {
    const bare = await startBareBolt({ signingSecret: BENCH_SIGNING_SECRET, token: TEST_BOT_TOKEN });
    stop = bare.stop;
    return bare.port;
  }
  const config = testConfig(message.redisUrl, message.keyPrefix, message.deploy?.config ?? {});
  config.env.SLACK_API_URL = message.slackApiUrl;
  config.env.SLACK_SIGNING_SECRET = BENCH_SIGNING_SECRET;
  config.env.PORT = 0;
  if (message.deploy) config.env.GITHUB_API_URL = message.deploy.githubApiUrl;
  if (message.deploy?.webhookSecret) config.env.GITHUB_WEBHOOK_SECRET = message.deploy.webhookSecret;
  const greenlight = await startGreenlight(config, {
    logger: createLogger('silent'),
    botIdentity: { botId: 'B0BOT', botUserId: 'U0BOT' },
    // Only the write spacing is changed, when asked; retries, backoff and run look-ups stay as in production.
    ...(message.deploy?.spaceWrites === false ? { github: { spaceWrites: false } } : {}),
  });
  stop = greenlight.stop;
  const port = greenlight.port ?? 0;
  await waitUntilReady(port);
  return port;
}

/** Commands fail fast while Redis is still connecting (no offline queue), so wait for /readyz first. */
async function waitUntilReady(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
    if (response?.status === 200) return;
    await sleep(50);
  }
  throw new Error('greenlight did not become ready (GET /readyz) within 5 s');
}

process.on('message', (raw) => {
  const message = raw as ServerStart | { type: 'stop' } | { type: 'cpu'; id: number };
  if (message.type === 'cpu') {
    const usage = process.cpuUsage();
    reply({ type: 'cpu', id: message.id, micros: usage.user + usage.system });
    return;
  }
  if (message.type === 'stop') {
    void (stop ? stop() : Promise.resolve()).finally(() => {
      reply({ type: 'stopped' });
      process.exit(0);
    });
    return;
  }
  start(message).then(
    (port) => reply({ type: 'listening', port }),
    (error: unknown) => reply({ type: 'failed', error: String(error) }),
  );
});
