import type { Octokit } from '@octokit/rest';
import { z } from 'zod';
import { type CommitCheck, checkState } from '../../domain/deploy/commit-checks.js';
import type { CommitChecks, CommitChecksResult, CommitTimeCache } from '../../services/deploy/ports.js';
import { type CommitsOctokit, githubCommits } from './commits.js';
import { conditionalReads, ifNoneMatch, type Reads, UNREMEMBERED } from './conditional-reads.js';
import {
  type GitHubCredential,
  githubMessage,
  githubStatus,
  grantFix,
  isRateLimited,
  isTransientGitHubError,
} from './github-errors.js';

type Rest = Octokit['rest'];

/** The calls `/deploy` makes before it queues: all reads. */
export interface CommitChecksOctokit {
  rest: CommitsOctokit['rest'] & {
    repos: Pick<Rest['repos'], 'getCombinedStatusForRef'>;
    checks: Pick<Rest['checks'], 'listForRef'>;
    actions: Pick<Rest['actions'], 'listWorkflowRuns'>;
  };
}

/** 100 a page (GitHub's most), 10 pages at most: 1,000 statuses or check runs on one commit is plenty. */
const PER_PAGE = 100;
const MAX_PAGES = 10;

const combinedStatus = z.object({
  total_count: z.number(),
  statuses: z.array(z.object({ context: z.string(), state: z.string(), target_url: z.string().nullish() })),
});

const checkRunList = z.object({
  total_count: z.number(),
  check_runs: z.array(
    z.object({
      name: z.string(),
      status: z.string(),
      conclusion: z.string().nullish(),
      html_url: z.string().nullish(),
      details_url: z.string().nullish(),
      app: z.object({ slug: z.string().optional() }).nullish(),
      check_suite: z.object({ id: z.number() }).nullish(),
    }),
  ),
});

const runList = z.object({
  total_count: z.number().optional(),
  workflow_runs: z.array(z.object({ check_suite_id: z.number().nullish() })),
});

/**
 * What a ref names and whether it is green, through the REST API: "Get a commit" (a branch, a tag or a SHA, full or
 * abbreviated), the combined status (newest per context) and the check runs of the commit, page by page. Jobs of
 * greenlight's own workflow runs report as check runs on the commit they ran at (a deployment of a branch runs at
 * its head); they are recognised by their check suite, which `…/actions/workflows/{id}/runs?head_sha=` names.
 * Every read is conditional when `reads` remembers answers: a commit deployed again (another environment, a retry)
 * costs free 304s while its checks and the ref stand as they were, and GitHub still says when they changed. The
 * commit's time, read with it, is kept for lead time (`commitTimes`), so `/deploy stats` need not ask GitHub again.
 */
export function githubCommitChecks(
  octokit: CommitChecksOctokit,
  reads: Reads = conditionalReads(UNREMEMBERED),
  commitTimes?: Pick<CommitTimeCache, 'set'>,
  /** The credential in use, so a refusal names the one to fix. */
  credential: GitHubCredential = 'token',
): CommitChecks {
  const commits = githubCommits(octokit, reads, credential);
  return {
    async resolveRef({ owner, repo, ref }) {
      try {
        const commit = await commits.commitTime({ owner, repo, ref });
        if (!commit.ok) return commit;
        // A commit's time never changes: a cache that fails only costs /deploy stats a lookup later.
        await commitTimes
          ?.set(new Map([[commit.sha, { sha: commit.sha, at: commit.at }]]))
          .catch(() => undefined);
        // A hex word that GitHub resolved to a commit starting with it named that commit, not a branch or tag.
        const isSha = /^[0-9a-f]{7,40}$/.test(ref) && commit.sha.startsWith(ref);
        return { ok: true, sha: commit.sha, isSha };
      } catch (error) {
        return unavailable(error, `resolve \`${ref}\` in ${owner}/${repo}`);
      }
    },

    async checks({ owner, repo, sha, ownWorkflows }): Promise<CommitChecksResult> {
      try {
        const statuses = await readPages(
          reads,
          `GET /repos/${owner}/${repo}/commits/${sha}/status`,
          (page, etag) =>
            octokit.rest.repos.getCombinedStatusForRef({
              owner,
              repo,
              ref: sha,
              per_page: PER_PAGE,
              page,
              ...ifNoneMatch(etag),
            }),
          combinedStatus,
          'GET /repos/{owner}/{repo}/commits/{ref}/status',
          (data) => [data.statuses, data.total_count],
        );
        const runs = await readPages(
          reads,
          `GET /repos/${owner}/${repo}/commits/${sha}/check-runs?filter=latest`,
          (page, etag) =>
            octokit.rest.checks.listForRef({
              owner,
              repo,
              ref: sha,
              filter: 'latest',
              per_page: PER_PAGE,
              page,
              ...ifNoneMatch(etag),
            }),
          checkRunList,
          'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
          (data) => [data.check_runs, data.total_count],
        );
        const fromActions = runs.some((run) => run.app?.slug === 'github-actions');
        const own = fromActions
          ? await ownSuites(octokit, reads, { owner, repo, sha }, ownWorkflows)
          : new Set();
        const checks: CommitCheck[] = [
          ...statuses.map((status) => ({
            name: status.context,
            state: checkState(status.state),
            detail: status.state,
            ...(status.target_url ? { url: status.target_url } : {}),
          })),
          ...runs
            .filter((run) => run.check_suite?.id === undefined || !own.has(run.check_suite.id))
            .map((run) => {
              const url = run.html_url ?? run.details_url;
              return {
                name: run.name,
                state: run.status === 'completed' ? checkState(run.conclusion) : ('pending' as const),
                detail: run.status === 'completed' ? (run.conclusion ?? 'completed') : run.status,
                ...(url ? { url } : {}),
              };
            }),
        ];
        return { ok: true, checks };
      } catch (error) {
        const status = githubStatus(error);
        if (status === 401 || status === 404 || (status === 403 && !isRateLimited(error)))
          return {
            ok: false,
            reason: 'forbidden',
            message: `GitHub does not let greenlight read the checks of ${sha.slice(0, 7)} in ${owner}/${repo} (${githubMessage(error)}): ${grantFix(credential, 'Commit statuses: read and Checks: read', `${owner}/${repo}`)}, or set deploy.requireChecks: none`,
          };
        return unavailable(error, `read the checks of ${sha.slice(0, 7)} in ${owner}/${repo}`);
      }
    },
  };
}

