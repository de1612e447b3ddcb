import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, readConfigFile } from '../../src/config.js';

const credentials = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret', GITHUB_TOKEN: 'ghp_x' };

function dirWith(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-config-'));
  if (yaml !== undefined) writeFileSync(join(dir, 'greenlight.yml'), yaml);
  return dir;
}

const minimal = `
slack: { statusChannel: "#deployment-status" }
environments:
  production: { approvers: ["@release-managers"] }
`;

describe('loadConfig', () => {
  it('names every missing credential at once, with where to get it', () => {
    const result = loadConfig({}, dirWith(minimal));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(3);
    expect(result.problems.join('\n')).toMatch(/SLACK_BOT_TOKEN is missing: .*OAuth & Permissions/);
    expect(result.problems.join('\n')).toMatch(/SLACK_SIGNING_SECRET is missing: .*Signing Secret/);
    expect(result.problems.join('\n')).toMatch(
      /GITHUB_TOKEN is missing: .*actions:write, deployments:write, contents:read/,
    );
  });

  it('reports environment and file problems together, each with its variable or YAML path', () => {
    const dir = dirWith(`
slack: { statusChannel: "deployment status" }
environments:
  production: { approvals: "one", approvers: ["release-managers"], window: { days: [funday], from: "2am", to: "04:00" } }
flags: { protected: [scan_creation], approverEnvironment: prod, known: ["bad name"] }
surprise: true
`);
    const result = loadConfig({ ...credentials, PORT: 'eighty', REDIS_URL: 'localhost:6379' }, dir);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.join('\n');
    expect(text).toContain('PORT is malformed');
    expect(text).toContain('REDIS_URL is malformed');
    expect(text).toContain('slack.statusChannel: expected a channel like "#deployment-status"');
    expect(text).toContain('environments.production.approvals:');
    expect(text).toContain('environments.production.approvers[0]: expected a Slack user ID');
    expect(text).toContain('environments.production.window.days[0]:');
    expect(text).toContain('environments.production.window.from: expected a 24-hour time');
    expect(text).toContain('flags.known[0]: expected a flag name');
    expect(text).toContain('(top level): unknown setting "surprise"');
  });

  it('refuses protected flags when the approver environment does not exist', () => {
    const result = loadConfig(
      credentials,
      dirWith(`${minimal}flags: { protected: [scan_creation], approverEnvironment: prod }\n`),
    );
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems.join('\n')).toContain(
        'flags.approverEnvironment: protected flags need approvers',
      );
  });

  it('refuses an analysis that cannot work: Prometheus without a URL, a warning above the rollback threshold', () => {
    const result = loadConfig(
      credentials,
      dirWith(`${minimal}analysis: { source: prometheus, errorRate: { warn: 0.1, rollback: 0.05 } }\n`),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const problems = result.problems.join('\n');
    expect(problems).toContain('analysis.prometheusUrl: source "prometheus" needs a prometheusUrl');
    expect(problems).toContain(
      'analysis.errorRate.warn: the warn threshold must not be above the rollback threshold',
    );
    const typo = loadConfig(credentials, dirWith(`${minimal}analysis: { source: health, interval: 10 }\n`));
    expect(typo.ok ? '' : typo.problems.join('\n')).toContain('analysis.interval:');
  });

  it('fills the analysis defaults: readings every 10 s, a pause after 3 without data, the runbooks’ thresholds', () => {
    const result = loadConfig(
      credentials,
      dirWith(`${minimal}analysis: { source: redis-counters, interval: 500ms }\n`),
    );
    expect(result.ok && result.config.file.analysis).toMatchObject({
      source: 'redis-counters',
      interval: 500,
      noDataToPause: 3,
      errorRate: { warn: 0.01, rollback: 0.05 },
      p95: { rollbackAtRatioToBaseline: 2 },
      healthFailuresToRollback: 3,
      redisCounters: { endpoints: [], minSamples: 20, keyPrefix: '' },
    });
  });

  it('refuses a phase that would send more than 10 workflow inputs, or sets one greenlight owns', () => {
    const inputs = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`input_${i}`, 'x']));
    const result = loadConfig(
      credentials,
      dirWith(`${minimal}pipeline:
  - { id: validation, title: Validation, inputs: { deployment_phase: validation, ref: main } }
  - { id: traffic_switch, title: Traffic, inputs: ${JSON.stringify(inputs)}, canary: { steps: [5, 100] } }
`),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.join('\n');
    expect(text).toContain('pipeline[0].inputs: phase "validation": Input `ref` is set by greenlight itself');
    expect(text).toContain(
      'pipeline[1].inputs: phase "traffic_switch": This phase would send 11 workflow inputs',
    );
  });

  it('applies the documented defaults', () => {
    const result = loadConfig(credentials, dirWith(minimal));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.env).toMatchObject({
      PORT: 3000,
      LOG_LEVEL: 'info',
      REDIS_URL: 'redis://127.0.0.1:6379/0',
    });
    expect(result.config.file.flags).toMatchObject({
      prefix: 'feature:',
      channel: 'greenlight:flags',
      protected: [],
    });
    expect(result.config.file.redis.keyPrefix).toBe('greenlight:');
  });

  it('says where to get a config file when there is none', () => {
    const result = loadConfig({ ...credentials, GREENLIGHT_CONFIG: '/nowhere/greenlight.yml' }, dirWith());
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]).toContain('copy greenlight.example.yml to greenlight.yml');
  });

  it('points at the line of a YAML syntax error', () => {
    const result = loadConfig(credentials, dirWith('slack: [unclosed\n'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]).toMatch(/line \d+/);
  });

  it('normalises the Slack API URL so a base with a path works', () => {
    const result = loadConfig(
      { ...credentials, SLACK_API_URL: 'http://slack.internal/proxy/api' },
      dirWith(minimal),
    );
    expect(result.ok && result.config.env.SLACK_API_URL).toBe('http://slack.internal/proxy/api/');
  });
});

describe('greenlight.example.yml', () => {
  it('is valid and mirrors the runbooks', () => {
    const result = readConfigFile(resolve(import.meta.dirname, '../../greenlight.example.yml'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.pipeline.map((phase) => phase.id)).toEqual([
      'validation',
      'database_migration',
      'backend_deployment',
      'frontend_deployment',
      'traffic_switch',
      'monitoring',
    ]);
    expect(result.value.pipeline[4]?.canary?.steps).toEqual([5, 10, 25, 50, 100]);
    expect(result.value.analysis?.errorRate).toEqual({ warn: 0.01, rollback: 0.05 });
    expect(result.value.flags.protected).toContain('scan_creation');
  });
});
