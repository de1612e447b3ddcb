import { afterEach, describe, expect, it } from 'vitest';
import { type GitHubSim, greenlightWorkflow, startGitHubSim } from '../../../../playground/sim/github.js';
import { createGitHubClientWithInstallations } from '../../../../src/adapters/github/client.js';
import { githubStatus } from '../../../../src/adapters/github/github-errors.js';
import { movableClock, APP_REPOS as REPOS, simApp, testAppKeys } from '../../../helpers/github-app.js';

const HOUR = 3_600_000;

let sim: GitHubSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function world(options: { rateLimit?: number; basePath?: string } = {}) {
  const clock = movableClock();
  sim = await startGitHubSim({
    repos: REPOS,
    tokens: {},
    app: simApp([
      { id: 7001, repos: ['acme/api', 'acme/web'] },
      { id: 7002, repos: ['globex/tools'] },
    ]),
    now: clock.now,
    ...options,
  });
  const { appId, privateKey } = testAppKeys();
  const client = createGitHubClientWithInstallations({
    app: { appId, privateKey, now: clock.now },
    baseUrl: sim.apiUrl,
    retryAfterBaseValue: 0,
    spaceWrites: false,
    maxRateLimitWaitSeconds: 5,
  });
  const workflow = (owner: string, repo: string) =>
    client.octokit.rest.actions.getWorkflow({ owner, repo, workflow_id: 'deploy.yml' });
  return { sim, clock, client, workflow };
}

describe('GitHub App authentication', () => {
  it('sends each request with the token of its repository’s installation, looking each up once, on an Enterprise Server path', async () => {
    const { sim, client, workflow } = await world();
    expect(sim.apiUrl).toMatch(/\/api\/v3$/);
    await workflow('acme', 'api');
    await workflow('acme', 'web');
    await workflow('globex', 'tools');
    await workflow('acme', 'api');

    expect(sim.requestsTo('actions/get-workflow').map((request) => request.status)).toEqual([
      200, 200, 200, 200,
    ]);
    expect(sim.requestsTo('apps/get-repo-installation').map((request) => request.repo)).toEqual([
      'acme/api',
      'acme/web',
      'globex/tools',
    ]);
    expect(sim.requestsTo('apps/get-repo-installation').every((request) => request.auth === 'bearer')).toBe(
      true,
    );
    // One token per installation: acme's two repositories share installation 7001's.
    expect(sim.installationTokens.map((token) => token.installationId)).toEqual([7001, 7002]);
    expect(client.installations?.cachedInstallation('acme', 'web')).toBe(7001);
    expect(client.installations?.cachedInstallation('globex', 'tools')).toBe(7002);
  });

  it('replaces a token before it expires, so no request fails when the hour is over', async () => {
    const { sim, clock, workflow } = await world();
    await workflow('acme', 'api');
    clock.advance(56 * 60_000);
    await workflow('acme', 'api');
    clock.advance(50 * 60_000);
    await workflow('acme', 'web');
    clock.advance(2 * HOUR);
    await workflow('acme', 'api');

    expect(sim.requests.filter((request) => request.status >= 400)).toEqual([]);
    const tokens = sim.installationTokens.map((token) => token.token);
    expect(tokens).toHaveLength(3);
    expect(new Set(tokens).size).toBe(3);
    // The simulator refuses an expired token as GitHub does, so the test above could fail.
    const stale = await fetch(`${sim.apiUrl}/repos/acme/api/actions/workflows/deploy.yml`, {
      headers: { authorization: `token ${tokens[0]}` },
    });
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ message: 'Bad credentials' });
  });

  it('tells which repository the App is not installed on, and what to do', async () => {
    const { sim, workflow } = await world();
    sim.addRepo({ fullName: 'acme/secret', workflows: [greenlightWorkflow('deploy.yml')] });
    const error = await workflow('acme', 'secret').catch((failure: unknown) => failure);
    expect(githubStatus(error)).toBe(404);
    expect(String(error)).toContain('the GitHub App (GITHUB_APP_ID) is not installed on acme/secret');
    expect(sim.requestsTo('actions/get-workflow')).toEqual([]);
  });

  it('counts rate limits per installation: one installation out of requests does not hold up another', async () => {
    const { sim, workflow } = await world({ rateLimit: 3 });
    for (let i = 0; i < 3; i += 1) await workflow('acme', 'api');
    const limited = await workflow('acme', 'web').catch((failure: unknown) => failure);
    expect(githubStatus(limited)).toBe(403);
    await expect(workflow('globex', 'tools')).resolves.toMatchObject({ status: 200 });
    expect(
      sim.requestsTo('actions/get-workflow', { repo: 'acme/web' }).map((request) => request.status),
    ).toEqual([403]);
  });

  it('refuses a JWT signed with another key, or dated out of its ten minutes, as GitHub does', async () => {
    const { sim, clock } = await world();
    const { appId } = testAppKeys();
    const { generateKeyPairSync } = await import('node:crypto');
    const other = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const forged = createGitHubClientWithInstallations({
      app: { appId, privateKey: other.privateKey, now: clock.now },
      baseUrl: sim.apiUrl,
      retryAfterBaseValue: 0,
    });
    const refused = await forged.octokit.rest.actions
      .getWorkflow({ owner: 'acme', repo: 'api', workflow_id: 'deploy.yml' })
      .catch((failure: unknown) => failure);
    expect(githubStatus(refused)).toBe(401);
    expect(String(refused)).toContain('A JSON web token could not be decoded');

    const late = createGitHubClientWithInstallations({
      app: { appId, privateKey: testAppKeys().privateKey, now: () => clock.now() - 20 * 60_000 },
      baseUrl: sim.apiUrl,
      retryAfterBaseValue: 0,
    });
    // auth-app reads GitHub's Date header and signs again; the simulator's clock is ours, so it stays refused.
    const expired = await late.octokit.rest.actions
      .getWorkflow({ owner: 'acme', repo: 'api', workflow_id: 'deploy.yml' })
      .catch((failure: unknown) => failure);
    expect(githubStatus(expired)).toBe(401);
    expect(String(expired)).toContain("'Expiration time' claim ('exp')");
  });
});
