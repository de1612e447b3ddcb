import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  APP_PERMISSIONS,
  type GitHubSim,
  GREENLIGHT_INPUTS,
  greenlightWorkflow,
} from '../../playground/sim/github.js';
import { CANARY_PIPELINE } from '../helpers/config.js';
import { simApp, testAppKeys } from '../helpers/github-app.js';
import {
  type GreenlightProcess,
  simulatedEnv,
  spawnGreenlight,
  startedPort,
  writeConfigFile,
} from '../helpers/greenlight-process.js';
import { uniquePrefix } from '../helpers/redis.js';
import { startTestGitHub, startTestSlack } from '../helpers/simulators.js';

/** The workflow skeleton the README used to show: without `service` and `rollback_version`, every /rollback failed. */
function oldSkeleton() {
  const { service: _service, rollback_version: _rollbackVersion, ...inputs } = GREENLIGHT_INPUTS;
  return { ...greenlightWorkflow('production-deployment.yml'), inputs };
}

const MISSING_SERVICE =
  '✗ workflow `production-deployment.yml` does not declare input `service`, which /rollback sends: add `service: { required: false, type: string }` under `on.workflow_dispatch.inputs`';
const MISSING_ROLLBACK_VERSION =
  'workflow `production-deployment.yml` does not declare input `rollback_version`, which an automatic rollback and /rollback send';

