import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isTransientGitHubError } from '../../../../src/adapters/github/github-errors.js';
import {
  githubWorkflowRuns,
  runOutcome,
  type WorkflowRunsOptions,
} from '../../../../src/adapters/github/workflow-runs.js';
import { workflowInputs } from '../../../../src/domain/deploy/workflow-inputs.js';
import type { DispatchRequest } from '../../../../src/services/deploy/ports.js';
import {
  GHE_API,
  GITHUB_API,
  githubApi,
  githubErrorJson,
  OWNER,
  REPO,
  testGitHubClient,
  WORKFLOW,
  workflowRunJson,
  workflowRunListJson,
} from '../../../helpers/github.js';

const GREENLIGHT_ID = 'gl-7f3a9c2e';
const DISPATCHES = `/repos/${OWNER}/${REPO}/actions/workflows/${WORKFLOW}/dispatches`;
const RUNS_OF_WORKFLOW = `/repos/${OWNER}/${REPO}/actions/workflows/${WORKFLOW}/runs`;
const run = (id: number) => `/repos/${OWNER}/${REPO}/actions/runs/${id}`;
/**
 * The list query greenlight sends: dispatched runs created since a minute before the dispatch, whatever their
 * branch (a tag's run may have none): the greenlight_id in the title picks the run.
 */
const RUN_QUERY = {
  event: 'workflow_dispatch',
  created: '>=2026-03-02T09:59:00Z',
  exclude_pull_requests: 'true',
  per_page: '100',
  page: '1',
};

function request(overrides: Partial<DispatchRequest> = {}): DispatchRequest {
  const built = workflowInputs(
    { deployment_phase: 'backend_deployment' },
    { environment: 'production', ref: 'main', greenlightId: GREENLIGHT_ID },
  );
  if (!built.ok) throw new Error(built.message);
  return {
    owner: OWNER,
    repo: REPO,
    workflow: WORKFLOW,
    ref: 'main',
    inputs: built.inputs,
    correlationId: GREENLIGHT_ID,
    dispatchedAfter: new Date('2026-03-02T10:00:00.500Z'),
    ...overrides,
  };
}

const EXPECTED_INPUTS = {
  deployment_phase: 'backend_deployment',
  environment: 'production',
  ref: 'main',
  greenlight_id: GREENLIGHT_ID,
};

function runs(options: WorkflowRunsOptions = {}, baseUrl = GHE_API) {
  return { workflowRuns: githubWorkflowRuns(testGitHubClient({ baseUrl }), options) };
}

