/**
 * The artefact smoke test (`npm run smoke`, the last step of `npm test`): what the Docker image runs, proven
 * without a Docker engine. It copies what the Dockerfile's last stage copies into a fresh directory, installs
 * production dependencies only (`npm ci --omit=dev`, as the image's prod-deps stage does, from npm's cache when it
 * can), starts `node dist/src/main.js` there against a private Redis and the simulated Slack and GitHub
 * (`playground/sim`), and checks
 * what an operator would: /healthz, /readyz, the image's HEALTHCHECK command, a signed `/flag status` answered in
 * its ack, a `/flag enable` answered through response_url, the start-up preflight, `npm run check`, and SIGTERM
 * exiting 0. Needs `npm run build` first. Prints a checklist and exits 1 on any failure.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startPrivateRedis } from '../playground/launcher/private-redis.js';
// Helpers that need no test runner: this runs with tsx in the development checkout, outside vitest.
import { spawnNode } from '../test/helpers/child-process.js';
import { CANARY_PIPELINE } from '../test/helpers/config.js';
import { TEST_BOT_TOKEN, TEST_GITHUB_TOKEN, TEST_SIGNING_SECRET } from '../test/helpers/credentials.js';
import { freePort } from '../test/helpers/net.js';
import { startTestGitHub, startTestSlack } from '../test/helpers/simulators.js';

const root = resolve(import.meta.dirname, '..');
const started = Date.now();
const results: { ok: boolean; text: string }[] = [];
const cleanups: (() => unknown)[] = [];

function record(ok: boolean, text: string): void {
  results.push({ ok, text });
  process.stdout.write(`  ${ok ? '✓' : '✗'} ${text} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  if (!ok) throw new SmokeFailure(text);
}

class SmokeFailure extends Error {}

/** The last stage of the Dockerfile: its COPY lines and its HEALTHCHECK command. */
function finalStage(): { copies: string[][]; healthcheck: string } {
  const lines = readFileSync(join(root, 'Dockerfile'), 'utf8').split('\n');
  const lastFrom = lines.findLastIndex((line) => /^FROM\s/i.test(line));
  const stage = lines.slice(lastFrom);
  const copies = stage
    .filter((line) => /^COPY\s/i.test(line))
    .map((line) => line.trim().split(/\s+/).slice(1));
  const healthcheck = stage.find((line) => /^HEALTHCHECK\s/i.test(line))?.replace(/^.*?\sCMD\s+/, '') ?? '';
  return { copies, healthcheck };
}

/** Mirrors the image's /app: the files the last stage copies, and node_modules from a production-only install. */
function assembleApp(dir: string): void {
  const { copies } = finalStage();
  for (const copy of copies) {
    const from = copy.find((part) => part.startsWith('--from='))?.slice('--from='.length);
    const paths = copy.filter((part) => !part.startsWith('--'));
    const sources = paths.slice(0, -1);
    if (from === 'build' && sources.length === 1 && sources[0] === '/app/dist') {
      if (!existsSync(join(root, 'dist/src/main.js')))
        throw new SmokeFailure('no dist/: run npm run build first');
      cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
    } else if (from === 'prod-deps' && sources.length === 1 && sources[0] === '/app/node_modules') {
      // As the prod-deps stage: its own directory, of which only node_modules reaches the image.
      const deps = mkdtempSync(join(tmpdir(), 'greenlight-prod-deps-'));
      for (const file of ['package.json', 'package-lock.json']) cpSync(join(root, file), join(deps, file));
      const install = ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
      execFileSync('npm', install, { cwd: deps, stdio: ['ignore', 'ignore', 'inherit'] });
      renameSync(join(deps, 'node_modules'), join(dir, 'node_modules'));
      rmSync(deps, { recursive: true, force: true });
    } else if (from === undefined) {
      for (const source of sources) cpSync(join(root, source), join(dir, source), { recursive: true });
    } else {
      throw new SmokeFailure(
        `the Dockerfile copies something this smoke test does not mirror: COPY ${copy.join(' ')}`,
      );
    }
  }
  if (!existsSync(join(dir, 'dist/src/main.js')) || !existsSync(join(dir, 'node_modules')))
    throw new SmokeFailure(
      "the Dockerfile's last stage no longer copies dist and node_modules as this test expects",
    );
}

