import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import {
  type GitHubSim,
  type GitHubSimOptions,
  GREENLIGHT_INPUTS,
  greenlightWorkflow,
  refSha,
  startGitHubSim,
} from '../../../../playground/sim/github.js';
import { listen } from '../../../helpers/net.js';

const TOKEN = 'ghp_simulatortest000000000000000000000';
const OWNER = 'acme';
const REPO = 'platform';
const WORKFLOW = 'production-deployment.yml';

const inputs = (more: Record<string, string> = {}) => ({
  deployment_phase: 'validation',
  environment: 'production',
  ref: 'main',
  greenlight_id: 'd1-validation-0',
  ...more,
});

describe('GitHub simulator', () => {
  let github: GitHubSim;
  let octokit: Octokit;

  async function start(options: GitHubSimOptions = {}): Promise<void> {
    await github?.close();
    github = await startGitHubSim({ tokens: { [TOKEN]: { login: 'greenlight-bot' } }, ...options });
    octokit = new Octokit({ auth: TOKEN, baseUrl: github.apiUrl, request: { retries: 0 } });
  }
  beforeEach(() => start());
  afterEach(() => github.close());

  /** A raw request, so a test can send what the typed client would not (no ref, a bad state…). */
  const send = (method: string, url: string, body: Record<string, unknown>) =>
    octokit.request({ method, url, owner: OWNER, repo: REPO, ...body });
  const dispatch = (body: Record<string, unknown>, workflow = WORKFLOW) =>
    send('POST', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', {
      workflow_id: workflow,
      ...body,
    });
  /** GitHub's refusal: its status and `message`. */
  const refusal = (status: number, message: string) => ({ status, response: { data: { message } } });

  describe('workflow dispatch', () => {
    it('answers 200 with the run id and URLs for return_run_details, under the Enterprise Server path', async () => {
      expect(github.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v3$/);
      const answer = await dispatch({ ref: 'main', inputs: inputs(), return_run_details: true });
      expect(answer.status).toBe(200);
      const run = github.runs()[0];
      expect(answer.data).toEqual({
        workflow_run_id: run?.id,
        run_url: `${github.apiUrl}/repos/acme/platform/actions/runs/${run?.id}`,
        html_url: `${github.webUrl}/acme/platform/actions/runs/${run?.id}`,
      });
      expect(run).toMatchObject({ workflow: WORKFLOW, ref: 'main', headBranch: 'main', runNumber: 1 });
      expect(run?.headSha).toBe(refSha('acme/platform', 'main'));
      // The documented run-name puts greenlight_id in the title.
      expect(run?.displayTitle).toBe('deploy validation d1-validation-0');
      await dispatch({ ref: 'main', inputs: inputs({ greenlight_id: 'd2-validation-0' }) });
      expect(github.runs()[1]?.runNumber).toBe(2);
    });

    it('answers 204 without return_run_details, and as an older Enterprise Server that ignores it', async () => {
      expect((await dispatch({ ref: 'main', inputs: inputs() })).status).toBe(204);
      await start({ runDetails: 'ignored' });
      expect((await dispatch({ ref: 'main', inputs: inputs(), return_run_details: true })).status).toBe(204);
      expect(github.runs()).toHaveLength(1);
    });

    it('refuses return_run_details as an unknown key when set to, and starts nothing', async () => {
      await start({ runDetails: 'rejected' });
      await expect(
        dispatch({ ref: 'main', inputs: inputs(), return_run_details: true }),
      ).rejects.toMatchObject(
        refusal(422, 'Invalid request.\n\n"return_run_details" is not a permitted key.'),
      );
      expect(github.runs()).toEqual([]);
    });

    it('refuses a dispatch without a ref, on an unknown ref, or on a SHA', async () => {
      await expect(dispatch({ inputs: inputs() })).rejects.toMatchObject(
        refusal(422, 'Invalid request.\n\n"ref" wasn\'t supplied.'),
      );
      await expect(dispatch({ ref: 'mian', inputs: inputs() })).rejects.toMatchObject(
        refusal(422, 'No ref found for: mian'),
      );
      const sha = refSha('acme/platform', 'main');
      await expect(dispatch({ ref: sha, inputs: inputs() })).rejects.toMatchObject(
        refusal(422, `No ref found for: ${sha}`),
      );
      expect(github.runs()).toEqual([]);
    });

    it('refuses inputs the workflow does not declare, naming them as GitHub does', async () => {
      await expect(
        dispatch({ ref: 'main', inputs: inputs({ region: 'eu', canary: '5' }) }),
      ).rejects.toMatchObject(refusal(422, 'Unexpected inputs provided: ["region", "canary"]'));
    });

    it('refuses a dispatch missing a required input, and a value a choice does not allow', async () => {
      const { greenlight_id: _, ...withoutId } = inputs();
      await expect(dispatch({ ref: 'main', inputs: withoutId })).rejects.toMatchObject(
        refusal(422, "Required input 'greenlight_id' not provided"),
      );
      github.repo().addWorkflow({
        file: 'choose.yml',
        inputs: { target: { type: 'choice', options: ['blue', 'green'], required: true } },
      });
      await expect(dispatch({ ref: 'main', inputs: { target: 'red' } }, 'choose.yml')).rejects.toMatchObject(
        refusal(422, "Provided value 'red' for input 'target' not in the list of allowed values"),
      );
    });

    it('refuses more inputs than the server allows: 10 on Enterprise Server, 25 on github.com', async () => {
      const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, index) => [`i${index}`, 'x']));
      await expect(dispatch({ ref: 'main', inputs: eleven })).rejects.toMatchObject({ status: 422 });
      await start({ maxInputs: 25 });
      await expect(dispatch({ ref: 'main', inputs: eleven })).rejects.toMatchObject(
        refusal(
          422,
          'Unexpected inputs provided: ["i0", "i1", "i2", "i3", "i4", "i5", "i6", "i7", "i8", "i9", "i10"]',
        ),
      );
    });

    it('refuses a workflow without workflow_dispatch (422) and one that does not exist (404)', async () => {
      github.repo().addWorkflow({ file: 'on-push.yml', yaml: 'name: CI\non: [push]\njobs: {}\n' });
      await expect(dispatch({ ref: 'main' }, 'on-push.yml')).rejects.toMatchObject(
        refusal(422, "Workflow does not have 'workflow_dispatch' trigger"),
      );
      await expect(dispatch({ ref: 'main' }, 'nope.yml')).rejects.toMatchObject(refusal(404, 'Not Found'));
    });

    it('gives a run on a tag no head_branch, as GitHub does, and the tag commit as head_sha', async () => {
      const sha = github.repo().setTag('v1.2.0', 'v1.2.0');
      await dispatch({ ref: 'v1.2.0', inputs: inputs({ ref: 'v1.2.0' }) });
      const run = github.runs()[0];
      expect(run).toMatchObject({ headBranch: null, headSha: sha });
      const listed = await octokit.rest.actions.listWorkflowRuns({
        owner: OWNER,
        repo: REPO,
        workflow_id: WORKFLOW,
        branch: 'v1.2.0',
      });
      expect(listed.data.total_count).toBe(0);
    });
  });

  describe('runs', () => {
    it('lists runs newest first, filtered by branch, status, created, head_sha and per_page', async () => {
      github.repo().setBranch('release', 'release');
      await dispatch({ ref: 'main', inputs: inputs({ greenlight_id: 'a' }) });
      await dispatch({ ref: 'release', inputs: inputs({ greenlight_id: 'b' }) });
      await dispatch({ ref: 'main', inputs: inputs({ greenlight_id: 'c' }) });
      github.finish((run) => run.inputs.greenlight_id === 'a');
      const list = async (query: Record<string, unknown>) =>
        (
          await octokit.rest.actions.listWorkflowRuns({
            owner: OWNER,
            repo: REPO,
            workflow_id: WORKFLOW,
            ...query,
          })
        ).data.workflow_runs.map((run) => run.display_title.split(' ').at(-1));
      expect(await list({})).toEqual(['c', 'b', 'a']);
      expect(await list({ branch: 'main' })).toEqual(['c', 'a']);
      expect(await list({ status: 'completed' })).toEqual(['a']);
      expect(await list({ status: 'in_progress' })).toEqual(['c', 'b']);
      expect(await list({ per_page: 1 })).toEqual(['c']);
      expect(await list({ head_sha: refSha('acme/platform', 'release') })).toEqual(['b']);
      expect(await list({ created: `>=${new Date(Date.now() + 60_000).toISOString()}` })).toEqual([]);
      expect(
        await list({ event: 'workflow_dispatch', created: `>=${new Date(0).toISOString()}` }),
      ).toHaveLength(3);
      const repoWide = await octokit.rest.actions.listWorkflowRunsForRepo({ owner: OWNER, repo: REPO });
      expect(repoWide.data.total_count).toBe(3);
    });

    it('answers a run with an ETag, and 304 for If-None-Match while it is unchanged (free of the rate limit)', async () => {
      await dispatch({ ref: 'main', inputs: inputs(), return_run_details: true });
      const id = github.runs()[0]?.id ?? 0;
      const first = await octokit.rest.actions.getWorkflowRun({ owner: OWNER, repo: REPO, run_id: id });
      expect(first.data).toMatchObject({ id, status: 'in_progress', conclusion: null, run_number: 1 });
      const etag = first.headers.etag ?? '';
      const used = Number(first.headers['x-ratelimit-used']);
      const conditional = { owner: OWNER, repo: REPO, run_id: id, headers: { 'if-none-match': etag } };
      await expect(octokit.rest.actions.getWorkflowRun(conditional)).rejects.toMatchObject({ status: 304 });
      github.finish(id, 'failure');
      const changed = await octokit.rest.actions.getWorkflowRun(conditional);
      expect(changed.data).toMatchObject({ status: 'completed', conclusion: 'failure' });
      expect(Number(changed.headers['x-ratelimit-used'])).toBe(used + 1);
      expect(github.requestsTo('actions/get-workflow-run').map((request) => request.status)).toEqual([
        200, 304, 200,
      ]);
    });

    it('cancels a running run (202, then completed and cancelled) and refuses a completed one (409)', async () => {
      await dispatch({ ref: 'main', inputs: inputs() });
      const id = github.runs()[0]?.id ?? 0;
      const cancel = () => octokit.rest.actions.cancelWorkflowRun({ owner: OWNER, repo: REPO, run_id: id });
      expect((await cancel()).status).toBe(202);
      await vi.waitFor(() =>
        expect(github.run(id)).toMatchObject({ status: 'completed', conclusion: 'cancelled' }),
      );
      await expect(cancel()).rejects.toMatchObject(
        refusal(409, 'Cannot cancel a workflow run that is completed.'),
      );
      await expect(
        octokit.rest.actions.getWorkflowRun({ owner: OWNER, repo: REPO, run_id: 999 }),
      ).rejects.toMatchObject({ status: 404 });
    });

    it('moves runs on their own in auto mode: queued, in progress, then completed', async () => {
      await start({ lifecycle: { mode: 'auto', queuedMs: 60, runMs: 60, conclusion: 'success' } });
      await dispatch({ ref: 'main', inputs: inputs() });
      const run = github.runs()[0];
      expect(run?.status).toBe('queued');
      await vi.waitFor(() => expect(run?.status).toBe('in_progress'), { interval: 5 });
      await vi.waitFor(() => expect(run).toMatchObject({ status: 'completed', conclusion: 'success' }), {
        interval: 5,
      });
    });

    it('tells a watcher of every run change, and switches a lifecycle for runs already under way', async () => {
      const changes = vi.fn();
      const unsubscribe = github.onChange(changes);
      await dispatch({ ref: 'main', inputs: inputs() });
      const run = github.runs()[0];
      expect(run?.status).toBe('in_progress');
      const seen = changes.mock.calls.length;
      expect(seen).toBeGreaterThan(0);
      github.setLifecycle({ mode: 'auto', runMs: 30, conclusion: 'failure' });
      expect(github.lifecycle()).toEqual({ mode: 'auto', runMs: 30, conclusion: 'failure' });
      await vi.waitFor(() => expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' }), {
        interval: 5,
      });
      expect(changes.mock.calls.length).toBeGreaterThan(seen + 1);
      unsubscribe();
      changes.mockClear();
      await dispatch({ ref: 'main', inputs: inputs({ greenlight_id: 'd2-validation-0' }) });
      expect(changes).not.toHaveBeenCalled();
    });

    it('lets a test finish, fail or cancel runs by id or by what they are', async () => {
      for (const phase of ['validation', 'migration', 'rollout'])
        await dispatch({ ref: 'main', inputs: inputs({ deployment_phase: phase, greenlight_id: phase }) });
      expect(github.finish((run) => run.inputs.deployment_phase === 'validation')).toBe(1);
      expect(github.fail((run) => run.inputs.deployment_phase === 'migration')).toBe(1);
      expect(github.cancel(github.runs()[2]?.id ?? 0)).toBe(1);
      expect(github.finish(() => true)).toBe(0);
      expect(github.runs().map((run) => run.conclusion)).toEqual(['success', 'failure', 'cancelled']);
    });
  });

  describe('workflow files, commits and checks', () => {
    it('serves the workflow file through the contents API, base64, with the inputs greenlight sends', async () => {
      const file = await octokit.rest.repos.getContent({
        owner: OWNER,
        repo: REPO,
        path: `.github/workflows/${WORKFLOW}`,
        ref: 'main',
      });
      const data = file.data as { type: string; encoding: string; content: string };
      expect(data).toMatchObject({ type: 'file', encoding: 'base64' });
      const workflow = parse(Buffer.from(data.content, 'base64').toString()) as {
        'run-name': string;
        on: { workflow_dispatch: { inputs: Record<string, unknown> } };
      };
      expect(workflow['run-name']).toContain(`\${{ inputs.greenlight_id }}`);
      expect(Object.keys(workflow.on.workflow_dispatch.inputs)).toEqual(Object.keys(GREENLIGHT_INPUTS));
      const dir = await octokit.rest.repos.getContent({
        owner: OWNER,
        repo: REPO,
        path: '.github/workflows',
      });
      expect((dir.data as { name: string }[]).map((entry) => entry.name)).toEqual([WORKFLOW]);
      await expect(
        octokit.rest.repos.getContent({ owner: OWNER, repo: REPO, path: '.github/workflows/x.yml' }),
      ).rejects.toMatchObject({ status: 404 });
      const workflows = await octokit.rest.actions.listRepoWorkflows({ owner: OWNER, repo: REPO });
      expect(workflows.data.workflows.map((each) => each.path)).toEqual([`.github/workflows/${WORKFLOW}`]);
    });

    it('answers a commit by branch, tag or SHA, and 422 for one it does not know', async () => {
      const sha = '4'.repeat(40);
      github.repo().addCommit({ sha, committedAt: '2026-03-09T09:30:00Z' });
      github.repo().setTag('v2', sha);
      for (const ref of [sha, sha.slice(0, 7), 'v2']) {
        const commit = await octokit.rest.repos.getCommit({ owner: OWNER, repo: REPO, ref });
        expect(commit.data).toMatchObject({ sha, commit: { committer: { date: '2026-03-09T09:30:00Z' } } });
      }
      await expect(
        octokit.rest.repos.getCommit({ owner: OWNER, repo: REPO, ref: 'deadbeef0' }),
      ).rejects.toMatchObject(refusal(422, 'No commit found for SHA: deadbeef0'));
      const branch = await octokit.rest.repos.getBranch({ owner: OWNER, repo: REPO, branch: 'main' });
      expect(branch.data.commit.sha).toBe(refSha('acme/platform', 'main'));
      const ref = await octokit.rest.git.getRef({ owner: OWNER, repo: REPO, ref: 'tags/v2' });
      expect(ref.data.object.sha).toBe(sha);
    });

    it('reports the combined status and check runs of a commit', async () => {
      const sha = refSha('acme/platform', 'main');
      github
        .repo()
        .setStatus(sha, { context: 'ci/build', state: 'success', description: null, targetUrl: null });
      github
        .repo()
        .setStatus(sha, { context: 'ci/lint', state: 'failure', description: 'lint', targetUrl: null });
      github.repo().setCheckRun(sha, { name: 'test', status: 'completed', conclusion: 'success' });
      const combined = await octokit.rest.repos.getCombinedStatusForRef({
        owner: OWNER,
        repo: REPO,
        ref: 'main',
      });
      expect(combined.data).toMatchObject({ state: 'failure', total_count: 2, sha });
      const second = await octokit.rest.repos.getCombinedStatusForRef({
        owner: OWNER,
        repo: REPO,
        ref: 'main',
        per_page: 1,
        page: 2,
      });
      expect(second.data).toMatchObject({ state: 'failure', total_count: 2 });
      expect(second.data.statuses.map((status) => status.context)).toEqual(['ci/build']);
      const checks = await octokit.rest.checks.listForRef({ owner: OWNER, repo: REPO, ref: 'main' });
      expect(checks.data.check_runs.map((check) => [check.name, check.conclusion])).toEqual([
        ['test', 'success'],
      ]);
    });
    it("reports each job of a workflow run as a check run on the run's commit, in the run's check suite", async () => {
      const sha = refSha('acme/platform', 'main');
      github
        .repo()
        .setCheckRun(sha, { name: 'test', status: 'completed', conclusion: 'success', app: 'circleci' });
      await dispatch({ ref: 'main', inputs: inputs(), return_run_details: true });
      const run = github.runs()[0];
      const listed = async () =>
        (await octokit.rest.checks.listForRef({ owner: OWNER, repo: REPO, ref: sha })).data.check_runs;
      const runs = await octokit.rest.actions.getWorkflowRun({
        owner: OWNER,
        repo: REPO,
        run_id: run?.id ?? 0,
      });
      expect((await listed()).map((check) => [check.name, check.status, check.app?.slug])).toEqual([
        ['test', 'completed', 'circleci'],
        ['deploy', 'in_progress', 'github-actions'],
      ]);
      expect((await listed())[1]?.check_suite?.id).toBe(runs.data.check_suite_id);
      github.fail(run?.id ?? 0);
      expect((await listed())[1]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    });
  });

  describe('deployments', () => {
    const create = (body: Record<string, unknown>) => send('POST', '/repos/{owner}/{repo}/deployments', body);

    it('creates a deployment with its payload and resolved commit, lists it, and takes statuses', async () => {
      const created = await create({
        ref: 'main',
        environment: 'production',
        payload: { greenlight_id: 'd1' },
        auto_merge: false,
        required_contexts: [],
      });
      expect(created.status).toBe(201);
      expect(created.data).toMatchObject({
        ref: 'main',
        sha: refSha('acme/platform', 'main'),
        environment: 'production',
        payload: { greenlight_id: 'd1' },
        task: 'deploy',
        production_environment: true,
      });
      const id = (created.data as { id: number }).id;
      const status = await octokit.rest.repos.createDeploymentStatus({
        owner: OWNER,
        repo: REPO,
        deployment_id: id,
        state: 'in_progress',
      });
      expect(status.status).toBe(201);
      const listed = await octokit.rest.repos.listDeployments({
        owner: OWNER,
        repo: REPO,
        environment: 'production',
      });
      expect(listed.data.map((deployment) => deployment.id)).toEqual([id]);
      expect(
        (await octokit.rest.repos.listDeployments({ owner: OWNER, repo: REPO, environment: 'staging' })).data,
      ).toEqual([]);
      expect(github.statuses()).toEqual([
        expect.objectContaining({ deploymentId: id, state: 'in_progress' }),
      ]);
    });

    it('refuses a red commit unless required_contexts says which contexts matter (409)', async () => {
      const sha = refSha('acme/platform', 'main');
      github
        .repo()
        .setStatus(sha, { context: 'ci/test', state: 'failure', description: null, targetUrl: null });
      await expect(create({ ref: 'main' })).rejects.toMatchObject({
        status: 409,
        response: {
          data: {
            message: 'Conflict: Commit status checks failed for main.',
            errors: [
              expect.objectContaining({
                field: 'required_contexts',
                contexts: [{ context: 'ci/test', state: 'failure' }],
              }),
            ],
          },
        },
      });
      await expect(create({ ref: 'main', required_contexts: ['ci/test'] })).rejects.toMatchObject({
        status: 409,
      });
      expect((await create({ ref: 'main', required_contexts: [] })).status).toBe(201);
    });

    it('counts the jobs of workflow runs on the commit among every context, as GitHub does', async () => {
      await dispatch({ ref: 'main', inputs: inputs(), return_run_details: true });
      await expect(create({ ref: 'main' })).rejects.toMatchObject({
        status: 409,
        response: {
          data: {
            errors: [expect.objectContaining({ contexts: [{ context: 'deploy', state: 'pending' }] })],
          },
        },
      });
      github.finish(github.runs()[0]?.id ?? 0);
      expect((await create({ ref: 'main' })).status).toBe(201);
    });

    it('refuses an unknown ref, a state GitHub does not know, a long description and an unknown deployment', async () => {
      await expect(create({ ref: 'nope' })).rejects.toMatchObject(refusal(422, 'No ref found for: nope'));
      const id = ((await create({ ref: 'main', required_contexts: [] })).data as { id: number }).id;
      const status = (state: string, description?: string, deployment = id) =>
        send('POST', '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses', {
          deployment_id: deployment,
          state,
          ...(description ? { description } : {}),
        });
      await expect(status('done')).rejects.toMatchObject({ status: 422 });
      await expect(status('success', 'd'.repeat(141))).rejects.toMatchObject({ status: 422 });
      await expect(status('success', undefined, 1)).rejects.toMatchObject({ status: 404 });
      expect((await status('success', 'd'.repeat(140))).status).toBe(201);
    });

    it('marks the earlier successful deployment of the environment inactive (auto_inactive)', async () => {
      const ids: number[] = [];
      for (const greenlightId of ['d1', 'd2']) {
        const id = (
          (await create({ ref: 'main', required_contexts: [], payload: { greenlight_id: greenlightId } }))
            .data as { id: number }
        ).id;
        await octokit.rest.repos.createDeploymentStatus({
          owner: OWNER,
          repo: REPO,
          deployment_id: id,
          state: 'success',
        });
        ids.push(id);
      }
      expect(
        github.deployments().map((deployment) => deployment.statuses.map((status) => status.state)),
      ).toEqual([['success', 'inactive'], ['success']]);
      // statuses() lists what requests set, not GitHub's own.
      expect(github.statuses().map((status) => status.state)).toEqual(['success', 'success']);
    });
  });

  describe('authentication and rate limits', () => {
    it('answers 401 without a token or with a wrong one, and records no credential', async () => {
      const anonymous = new Octokit({ baseUrl: github.apiUrl, request: { retries: 0 } });
      await expect(anonymous.rest.repos.get({ owner: OWNER, repo: REPO })).rejects.toMatchObject(
        refusal(401, 'Requires authentication'),
      );
      const wrong = new Octokit({ auth: 'ghp_wrong', baseUrl: github.apiUrl, request: { retries: 0 } });
      await expect(wrong.rest.repos.get({ owner: OWNER, repo: REPO })).rejects.toMatchObject(
        refusal(401, 'Bad credentials'),
      );
      await octokit.rest.repos.get({ owner: OWNER, repo: REPO });
      expect(github.requests.map((request) => request.auth)).toEqual(['none', 'token', 'token']);
      expect(JSON.stringify(github.requests)).not.toContain(TOKEN);
    });

    it('answers 403 to a token without the permission, and 404 for a repository it cannot see', async () => {
      await start({
        tokens: { [TOKEN]: { permissions: { actions: 'read', metadata: 'read' }, repos: ['acme/platform'] } },
        repos: [
          {
            fullName: 'acme/platform',
            workflows: [greenlightWorkflow(WORKFLOW)],
            permissions: { push: false },
          },
          { fullName: 'acme/secret' },
        ],
      });
      await expect(dispatch({ ref: 'main', inputs: inputs() })).rejects.toMatchObject(
        refusal(403, 'Resource not accessible by personal access token'),
      );
      expect((await octokit.rest.actions.listRepoWorkflows({ owner: OWNER, repo: REPO })).status).toBe(200);
      // The repository says what the user behind the token may do there.
      expect((await octokit.rest.repos.get({ owner: OWNER, repo: REPO })).data.permissions).toMatchObject({
        push: false,
        pull: true,
      });
      await expect(octokit.rest.repos.get({ owner: OWNER, repo: 'secret' })).rejects.toMatchObject({
        status: 404,
      });
    });

    it('sends rate-limit headers, and 403 "API rate limit exceeded" once the hour is spent', async () => {
      await start({ rateLimit: 2 });
      const first = await octokit.rest.repos.get({ owner: OWNER, repo: REPO });
      expect(first.headers).toMatchObject({
        'x-ratelimit-limit': '2',
        'x-ratelimit-remaining': '1',
        'x-ratelimit-used': '1',
        'x-ratelimit-resource': 'core',
      });
      await octokit.rest.repos.get({ owner: OWNER, repo: REPO });
      await expect(octokit.rest.repos.get({ owner: OWNER, repo: REPO })).rejects.toMatchObject({
        status: 403,
        response: { headers: { 'x-ratelimit-remaining': '0' } },
      });
    });
  });

  describe('faults', () => {
    it('answers 5xx for the next requests asked, then recovers', async () => {
      github.faults.serverErrors({ times: 2, status: 503, route: 'repos/get' });
      const get = () => octokit.rest.repos.get({ owner: OWNER, repo: REPO });
      await expect(get()).rejects.toMatchObject({ status: 503 });
      await expect(get()).rejects.toMatchObject({ status: 503 });
      expect((await get()).status).toBe(200);
    });

    it('hits a secondary rate limit: 403 or 429 with retry-after', async () => {
      github.faults.secondaryRateLimit({ status: 429, retryAfterSeconds: 7 });
      await expect(octokit.rest.repos.get({ owner: OWNER, repo: REPO })).rejects.toMatchObject({
        status: 429,
        response: {
          headers: { 'retry-after': '7' },
          data: { message: expect.stringContaining('secondary rate limit') },
        },
      });
      expect((await octokit.rest.repos.get({ owner: OWNER, repo: REPO })).status).toBe(200);
    });

    it('starts a run at once but holds the dispatch answer: a client killed meanwhile never learns it', async () => {
      github.delayDispatches(300);
      const answer = dispatch({ ref: 'main', inputs: inputs(), return_run_details: true });
      await vi.waitFor(() => expect(github.inFlight()).toBe(1));
      expect(github.runs()).toHaveLength(1);
      expect((await answer).status).toBe(200);
      expect(github.inFlight()).toBe(0);
    });

    it('adds latency to requests', async () => {
      github.faults.latency(150, { route: 'repos/get' });
      const started = performance.now();
      await octokit.rest.repos.get({ owner: OWNER, repo: REPO });
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    });
  });

  describe('webhooks and the request log', () => {
    it('sends signed workflow_run events as the run moves, and records every request without secrets', async () => {
      const received: { headers: IncomingHttpHeaders; body: string }[] = [];
      const server = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk) => {
          body += chunk;
        });
        req.on('end', () => {
          received.push({ headers: req.headers, body });
          res.writeHead(202).end();
        });
      });
      const port = await listen(server, 0);
      try {
        github.addWebhook({ url: `http://127.0.0.1:${port}/github/webhooks`, secret: 's3cret' });
        await dispatch({ ref: 'main', inputs: inputs() });
        github.finish(() => true);
        await vi.waitFor(() => expect(received).toHaveLength(3));
        for (const delivery of received) {
          const expected = `sha256=${createHmac('sha256', 's3cret').update(delivery.body).digest('hex')}`;
          expect(delivery.headers['x-hub-signature-256']).toBe(expected);
          expect(delivery.headers['x-github-event']).toBe('workflow_run');
          expect(delivery.headers['x-github-delivery']).toMatch(/^[0-9a-f-]{36}$/);
        }
        const events = received.map((delivery) => JSON.parse(delivery.body));
        expect(events.map((event) => [event.action, event.workflow_run.status])).toEqual([
          ['requested', 'in_progress'],
          ['in_progress', 'in_progress'],
          ['completed', 'completed'],
        ]);
        expect(events[2]).toMatchObject({
          workflow_run: { conclusion: 'success', display_title: 'deploy validation d1-validation-0' },
          repository: { full_name: 'acme/platform' },
        });
        await vi.waitFor(() =>
          expect(github.deliveries.map((delivery) => delivery.status)).toEqual([202, 202, 202]),
        );
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
      const [request] = github.requestsTo('actions/create-workflow-dispatch');
      expect(request).toMatchObject({
        method: 'POST',
        repo: 'acme/platform',
        path: '/repos/acme/platform/actions/workflows/production-deployment.yml/dispatches',
        status: 204,
        body: { ref: 'main', inputs: inputs() },
        runId: github.runs()[0]?.id,
      });
      expect(request?.headers.authorization).toBeUndefined();
    });

    it('keeps several repositories apart', async () => {
      github.addRepo({ fullName: 'acme/web', workflows: [greenlightWorkflow('deploy.yml')] });
      await octokit.request('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', {
        owner: 'acme',
        repo: 'web',
        workflow_id: 'deploy.yml',
        ref: 'main',
        inputs: inputs(),
      });
      expect(github.runs('acme/web')).toHaveLength(1);
      expect(github.runs('acme/platform')).toEqual([]);
      await expect(dispatch({ ref: 'main', inputs: inputs() }, 'deploy.yml')).rejects.toMatchObject({
        status: 404,
      });
    });
  });
});
