import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, readConfigFile } from '../../src/config.js';
import { testAppKeys } from '../helpers/github-app.js';

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
    expect(text).toContain(
      'environments.production.approvers[0]: "release-managers" is a name, not a Slack ID',
    );
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

  it('a Datadog source needs DD_API_KEY and DD_APP_KEY, and a Datadog site', () => {
    const datadog = `${minimal}analysis: { source: datadog, datadog: { site: datadoghq.eu } }\n`;
    const missing = loadConfig(credentials, dirWith(datadog));
    expect(missing.ok ? [] : missing.problems).toEqual([
      expect.stringMatching(/^DD_API_KEY is missing: a Datadog API key/),
      expect.stringMatching(
        /^DD_APP_KEY is missing: a Datadog application key with the timeseries_query scope/,
      ),
    ]);
    const keyed = loadConfig({ ...credentials, DD_API_KEY: 'k', DD_APP_KEY: 'a' }, dirWith(datadog));
    expect(keyed.ok && keyed.config.file.analysis?.datadog).toMatchObject({
      site: 'datadoghq.eu',
      window: 120_000,
      timeoutMs: 2_000,
      latencyUnit: 'seconds',
    });
    const site = loadConfig(
      { ...credentials, DD_API_KEY: 'k', DD_APP_KEY: 'a' },
      dirWith(`${minimal}analysis: { source: datadog, datadog: { site: example.com } }\n`),
    );
    expect(site.ok ? '' : site.problems.join('\n')).toContain(
      'analysis.datadog.site: expected a Datadog site such as datadoghq.com, datadoghq.eu or us3.datadoghq.com',
    );
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

  it('requires every check by default; deploy.requireChecks and an environment may name some, or none', () => {
    const defaults = loadConfig(credentials, dirWith(minimal));
    expect(defaults.ok && defaults.config.file.deploy.requireChecks).toBe('all');
    const named = loadConfig(
      credentials,
      dirWith(`slack: { statusChannel: "#deployment-status" }
deploy: { requireChecks: none }
environments:
  production: { approvers: ["@release-managers"], requireChecks: [ci/test, "build (ubuntu)"] }
`),
    );
    expect(named.ok).toBe(true);
    if (!named.ok) return;
    expect(named.config.file.deploy.requireChecks).toBe('none');
    expect(named.config.file.environments.production?.requireChecks).toEqual(['ci/test', 'build (ubuntu)']);

    const wrong = loadConfig(credentials, dirWith(`${minimal}deploy: { requireChecks: some }\n`));
    expect(wrong.ok).toBe(false);
    expect(wrong.ok ? '' : wrong.problems.join('\n')).toContain('deploy.requireChecks');
    const empty = loadConfig(credentials, dirWith(`${minimal}deploy: { requireChecks: [] }\n`));
    expect(empty.ok ? '' : empty.problems.join('\n')).toContain(
      'list at least one check name (statuses by context, check runs by name), or use "none"',
    );
  });

  it('runs 100 deployment jobs at once per replica by default; deploy.workerConcurrency takes a whole number from 1 to 1000', () => {
    const defaults = loadConfig(credentials, dirWith(minimal));
    expect(defaults.ok && defaults.config.file.deploy.workerConcurrency).toBe(100);
    const set = loadConfig(credentials, dirWith(`${minimal}deploy: { workerConcurrency: 20 }\n`));
    expect(set.ok && set.config.file.deploy.workerConcurrency).toBe(20);
    for (const wrong of ['0', '2.5', '5000', 'many']) {
      const refused = loadConfig(credentials, dirWith(`${minimal}deploy: { workerConcurrency: ${wrong} }\n`));
      expect(refused.ok).toBe(false);
      expect(refused.ok ? '' : refused.problems.join('\n')).toContain('deploy.workerConcurrency');
    }
  });

  it('says where to get a config file when there is none', () => {
    const result = loadConfig({ ...credentials, GREENLIGHT_CONFIG: '/nowhere/greenlight.yml' }, dirWith());
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]).toContain('copy greenlight.example.yml to greenlight.yml');
  });

  it('shows a YAML syntax error once, at its line and column, with the snippet under it', () => {
    const dir = dirWith(`slack:
  statusChannel: "#deployment-status"
environments:
  production:
    approvers: [U0123ABCD
    approvals: 1
`);
    const result = loadConfig(credentials, dir);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(1);
    const [problem = ''] = result.problems;
    expect(problem).toMatch(
      /greenlight\.yml:6:5: YAML: Flow sequence in block collection must be .* end with a \]/,
    );
    expect(problem).toContain('    approvers: [U0123ABCD\n    approvals: 1\n    ^');
    expect(problem.match(/approvers: \[U0123ABCD/g)).toHaveLength(1);
  });

  it('reports each YAML error on its own line once', () => {
    const result = loadConfig(
      credentials,
      dirWith(
        'slack:\n  statusChannel: "#a"\n  statusChannel: "#b"\nenvironments:\n  production:\n\tapprovers: []\n',
      ),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(
      result.problems.map((problem) => problem.split('\n')[0]?.replace(/^.*greenlight\.yml/, '')),
    ).toEqual([':3:3: YAML: Map keys must be unique', ':6:1: YAML: Tabs are not allowed as indentation']);
  });

  it('normalises the Slack API URL so a base with a path works', () => {
    const result = loadConfig(
      { ...credentials, SLACK_API_URL: 'http://slack.internal/proxy/api' },
      dirWith(minimal),
    );
    expect(result.ok && result.config.env.SLACK_API_URL).toBe('http://slack.internal/proxy/api/');
  });
});

