import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GitHubResponseEvent, RateLimitEvent } from '../../../../src/adapters/github/client.js';
import { isTransientGitHubError } from '../../../../src/adapters/github/github-errors.js';
import {
  GHE_API,
  GITHUB_API,
  GITHUB_REPLY_HEADERS,
  githubApi,
  githubErrorJson,
  OWNER,
  REPO,
  recordingLogger,
  TEST_GITHUB_TOKEN,
  testGitHubClient,
  WORKFLOW,
  workflowRunJson,
} from '../../../helpers/github.js';

const RUN = `/repos/${OWNER}/${REPO}/actions/runs/30433642`;
const DISPATCHES = `/repos/${OWNER}/${REPO}/actions/workflows/${WORKFLOW}/dispatches`;
const SECONDARY_LIMIT = githubErrorJson(
  403,
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID C0DE:1234:5678AB:9ABCDE:65F0A1B2.',
  'overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
);

const getRun = (client: ReturnType<typeof testGitHubClient>) =>
  client.rest.actions.getWorkflowRun({ owner: OWNER, repo: REPO, run_id: 30433642 });

const dispatch = (client: ReturnType<typeof testGitHubClient>) =>
  client.rest.actions.createWorkflowDispatch({
    owner: OWNER,
    repo: REPO,
    workflow_id: WORKFLOW,
    ref: 'main',
    inputs: { greenlight_id: 'gl-1' },
  });

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('createGitHubClient', () => {
  it('keeps the path of an Enterprise Server base URL and sends the token and a user agent', async () => {
    const api = nock(GHE_API, {
      reqheaders: {
        authorization: `token ${TEST_GITHUB_TOKEN}`,
        'user-agent': (value) => value.startsWith('greenlight '),
        accept: 'application/vnd.github.v3+json',
      },
    })
      .get(RUN)
      .reply(200, workflowRunJson(), { 'content-type': 'application/json' });

    const response = await getRun(testGitHubClient({ baseUrl: `${GHE_API}/` }));

    expect(response.data.id).toBe(30433642);
    api.done();
  });

  it('talks to api.github.com when no base URL is given', async () => {
    const api = githubApi(GITHUB_API).get(RUN).reply(200, workflowRunJson());
    const client = testGitHubClient({ baseUrl: undefined });

    await getRun(client);

    api.done();
  });

  it('retries 502, 502 and returns the 200', async () => {
    const api = githubApi()
      .get(RUN)
      .times(2)
      .reply(502, 'Bad Gateway', { 'content-type': 'text/plain' })
      .get(RUN)
      .reply(200, workflowRunJson());

    const response = await getRun(testGitHubClient());

    expect(response.status).toBe(200);
    api.done();
  });

  it('gives up after the configured retries and throws an error callers see as transient', async () => {
    const api = githubApi()
      .get(RUN)
      .times(3)
      .reply(500, githubErrorJson(500, 'Server Error', 'x'));

    const error = await getRun(testGitHubClient({ retries: 2 })).catch((thrown: unknown) => thrown);

    expect(isTransientGitHubError(error)).toBe(true);
    api.done();
  });

  it('waits out a secondary rate limit (403 with retry-after) and logs it without the token', async () => {
    const logger = recordingLogger();
    const events: RateLimitEvent[] = [];
    const api = githubApi()
      .post(DISPATCHES)
      .reply(403, SECONDARY_LIMIT, { 'retry-after': '1', 'x-ratelimit-remaining': '4980' })
      .post(DISPATCHES)
      .reply(204);

    const response = await dispatch(testGitHubClient({ logger, onRateLimit: (event) => events.push(event) }));

    expect(response.status).toBe(204);
    expect(events).toEqual([
      {
        kind: 'secondary',
        method: 'POST',
        route: '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
        retryAfterSeconds: 1,
        retryCount: 0,
        willRetry: true,
      },
    ]);
    expect(logger.lines.filter((line) => line.level === 'warn')).toHaveLength(1);
    expect(JSON.stringify(logger.lines)).not.toContain(TEST_GITHUB_TOKEN);
    api.done();
  });

  it('waits out an exhausted primary limit until its reset', async () => {
    const events: RateLimitEvent[] = [];
    const api = githubApi()
      .get(RUN)
      .reply(403, githubErrorJson(403, 'API rate limit exceeded for user ID 9919.', 'x'), {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 30),
      })
      .get(RUN)
      .reply(200, workflowRunJson());

    await getRun(testGitHubClient({ onRateLimit: (event) => events.push(event) }));

    expect(events).toMatchObject([{ kind: 'primary', willRetry: true }]);
    expect(events[0]?.retryAfterSeconds).toBeGreaterThanOrEqual(30);
    api.done();
  });

  it('does not wait for a reset further away than maxRateLimitWaitSeconds', async () => {
    const api = githubApi()
      .get(RUN)
      .reply(403, githubErrorJson(403, 'API rate limit exceeded for user ID 9919.', 'x'), {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      });

    const error = await getRun(testGitHubClient({ maxRateLimitWaitSeconds: 60 })).catch(
      (thrown: unknown) => thrown,
    );

    expect(isTransientGitHubError(error)).toBe(true);
    api.done();
  });

  it('retries a secondary rate limit a bounded number of times, then throws', async () => {
    const events: RateLimitEvent[] = [];
    const api = githubApi().post(DISPATCHES).times(3).reply(403, SECONDARY_LIMIT, { 'retry-after': '1' });

    const error = await dispatch(
      testGitHubClient({ retries: 2, onRateLimit: (event) => events.push(event) }),
    ).catch((thrown: unknown) => thrown);

    expect(events.map((event) => event.willRetry)).toEqual([true, true, false]);
    expect(isTransientGitHubError(error)).toBe(true);
    api.done();
  });

  it('asks once on a 403 that is not a rate limit: a permission problem is not transient', async () => {
    const api = githubApi()
      .post(DISPATCHES)
      .reply(403, githubErrorJson(403, 'Resource not accessible by personal access token', 'x'));

    const error = await dispatch(testGitHubClient()).catch((thrown: unknown) => thrown);

    expect(isTransientGitHubError(error)).toBe(false);
    expect(JSON.stringify(error)).not.toContain(TEST_GITHUB_TOKEN);
    api.done();
  });
});

