import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { greenlightWorkflow, refSha } from '../../playground/sim/github.js';
import { ROLLBACK_CONFIRM_MODAL, ROLLBACK_REASON_BLOCK, ROLLBACK_REASON_INPUT } from '../../views/ids.js';
import { FAST_GITHUB, useE2E } from '../helpers/e2e.js';
import { FAKE_APP_QUERIES, type FakeApp, startFakeApp } from '../helpers/fake-app.js';
import { appEnv, simApp } from '../helpers/github-app.js';
import {
  simulatedEnv,
  spawnGreenlight,
  startedPort,
  writeConfigFile,
} from '../helpers/greenlight-process.js';

const DEPLOYER = 'U0ALICE';
const TAGS = { 'v1.0.0': 'v1.0.0', 'v1.1.0': 'v1.1.0' };

/** api and web live in repositories of their own; the pipeline's own phases run in acme/platform. */
const CONFIG = {
  github: { owner: 'acme', repo: 'platform', workflow: 'production-deployment.yml', ref: 'main' },
  environments: {
    staging: { approvals: 0, deployers: [DEPLOYER] },
    production: { approvals: 1, approvers: ['U0CAROL'] },
  },
  services: {
    api: { repo: 'acme/api', workflow: 'deploy.yml' },
    web: { repo: 'acme/web', workflow: 'deploy.yml' },
  },
  pipeline: [
    { id: 'validation', title: 'Pre-deployment validation', inputs: { deployment_phase: 'validation' } },
    { id: 'backend', title: 'Backend deploy', services: ['api'], inputs: { deployment_phase: 'backend' } },
    { id: 'frontend', title: 'Frontend deploy', services: ['web'], inputs: { deployment_phase: 'frontend' } },
    { id: 'smoke', title: 'Smoke tests', services: ['api', 'web'], inputs: { deployment_phase: 'smoke' } },
  ],
  rollback: { inputs: { deployment_phase: 'rollback' } },
  deploy: { pollInterval: '1s' },
};

/** The platform repository and two service repositories; the web team's is installed apart. */
const threeRepositories = () => ({
  tokens: {},
  repos: [
    { fullName: 'acme/platform', tags: TAGS, workflows: [greenlightWorkflow('production-deployment.yml')] },
    { fullName: 'acme/api', tags: TAGS, workflows: [greenlightWorkflow('deploy.yml')] },
    { fullName: 'acme/web', tags: TAGS, workflows: [greenlightWorkflow('deploy.yml')] },
  ],
  app: simApp([
    { id: 7001, repos: ['acme/platform', 'acme/api'] },
    { id: 7002, repos: ['acme/web'] },
  ]),
  lifecycle: { mode: 'auto' as const, runMs: 0 },
});