describe('a misdeclared workflow is caught before anything is dispatched', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const runs: GreenlightProcess[] = [];
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail')
      for (const run of runs) process.stderr.write(`--- process ---\n${run.output()}\n`);
    runs.splice(0);
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(
    workflow = greenlightWorkflow('production-deployment.yml'),
  ): Promise<{ github: GitHubSim; env: Record<string, string> }> {
    const github = await startTestGitHub({ repos: [{ fullName: 'acme/platform', workflows: [workflow] }] });
    const slack = await startTestSlack();
    const prefix = uniquePrefix('preflight');
    const configPath = writeConfigFile({
      slack: { statusChannel: '#deployment-status' },
      github: { owner: 'acme', repo: 'platform', workflow: 'production-deployment.yml', ref: 'main' },
      redis: { keyPrefix: `${prefix}greenlight:` },
      environments: { production: { approvals: 1, approvers: ['U0CAROL'] } },
      services: { api: {} },
      pipeline: CANARY_PIPELINE,
      rollback: { inputs: { deployment_phase: 'rollback' } },
      flags: { prefix: `${prefix}feature:`, channel: `${prefix}flags` },
    });
    cleanups.push(github.close, slack.close, () =>
      rmSync(dirname(configPath), { recursive: true, force: true }),
    );
    return { github, env: simulatedEnv(slack, github, configPath) };
  }

  function run(env: Record<string, string>, entry?: string): GreenlightProcess {
    const started = spawnGreenlight(env, entry);
    runs.push(started);
    cleanups.push(() => started.kill());
    return started;
  }

  it('npm run check: one ✗ per missing input and exit 1; with every input declared, all ✓ and exit 0', async () => {
    const wrong = await setUp(oldSkeleton());
    const check = run(wrong.env, 'src/check.ts');
    expect(await check.exit).toBe(1);
    expect(check.output()).toContain(MISSING_SERVICE);
    expect(check.output()).toContain(MISSING_ROLLBACK_VERSION);
    expect(check.output()).toMatch(/2 problems: fix them and run npm run check again\./);
    expect(wrong.github.requests.filter((request) => request.method !== 'GET')).toEqual([]);

    const right = await setUp();
    const again = run(right.env, 'src/check.ts');
    expect(await again.exit).toBe(0);
    expect(again.output()).not.toContain('✗');
    expect(again.output()).toMatch(/All \d+ checks passed\./);
  });

  it('at start: a warning in the log within seconds, the start not held up, and no dispatch', async () => {
    const { github, env } = await setUp(oldSkeleton());
    const greenlight = run(env);
    const port = await startedPort(greenlight);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    // Both lines, not just the first: the log arrives through a pipe, a chunk at a time.
    const warnings = () =>
      greenlight
        .output()
        .split('\n')
        .filter((line) => line.includes('"event":"preflight.failed"'));
    await vi.waitFor(() => expect(warnings()).toHaveLength(2), { timeout: 10_000 });
    expect(warnings().join('\n')).toContain(MISSING_SERVICE.replace('✗ ', 'preflight: '));
    expect(warnings().join('\n')).toContain(MISSING_ROLLBACK_VERSION);
    expect(warnings().every((line) => line.includes('"level":40'))).toBe(true);
    expect(github.requestsTo('actions/create-workflow-dispatch')).toEqual([]);
    greenlight.child.kill('SIGTERM');
    expect(await greenlight.exit).toBe(0);
  });
  it('npm run check as a GitHub App: the App installed on each repository greenlight dispatches to, or which it is not', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const github = await startTestGitHub({
      tokens: {},
      repos: [
        { fullName: 'acme/platform', workflows: [greenlightWorkflow('production-deployment.yml')] },
        { fullName: 'acme/api', workflows: [greenlightWorkflow('deploy.yml')] },
        { fullName: 'acme/web', workflows: [greenlightWorkflow('deploy.yml')] },
        { fullName: 'acme/docs', workflows: [greenlightWorkflow('deploy.yml')] },
      ],
      app: simApp([
        { id: 7001, repos: ['acme/platform', 'acme/api'] },
        // Installed before the App asked for Actions: read and write, and never updated.
        { id: 7003, repos: ['acme/docs'], permissions: { ...APP_PERMISSIONS, actions: 'read' } },
      ]),
    });
    const slack = await startTestSlack();
    const prefix = uniquePrefix('preflight-app');
    const configPath = writeConfigFile({
      slack: { statusChannel: '#deployment-status' },
      github: { owner: 'acme', repo: 'platform', workflow: 'production-deployment.yml', ref: 'main' },
      redis: { keyPrefix: `${prefix}greenlight:` },
      environments: { production: { approvals: 1, approvers: ['U0CAROL'] } },
      services: {
        api: { repo: 'acme/api', workflow: 'deploy.yml' },
        web: { repo: 'acme/web', workflow: 'deploy.yml' },
        docs: { repo: 'acme/docs', workflow: 'deploy.yml' },
      },
      pipeline: [
        { id: 'validation', title: 'Validation', inputs: { deployment_phase: 'validation' } },
        {
          id: 'deploy',
          title: 'Deploy',
          services: ['api', 'web', 'docs'],
          inputs: { deployment_phase: 'deploy' },
        },
      ],
      rollback: { inputs: { deployment_phase: 'rollback' } },
      flags: { prefix: `${prefix}feature:`, channel: `${prefix}flags` },
    });
    // The App's key as a file, as an operator mounts it.
    const keyPath = join(mkdtempSync(join(tmpdir(), 'greenlight-key-')), 'app.pem');
    writeFileSync(keyPath, testAppKeys().privateKey);
    cleanups.push(github.close, slack.close, () =>
      rmSync(dirname(configPath), { recursive: true, force: true }),
    );
    const { GITHUB_TOKEN: _token, ...env } = simulatedEnv(slack, github, configPath, {
      GITHUB_APP_ID: testAppKeys().appId,
      GITHUB_APP_PRIVATE_KEY: keyPath,
    });

    const check = run(env, 'src/check.ts');
    expect(await check.exit).toBe(1);
    const output = check.output();
    expect(output).toContain('✓ authenticates to acme/platform as the GitHub App (installation 7001)');
    expect(output).toContain('✓ authenticates to acme/api as the GitHub App (installation 7001)');
    expect(output).toContain(
      '✓ workflow `deploy.yml` accepts every input greenlight sends it (phase `deploy.api`, /rollback)',
    );
    expect(output).toContain('✗ the GitHub App is not installed on acme/web: install it there');
    expect(output).toContain(
      "✗ the GitHub App's installation on acme/docs (7003) lacks Actions: Read and write: add it under the App's Permissions & events",
    );
    expect(output).toMatch(/2 problems: fix them and run npm run check again\./);
    expect(
      github.requests.filter(
        (request) => request.method !== 'GET' && request.route !== 'apps/create-installation-access-token',
      ),
    ).toEqual([]);
  });
  it('npm run check with a token: a service repository that does not exist is named with the key that names it', async () => {
    const github = await startTestGitHub({
      repos: [
        { fullName: 'acme/platform', workflows: [greenlightWorkflow('production-deployment.yml')] },
        { fullName: 'acme/api', workflows: [greenlightWorkflow('deploy.yml')] },
      ],
    });
    const slack = await startTestSlack();
    const prefix = uniquePrefix('preflight-repos');
    const configPath = writeConfigFile({
      slack: { statusChannel: '#deployment-status' },
      github: { owner: 'acme', repo: 'platform', workflow: 'production-deployment.yml', ref: 'main' },
      redis: { keyPrefix: `${prefix}greenlight:` },
      environments: { production: { approvals: 1, approvers: ['U0CAROL'] } },
      services: { api: { repo: 'acme/api', workflow: 'deploy.yml' }, search: { repo: 'acme/serch' } },
      pipeline: [
        {
          id: 'deploy',
          title: 'Deploy',
          services: ['api', 'search'],
          inputs: { deployment_phase: 'deploy' },
        },
      ],
      rollback: { inputs: { deployment_phase: 'rollback' } },
      flags: { prefix: `${prefix}feature:`, channel: `${prefix}flags` },
    });
    cleanups.push(github.close, slack.close, () =>
      rmSync(dirname(configPath), { recursive: true, force: true }),
    );

    const check = run(simulatedEnv(slack, github, configPath), 'src/check.ts');
    expect(await check.exit).toBe(1);
    const output = check.output();
    expect(output).toContain('✓ authenticates to acme/api with GITHUB_TOKEN');
    expect(output).toContain(
      '✓ workflow `deploy.yml` accepts every input greenlight sends it (phase `deploy.api`, /rollback)',
    );
    expect(output).toContain(
      '✗ GitHub has no repository acme/serch that GITHUB_TOKEN can see: check services.search.repo, and give the token access to that repository',
    );
    expect(output).toMatch(/1 problem: fix it and run npm run check again\./);
  });
});
