import type { Octokit } from '@octokit/rest';
import { parse } from 'yaml';
import { z } from 'zod';
import type { DeclaredDispatch, DeclaredInput } from '../../domain/preflight/workflow-inputs-check.js';
import { cannotTell, found, type GitHubSetup, type Probe } from '../../services/preflight/ports.js';
import type { InstallationLookup } from './app-auth.js';
import { githubCommits } from './commits.js';
import { githubMessage, githubStatus } from './github-errors.js';

type Rest = Octokit['rest'];

/** The only calls preflight makes, all reads. */
export interface SetupOctokit {
  rest: {
    repos: Pick<Rest['repos'], 'get' | 'getCommit' | 'getContent' | 'getCombinedStatusForRef'>;
    actions: Pick<Rest['actions'], 'getWorkflow'>;
    checks: Pick<Rest['checks'], 'listForRef'>;
  };
}

const totalCount = z.object({ total_count: z.number() });

const repositoryResponse = z.object({
  full_name: z.string(),
  permissions: z
    .object({ admin: z.boolean().optional(), maintain: z.boolean().optional(), push: z.boolean().optional() })
    .optional(),
});

const workflowResponse = z.object({ path: z.string(), state: z.string() });

const fileResponse = z.object({ type: z.literal('file'), encoding: z.string(), content: z.string() });

