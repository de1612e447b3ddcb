import type { Octokit } from '@octokit/rest';
import { z } from 'zod';
import type { Commits } from '../../services/deploy/ports.js';
import { conditionalReads, ifNoneMatch, type Reads, UNREMEMBERED } from './conditional-reads.js';
import {
  credentialName,
  type GitHubCredential,
  GitHubUnexpectedResponseError,
  githubMessage,
  githubStatus,
  isRateLimited,
} from './github-errors.js';

type Repos = Octokit['rest']['repos'];

/** The only Commits call greenlight makes. */
export interface CommitsOctokit {
  rest: { repos: Pick<Repos, 'getCommit'> };
}

const gitActor = z.object({ date: z.string().optional() }).nullish();

/** What greenlight reads of `GET /repos/{owner}/{repo}/commits/{ref}` (schema `commit`). */
const commitResponse = z.object({
  sha: z.string().min(1),
  commit: z.object({ author: gitActor, committer: gitActor }),
});

/**
 * Commit times through "Get a commit". The committer date is when the commit took its final form (a rebase or a
 * merge by GitHub sets it), which is when the change was ready to ship; the author date is the fallback. Only one
 * file of the diff is asked for (`per_page: 1`): the metadata is all greenlight needs. A ref GitHub does not know
 * (422 "No commit found", 404) or may not show (403) comes back as a result; 5xx and rate limits, already retried by
 * the client, are thrown. With `reads` remembering answers, asking again about a ref that did not move is a free 304.
 */
export function githubCommits(
  octokit: CommitsOctokit,
  reads: Reads = conditionalReads(UNREMEMBERED),
  /** The credential in use, so a refusal names the one to fix. */
  credential: GitHubCredential = 'token',
): Commits {
  return {
    async commitTime({ owner, repo, ref }) {
      let data: z.infer<typeof commitResponse>;
      try {
        data = await reads({
          key: `GET /repos/${owner}/${repo}/commits/${ref}`,
          schema: commitResponse,
          endpoint: 'GET /repos/{owner}/{repo}/commits/{ref}',
          fetch: (etag) =>
            octokit.rest.repos.getCommit({
              owner,
              repo,
              ref,
              per_page: 1,
              ...ifNoneMatch(etag),
            }),
        });
      } catch (error) {
        const status = githubStatus(error);
        if (status === 404 || status === 422 || status === 409)
          return {
            ok: false,
            reason: 'not_found',
            message: `GitHub has no commit \`${ref}\` in ${owner}/${repo} (${githubMessage(error)}).`,
          };
        if ((status === 403 && !isRateLimited(error)) || status === 401)
          return {
            ok: false,
            reason: 'forbidden',
            message: `${credentialName(credential)} may not read commits of ${owner}/${repo} (${githubMessage(error)}): give it Contents: read.`,
          };
        throw error;
      }
      const { sha, commit } = data;
      const at = [commit.committer?.date, commit.author?.date]
        .map((date) => (date === undefined ? Number.NaN : Date.parse(date)))
        .find((ms) => Number.isFinite(ms));
      if (at === undefined)
        throw new GitHubUnexpectedResponseError(
          'GET /repos/{owner}/{repo}/commits/{ref}',
          new Error(`commit ${sha} has neither a committer nor an author date`),
        );
      return { ok: true, sha, at };
    },
  };
}