/** Records every JSON body a dispatch interceptor receives, and matches any. */
function capture(bodies: unknown[]) {
  return (body: unknown) => {
    bodies.push(body);
    return true;
  };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('dispatch', () => {
  it('takes the run id from a 200 when the server knows return_run_details (API base with a path), in one request', async () => {
    const bodies: unknown[] = [];
    // Nothing else is asked: the run's number comes later with the run list or its first webhook, not from a
    // counted look at the run.
    const api = githubApi()
      .post(DISPATCHES, capture(bodies))
      .reply(200, {
        workflow_run_id: 30433642,
        run_url: `${GHE_API}/repos/${OWNER}/${REPO}/actions/runs/30433642`,
        html_url: `https://ghe.example.com/${OWNER}/${REPO}/actions/runs/30433642`,
      });
    const { workflowRuns } = runs();

    const result = await workflowRuns.dispatch(request());

    expect(result).toEqual({
      ok: true,
      runId: 30433642,
      htmlUrl: `https://ghe.example.com/${OWNER}/${REPO}/actions/runs/30433642`,
      via: 'return_run_details',
    });
    expect(bodies).toEqual([{ ref: 'main', inputs: EXPECTED_INPUTS, return_run_details: true }]);
    api.done();
  });

  it('a 204 without details is run_pending, and one look finds the run by greenlight_id (github.com base)', async () => {
    const api = githubApi(GITHUB_API)
      .post(DISPATCHES)
      .reply(204)
      .get(RUNS_OF_WORKFLOW)
      .query(RUN_QUERY)
      .reply(
        200,
        workflowRunListJson([
          workflowRunJson({
            id: 30433650,
            run_number: 7,
            display_title: `Deploy production · ${GREENLIGHT_ID}`,
          }),
          workflowRunJson({ id: 30433649, display_title: 'Deploy production · gl-someone-else' }),
        ]),
      );
    const { workflowRuns } = runs({}, GITHUB_API);

    // Nothing waits in the adapter: the caller looks later, from a delayed job.
    expect(await workflowRuns.dispatch(request())).toMatchObject({ ok: false, reason: 'run_pending' });
    expect(await workflowRuns.findRun(request())).toMatchObject({ id: 30433650, runNumber: 7 });
    api.done();
  });

  it('retries without return_run_details after a 422; a look before GitHub lists the run finds nothing, the next finds it', async () => {
    const bodies: unknown[] = [];
    const api = githubApi()
      .post(DISPATCHES, capture(bodies))
      .reply(
        422,
        githubErrorJson(
          422,
          'Invalid request.\n\n"return_run_details" is not a permitted key.',
          'actions/workflows#create-a-workflow-dispatch-event',
        ),
      )
      .post(DISPATCHES, capture(bodies))
      .reply(204)
      .get(RUNS_OF_WORKFLOW)
      .query(RUN_QUERY)
      .reply(
        200,
        workflowRunListJson([
          workflowRunJson({ id: 30433601, display_title: 'Deploy production · gl-older' }),
        ]),
      )
      .get(RUNS_OF_WORKFLOW)
      .query(RUN_QUERY)
      .reply(
        200,
        workflowRunListJson([
          workflowRunJson({ id: 30433642, display_title: `Deploy production (${GREENLIGHT_ID})` }),
          workflowRunJson({ id: 30433601, display_title: 'Deploy production · gl-older' }),
        ]),
      );
    const { workflowRuns } = runs();

    expect(await workflowRuns.dispatch(request())).toMatchObject({ ok: false, reason: 'run_pending' });
    expect(await workflowRuns.findRun(request())).toBeUndefined();
    expect(await workflowRuns.findRun(request())).toMatchObject({ id: 30433642, runNumber: 562 });
    expect(bodies).toEqual([
      { ref: 'main', inputs: EXPECTED_INPUTS, return_run_details: true },
      { ref: 'main', inputs: EXPECTED_INPUTS },
    ]);
    api.done();
  });

  it('remembers a server without return_run_details and does not send it again', async () => {
    const bodies: unknown[] = [];
    const api = githubApi()
      .post(DISPATCHES, capture(bodies))
      .reply(
        422,
        githubErrorJson(422, 'Invalid request.\n\n"return_run_details" is not a permitted key.', 'x'),
      )
      .post(DISPATCHES, capture(bodies))
      .reply(204)
      .post(DISPATCHES, capture(bodies))
      .reply(204);
    const { workflowRuns } = runs();

    await workflowRuns.dispatch(request());
    await workflowRuns.dispatch(request());

    expect(bodies.map((body) => 'return_run_details' in (body as object))).toEqual([true, false, false]);
    api.done();
  });

  it('turns a 404 into workflow_not_found without retrying', async () => {
    const api = githubApi()
      .post(DISPATCHES)
      .reply(404, githubErrorJson(404, 'Not Found', 'actions/workflows#create-a-workflow-dispatch-event'));
    const { workflowRuns } = runs();

    const result = await workflowRuns.dispatch(request());

    expect(result).toMatchObject({ ok: false, reason: 'workflow_not_found' });
    api.done();
  });

  it('turns a 403 without rate-limit signs into forbidden, asked once', async () => {
    const api = githubApi()
      .post(DISPATCHES)
      .reply(
        403,
        githubErrorJson(
          403,
          'Resource not accessible by personal access token',
          'actions/workflows#create-a-workflow-dispatch-event',
        ),
      );
    const { workflowRuns } = runs();

    const result = await workflowRuns.dispatch(request());

    expect(result).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(result.ok ? '' : result.message).toContain(
      'give GITHUB_TOKEN Actions: read and write on acme/platform',
    );
    api.done();
  });

  it('authenticated as a GitHub App, a refusal names the App to fix, never GITHUB_TOKEN', async () => {
    const refusal = (status: number, message: string) =>
      githubApi()
        .post(DISPATCHES)
        .reply(status, githubErrorJson(status, message, 'x'));
    const { workflowRuns } = runs({ credential: 'app' });
    const messages: string[] = [];
    for (const [status, said] of [
      [401, 'Bad credentials'],
      [403, 'Resource not accessible by integration'],
      [404, 'Not Found'],
    ] as const) {
      const api = refusal(status, said);
      const result = await workflowRuns.dispatch(request());
      messages.push(result.ok ? '' : result.message);
      api.done();
    }

    expect(messages).toEqual([
      expect.stringContaining('check GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY'),
      expect.stringContaining(
        'give the GitHub App (GITHUB_APP_ID) Actions: read and write and install it on acme/platform',
      ),
      expect.stringContaining('that the GitHub App (GITHUB_APP_ID) is installed on acme/platform'),
    ]);
    for (const message of messages) expect(message).not.toContain('GITHUB_TOKEN');
  });

  it('turns a 422 about inputs into invalid_inputs with GitHub’s words', async () => {
    const api = githubApi()
      .post(DISPATCHES)
      .reply(422, githubErrorJson(422, 'Unexpected inputs provided: ["greenlight_id"]', 'x'));
    const { workflowRuns } = runs();

    const result = await workflowRuns.dispatch(request());

    expect(result).toMatchObject({ ok: false, reason: 'invalid_inputs' });
    expect(result.ok ? '' : result.message).toContain('Unexpected inputs provided: ["greenlight_id"]');
    api.done();
  });

  it('throws a 502 without sending the dispatch again: the caller looks for the run before it sends again', async () => {
    const api = githubApi().post(DISPATCHES).reply(502, 'Bad Gateway', { 'content-type': 'text/plain' });
    const { workflowRuns } = runs();

    const error = await workflowRuns.dispatch(request()).catch((thrown: unknown) => thrown);

    expect(isTransientGitHubError(error)).toBe(true);
    api.done();
  });

  it('rejects more than 10 inputs before any request', async () => {
    let requests = 0;
    const count = () => {
      requests += 1;
    };
    nock.emitter.on('no match', count);
    const inputs = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`input_${i}`, 'x']));
    const { workflowRuns } = runs();

    const result = await workflowRuns.dispatch(
      request({ inputs: { ...inputs, greenlight_id: GREENLIGHT_ID } }),
    );

    nock.emitter.off('no match', count);
    expect(result).toMatchObject({ ok: false, reason: 'too_many_inputs' });
    expect(requests).toBe(0);
  });
});