/** `on.workflow_dispatch.inputs` as GitHub reads it; anything else in the file is none of preflight's business. */
const inputSchema = z
  .object({
    required: z.union([z.boolean(), z.string()]).optional(),
    default: z.unknown().optional(),
    type: z.string().optional(),
    options: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .nullable();
const workflowFile = z.object({
  on: z.union([
    z.string(),
    z.array(z.string()),
    z.record(z.string(), z.unknown()).transform((events) => events),
  ]),
});
const dispatchSection = z.object({ inputs: z.record(z.string(), inputSchema).nullish() }).nullish();

/**
 * Reads what preflight needs from the configured repository: the repository and the token's access to it, a ref's
 * commit, each workflow and its file at the ref. A 404 is an answer (undefined); a refused token, an unreachable
 * server or a file that is not a workflow comes back as a sentence.
 */
export function githubSetupProbe(
  octokit: SetupOctokit,
  repo: { owner: string; repo: string },
  installations?: InstallationLookup,
): GitHubSetup {
  const commits = githubCommits(octokit);
  const slug = `${repo.owner}/${repo.repo}`;
  const failure = (error: unknown, doing: string) =>
    failed(error, doing, installations ? 'the GitHub App' : 'GITHUB_TOKEN');
  return {
    async access() {
      if (!installations) return found({ mode: 'token' });
      try {
        const installation = await installations.installation(repo.owner, repo.repo);
        return found({
          mode: 'app',
          installationId: installation?.id,
          ...(installation ? { permissions: installation.permissions } : {}),
        });
      } catch (error) {
        if (githubStatus(error) === 401)
          return cannotTell(
            `GitHub refuses the GitHub App's JWT (${githubMessage(error)}): check GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY (the App's key, not a deploy key) and the server's clock`,
          );
        return failure(error, `looking up the GitHub App's installation on ${slug}`);
      }
    },
    async repository() {
      try {
        const response = await octokit.rest.repos.get(repo);
        const parsed = repositoryResponse.parse(response.data);
        const scopes = response.headers['x-oauth-scopes'];
        const { permissions } = parsed;
        return found({
          fullName: parsed.full_name,
          canWrite: permissions
            ? Boolean(permissions.push || permissions.maintain || permissions.admin)
            : undefined,
          classicScopes:
            typeof scopes === 'string'
              ? scopes
                  .split(',')
                  .map((scope) => scope.trim())
                  .filter(Boolean)
              : undefined,
        });
      } catch (error) {
        return githubStatus(error) === 404 ? found(undefined) : failure(error, `reading ${slug}`);
      }
    },
    async commit(ref) {
      try {
        const commit = await commits.commitTime({ ...repo, ref });
        if (commit.ok) return found({ sha: commit.sha });
        return commit.reason === 'not_found' ? found(undefined) : cannotTell(commit.message);
      } catch (error) {
        return failure(error, `resolving ${ref} in ${slug}`);
      }
    },
    async workflow(workflow) {
      try {
        const response = await octokit.rest.actions.getWorkflow({ ...repo, workflow_id: workflow });
        return found(workflowResponse.parse(response.data));
      } catch (error) {
        return githubStatus(error) === 404
          ? found(undefined)
          : failure(error, `reading workflow ${workflow}`);
      }
    },
    async dispatchTrigger(path, ref) {
      let text: string;
      try {
        const response = await octokit.rest.repos.getContent({ ...repo, path, ref });
        const file = fileResponse.parse(response.data);
        text = Buffer.from(file.content, file.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8');
      } catch (error) {
        return githubStatus(error) === 404 ? found(undefined) : failure(error, `reading ${path} at ${ref}`);
      }
      return declaredDispatch(text, path, ref);
    },
    async checks(sha) {
      try {
        const [statuses, runs] = await Promise.all([
          octokit.rest.repos.getCombinedStatusForRef({ ...repo, ref: sha, per_page: 1 }),
          octokit.rest.checks.listForRef({ ...repo, ref: sha, per_page: 1 }),
        ]);
        return found({
          statuses: totalCount.parse(statuses.data).total_count,
          checkRuns: totalCount.parse(runs.data).total_count,
        });
      } catch (error) {
        const status = githubStatus(error);
        if (status === 403 || status === 404)
          return cannotTell(
            `${installations ? 'the GitHub App' : 'GITHUB_TOKEN'} may not read the commit statuses or check runs of ${slug} (${githubMessage(error)}): give it Commit statuses: read and Checks: read, or set deploy.requireChecks: none`,
          );
        return failure(error, `reading the checks of ${sha.slice(0, 7)}`);
      }
    },
  };
}

/** What a workflow file declares under `on.workflow_dispatch`, or why it cannot be read as a workflow. */
export function declaredDispatch(text: string, path: string, ref: string): Probe<DeclaredDispatch> {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    const first = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    return cannotTell(`${path} at ${ref} is not valid YAML (${first}): fix the workflow file`);
  }
  const workflow = workflowFile.safeParse(document);
  if (!workflow.success)
    return cannotTell(`${path} at ${ref} has no \`on:\` section GitHub could read: fix the workflow file`);
  const { on } = workflow.data;
  if (typeof on === 'string')
    return found(on === 'workflow_dispatch' ? { dispatchable: true, inputs: [] } : notDispatchable);
  if (Array.isArray(on))
    return found(on.includes('workflow_dispatch') ? { dispatchable: true, inputs: [] } : notDispatchable);
  if (!('workflow_dispatch' in on)) return found(notDispatchable);
  const section = dispatchSection.safeParse(on.workflow_dispatch);
  if (!section.success)
    return cannotTell(
      `${path} at ${ref}: on.workflow_dispatch.inputs is not a mapping of inputs: fix the workflow file`,
    );
  const inputs: DeclaredInput[] = Object.entries(section.data?.inputs ?? {}).map(([name, input]) => ({
    name,
    required: input?.required === true || input?.required === 'true',
    hasDefault: input?.default !== undefined && input?.default !== null,
    ...(input?.type ? { type: input.type } : {}),
    ...(input?.options ? { options: input.options.map(String) } : {}),
  }));
  return found({ dispatchable: true, inputs });
}

const notDispatchable: DeclaredDispatch = { dispatchable: false };

function failed(error: unknown, doing: string, who: string): Probe<never> {
  const status = githubStatus(error);
  const said = githubMessage(error);
  if (status === 401)
    return cannotTell(
      who === 'GITHUB_TOKEN'
        ? `GitHub refuses GITHUB_TOKEN (${said}): set a valid token with Actions: read and write, Deployments: read and write, Contents: read`
        : `GitHub refuses the GitHub App's token (${said}): check GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY`,
    );
  if (status === 403)
    return cannotTell(
      `GitHub forbids ${doing} (${said}): give ${who} access to the repository (Actions, Contents: read at least)`,
    );
  if (status === undefined || status >= 500)
    return cannotTell(`GitHub could not be reached ${doing} (${said}): check GITHUB_API_URL and the network`);
  return cannotTell(`GitHub answered ${status} ${doing} (${said})`);
}