describe('config problems a person can act on', () => {
  const base = (environment: string, extra = '') => `slack: { statusChannel: "#deployment-status" }
environments:
  production:
${environment}
${extra}`;

  it.each([
    {
      case: 'an unknown key gets the closest known key',
      yaml: base('    aprovers: [U0123ABCD]'),
      problem: ':4: environments.production: unknown setting "aprovers": did you mean "approvers"?',
    },
    {
      case: 'an unknown top-level key too',
      yaml: base('    approvers: [U0123ABCD]', 'pipline: []'),
      problem: ':5: (top level): unknown setting "pipline": did you mean "pipeline"?',
    },
    {
      case: 'an unknown key with no close match lists what is known there',
      yaml: base('    approvers: [U0123ABCD]', 'deploy: { colour: blue }'),
      problem:
        'deploy: unknown setting "colour" (known here: gateTimeout, pollInterval, webhookPollInterval, lockOnFailure, requireChecks, workerConcurrency)',
    },
    {
      case: 'a name instead of a member ID',
      yaml: base('    approvers: ["Alice Smith"]'),
      problem:
        ':4: environments.production.approvers[0]: "Alice Smith" is a name, not a Slack ID: use the member ID (profile → ⋯ → Copy member ID) or @group',
    },
    {
      case: 'a group display name instead of its handle',
      yaml: base('    deployers: ["@Release Managers"]'),
      problem:
        'environments.production.deployers[0]: "@Release Managers" is not a user group handle (lower case, no spaces, like "@release-managers")',
    },
    {
      case: 'a member ID in lower case',
      yaml: base('    approvers: [u0123abcd]'),
      problem: 'environments.production.approvers[0]: "u0123abcd": Slack IDs are upper case, "U0123ABCD"',
    },
    {
      case: 'a pasted mention',
      yaml: base('    approvers: ["<@U0123ABCD>"]'),
      problem:
        'environments.production.approvers[0]: "<@U0123ABCD>" is a mention; write the ID alone: "U0123ABCD"',
    },
    {
      case: 'the offending value is echoed',
      yaml: base('    approvers: [U0123ABCD]\n    window: { days: [mon], from: "2am", to: "04:00" }'),
      problem: ':5: environments.production.window.from: expected a 24-hour time like "02:00" (got "2am")',
    },
    {
      case: 'a value out of a list, with the closest option',
      yaml: base('    approvers: [U0123ABCD]\n    window: { days: [monday], from: "02:00", to: "04:00" }'),
      problem:
        'environments.production.window.days[0]: got "monday", expected one of mon, tue, wed, thu, fri, sat, sun; did you mean mon?',
    },
    {
      case: 'a channel the # turned into a YAML comment',
      yaml: 'slack:\n  statusChannel: #deployment-status\nenvironments: {}\n',
      problem:
        ':2: slack.statusChannel: expected a string, got nothing (an empty value; a value starting with # must be quoted, like "#deployment-status")',
    },
    {
      case: 'a duration without its unit',
      yaml: base('    approvers: [U0123ABCD]', 'deploy: { gateTimeout: 30 }'),
      problem: 'deploy.gateTimeout: a duration needs a unit, like "30s" or "30m" (got 30)',
    },
    {
      case: 'a value of none of the accepted types',
      yaml: base('    approvers: [U0123ABCD]', 'deploy: { gateTimeout: true }'),
      problem: 'deploy.gateTimeout: expected a string or a number, got true',
    },
    {
      case: 'more approvals than the user IDs listed',
      yaml: base('    approvers: [U0123ABCD]\n    approvals: 3'),
      problem:
        'environments.production.approvals: 3 approvals can never be given: only 1 approver is listed (U0123ABCD); lower approvals to 1 or add approvers (a @group counts as any number)',
    },
    {
      case: 'a user listed twice counts once',
      yaml: base('    approvers: [U0123ABCD, U0123ABCD]\n    approvals: 2'),
      problem: 'environments.production.approvals: 2 approvals can never be given: only 1 approver is listed',
    },
    {
      case: 'approvals with nobody to give them',
      yaml: base('    approvals: 1'),
      problem: 'environments.production.approvals: 1 approval needed but no approvers listed',
    },
  ])('$case', ({ yaml, problem }) => {
    const result = loadConfig(credentials, dirWith(yaml));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).toContain(problem);
  });

  it.each([
    { case: 'approvals up to the user IDs listed', approvers: '[U0AAA, U0BBB]', approvals: 2 },
    { case: 'a group counts as any number', approvers: '["@release-managers"]', approvals: 3 },
    { case: 'a group ID too', approvers: '[U0AAA, S0GROUP]', approvals: 3 },
    { case: 'W… (Enterprise Grid) user IDs', approvers: '[W0AAA]', approvals: 1 },
  ])('accepts $case', ({ approvers, approvals }) => {
    const result = loadConfig(
      credentials,
      dirWith(base(`    approvers: ${approvers}\n    approvals: ${approvals}`)),
    );
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it('echoes a malformed variable that is not a secret, and never one that is', () => {
    const result = loadConfig(
      { ...credentials, PORT: 'eighty', LOG_LEVEL: 'loud', REDIS_URL: 'redis://:hunter2@redis:port' },
      dirWith(base('    approvers: [U0123ABCD]')),
    );
    const text = result.ok ? '' : result.problems.join('\n');
    expect(text).toContain('got "eighty"');
    expect(text).toContain('got "loud"');
    expect(text).toContain('REDIS_URL is malformed');
    expect(text).not.toContain('hunter2');
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

describe('GitHub credentials: a token or a GitHub App, exactly one', () => {
  const slack = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret' };
  const { privateKey } = testAppKeys();

  it('takes the App’s key as PEM text, with the \\n escapes of a .env file, or as the path of its file', () => {
    const dir = dirWith(minimal);
    writeFileSync(join(dir, 'greenlight-app.pem'), privateKey);
    const escaped = privateKey.trim().replaceAll('\n', '\\n');
    for (const key of [privateKey, escaped, 'greenlight-app.pem', join(dir, 'greenlight-app.pem')]) {
      const result = loadConfig({ ...slack, GITHUB_APP_ID: '424242', GITHUB_APP_PRIVATE_KEY: key }, dir);
      expect(result.ok && result.config.env).toMatchObject({
        GITHUB_APP_ID: '424242',
        GITHUB_APP_PRIVATE_KEY: `${privateKey.trim()}\n`,
      });
      expect(result.ok && 'GITHUB_TOKEN' in result.config.env).toBe(false);
    }
  });

  it.each([
    [
      'neither',
      {},
      /^GITHUB_TOKEN is missing: create a token .*; or set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY/,
    ],
    [
      'both',
      { GITHUB_TOKEN: 'ghp_x', GITHUB_APP_ID: '424242', GITHUB_APP_PRIVATE_KEY: privateKey },
      /^GITHUB_TOKEN and GITHUB_APP_ID are both set, and greenlight authenticates one way: unset GITHUB_TOKEN/,
    ],
    [
      'an App without its key',
      { GITHUB_APP_ID: '424242' },
      /^GITHUB_APP_PRIVATE_KEY is missing: the private key \(\.pem\)/,
    ],
    [
      'a key without its App',
      { GITHUB_APP_PRIVATE_KEY: privateKey },
      /^GITHUB_APP_ID is missing: the App ID/,
    ],
    [
      'a key file that is not there',
      { GITHUB_APP_ID: '424242', GITHUB_APP_PRIVATE_KEY: 'keys/missing.pem' },
      /^GITHUB_APP_PRIVATE_KEY is neither a PEM private key .* nor the path of a readable file \(no such file\)/,
    ],
    [
      'a key cut after its first line',
      { GITHUB_APP_ID: '424242', GITHUB_APP_PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----' },
      /^GITHUB_APP_PRIVATE_KEY is not an RSA private key in PEM/,
    ],
    [
      'an App ID that is a name',
      { GITHUB_APP_ID: 'my-app', GITHUB_APP_PRIVATE_KEY: privateKey },
      /^GITHUB_APP_ID is malformed/,
    ],
  ])('refuses to start with %s, saying what to set', (_label, github, problem) => {
    const result = loadConfig({ ...slack, ...github }, dirWith(minimal));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatch(problem);
    expect(result.problems.join('\n')).not.toContain('PRIVATE KEY-----\n');
  });
});
