import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { vi } from 'vitest';
import type { GitHubSim } from '../../playground/sim/github.js';
import type { SlackSim } from '../../playground/sim/slack.js';
import { type RunningProcess, spawnNode } from './child-process.js';
import { TEST_BOT_TOKEN, TEST_GITHUB_TOKEN, TEST_SIGNING_SECRET } from './credentials.js';
import { testRedisUrl } from './redis.js';

const root = resolve(import.meta.dirname, '../..');

/** A greenlight process; `kill()` is a SIGKILL: BullMQ locks and the dispatch lock stay behind, as after a crash. */
export type GreenlightProcess = RunningProcess;

/** Writes a greenlight.yml (JSON is YAML) to a fresh temporary directory and returns its path. */
export function writeConfigFile(config: Record<string, unknown>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'greenlight-config-')), 'greenlight.yml');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/** Spawns `node --import tsx src/main.ts` (or another entry, such as `src/check.ts`) with only `env` (and PATH) set. */
export function spawnGreenlight(env: Record<string, string>, entry = 'src/main.ts'): GreenlightProcess {
  return spawnNode(['--import', 'tsx', entry], root, env);
}

/** The HTTP port from the `greenlight.started` log line, once it is written. */
export function startedPort(run: GreenlightProcess, timeoutMs = 15_000): Promise<number> {
  return vi.waitFor(
    () => {
      const match = run.output().match(/"event":"greenlight.started","port":(\d+)/);
      if (!match) {
        if (run.child.exitCode !== null) throw new Error(`greenlight exited early:\n${run.output()}`);
        throw new Error(`not started yet:\n${run.output()}`);
      }
      return Number(match[1]);
    },
    { timeout: timeoutMs, interval: 50 },
  );
}

/** Everything a `node src/main.ts` needs to run against the simulators and the test Redis. */
export function simulatedEnv(
  slack: SlackSim,
  github: GitHubSim,
  configPath: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    GITHUB_TOKEN: TEST_GITHUB_TOKEN,
    GITHUB_API_URL: github.apiUrl,
    REDIS_URL: testRedisUrl(),
    GREENLIGHT_CONFIG: configPath,
    PORT: '0',
    LOG_LEVEL: 'info',
    ...extra,
  };
}
