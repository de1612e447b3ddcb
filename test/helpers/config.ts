import { type RedisKeys, redisKeys } from '../../src/adapters/redis/keys.js';
import type { FileConfig } from '../../src/config/file-schema.js';
import { fileSchema } from '../../src/config/file-schema.js';
import type { Config } from '../../src/config.js';
import { TEST_BOT_TOKEN, TEST_GITHUB_TOKEN, TEST_SIGNING_SECRET } from './credentials.js';

export { TEST_BOT_TOKEN, TEST_GITHUB_TOKEN, TEST_SIGNING_SECRET };

/**
 * A complete config for tests: the example's shape with every key under `prefix`, so parallel tests never share
 * a key. `overrides` are merged into the raw YAML object before validation.
 */
export function testConfig(
  redisUrl: string,
  prefix: string,
  overrides: Record<string, unknown> = {},
): Config {
  const raw = {
    slack: { statusChannel: '#deployment-status', incidentChannel: '#incidents' },
    redis: { keyPrefix: `${prefix}greenlight:` },
    environments: {
      staging: { approvals: 0, deployers: ['@eng'] },
      production: { approvals: 1, approvers: ['@release-managers', 'U0CAROL'], deployers: ['@eng'] },
    },
    flags: {
      prefix: `${prefix}feature:`,
      channel: `${prefix}greenlight:flags`,
      known: ['scan_creation', 'email_automation', 'new_dashboard'],
      protected: ['scan_creation'],
    },
    ...overrides,
  };
  const file: FileConfig = fileSchema.parse(raw);
  return {
    env: {
      SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      // Nothing answers here: a test that talks to Slack points this at the Slack simulator.
      SLACK_API_URL: 'http://slack.invalid/api/',
      GITHUB_TOKEN: TEST_GITHUB_TOKEN,
      REDIS_URL: redisUrl,
      REDIS_WAIT_REPLICAS: 0,
      PORT: 0,
      LOG_LEVEL: 'silent',
    },
    file,
    configPath: 'test',
    usedExample: false,
  };
}

/**
 * A pipeline that makes every kind of dispatch: a plain phase and a canary phase on one workflow, and (with a
 * service and `rollback.inputs`) /rollback and automatic rollbacks.
 */
export const CANARY_PIPELINE = [
  { id: 'validation', title: 'Validation', inputs: { deployment_phase: 'validation' } },
  {
    id: 'traffic_switch',
    title: 'Traffic switch',
    inputs: { deployment_phase: 'traffic_switch' },
    canary: { steps: [10, 100] },
  },
];

/** The keys of a bot configured by `testConfig(…, prefix)`. */
export function testKeys(prefix: string): RedisKeys {
  return redisKeys(`${prefix}greenlight:`, `${prefix}feature:`);
}
