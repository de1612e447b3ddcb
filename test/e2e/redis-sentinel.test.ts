import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useE2E } from '../helpers/e2e.js';
import {
  type GreenlightProcess,
  simulatedEnv,
  spawnGreenlight,
  startedPort,
  writeConfigFile,
} from '../helpers/greenlight-process.js';
import { type Records, records } from '../helpers/records.js';
import { type SentinelGroup, startSentinelGroup } from '../helpers/redis-servers.js';

const PHASES = ['validation', 'database_migration', 'rollout'] as const;
const ENVIRONMENTS = ['production', 'staging'] as const;
const WORKFLOW = 'production-deployment.yml';
const FLAGS = ['email_automation', 'new_dashboard', 'scan_creation'];

function fileConfig(prefix: string): Record<string, unknown> {
  return {
    slack: { statusChannel: '#deployment-status' },
    github: { owner: 'acme', repo: 'platform', workflow: WORKFLOW, ref: 'main' },
    redis: { keyPrefix: `${prefix}greenlight:` },
    environments: Object.fromEntries(ENVIRONMENTS.map((env) => [env, { approvals: 0, deployers: [] }])),
    pipeline: PHASES.map((id) => ({ id, title: id.replace('_', ' '), inputs: { deployment_phase: id } })),
    deploy: { pollInterval: '1s', gateTimeout: '1h', lockOnFailure: true },
    flags: {
      prefix: `${prefix}feature:`,
      channel: `${prefix}greenlight:flags`,
      known: FLAGS,
    },
  };
}

describe('Redis Sentinel: the primary dies mid-deployment', () => {
  const e2e = useE2E('sentinel');
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  let bot: GreenlightProcess | undefined;
  let group: SentinelGroup | undefined;

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' || process.env.SHOW_SENTINEL_LOGS) {
      process.stderr.write(`--- greenlight ---\n${bot?.output()}\n`);
      for (const [index, sentinel] of (group?.sentinels ?? []).entries())
        process.stderr.write(`--- sentinel ${index + 1} ---\n${sentinel.output()}\n`);
    }
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('finishes every deployment after failover, each phase dispatched once, and keeps an acknowledged flag flip', async () => {
    group = await startSentinelGroup();
    cleanups.push(() => group?.stop());
    const redis: Redis = group.client();
    const stored: Records = records(redis, e2e.prefix);
    const configPath = writeConfigFile(fileConfig(e2e.prefix));
    cleanups.push(() => rmSync(dirname(configPath), { recursive: true, force: true }));

    bot = spawnGreenlight(
      simulatedEnv(e2e.slack, e2e.github, configPath, {
        // Only REDIS_URL's database and credentials apply: the sentinels name the primary.
        REDIS_URL: 'redis://127.0.0.1:6379/0',
        REDIS_SENTINELS: group.sentinelList,
        REDIS_SENTINEL_NAME: group.name,
        REDIS_WAIT_REPLICAS: '1',
        ...(process.env.SENTINEL_DEBUG ? { DEBUG: 'ioredis:*' } : {}),
      }),
    );
    const running = bot;
    cleanups.push(() => running.kill());
    e2e.slack.connectBot(`http://127.0.0.1:${await startedPort(running, 30_000)}/slack/events`);

    const ids: string[] = [];
    for (const env of ENVIRONMENTS) {
      expect((await e2e.slack.command('/deploy', env, { user: 'U0ALICE' })).status).toBe(200);
      ids.push(await stored.nextDeployment(env, 0, 10_000));
    }
    // Both first phases dispatched and recorded, still running on GitHub.
    const firstRuns = await vi.waitFor(
      async () =>
        Promise.all(
          ids.map(async (id) => {
            const run = (await stored.deployment(id)).state.phases[0]?.runs[0];
            if (!run) throw new Error(`${id}: phase 1 not recorded yet`);
            return run.runId;
          }),
        ),
      { timeout: 15_000, interval: 50 },
    );

    // Flips acknowledged to the user, the last one just before the primary dies.
    const flips = await Promise.all(
      FLAGS.map((flag) => e2e.slack.command('/flag', `disable ${flag} noisy`, { user: 'U0ALICE' })),
    );
    for (const flip of flips)
      expect(JSON.stringify((await flip.reply()).body)).toContain('is now *disabled*');
    await group.primary.kill();
    for (const runId of firstRuns) expect(e2e.github.finish(runId, 'success')).toBe(1);

    // The sentinels promote the replica; greenlight follows them there and goes on.
    await vi.waitFor(async () => expect(await group?.primaryPort()).toBe(group?.replica.port), {
      timeout: 20_000,
      interval: 200,
    });
    for (const [index] of PHASES.entries()) {
      if (index === 0) continue;
      for (const id of ids) {
        const runId = await vi.waitFor(
          async () => {
            const run = (await stored.deployment(id)).state.phases[index]?.runs.at(-1);
            if (!run) throw new Error(`${id}: phase ${index + 1} has no run yet`);
            return run.runId;
          },
          { timeout: 20_000, interval: 100 },
        );
        expect(e2e.github.finish(runId, 'success')).toBe(1);
      }
    }
    for (const id of ids) await stored.waitForStatus(id, 'succeeded', { finalized: true, timeout: 15_000 });

    // Every phase of every deployment dispatched exactly once.
    const dispatched = e2e.github.runs().map((run) => String(run.inputs.greenlight_id));
    expect(dispatched.sort()).toEqual(ids.flatMap((id) => PHASES.map((phase) => `${id}-${phase}-0`)).sort());
    // The flips the users were told about are on the new primary, each with its audit entry.
    for (const flag of FLAGS) expect(await redis.get(`${e2e.prefix}feature:${flag}`)).toBe('false');
    const audited = (await stored.audit()).filter((entry) => entry.action === 'flag.changed');
    expect(audited.map((entry) => entry.flag).sort()).toEqual([...FLAGS].sort());
    // And flags still change after the failover.
    const back = await e2e.slack.command('/flag', 'enable email_automation', { user: 'U0ALICE' });
    expect(JSON.stringify((await back.reply()).body)).toContain('is now *enabled*');
    expect(await redis.get(`${e2e.prefix}feature:email_automation`)).toBe('true');
  }, 60_000);
});