describe('listRuns', () => {
  const RUNS_OF_REPO = `/repos/${OWNER}/${REPO}/actions/runs`;
  const LIST_QUERY = {
    event: 'workflow_dispatch',
    created: '>=2026-03-02T09:59:00Z',
    exclude_pull_requests: 'true',
    per_page: '100',
    page: '1',
  };
  const since = { createdSince: new Date('2026-03-02T09:59:00.700Z'), page: 1 };
  const repo = { owner: OWNER, repo: REPO };

  it('reads every dispatched run of the repository in one request, then sends its ETag and reads a 304 as unchanged', async () => {
    const etag = 'W/"list-1"';
    const api = githubApi()
      .get(RUNS_OF_REPO)
      .query(LIST_QUERY)
      .reply(
        200,
        workflowRunListJson([
          workflowRunJson({ id: 30433642, run_number: 419, status: 'in_progress' }),
          workflowRunJson({ id: 30433641, run_number: 418, status: 'completed', conclusion: 'failure' }),
        ]),
        { etag },
      )
      .get(RUNS_OF_REPO)
      .query(LIST_QUERY)
      .matchHeader('if-none-match', etag)
      .reply(304, '', { etag });
    const { workflowRuns } = runs();

    expect(await workflowRuns.listRuns(repo, since)).toEqual({
      status: 'ok',
      etag,
      more: false,
      runs: [
        // The number people know a run by (`#419`), which the dispatch did not answer.
        { id: 30433642, runNumber: 419, status: 'running' },
        { id: 30433641, runNumber: 418, status: 'completed', conclusion: 'failure' },
      ],
    });
    expect(await workflowRuns.listRuns(repo, since, etag)).toEqual({ status: 'unchanged' });
    api.done();
  });

  it('reads GitHub down as unavailable, for the next sweep', async () => {
    const api = githubApi().get(RUNS_OF_REPO).query(LIST_QUERY).times(4).reply(502, 'Bad Gateway');
    const { workflowRuns } = runs();

    expect(await workflowRuns.listRuns(repo, since)).toMatchObject({ status: 'unavailable' });
    api.done();
  });
});

describe('workflowInputs', () => {
  const added = { environment: 'production', ref: 'main', greenlightId: GREENLIGHT_ID };

  it('adds environment, ref and greenlight_id and sends every value as a string', () => {
    expect(
      workflowInputs({ deployment_phase: 'traffic_switch', traffic_percentage: 25, dry_run: false }, added),
    ).toEqual({
      ok: true,
      inputs: {
        deployment_phase: 'traffic_switch',
        traffic_percentage: '25',
        dry_run: 'false',
        environment: 'production',
        ref: 'main',
        greenlight_id: GREENLIGHT_ID,
      },
    });
  });

  it('allows 7 inputs of the phase’s own and refuses 8 (10 in all)', () => {
    const phase = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`input_${i}`, 'x']));
    expect(workflowInputs(phase(7), added).ok).toBe(true);
    expect(workflowInputs(phase(8), added)).toMatchObject({ ok: false, reason: 'too_many_inputs' });
  });

  it('refuses a phase input that clashes with one greenlight sets, in any case', () => {
    expect(workflowInputs({ environment: 'staging' }, added)).toMatchObject({
      ok: false,
      reason: 'input_name_clash',
    });
    expect(workflowInputs({ Greenlight_ID: 'x' }, added)).toMatchObject({
      ok: false,
      reason: 'input_name_clash',
    });
    expect(workflowInputs({ phase: 'a', PHASE: 'b' }, added)).toMatchObject({
      ok: false,
      reason: 'input_name_clash',
    });
    expect(workflowInputs({ '1phase': 'a' }, added)).toMatchObject({
      ok: false,
      reason: 'invalid_input_name',
    });
  });
});

