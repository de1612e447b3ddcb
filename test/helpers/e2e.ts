import type { Redis } from 'ioredis';
import { afterEach, beforeEach } from 'vitest';
import type { GitHubSim, GitHubSimOptions } from '../../playground/sim/github.js';
import type { SlackSim, SlackSimOptions } from '../../playground/sim/slack.js';
import type { RedisKeys } from '../../src/adapters/redis/keys.js';
import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type Greenlight, type RuntimeOptions, startGreenlight } from '../../src/runtime.js';
import { testConfig } from './config.js';
import { type Records, records } from './records.js';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from './redis.js';
import { startTestGitHub, startTestSlack } from './simulators.js';

/** The bot's environment pointed at the simulators. */
export function simulatorEnv(slack: SlackSim, github: GitHubSim): Partial<Config['env']> {
  return { SLACK_API_URL: slack.apiUrl, GITHUB_API_URL: github.apiUrl };
}

export interface E2E {
  prefix: string;
  redis: Redis;
  keys: RedisKeys;
  records: Records;
  github: GitHubSim;
  slack: SlackSim;
  /** The HTTP base of the bot started last. */
  url: string;
  /**
   * Starts the real bot (Bolt's HTTP receiver, the test Redis) against the simulators, with `overrides` merged into
   * the test config, and points the Slack simulator at it.
   */
  startBot(
    overrides?: Record<string, unknown>,
    options?: { env?: Partial<Config['env']>; runtime?: Partial<RuntimeOptions> },
  ): Promise<Greenlight>;
}

/**
 * One e2e test's world, made fresh before each test and torn down after it: a key prefix of its own in the test
 * Redis, a GitHub and a Slack simulator, and the bots the test starts.
 */
export function useE2E(
  label: string,
  options: { github?: () => GitHubSimOptions; slack?: () => SlackSimOptions } = {},
): E2E {
  const bots: Greenlight[] = [];
  const e2e = { url: '' } as E2E;
  beforeEach(async () => {
    e2e.prefix = uniquePrefix(label);
    e2e.redis = testRedis();
    e2e.records = records(e2e.redis, e2e.prefix);
    e2e.keys = e2e.records.keys;
    e2e.github = await startTestGitHub(options.github?.());
    e2e.slack = await startTestSlack(options.slack?.());
  });
  afterEach(async () => {
    await Promise.all(bots.splice(0).map((bot) => bot.stop()));
    await Promise.all([e2e.github.close(), e2e.slack.close()]);
    await deleteKeys(e2e.redis, e2e.prefix);
    e2e.redis.disconnect();
  });
  e2e.startBot = async (overrides = {}, { env = {}, runtime = {} } = {}) => {
    const config = testConfig(testRedisUrl(), e2e.prefix, overrides);
    config.env = { ...config.env, ...simulatorEnv(e2e.slack, e2e.github), ...env };
    const bot = await startGreenlight(config, {
      logger: createLogger('silent'),
      botIdentity: { botId: 'B0BOT', botUserId: 'U0BOT' },
      github: { retryAfterBaseValue: 0, spaceWrites: false },
      ...runtime,
    });
    bots.push(bot);
    e2e.url = `http://127.0.0.1:${bot.port}`;
    e2e.slack.connectBot(`${e2e.url}/slack/events`);
    return bot;
  };
  return e2e;
}

/**
 * greenlight.yml for the /deploy tests: `acme/platform`, a two-phase pipeline (validation, then a database
 * migration behind an approval gate), production needing one approval by U0CAROL (`production` overrides it).
 */
export function deployConfig(
  production: Record<string, unknown> = {},
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    github: { owner: 'acme', repo: 'platform', workflow: 'production-deployment.yml', ref: 'main' },
    environments: {
      staging: { approvals: 0 },
      production: { approvals: 1, approvers: ['U0CAROL'], deployers: [], ...production },
    },
    pipeline: [
      { id: 'validation', title: 'Pre-deployment validation', inputs: { deployment_phase: 'validation' } },
      {
        id: 'database_migration',
        title: 'Database migration',
        gate: 'approval',
        inputs: { deployment_phase: 'database_migration' },
      },
    ],
    deploy: { pollInterval: '1s', gateTimeout: '1h', lockOnFailure: true },
    ...overrides,
  };
}

/** The runtime options of a deploy bot: GitHub's waits (retry-after, write spacing, run look-ups) scaled to nothing. */
export const FAST_GITHUB: Partial<RuntimeOptions> = {
  github: {
    retryAfterBaseValue: 0,
    spaceWrites: false,
    // A run GitHub took without naming it is looked for at once, and given up on (or sent again) after 2 s.
    findRun: { firstLookMs: 50, windowMs: 2_000 },
  },
};

interface BlockLike {
  type?: string;
  text?: { text?: string } | string;
  elements?: { text?: string }[];
}

/** Everything a user reads in a message: its blocks' texts (sections, contexts), one per line; else `text`. */
export function visibleText(message: { text?: unknown; blocks?: unknown } | undefined): string {
  if (!message) return '';
  const blocks = Array.isArray(message.blocks) ? (message.blocks as BlockLike[]) : [];
  if (blocks.length === 0) return typeof message.text === 'string' ? message.text : '';
  return blocks
    .flatMap((block) => [
      typeof block.text === 'string' ? block.text : (block.text?.text ?? ''),
      ...(block.elements ?? []).map((element) => element.text ?? ''),
    ])
    .filter(Boolean)
    .join('\n');
}

/** A message's text and blocks as one string, for `toContain` on ids, action ids and mrkdwn alike. */
export function shownWithIds(message: { text?: unknown; blocks?: unknown } | undefined): string {
  return `${visibleText(message)}${JSON.stringify(message?.blocks ?? [])}`;
}