describe('services in several repositories, as a GitHub App', () => {
  const e2e = useE2E('repositories', { github: threeRepositories });

  const start = () => e2e.startBot(CONFIG, { env: appEnv(), runtime: FAST_GITHUB });
  const dispatched = () =>
    e2e.github
      .requestsTo('actions/create-workflow-dispatch')
      .map(
        (request) =>
          `${request.repo} ${(request.body as { inputs: Record<string, string> }).inputs.deployment_phase}`,
      );

  async function deploy(ref: string): Promise<string> {
    const known = (await e2e.records.deploymentIds('staging')).length;
    await e2e.slack.command('/deploy', `staging ${ref} --services api,web`, { user: DEPLOYER });
    const id = await e2e.records.nextDeployment('staging', known);
    await e2e.records.waitForStatus(id, 'succeeded', { finalized: true, timeout: 15_000 });
    return id;
  }

  it('is one deployment with one timeline, one dispatch per phase per repository and one GitHub Deployment per repository', async () => {
    await start();
    const id = await deploy('v1.0.0');

    expect(dispatched()).toEqual([
      'acme/platform validation',
      'acme/api backend',
      'acme/web frontend',
      'acme/api smoke',
      'acme/web smoke',
    ]);
    expect(e2e.github.requests.filter((request) => request.status >= 400)).toEqual([]);
    const { state } = await e2e.records.deployment(id);
    // Every run tracked to its end, each in its own repository.
    expect(state.phases.map((phase) => [phase.id, phase.runs.map((run) => run.conclusion)])).toEqual([
      ['validation', ['success']],
      ['backend', ['success']],
      ['frontend', ['success']],
      ['smoke.api', ['success']],
      ['smoke.web', ['success']],
    ]);
    for (const repo of ['acme/platform', 'acme/api', 'acme/web']) {
      const deployments = e2e.github.deployments(repo);
      expect(deployments, repo).toHaveLength(1);
      expect(deployments[0]?.payload).toEqual({ greenlight_id: id });
      expect(e2e.github.statuses(repo).map((status) => status.state)).toEqual(['in_progress', 'success']);
    }
    // Only acme/platform's commit was judged; GitHub checks it again there alone.
    expect(e2e.github.deployments('acme/platform')[0]?.requiredContexts).toEqual([]);
    expect(e2e.github.requestsTo('repos/get-combined-status-for-ref').map((request) => request.repo)).toEqual(
      ['acme/platform'],
    );
    // One timeline in the status channel, and each installation had its own token.
    expect(e2e.slack.messages('#deployment-status')).toHaveLength(1);
    expect([...new Set(e2e.github.installationTokens.map((token) => token.installationId))].sort()).toEqual([
      7001, 7002,
    ]);
    const dispatchesOf = (repo: string) =>
      e2e.github.requestsTo('actions/create-workflow-dispatch', { repo }).map((request) => request.path);
    expect(dispatchesOf('acme/web')).toEqual([
      '/repos/acme/web/actions/workflows/deploy.yml/dispatches',
      '/repos/acme/web/actions/workflows/deploy.yml/dispatches',
    ]);
  }, 40_000);

  it('/rollback web dispatches in web’s repository, with web’s workflow', async () => {
    await start();
    await deploy('v1.0.0');
    await deploy('v1.1.0');
    const before = e2e.github.requestsTo('actions/create-workflow-dispatch').length;

    await e2e.slack.command('/rollback', 'web staging the new checkout breaks', { user: DEPLOYER });
    await vi.waitFor(() => expect(e2e.slack.modal(DEPLOYER)?.view.callback_id).toBe(ROLLBACK_CONFIRM_MODAL));
    await e2e.slack.submit({
      user: DEPLOYER,
      callbackId: ROLLBACK_CONFIRM_MODAL,
      values: { [ROLLBACK_REASON_BLOCK]: { [ROLLBACK_REASON_INPUT]: 'the new checkout breaks' } },
    });

    const rollback = await e2e.github.waitFor(
      () => e2e.github.requestsTo('actions/create-workflow-dispatch').slice(before)[0],
      8_000,
      'the rollback dispatch',
    );
    expect(rollback.path).toBe('/repos/acme/web/actions/workflows/deploy.yml/dispatches');
    expect(rollback.body).toMatchObject({
      ref: 'main',
      inputs: {
        deployment_phase: 'rollback',
        service: 'web',
        rollback_version: 'v1.0.0',
        environment: 'staging',
      },
    });
    const id = (await e2e.records.deploymentIds('staging')).at(-1) ?? '';
    await e2e.records.waitForStatus(id, 'succeeded', { finalized: true, timeout: 10_000 });
    expect(e2e.github.requestsTo('actions/create-workflow-dispatch').slice(before)).toHaveLength(1);
    // Its GitHub Deployment is web's, and nothing else went out in the other repositories.
    expect(e2e.github.deployments('acme/web')).toHaveLength(3);
    expect(e2e.github.deployments('acme/platform')).toHaveLength(2);
  }, 60_000);
  it('a commit of acme/platform: the other repositories run their workflows and record their Deployment at github.ref', async () => {
    await start();
    const sha = refSha('acme/platform', 'main');
    await deploy(sha);
    expect(e2e.github.deployments('acme/platform')[0]?.ref).toBe(sha);
    for (const repo of ['acme/api', 'acme/web']) {
      expect(e2e.github.deployments(repo).map((deployment) => deployment.ref)).toEqual(['main']);
      expect(e2e.github.statuses(repo).map((status) => status.state)).toEqual(['in_progress', 'success']);
    }
    expect(e2e.github.requests.filter((request) => request.status >= 400)).toEqual([]);
  }, 40_000);
  it('/deploy cancel cancels the run in the repository it runs in, and marks every GitHub Deployment inactive', async () => {
    await start();
    e2e.github.setLifecycle({ mode: 'manual' });
    await e2e.slack.command('/deploy', 'staging v1.0.0 --services api,web', { user: DEPLOYER });
    const id = await e2e.records.nextDeployment('staging', 0);
    const runIn = (repo: string) =>
      vi.waitFor(
        () => {
          const run = e2e.github.runs(repo).find((candidate) => candidate.status !== 'completed');
          if (!run) throw new Error(`no run in ${repo} yet`);
          return run;
        },
        { timeout: 8_000 },
      );
    e2e.github.finish((await runIn('acme/platform')).id);
    e2e.github.finish((await runIn('acme/api')).id);
    const web = await runIn('acme/web');
    await vi.waitFor(async () =>
      expect(
        (await e2e.records.state(id)).phases.find((phase) => phase.id === 'frontend')?.runs,
      ).toHaveLength(1),
    );

    await e2e.slack.command('/deploy', 'cancel staging-1', { user: DEPLOYER });
    await e2e.records.waitForStatus(id, 'cancelled', { finalized: true, timeout: 10_000 });
    expect(e2e.github.requestsTo('actions/cancel-workflow-run').map((request) => request.path)).toEqual([
      `/repos/acme/web/actions/runs/${web.id}/cancel`,
    ]);
    for (const repo of ['acme/platform', 'acme/api', 'acme/web'])
      expect(
        e2e.github.statuses(repo).map((status) => status.state),
        repo,
      ).toEqual(['in_progress', 'inactive']);
  }, 40_000);
});

