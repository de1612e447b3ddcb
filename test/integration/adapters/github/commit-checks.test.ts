import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GitHubSim, refSha } from '../../../../playground/sim/github.js';
import { githubCommitChecks } from '../../../../src/adapters/github/commit-checks.js';
import { conditionalReads } from '../../../../src/adapters/github/conditional-reads.js';
import { redisCommitTimeCache } from '../../../../src/adapters/redis/commit-time-cache.js';
import { redisReadMemory } from '../../../../src/adapters/redis/github-reads.js';
import { redisKeys } from '../../../../src/adapters/redis/keys.js';
import type { CommitChecks } from '../../../../src/services/deploy/ports.js';
import { TEST_GITHUB_TOKEN, testGitHubClient } from '../../../helpers/github.js';
import { deleteKeys, testRedis, uniquePrefix } from '../../../helpers/redis.js';
import { startTestGitHub } from '../../../helpers/simulators.js';

const REPO = { owner: 'acme', repo: 'platform' };
const MAIN = refSha('acme/platform', 'main');
const OWN = ['production-deployment.yml'];

describe('githubCommitChecks, against the GitHub simulator', () => {
  let github: GitHubSim;
  let commits: CommitChecks;

  async function start(options: Parameters<typeof startTestGitHub>[0] = {}) {
    await github?.close();
    github = await startTestGitHub(options);
    commits = githubCommitChecks(testGitHubClient({ baseUrl: github.apiUrl, retries: 0 }));
  }
  beforeEach(() => start());
  afterEach(() => github.close());

  describe('resolveRef', () => {
    it('resolves a branch, a tag and an abbreviated SHA, and says which named a commit', async () => {
      const sha = 'c0ffee1ab2a1e5b0b6d4f2e1f0e9d8c7b6a59483';
      github.repo().addCommit({ sha });
      github.repo().setTag('v2.3.1', sha);
      expect(await commits.resolveRef({ ...REPO, ref: 'main' })).toEqual({
        ok: true,
        sha: MAIN,
        isSha: false,
      });
      expect(await commits.resolveRef({ ...REPO, ref: 'v2.3.1' })).toEqual({ ok: true, sha, isSha: false });
      expect(await commits.resolveRef({ ...REPO, ref: 'c0ffee1' })).toEqual({ ok: true, sha, isSha: true });
      expect(await commits.resolveRef({ ...REPO, ref: sha })).toEqual({ ok: true, sha, isSha: true });
    });

    it('a branch named like hex is a branch', async () => {
      const head = github.repo().setBranch('cafe123', 'cafe123');
      expect(head.startsWith('cafe123')).toBe(false);
      expect(await commits.resolveRef({ ...REPO, ref: 'cafe123' })).toEqual({
        ok: true,
        sha: head,
        isSha: false,
      });
    });

    it('an unknown ref is not_found; GitHub down is unavailable, not a refusal of the ref', async () => {
      expect(await commits.resolveRef({ ...REPO, ref: 'mian' })).toMatchObject({
        ok: false,
        reason: 'not_found',
      });
      github.faults.serverErrors({ route: 'repos/get-commit', status: 503 });
      expect(await commits.resolveRef({ ...REPO, ref: 'main' })).toEqual({
        ok: false,
        reason: 'unavailable',
        message:
          'GitHub could not be reached to resolve `main` in acme/platform (Service Unavailable); nothing was started, try again in a minute',
      });
    });
  });

  describe('checks', () => {
    it('reads every status and check run, page by page, with where to read why', async () => {
      for (let index = 0; index < 130; index += 1)
        github.repo().setStatus(MAIN, {
          context: `ci/shard-${index}`,
          state: index === 7 ? 'failure' : 'success',
          description: null,
          targetUrl: `https://ci.example.com/shard/${index}`,
        });
      for (let index = 0; index < 105; index += 1)
        github.repo().setCheckRun(MAIN, {
          name: `check-${index}`,
          status: index === 3 ? 'in_progress' : 'completed',
          conclusion: index === 3 ? null : 'success',
        });
      const result = await commits.checks({ ...REPO, sha: MAIN, ownWorkflows: OWN });
      if (!result.ok) throw new Error(result.message);
      expect(result.checks).toHaveLength(235);
      expect(result.checks.find((check) => check.name === 'ci/shard-7')).toEqual({
        name: 'ci/shard-7',
        state: 'failure',
        detail: 'failure',
        url: 'https://ci.example.com/shard/7',
      });
      expect(result.checks.find((check) => check.name === 'check-3')).toMatchObject({
        state: 'pending',
        detail: 'in_progress',
        url: expect.stringMatching(/\/acme\/platform\/runs\/\d+$/),
      });
      expect(
        github.requestsTo('repos/get-combined-status-for-ref').map((request) => request.query.page),
      ).toEqual(['1', '2']);
      expect(github.requestsTo('checks/list-for-ref')).toHaveLength(2);
    });

    it("leaves out the jobs of greenlight's own workflow runs on the commit, not a CI workflow's", async () => {
      github.repo().addWorkflow({ file: 'ci.yml', inputs: {} });
      const octokit = testGitHubClient({ baseUrl: github.apiUrl, retries: 0 });
      const run = (workflow: string, inputs: Record<string, string>) =>
        octokit.rest.actions.createWorkflowDispatch({ ...REPO, workflow_id: workflow, ref: 'main', inputs });
      await run('production-deployment.yml', {
        deployment_phase: 'validation',
        environment: 'staging',
        ref: 'main',
        greenlight_id: 'd1-validation-0',
      });
      await run('ci.yml', {});
      github.fail(() => true);

      const result = await commits.checks({ ...REPO, sha: MAIN, ownWorkflows: OWN });
      expect(result).toEqual({
        ok: true,
        checks: [
          { name: 'deploy', state: 'failure', detail: 'failure', url: expect.stringContaining('/job/') },
        ],
      });
      const [ci] = github.runs().filter((candidate) => candidate.workflow === 'ci.yml');
      expect(result.ok && result.checks[0]?.url).toContain(`/actions/runs/${ci?.id}/job/`);
      expect(github.requestsTo('actions/list-workflow-runs')[0]?.query).toMatchObject({ head_sha: MAIN });
    });

    it('asks nothing about workflow runs when no check run comes from GitHub Actions', async () => {
      github
        .repo()
        .setCheckRun(MAIN, { name: 'test', status: 'completed', conclusion: 'success', app: 'circleci' });
      await commits.checks({ ...REPO, sha: MAIN, ownWorkflows: OWN });
      expect(github.requestsTo('actions/list-workflow-runs')).toEqual([]);
    });

    it('a token that may not read checks is told which permissions to give', async () => {
      await start({ tokens: { [TEST_GITHUB_TOKEN]: { permissions: { contents: 'read', checks: 'read' } } } });
      expect(await commits.checks({ ...REPO, sha: MAIN, ownWorkflows: OWN })).toEqual({
        ok: false,
        reason: 'forbidden',
        message: `GitHub does not let greenlight read the checks of ${MAIN.slice(0, 7)} in acme/platform (Resource not accessible by personal access token): give GITHUB_TOKEN Commit statuses: read and Checks: read on acme/platform, or set deploy.requireChecks: none`,
      });
    });
  });

  describe('deploying a commit again', () => {
    const redis = testRedis();
    const prefix = uniquePrefix('reads');
    afterEach(() => deleteKeys(redis, prefix));
    afterAll(() => redis.disconnect());

    /** A process of its own (a replica), remembering answers in the shared Redis. */
    const replica = () =>
      githubCommitChecks(
        testGitHubClient({ baseUrl: github.apiUrl, retries: 0 }),
        conditionalReads(redisReadMemory(redis, redisKeys(`${prefix}greenlight:`, `${prefix}feature:`))),
      );
    const counted = () =>
      github.requests.filter((request) => request.status !== 304).map((request) => request.route);

    it('costs no counted request while the ref and its checks stand, and still sees a check that changed', async () => {
      github
        .repo()
        .setStatus(MAIN, { context: 'ci/test', state: 'success', description: null, targetUrl: null });
      github.repo().setCheckRun(MAIN, { name: 'lint', status: 'completed', conclusion: 'success' });
      const deploy = async (checks: CommitChecks) => {
        const commit = await checks.resolveRef({ ...REPO, ref: 'main' });
        if (!commit.ok) throw new Error(commit.message);
        const found = await checks.checks({ ...REPO, sha: commit.sha, ownWorkflows: OWN });
        if (!found.ok) throw new Error(found.message);
        return found.checks.map((check) => `${check.name} ${check.state}`).sort();
      };

      expect(await deploy(replica())).toEqual(['ci/test success', 'lint success']);
      // A check run from GitHub Actions: greenlight's own workflow runs on the commit are read too.
      expect(counted()).toEqual([
        'repos/get-commit',
        'repos/get-combined-status-for-ref',
        'checks/list-for-ref',
        'actions/list-workflow-runs',
      ]);

      // Another environment, from another replica: the same answers, as free 304s.
      const before = github.requests.length;
      expect(await deploy(replica())).toEqual(['ci/test success', 'lint success']);
      expect(github.requests.slice(before).map((request) => [request.conditional, request.status])).toEqual([
        [true, 304],
        [true, 304],
        [true, 304],
        [true, 304],
      ]);
      expect(counted()).toHaveLength(4);

      // A check re-run that failed: GitHub answers the changed list, never a stale copy.
      github
        .repo()
        .setStatus(MAIN, { context: 'ci/test', state: 'failure', description: null, targetUrl: null });
      expect(await deploy(replica())).toEqual(['ci/test failure', 'lint success']);
    });

    it("keeps the commit's time for lead time, so /deploy stats need not ask GitHub for it again", async () => {
      const cache = redisCommitTimeCache(redis, `${prefix}greenlight:commit-times`);
      const checks = githubCommitChecks(
        testGitHubClient({ baseUrl: github.apiUrl, retries: 0 }),
        conditionalReads(redisReadMemory(redis, redisKeys(`${prefix}greenlight:`, `${prefix}feature:`))),
        cache,
      );
      const resolved = await checks.resolveRef({ ...REPO, ref: 'main' });
      if (!resolved.ok) throw new Error(resolved.message);
      const answer = github.requestsTo('repos/get-commit')[0]?.response as {
        commit: { committer: { date: string } };
      };
      expect(await cache.get([MAIN])).toEqual(
        new Map([[MAIN, { sha: MAIN, at: Date.parse(answer.commit.committer.date) }]]),
      );
    });

    it('ten deployments of one commit at once share one request per read', async () => {
      const checks = replica();
      const all = await Promise.all(
        Array.from({ length: 10 }, () => checks.checks({ ...REPO, sha: MAIN, ownWorkflows: OWN })),
      );
      expect(all.every((result) => result.ok)).toBe(true);
      expect(github.requestsTo('repos/get-combined-status-for-ref')).toHaveLength(1);
      expect(github.requestsTo('checks/list-for-ref')).toHaveLength(1);
    });
  });
});