describe('getRun', () => {
  it('sends If-None-Match with the last ETag and reads a 304 as not_modified', async () => {
    const etag = 'W/"7b1f0c6a3f1d4e2b9c8a7d6e5f4a3b2c"';
    const api = githubApi()
      .get(run(30433642))
      .matchHeader('if-none-match', (value) => value === undefined)
      .reply(200, workflowRunJson({ id: 30433642, status: 'in_progress' }), { etag })
      .get(run(30433642))
      .matchHeader('if-none-match', etag)
      .reply(304, '', { etag });
    const { workflowRuns } = runs();

    const first = await workflowRuns.getRun({ owner: OWNER, repo: REPO, runId: 30433642 });
    expect(first).toEqual({
      status: 'ok',
      etag,
      run: {
        id: 30433642,
        runNumber: 562,
        status: 'in_progress',
        conclusion: null,
        htmlUrl: `https://ghe.example.com/${OWNER}/${REPO}/actions/runs/30433642`,
        runStartedAt: '2026-03-02T10:00:02Z',
        updatedAt: '2026-03-02T10:00:02Z',
      },
    });
    const etagBack = first.status === 'ok' ? first.etag : undefined;
    const second = await workflowRuns.getRun({ owner: OWNER, repo: REPO, runId: 30433642 }, etagBack);

    expect(second).toEqual({ status: 'not_modified' });
    api.done();
  });

  it('survives 502, 502 and returns the 200', async () => {
    const api = githubApi()
      .get(run(30433642))
      .times(2)
      .reply(502, 'Bad Gateway', { 'content-type': 'text/plain' })
      .get(run(30433642))
      .reply(200, workflowRunJson({ id: 30433642, status: 'completed', conclusion: 'failure' }));
    const { workflowRuns } = runs();

    const snapshot = await workflowRuns.getRun({ owner: OWNER, repo: REPO, runId: 30433642 });

    expect(snapshot).toMatchObject({ status: 'ok', run: { status: 'completed', conclusion: 'failure' } });
    expect(snapshot.status === 'ok' && runOutcome(snapshot.run)).toBe('failed');
    api.done();
  });

  it('reads a 404 as not_found', async () => {
    const api = githubApi()
      .get(run(1))
      .reply(404, githubErrorJson(404, 'Not Found', 'actions/workflow-runs'));
    const { workflowRuns } = runs();

    expect(await workflowRuns.getRun({ owner: OWNER, repo: REPO, runId: 1 })).toEqual({
      status: 'not_found',
    });
    api.done();
  });
});

describe('runOutcome', () => {
  it.each([
    ['queued', null, 'running'],
    ['in_progress', null, 'running'],
    ['completed', 'success', 'succeeded'],
    ['completed', 'cancelled', 'cancelled'],
    ['completed', 'failure', 'failed'],
    ['completed', 'timed_out', 'failed'],
    ['completed', 'skipped', 'failed'],
  ])('%s/%s is %s', (status, conclusion, outcome) => {
    expect(runOutcome({ status, conclusion })).toBe(outcome);
  });
});

describe('cancelRun', () => {
  it('asks GitHub to cancel (202)', async () => {
    const api = githubApi()
      .post(`${run(30433642)}/cancel`)
      .reply(202, {});
    const { workflowRuns } = runs();

    expect(await workflowRuns.cancelRun({ owner: OWNER, repo: REPO, runId: 30433642 })).toEqual({
      ok: true,
      state: 'cancel_requested',
    });
    api.done();
  });

  it('treats 409 (run already completed) as done, asked once', async () => {
    const api = githubApi()
      .post(`${run(30433642)}/cancel`)
      .reply(
        409,
        githubErrorJson(
          409,
          'Cannot cancel a workflow run that is completed.',
          'actions/workflow-runs#cancel-a-workflow-run',
        ),
      );
    const { workflowRuns } = runs();

    expect(await workflowRuns.cancelRun({ owner: OWNER, repo: REPO, runId: 30433642 })).toEqual({
      ok: true,
      state: 'already_finished',
    });
    api.done();
  });
});