/** The check suites of runs of greenlight's own workflows at `sha`: their jobs are deployments, not checks. */
async function ownSuites(
  octokit: CommitChecksOctokit,
  reads: Reads,
  { owner, repo, sha }: { owner: string; repo: string; sha: string },
  workflows: readonly string[],
): Promise<Set<number>> {
  const suites = new Set<number>();
  for (const workflow of workflows) {
    // Every page: a commit deployed many times has more runs than one page, and a run left out would have its
    // jobs judged as checks of the commit (and a running one block the next deployment).
    let runs: z.infer<typeof runList>['workflow_runs'];
    try {
      runs = await readPages(
        reads,
        `GET /repos/${owner}/${repo}/actions/workflows/${workflow}/runs?head_sha=${sha}`,
        async (page, etag) =>
          octokit.rest.actions.listWorkflowRuns({
            owner,
            repo,
            workflow_id: workflow,
            head_sha: sha,
            per_page: PER_PAGE,
            page,
            ...ifNoneMatch(etag),
          }),
        runList,
        'GET /repos/{owner}/{repo}/actions/workflows/{id}/runs',
        (data) => [data.workflow_runs, data.total_count ?? data.workflow_runs.length],
      );
    } catch (error) {
      // A workflow GitHub does not know has no runs; preflight reports it.
      if (githubStatus(error) === 404) continue;
      throw error;
    }
    for (const run of runs) if (run.check_suite_id) suites.add(run.check_suite_id);
  }
  return suites;
}

/**
 * Reads a list page by page until GitHub's total is reached (or a short page, or `MAX_PAGES`), each page a
 * conditional read of its own (`key` and the page number name it).
 */
async function readPages<D, T>(
  reads: Reads,
  key: string,
  fetch: (page: number, etag: string | undefined) => Promise<{ data: unknown; headers: { etag?: string } }>,
  schema: z.ZodType<D>,
  endpoint: string,
  items: (data: D) => [T[], number],
): Promise<T[]> {
  const all: T[] = [];
  for (let page = 1; page <= MAX_PAGES; page += 1) {
    const data = await reads({
      key: `${key} page ${page}`,
      schema,
      endpoint,
      fetch: (etag) => fetch(page, etag),
    });
    const [found, total] = items(data);
    all.push(...found);
    if (found.length < PER_PAGE || all.length >= total) break;
  }
  return all;
}

function unavailable(error: unknown, doing: string): { ok: false; reason: 'unavailable'; message: string } {
  if (!isTransientGitHubError(error)) throw error;
  return {
    ok: false,
    reason: 'unavailable',
    message: `GitHub could not be reached to ${doing} (${githubMessage(error)}); nothing was started, try again in a minute`,
  };
}
