import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { createFlagClient } from '../src/client/flag-client.js';
import { readConfigFile } from '../src/config.js';
import { startBot } from './launcher/bot.js';
import { DEFAULT_PORT, PLAYGROUND_CONFIG, playgroundConfig, readManifest } from './launcher/config.js';
import { playgroundRedis } from './launcher/redis.js';
import { PLAYGROUND_WORKSPACE, roleOf } from './launcher/workspace.js';
import { buildPage } from './server/bundle.js';
import { type PlaygroundServer, startPlaygroundServer } from './server/server.js';
import { simulatedServices } from './server/services.js';
import { trafficFeeder } from './server/traffic.js';
import { greenlightWorkflow, startGitHubSim } from './sim/github.js';
import { startSlackSim } from './sim/slack.js';
import type { Lifecycle } from './web/protocol.js';

/**
 * `npm run playground`: the real bot (`src/main.ts`, unchanged) against a simulated Slack and GitHub, with a
 * Redis, simulated traffic, and a page that shows the workspace and the runs. Prints one URL; Ctrl-C stops it all.
 */

const root = resolve(import.meta.dirname, '..');
const RUNS: Lifecycle = { queuedMs: 1_000, runMs: 2_000, conclusion: 'success' };
const TRAFFIC_TICK_MS = 250;
const cleanups: (() => Promise<unknown> | unknown)[] = [];
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
  }
  process.exit(code);
}

/** A reason the playground cannot start, said in a sentence (no stack trace). */
class CannotStart extends Error {}

async function main(): Promise<void> {
  const original = readConfigFile(PLAYGROUND_CONFIG);
  if (!original.ok)
    throw new CannotStart(`The playground config has problems:\n  - ${original.problems.join('\n  - ')}`);
  const config = original.value;
  if (!config.github) throw new CannotStart(`${PLAYGROUND_CONFIG} names no github repository to deploy.`);
  const repo = `${config.github.owner}/${config.github.repo}`;

  const redis = await playgroundRedis(process.env);
  if (!redis.ok) throw new CannotStart(redis.message);
  cleanups.push(redis.stop);
  if (!redis.private)
    process.stdout.write(
      'Using REDIS_URL: the playground writes feature:*, errors:*, requests:*, perf:* and greenlight:* keys there.\n',
    );

  const dir = mkdtempSync(join(tmpdir(), 'greenlight-playground-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const secrets = {
    botToken: `xoxb-playground-${randomBytes(12).toString('hex')}`,
    signingSecret: randomBytes(24).toString('hex'),
    githubToken: `ghp_${randomBytes(18).toString('hex')}`,
    webhookSecret: randomBytes(24).toString('hex'),
  };
  const manifest = readManifest(root);

  const slack = await startSlackSim({
    workspace: PLAYGROUND_WORKSPACE,
    botToken: secrets.botToken,
    signingSecret: secrets.signingSecret,
    scopes: manifest.scopes,
  });
  cleanups.push(() => slack.close());
  const github = await startGitHubSim({
    repos: [
      {
        fullName: repo,
        workflows: [greenlightWorkflow(config.github.workflow)],
        // Earlier releases to roll back to (`/rollback api --to v1.4.1`) or deploy (`/deploy staging v1.4.2`).
        tags: { 'v1.4.1': 'v1.4.1', 'v1.4.2': 'v1.4.2' },
      },
    ],
    tokens: { [secrets.githubToken]: { login: 'greenlight-bot' } },
    lifecycle: { mode: 'auto', ...RUNS },
  });
  cleanups.push(() => github.close());

  const appRedis = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  cleanups.push(() => appRedis.quit());
  const counters = config.analysis?.redisCounters;
  const traffic = trafficFeeder(appRedis, {
    keyPrefix: counters?.keyPrefix ?? '',
    endpoints: counters?.endpoints.length ? counters.endpoints : ['GET:/api/scans'],
  });
  cleanups.push(() => traffic.stop());

  // The apps' flags start on (unless a REDIS_URL already holds them), and are read back as the apps read them.
  const flagNames = [...new Set([...config.flags.known, ...config.flags.protected])];
  for (const name of flagNames) await appRedis.set(`${config.flags.prefix}${name}`, 'true', 'NX');
  const flags = createFlagClient({
    redis: appRedis,
    prefix: config.flags.prefix,
    channel: config.flags.channel,
  });
  cleanups.push(() => flags.close());
  await flags.ready();
  await Promise.all(flagNames.map((name) => flags.isEnabled(name)));

  const roles = new Map(
    [...slack.workspace.users.keys()].map((user) => [
      user,
      roleOf(user, slack.workspace.usergroups, { environments: config.environments }),
    ]),
  );
  const serverOptions = {
    page: await buildPage(),
    slack,
    github,
    repo,
    commands: manifest.commands,
    roles,
    lifecycle: RUNS,
    traffic,
    services: simulatedServices(config.services),
    flags: () => flagNames.map((name) => ({ name, enabled: flags.peek(name) ?? null })),
  };
  const asked = process.env.PLAYGROUND_PORT;
  let server: PlaygroundServer;
  try {
    server = await startPlaygroundServer({ ...serverOptions, port: asked ? Number(asked) : DEFAULT_PORT });
  } catch (error) {
    // The default port is a convenience: when it is taken, any free one will do.
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || asked) throw error;
    server = await startPlaygroundServer({ ...serverOptions, port: 0 });
  }
  cleanups.push(() => server.close());
  flags.onChange(() => server.changed());

  const effective = playgroundConfig(`http://127.0.0.1:${server.port}`, dir);
  if (!effective.ok)
    throw new CannotStart(`The playground config has problems:\n  - ${effective.problems.join('\n  - ')}`);
  const logPath = join(dir, 'greenlight.log');
  const bot = await startBot({
    root,
    logPath,
    env: {
      SLACK_BOT_TOKEN: secrets.botToken,
      SLACK_SIGNING_SECRET: secrets.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      GITHUB_TOKEN: secrets.githubToken,
      GITHUB_API_URL: github.apiUrl,
      GITHUB_WEBHOOK_SECRET: secrets.webhookSecret,
      REDIS_URL: redis.url,
      GREENLIGHT_CONFIG: effective.path,
      PORT: '0',
      LOG_LEVEL: 'info',
    },
    onError: (line) => process.stderr.write(`greenlight: ${line}\n`),
  }).catch((error: unknown) => {
    throw new CannotStart(`The bot did not start: ${error instanceof Error ? error.message : String(error)}`);
  });
  cleanups.push(() => bot.stop());
  void bot.exited.then((code) => {
    if (stopping) return;
    process.stderr.write(`The bot stopped (exit code ${code}); its log is ${logPath}.\n`);
    void shutdown(1);
  });
  slack.connectBot(`${bot.url}/slack/events`);
  github.addWebhook({ url: `${bot.url}/github/webhooks`, secret: secrets.webhookSecret, repo });
  traffic.start(TRAFFIC_TICK_MS, (error) =>
    process.stderr.write(`traffic: ${error instanceof Error ? error.message : String(error)}\n`),
  );

  process.stdout.write(`greenlight playground: ${server.url}\n`);
  process.stdout.write(`  (the bot's log: ${logPath}; Ctrl-C stops everything)\n`);
}

process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));
main().catch(async (error: unknown) => {
  process.stderr.write(
    `${error instanceof CannotStart ? error.message : String((error as Error)?.stack ?? error)}\n`,
  );
  await shutdown(1);
});
