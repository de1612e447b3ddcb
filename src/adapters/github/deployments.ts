import type { Octokit } from '@octokit/rest';
import { z } from 'zod';
import { clip } from '../../domain/text.js';
import type { CreateDeploymentResult, GitHubDeployments } from '../../services/deploy/ports.js';
import {
  credentialName,
  type GitHubCredential,
  GitHubUnexpectedResponseError,
  githubMessage,
  githubStatus,
  isRateLimited,
  unseenRepository,
} from './github-errors.js';

type Repos = Octokit['rest']['repos'];

/** The only Deployments calls greenlight makes. */
export interface DeploymentsOctokit {
  rest: { repos: Pick<Repos, 'createDeployment' | 'createDeploymentStatus' | 'listDeployments'> };
}

/** GitHub rejects a status description over 140 characters with 422; a long one is cut, not lost. */
export const MAX_STATUS_DESCRIPTION = 140;

const listed = z.array(
  z.object({
    id: z.number().int().positive(),
    payload: z
      .union([z.object({ greenlight_id: z.string().optional() }).loose(), z.string()])
      .nullish()
      .transform((payload) => (typeof payload === 'object' ? payload : undefined)),
  }),
);

const created = z.object({ id: z.number().int().positive(), sha: z.string().optional() });
const merged = z.object({ message: z.string().optional() });

/**
 * GitHub Deployments and their statuses. The deployment is created with `auto_merge: false` (GitHub must not merge
 * the default branch into the ref) and the `required_contexts` greenlight asks for, so GitHub checks the commit
 * by the same rule greenlight did. What GitHub refuses comes back as a result; 5xx and rate limits were already
 * retried by the client, and what is still failing is thrown.
 */
export function githubDeployments(
  octokit: DeploymentsOctokit,
  /** The credential in use, so a refusal names the one to fix. */
  credential: GitHubCredential = 'token',
): GitHubDeployments {
  return {
    async findDeployment({ owner, repo, environment, greenlightId }) {
      const response = await octokit.rest.repos.listDeployments({ owner, repo, environment, per_page: 30 });
      const list = listed.safeParse(response.data);
      if (!list.success) return undefined;
      return list.data.find((deployment) => deployment.payload?.greenlight_id === greenlightId)?.id;
    },
    async createDeployment({ owner, repo, ref, environment, description, payload, requiredContexts }) {
      let status: number;
      let data: unknown;
      try {
        const response = await octokit.rest.repos.createDeployment({
          owner,
          repo,
          ref,
          environment,
          description,
          payload,
          auto_merge: false,
          required_contexts: requiredContexts,
        });
        status = response.status;
        data = response.data;
      } catch (error) {
        return deploymentRefused(error, { owner, repo, ref }, credential);
      }
      if (status === 202) {
        // 202 means GitHub merged the default branch into the ref instead of deploying (auto-merge).
        const message =
          merged.safeParse(data).data?.message ?? 'GitHub merged the default branch into the ref.';
        return {
          ok: false,
          reason: 'auto_merged',
          message: `GitHub did not create the deployment (${message}); deploy again to use the merged commit.`,
        };
      }
      const deployment = created.safeParse(data);
      if (!deployment.success)
        throw new GitHubUnexpectedResponseError('POST /repos/{owner}/{repo}/deployments', deployment.error);
      return {
        ok: true,
        deploymentId: deployment.data.id,
        ...(deployment.data.sha ? { sha: deployment.data.sha } : {}),
      };
    },

    async setDeploymentStatus({ owner, repo, deploymentId }, state, details = {}) {
      let data: unknown;
      try {
        const response = await octokit.rest.repos.createDeploymentStatus({
          owner,
          repo,
          deployment_id: deploymentId,
          state,
          ...(details.logUrl ? { log_url: details.logUrl } : {}),
          ...(details.environmentUrl ? { environment_url: details.environmentUrl } : {}),
          ...(details.description ? { description: clip(details.description, MAX_STATUS_DESCRIPTION) } : {}),
        });
        data = response.data;
      } catch (error) {
        const status = githubStatus(error);
        if (status === 404)
          return {
            ok: false,
            reason: 'deployment_not_found',
            message: `GitHub has no deployment ${deploymentId} in ${owner}/${repo}; it may have been deleted.`,
          };
        if (status === 403 && !isRateLimited(error))
          return {
            ok: false,
            reason: 'forbidden',
            message: `${credentialName(credential)} may not update deployments in ${owner}/${repo} (${githubMessage(error)}): give it Deployments: read and write.`,
          };
        if (status === 422)
          return {
            ok: false,
            reason: 'invalid',
            message: `GitHub refused the deployment status \`${state}\` (${githubMessage(error)}).`,
          };
        throw error;
      }
      const status = created.safeParse(data);
      if (!status.success)
        throw new GitHubUnexpectedResponseError(
          'POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
          status.error,
        );
      return { ok: true, statusId: status.data.id };
    },
  };
}

function deploymentRefused(
  error: unknown,
  { owner, repo, ref }: { owner: string; repo: string; ref: string },
  credential: GitHubCredential,
): CreateDeploymentResult {
  const status = githubStatus(error);
  const said = githubMessage(error);
  switch (status) {
    case 409: {
      const failing = failedContexts(error);
      if (failing !== undefined)
        return {
          ok: false,
          reason: 'checks_failed',
          message: `GitHub refused to record the deployment of \`${ref}\`: required checks are not green on it (${failing || 'no detail'}); deploy a green commit, or an approver can add \`--override <reason>\``,
        };
      // With auto_merge off this should not happen, but GitHub documents it.
      return {
        ok: false,
        reason: 'merge_conflict',
        message: `GitHub would not deploy \`${ref}\` (${said}): bring the ref up to date with the default branch and deploy again.`,
      };
    }
    case 422:
      if (/no ref found|ref.*not found/i.test(said))
        return {
          ok: false,
          reason: 'ref_not_found',
          message: `GitHub found no branch, tag or commit \`${ref}\` in ${owner}/${repo}: check the ref.`,
        };
      return {
        ok: false,
        reason: 'invalid',
        message: `GitHub refused the deployment of \`${ref}\` (${said}).`,
      };
    case 404:
      return {
        ok: false,
        reason: 'not_found',
        message: `GitHub has no repository ${owner}/${repo}, or ${unseenRepository(credential, `${owner}/${repo}`)}: check github.owner and github.repo (or the service's repo) in greenlight.yml.`,
      };
    case 403:
      if (isRateLimited(error)) throw error;
      return {
        ok: false,
        reason: 'forbidden',
        message: `${credentialName(credential)} may not create deployments in ${owner}/${repo} (${said}): give it Deployments: read and write.`,
      };
    default:
      throw error;
  }
}

const checksConflict = z.object({
  errors: z
    .array(
      z.object({
        field: z.string().optional(),
        contexts: z.array(z.object({ context: z.string(), state: z.string() })).optional(),
      }),
    )
    .default([]),
});

/**
 * GitHub's 409 for required checks that are not green: `ci/test (failure), deploy (pending)`, or undefined when the
 * conflict is about something else.
 */
function failedContexts(error: unknown): string | undefined {
  const data = (error as { response?: { data?: unknown } }).response?.data;
  const parsed = checksConflict.safeParse(data);
  const problem = parsed.data?.errors.find((entry) => entry.field === 'required_contexts');
  if (!problem) return undefined;
  return (problem.contexts ?? [])
    .filter((context) => context.state !== 'success')
    .map((context) => `${context.context} (${context.state})`)
    .join(', ');
}