describe('onResponse', () => {
  it('tells every final answer (after retries) with its route template, status and the rate limit left', async () => {
    const events: GitHubResponseEvent[] = [];
    const client = testGitHubClient({ onResponse: (event) => events.push(event) });
    githubApi()
      .get(RUN)
      .reply(200, workflowRunJson(), { 'x-ratelimit-remaining': '4321', 'x-ratelimit-resource': 'core' })
      .get(RUN)
      .reply(304, '', { 'x-ratelimit-remaining': '4321' })
      .get(RUN)
      .reply(404, githubErrorJson(404, 'Not Found', 'rest/actions/workflow-runs'))
      .get(RUN)
      .times(4)
      .reply(502, 'Bad gateway');

    await getRun(client);
    await expect(getRun(client)).rejects.toMatchObject({ status: 304 });
    await expect(getRun(client)).rejects.toMatchObject({ status: 404 });
    await expect(getRun(client)).rejects.toMatchObject({ status: 502 });

    const route = '/repos/{owner}/{repo}/actions/runs/{run_id}';
    // The limit and its reset (epoch seconds, read as ms) too: polling slows down before the limit.
    const window = {
      limit: 5000,
      resetAt: Number(GITHUB_REPLY_HEADERS['x-ratelimit-reset']) * 1_000,
    };
    const repository = `${OWNER}/${REPO}`;
    expect(events).toEqual([
      {
        method: 'GET',
        route,
        repository,
        status: 200,
        rateLimit: { remaining: 4321, resource: 'core', ...window },
      },
      {
        method: 'GET',
        route,
        repository,
        status: 304,
        rateLimit: { remaining: 4321, resource: 'core', ...window },
      },
      // GitHub sends its rate-limit headers with errors too (the helper's defaults here).
      {
        method: 'GET',
        route,
        repository,
        status: 404,
        rateLimit: { remaining: 4987, resource: 'core', ...window },
      },
      // The 502 was retried three times: one answer, the last.
      {
        method: 'GET',
        route,
        repository,
        status: 502,
        rateLimit: { remaining: 4987, resource: 'core', ...window },
      },
    ]);
  });
});