/** Set once the bot exits: nothing it was expected to do will happen any more. */
let botExit: number | null | undefined;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (botExit !== undefined) throw new SmokeFailure(`the bot exited (${botExit}) before ${what}`);
    if (Date.now() > deadline) throw new SmokeFailure(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

async function smoke(): Promise<void> {
  process.stdout.write('greenlight smoke test: the built artefact, as the Docker image runs it\n');
  const app = mkdtempSync(join(tmpdir(), 'greenlight-artefact-'));
  cleanups.push(() => rmSync(app, { recursive: true, force: true }));
  assembleApp(app);
  const devOnly = ['tsx', 'vitest', 'typescript', 'nock'].filter((name) =>
    existsSync(join(app, 'node_modules', name)),
  );
  record(
    devOnly.length === 0,
    devOnly.length === 0
      ? 'the Dockerfile’s files, with production dependencies only (npm ci --omit=dev)'
      : `development dependencies in the production install: ${devOnly.join(', ')}`,
  );

  const redis = await startPrivateRedis();
  // The simulated GitHub's default repository is acme/platform with greenlight's documented workflow.
  const slack = await startTestSlack();
  const github = await startTestGitHub();
  cleanups.push(redis.stop, slack.close, github.close);
  // greenlight.yml where the image mounts it: the working directory, found without GREENLIGHT_CONFIG.
  writeFileSync(
    join(app, 'greenlight.yml'),
    JSON.stringify({
      slack: { statusChannel: '#deployment-status', incidentChannel: '#incidents' },
      github: { owner: 'acme', repo: 'platform', workflow: 'production-deployment.yml', ref: 'main' },
      environments: { production: { approvals: 1, approvers: ['U0CAROL'] } },
      services: { api: {} },
      pipeline: CANARY_PIPELINE,
      rollback: { inputs: { deployment_phase: 'rollback' } },
      flags: { known: ['scan_creation'] },
    }),
  );
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    PORT: String(port),
    SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    GITHUB_TOKEN: TEST_GITHUB_TOKEN,
    SLACK_API_URL: slack.apiUrl,
    GITHUB_API_URL: github.apiUrl,
    REDIS_URL: redis.url,
  };
  const bot = spawnNode(['dist/src/main.js'], app, env);
  void bot.exit.then((code) => {
    botExit = code;
  });
  cleanups.push(bot.kill);
  cleanups.push(() => {
    if (results.some((result) => !result.ok))
      process.stderr.write(`--- node dist/src/main.js ---\n${bot.output()}\n`);
  });
  const url = `http://127.0.0.1:${port}`;

  await waitFor('/healthz', async () => ((await fetch(`${url}/healthz`)).status === 200 ? true : undefined));
  record(true, 'node dist/src/main.js listens: /healthz 200');
  const ready = await waitFor('/readyz 200', async () => {
    const response = await fetch(`${url}/readyz`);
    return response.status === 200 ? response.json() : undefined;
  });
  record(true, `/readyz 200 ${JSON.stringify(ready)}`);

  const { healthcheck } = finalStage();
  const health = spawnSync('sh', ['-c', healthcheck], { cwd: app, env, timeout: 5_000 });
  record(health.status === 0, `the image's HEALTHCHECK command exits ${health.status}`);

  slack.connectBot(`${url}/slack/events`);
  const askedAt = Date.now();
  const command = await slack.command('/flag', 'status scan_creation', { user: 'U0CAROL' });
  record(
    command.status === 200 && Date.now() - askedAt < 3_000,
    `a signed /flag status is acked: ${command.status}`,
  );
  const answer = await command.answer();
  record(
    answer.via === 'ack' && JSON.stringify(answer.body).includes('scan_creation'),
    `and answered in the ack (a read of Redis): via ${answer.via}`,
  );
  const change = await slack.command('/flag', 'enable scan_creation smoke test', { user: 'U0CAROL' });
  const confirmation = await waitFor('the response_url answer', async () => change.replies()[0]);
  record(
    change.status === 200 && JSON.stringify(confirmation.body).includes('scan_creation'),
    'a signed /flag enable is acked and answered through response_url',
  );

  await waitFor('the start-up preflight', async () =>
    /"event":"preflight\.(passed|failed)"/.test(bot.output()) ? true : undefined,
  );
  record(
    !bot.output().includes('"event":"preflight.failed"'),
    'the start-up checks pass against the simulated Slack and GitHub',
  );
  const check = spawnNode(['dist/src/check.js'], app, env);
  const checked = await check.exit;
  record(checked === 0 && /All \d+ checks passed/.test(check.output()), `npm run check exits ${checked}`);

  const stoppedAt = Date.now();
  bot.child.kill('SIGTERM');
  const code = await bot.exit;
  record(
    code === 0 && Date.now() - stoppedAt < 10_000,
    `SIGTERM: exit ${code} in ${Date.now() - stoppedAt} ms`,
  );
  const leaked = [TEST_BOT_TOKEN, TEST_SIGNING_SECRET, TEST_GITHUB_TOKEN].filter((secret) =>
    bot.output().includes(secret),
  );
  record(leaked.length === 0, leaked.length === 0 ? 'no secret in the logs' : 'a secret is in the logs');
  record(
    github.requests.every((request) => request.method === 'GET'),
    'nothing was dispatched or written to GitHub',
  );
}

try {
  await smoke();
  process.stdout.write(`smoke test passed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  results.push({ ok: false, text: message });
  process.stderr.write(`smoke test failed: ${message}\n`);
  process.exitCode = 1;
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup();
}
