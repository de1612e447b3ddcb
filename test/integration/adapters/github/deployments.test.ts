import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { githubDeployments, MAX_STATUS_DESCRIPTION } from '../../../../src/adapters/github/deployments.js';
import {
  deploymentJson,
  deploymentStatusJson,
  GHE_API,
  GITHUB_API,
  githubApi,
  githubErrorJson,
  OWNER,
  REPO,
  testGitHubClient,
} from '../../../helpers/github.js';

const DEPLOYMENTS = `/repos/${OWNER}/${REPO}/deployments`;
const DEPLOYMENT_ID = 1_805_310_943;
const STATUSES = `${DEPLOYMENTS}/${DEPLOYMENT_ID}/statuses`;
const RUN_URL = `https://github.com/${OWNER}/${REPO}/actions/runs/30433642`;

const request = {
  owner: OWNER,
  repo: REPO,
  ref: 'main',
  environment: 'production',
  description: 'Deploy main to production (gl-7f3a9c2e)',
  payload: { greenlight_id: 'gl-7f3a9c2e', phases: ['validation', 'backend_deployment'] },
  requiredContexts: ['ci/test', 'lint'],
};

function deployments(baseUrl = GITHUB_API) {
  return githubDeployments(testGitHubClient({ baseUrl }));
}