/** api and web in repositories of their own, then a monitoring window the analysis watches. */
function rolloutConfig(app: FakeApp): Record<string, unknown> {
  return {
    ...CONFIG,
    pipeline: [
      { id: 'backend', title: 'Backend deploy', services: ['api'], inputs: { deployment_phase: 'backend' } },
      {
        id: 'frontend',
        title: 'Frontend deploy',
        services: ['web'],
        inputs: { deployment_phase: 'frontend' },
      },
      { id: 'monitoring', title: 'Post-deploy monitoring', monitor: '60s' },
    ],
    analysis: {
      source: 'prometheus',
      prometheusUrl: app.prometheusUrl,
      prometheus: FAKE_APP_QUERIES,
      interval: '150ms',
    },
  };
}

describe('a rollout across repositories rolls itself back in each', () => {
  const e2e = useE2E('repositories-rollback', { github: threeRepositories });
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  let app: FakeApp;

  beforeEach(async () => {
    app = await startFakeApp();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await app.close();
  });

  const rollbackDispatches = () =>
    e2e.github
      .requestsTo('actions/create-workflow-dispatch')
      .filter(
        (request) =>
          (request.body as { inputs: Record<string, string> }).inputs.deployment_phase === 'rollback',
      );
  const rollbackRuns = () => e2e.github.runs().filter((run) => run.inputs.deployment_phase === 'rollback');

  /** Deploys, and once the monitoring window holds, breaches the error rate with runs held from then on. */
  async function deployAndBreach(): Promise<string> {
    await e2e.slack.command('/deploy', 'staging v1.0.0 --services api,web', { user: DEPLOYER });
    const id = await e2e.records.nextDeployment('staging', 0);
    await vi.waitFor(
      async () =>
        expect((await e2e.records.state(id)).phases.find((phase) => phase.id === 'monitoring')?.status).toBe(
          'holding',
        ),
      { timeout: 15_000, interval: 50 },
    );
    e2e.github.setLifecycle({ mode: 'manual' });
    app.metrics.errorRate = 0.2;
    return id;
  }

  it('dispatches one rollback per repository, each with its workflow, and is rolled back once both runs ended', async () => {
    await e2e.startBot(rolloutConfig(app), { env: appEnv(), runtime: FAST_GITHUB });
    const id = await deployAndBreach();

    await vi.waitFor(() => expect(rollbackRuns()).toHaveLength(2), { timeout: 10_000, interval: 50 });
    expect(
      rollbackDispatches().map((request) => [
        request.path,
        (request.body as { inputs: Record<string, string> }).inputs.greenlight_id,
      ]),
    ).toEqual([
      ['/repos/acme/api/actions/workflows/deploy.yml/dispatches', `${id}-rollback-acme.api`],
      ['/repos/acme/web/actions/workflows/deploy.yml/dispatches', `${id}-rollback-acme.web`],
    ]);
    // Nothing rolls back in acme/platform: nothing of this rollout ran there.
    expect(e2e.github.runs('acme/platform')).toEqual([]);

    // One repository's rollback ending is not the end of the rollback.
    const [api, web] = rollbackRuns();
    e2e.github.finish(api?.id ?? 0);
    await vi.waitFor(
      async () => expect((await e2e.records.state(id)).rollback?.runs?.[0]?.conclusion).toBe('success'),
      { timeout: 10_000, interval: 50 },
    );
    expect((await e2e.records.state(id)).status).toBe('rolling_back');
    e2e.github.finish(web?.id ?? 0);
    await e2e.records.waitForStatus(id, 'rolled_back', { finalized: true, timeout: 10_000 });

    expect(rollbackDispatches()).toHaveLength(2);
    const { state } = await e2e.records.deployment(id);
    expect(
      state.rollback?.runs?.map((run) => [
        `${run.repository?.owner}/${run.repository?.repo}`,
        run.conclusion,
      ]),
    ).toEqual([
      ['acme/api', 'success'],
      ['acme/web', 'success'],
    ]);
    // The timeline and the incident say where it rolled back.
    const said = JSON.stringify(e2e.slack.calls.map((call) => call.args));
    await vi.waitFor(() =>
      expect(
        e2e.slack.callsOf('chat.postMessage').filter((call) => call.args.channel === '#incidents'),
      ).toHaveLength(1),
    );
    expect(said).toContain('rolled back in `acme/api`, `acme/web`');
    const incident = JSON.stringify(
      e2e.slack.callsOf('chat.postMessage').find((call) => call.args.channel === '#incidents')?.args,
    );
    expect(incident).toContain('acme/api');
    expect(incident).toContain('acme/web');
    // Every repository's GitHub Deployment ends failed, as the rollout did not stand.
    for (const repo of ['acme/api', 'acme/web'])
      expect(
        e2e.github
          .statuses(repo)
          .map((status) => status.state)
          .at(-1),
        repo,
      ).toBe('failure');
  }, 60_000);

  it('a process killed while the rollbacks go out: the next sends the rest, none twice', async () => {
    const path = writeConfigFile({
      ...rolloutConfig(app),
      slack: { statusChannel: '#deployment-status', incidentChannel: '#incidents' },
      redis: { keyPrefix: `${e2e.prefix}greenlight:` },
      flags: { prefix: `${e2e.prefix}feature:`, channel: `${e2e.prefix}greenlight:flags` },
    });
    cleanups.push(() => rmSync(dirname(path), { recursive: true, force: true }));
    const { GITHUB_TOKEN: _none, ...env } = simulatedEnv(e2e.slack, e2e.github, path, appEnv());
    const first = spawnGreenlight(env);
    cleanups.push(() => first.kill());
    e2e.slack.connectBot(`http://127.0.0.1:${await startedPort(first)}/slack/events`);
    const id = await deployAndBreach();
    // GitHub takes the rollbacks but answers late: the process dies before it hears which runs it started.
    e2e.github.delayDispatches(3_000);
    await vi.waitFor(() => expect(rollbackDispatches().length).toBeGreaterThan(0), {
      timeout: 10_000,
      interval: 20,
    });
    await first.kill();
    e2e.github.delayDispatches(0);

    const second = spawnGreenlight(env);
    cleanups.push(() => second.kill());
    e2e.slack.connectBot(`http://127.0.0.1:${await startedPort(second)}/slack/events`);
    await vi.waitFor(
      async () => {
        const runs = (await e2e.records.state(id)).rollback?.runs ?? [];
        expect(runs.map((run) => run.runId)).toEqual([expect.any(Number), expect.any(Number)]);
      },
      // A dispatch marked but not seen by GitHub when the process died is sent again only after the run look-ups'
      // window (30 s): it may still be on its way.
      { timeout: 45_000, interval: 100 },
    );
    for (const run of rollbackRuns()) e2e.github.finish(run.id);
    await e2e.records.waitForStatus(id, 'rolled_back', { finalized: true, timeout: 15_000 });
    // Each repository's rollback went out once, across both processes.
    expect(rollbackRuns().map((run) => `${run.repo} ${run.inputs.greenlight_id}`)).toEqual([
      `acme/api ${id}-rollback-acme.api`,
      `acme/web ${id}-rollback-acme.web`,
    ]);
    expect(rollbackDispatches()).toHaveLength(2);
  }, 120_000);
});