function capture(bodies: unknown[]) {
  return (body: unknown) => {
    bodies.push(body);
    return true;
  };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('createDeployment', () => {
  it('creates the deployment without auto-merge, GitHub to check the checks greenlight found green (201)', async () => {
    const bodies: unknown[] = [];
    const api = githubApi(GITHUB_API)
      .post(DEPLOYMENTS, capture(bodies))
      .reply(201, deploymentJson({ id: DEPLOYMENT_ID, payload: request.payload }), {
        location: `${GITHUB_API}${DEPLOYMENTS}/${DEPLOYMENT_ID}`,
      });

    const result = await deployments().createDeployment(request);

    // The commit GitHub resolved the ref to comes back too: the timeline and lead time use it.
    expect(result).toEqual({
      ok: true,
      deploymentId: DEPLOYMENT_ID,
      sha: 'acb5820ced9479c074f688cc328bf03f341a511d',
    });
    expect(bodies).toEqual([
      {
        ref: 'main',
        environment: 'production',
        description: 'Deploy main to production (gl-7f3a9c2e)',
        payload: request.payload,
        auto_merge: false,
        required_contexts: ['ci/test', 'lint'],
      },
    ]);
    api.done();
  });

  it('works under an Enterprise Server base URL with a path', async () => {
    const api = githubApi(GHE_API)
      .post(DEPLOYMENTS)
      .reply(201, deploymentJson({ id: 77 }));

    expect(await deployments(GHE_API).createDeployment(request)).toMatchObject({
      ok: true,
      deploymentId: 77,
    });
    api.done();
  });

  it('returns merge_conflict for a 409, asked once', async () => {
    const api = githubApi(GITHUB_API)
      .post(DEPLOYMENTS)
      .reply(
        409,
        githubErrorJson(
          409,
          'Conflict merging main into feature-x.',
          'deployments/deployments#create-a-deployment',
        ),
      );

    const result = await deployments().createDeployment({ ...request, ref: 'feature-x' });

    expect(result).toMatchObject({ ok: false, reason: 'merge_conflict' });
    expect(result.ok ? '' : result.message).toContain('Conflict merging main into feature-x.');
    api.done();
  });

  it('returns checks_failed for a 409 about required contexts, naming the checks that are not green', async () => {
    const api = githubApi(GITHUB_API)
      .post(DEPLOYMENTS)
      .reply(409, {
        message: 'Conflict: Commit status checks failed for main.',
        errors: [
          {
            contexts: [
              { context: 'ci/test', state: 'failure' },
              { context: 'lint', state: 'success' },
              { context: 'build (1)', state: 'pending' },
            ],
            resource: 'Deployment',
            field: 'required_contexts',
            code: 'invalid',
          },
        ],
        documentation_url: 'https://docs.github.com/rest/deployments/deployments#create-a-deployment',
        status: '409',
      });

    const result = await deployments().createDeployment(request);

    expect(result).toEqual({
      ok: false,
      reason: 'checks_failed',
      message:
        'GitHub refused to record the deployment of `main`: required checks are not green on it (ci/test (failure), build (1) (pending)); deploy a green commit, or an approver can add `--override <reason>`',
    });
    api.done();
  });

  it('returns auto_merged for a 202 "Auto-merged" answer: no deployment was created', async () => {
    const api = githubApi(GITHUB_API)
      .post(DEPLOYMENTS)
      .reply(202, { message: 'Auto-merged main into feature-x on deployment.' });

    const result = await deployments().createDeployment({ ...request, ref: 'feature-x' });

    expect(result).toMatchObject({ ok: false, reason: 'auto_merged' });
    expect(result.ok ? '' : result.message).toContain('Auto-merged main into feature-x on deployment.');
    api.done();
  });

  it('returns ref_not_found for a 422 about the ref', async () => {
    const api = githubApi(GITHUB_API)
      .post(DEPLOYMENTS)
      .reply(
        422,
        githubErrorJson(422, 'No ref found for: nope', 'deployments/deployments#create-a-deployment'),
      );

    const result = await deployments().createDeployment({ ...request, ref: 'nope' });

    expect(result).toMatchObject({ ok: false, reason: 'ref_not_found' });
    api.done();
  });
});

describe('setDeploymentStatus', () => {
  const ref = { owner: OWNER, repo: REPO, deploymentId: DEPLOYMENT_ID };

  it('posts state, log_url, environment_url and description', async () => {
    const bodies: unknown[] = [];
    const api = githubApi(GITHUB_API)
      .post(STATUSES, capture(bodies))
      .reply(
        201,
        deploymentStatusJson(DEPLOYMENT_ID, {
          id: 42,
          state: 'in_progress',
          log_url: RUN_URL,
          target_url: RUN_URL,
          environment_url: 'https://www.example.com',
          description: 'Backend deploy',
        }),
      );

    const result = await deployments().setDeploymentStatus(ref, 'in_progress', {
      logUrl: RUN_URL,
      environmentUrl: 'https://www.example.com',
      description: 'Backend deploy',
    });

    expect(result).toEqual({ ok: true, statusId: 42 });
    expect(bodies).toEqual([
      {
        state: 'in_progress',
        log_url: RUN_URL,
        environment_url: 'https://www.example.com',
        description: 'Backend deploy',
      },
    ]);
    api.done();
  });

  it('sends only the state when there is nothing else to say, and cuts descriptions to 140 characters', async () => {
    const bodies: { state: string; description?: string }[] = [];
    const api = githubApi(GITHUB_API)
      .post(STATUSES, capture(bodies))
      .reply(201, deploymentStatusJson(DEPLOYMENT_ID, { id: 43, state: 'inactive' }))
      .post(STATUSES, capture(bodies))
      .reply(201, deploymentStatusJson(DEPLOYMENT_ID, { id: 44, state: 'failure' }));

    await deployments().setDeploymentStatus(ref, 'inactive');
    await deployments().setDeploymentStatus(ref, 'failure', { description: 'x'.repeat(300) });

    expect(bodies[0]).toEqual({ state: 'inactive' });
    expect(bodies[1]?.description).toHaveLength(MAX_STATUS_DESCRIPTION);
    api.done();
  });

  it('returns deployment_not_found for a 404', async () => {
    const api = githubApi(GITHUB_API)
      .post(STATUSES)
      .reply(404, githubErrorJson(404, 'Not Found', 'deployments/statuses#create-a-deployment-status'));

    expect(await deployments().setDeploymentStatus(ref, 'success')).toMatchObject({
      ok: false,
      reason: 'deployment_not_found',
    });
    api.done();
  });
});

describe('findDeployment', () => {
  it('finds the recent deployment of an environment created for a greenlight id, under a base URL with a path', async () => {
    const api = githubApi(GHE_API)
      .get(DEPLOYMENTS)
      .query({ environment: 'production', per_page: '30' })
      .reply(200, [
        deploymentJson({ id: 11, payload: { greenlight_id: 'dother' } }),
        deploymentJson({ id: 12, payload: { greenlight_id: 'dwanted' } }),
        deploymentJson({ id: 13, payload: '' }),
      ]);
    const found = await deployments(GHE_API).findDeployment({
      owner: OWNER,
      repo: REPO,
      environment: 'production',
      greenlightId: 'dwanted',
    });
    expect(found).toBe(12);
    api.done();
  });

  it('answers undefined when none was created for the id', async () => {
    githubApi(GITHUB_API).get(DEPLOYMENTS).query(true).reply(200, []);
    expect(
      await deployments().findDeployment({
        owner: OWNER,
        repo: REPO,
        environment: 'production',
        greenlightId: 'd1',
      }),
    ).toBeUndefined();
  });
});
