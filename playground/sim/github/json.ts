/**
 * GitHub's REST response shapes (the schemas of @octokit/openapi-types: `workflow-run`, `deployment`,
 * `deployment-status`, `commit`, `content-file`…), built from the simulator's state with the fields GitHub always
 * sends. `Site` says where the API and the web pages live, so every URL in an answer points back at the simulator.
 */

import type { Deployment, DeploymentStatus, Run } from './repo.js';

export interface Site {
  /** REST base, `http://127.0.0.1:<port>/api/v3` (Enterprise Server's layout). */
  api: string;
  /** Web base for `html_url`s. */
  web: string;
}

export interface Actor {
  login: string;
  id: number;
  type: 'User' | 'Bot' | 'Organization';
}

export function userJson(site: Site, actor: Actor): Record<string, unknown> {
  return {
    login: actor.login,
    id: actor.id,
    node_id: Buffer.from(`04:User${actor.id}`).toString('base64'),
    avatar_url: `${site.web}/avatars/u/${actor.id}`,
    gravatar_id: '',
    url: `${site.api}/users/${actor.login}`,
    html_url: `${site.web}/${actor.login}`,
    type: actor.type,
    site_admin: false,
  };
}

export function repositoryJson(
  site: Site,
  repo: {
    id: number;
    owner: string;
    name: string;
    defaultBranch: string;
    private: boolean;
    permissions?: Record<string, boolean>;
  },
): Record<string, unknown> {
  const api = `${site.api}/repos/${repo.owner}/${repo.name}`;
  return {
    id: repo.id,
    node_id: Buffer.from(`010:Repository${repo.id}`).toString('base64'),
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    private: repo.private,
    owner: userJson(site, { login: repo.owner, id: 1_000 + repo.id, type: 'Organization' }),
    html_url: `${site.web}/${repo.owner}/${repo.name}`,
    description: null,
    fork: false,
    url: api,
    default_branch: repo.defaultBranch,
    visibility: repo.private ? 'private' : 'public',
    archived: false,
    disabled: false,
    permissions: repo.permissions ?? { admin: false, maintain: false, push: true, triage: true, pull: true },
    deployments_url: `${api}/deployments`,
    statuses_url: `${api}/statuses/{sha}`,
  };
}

export function commitJson(
  site: Site,
  fullName: string,
  commit: { sha: string; message: string; authoredAt: string; committedAt: string | null; author: Actor },
): Record<string, unknown> {
  const api = `${site.api}/repos/${fullName}`;
  const tree = commit.sha.split('').reverse().join('');
  return {
    url: `${api}/commits/${commit.sha}`,
    sha: commit.sha,
    node_id: Buffer.from(`06:Commit${commit.sha}`).toString('base64'),
    html_url: `${site.web}/${fullName}/commit/${commit.sha}`,
    comments_url: `${api}/commits/${commit.sha}/comments`,
    commit: {
      url: `${api}/git/commits/${commit.sha}`,
      author: {
        name: commit.author.login,
        email: `${commit.author.login}@example.com`,
        date: commit.authoredAt,
      },
      committer:
        commit.committedAt === null
          ? null
          : { name: 'GitHub', email: 'noreply@github.com', date: commit.committedAt },
      message: commit.message,
      tree: { url: `${api}/git/trees/${tree}`, sha: tree },
      comment_count: 0,
      verification: {
        verified: false,
        reason: 'unsigned',
        signature: null,
        payload: null,
        verified_at: null,
      },
    },
    author: userJson(site, commit.author),
    committer: userJson(site, { login: 'web-flow', id: 19_864_447, type: 'User' }),
    parents: [],
    stats: { total: 0, additions: 0, deletions: 0 },
    files: [],
  };
}

/** A run as the JSON shows it: the stored run, its times as GitHub prints them. */
export type RunView = Pick<
  Run,
  'id' | 'runNumber' | 'name' | 'displayTitle' | 'path' | 'workflowId' | 'headBranch' | 'headSha' | 'actor'
> & {
  status: string;
  conclusion: string | null;
  event: string;
  createdAt: string;
  updatedAt: string;
  runStartedAt: string;
};

/** A workflow run as `GET /repos/{owner}/{repo}/actions/runs/{run_id}` returns it (schema `workflow-run`). */
export function workflowRunJson(
  site: Site,
  repo: Record<string, unknown>,
  fullName: string,
  run: RunView,
): Record<string, unknown> {
  const api = `${site.api}/repos/${fullName}`;
  return {
    id: run.id,
    name: run.name,
    node_id: Buffer.from(`WFR_${run.id}`).toString('base64'),
    head_branch: run.headBranch,
    head_sha: run.headSha,
    path: run.path,
    display_title: run.displayTitle,
    run_number: run.runNumber,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: run.workflowId,
    check_suite_id: run.id + 7_000_000,
    check_suite_node_id: Buffer.from(`CS_${run.id}`).toString('base64'),
    url: `${api}/actions/runs/${run.id}`,
    html_url: `${site.web}/${fullName}/actions/runs/${run.id}`,
    pull_requests: [],
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    actor: userJson(site, run.actor),
    triggering_actor: userJson(site, run.actor),
    run_attempt: 1,
    referenced_workflows: [],
    run_started_at: run.runStartedAt,
    jobs_url: `${api}/actions/runs/${run.id}/jobs`,
    logs_url: `${api}/actions/runs/${run.id}/logs`,
    check_suite_url: `${api}/check-suites/${run.id + 7_000_000}`,
    artifacts_url: `${api}/actions/runs/${run.id}/artifacts`,
    cancel_url: `${api}/actions/runs/${run.id}/cancel`,
    rerun_url: `${api}/actions/runs/${run.id}/rerun`,
    previous_attempt_url: null,
    workflow_url: `${api}/actions/workflows/${run.workflowId}`,
    head_commit: {
      id: run.headSha,
      tree_id: run.headSha.split('').reverse().join(''),
      message: 'Ship it',
      timestamp: run.createdAt,
      author: { name: run.actor.login, email: `${run.actor.login}@example.com` },
      committer: { name: 'GitHub', email: 'noreply@github.com' },
    },
    repository: repo,
    head_repository: repo,
  };
}

export function workflowJson(
  site: Site,
  fullName: string,
  workflow: { id: number; name: string; path: string; createdAt: string },
): Record<string, unknown> {
  return {
    id: workflow.id,
    node_id: Buffer.from(`W_${workflow.id}`).toString('base64'),
    name: workflow.name,
    path: workflow.path,
    state: 'active',
    created_at: workflow.createdAt,
    updated_at: workflow.createdAt,
    url: `${site.api}/repos/${fullName}/actions/workflows/${workflow.id}`,
    html_url: `${site.web}/${fullName}/blob/main/${workflow.path}`,
    badge_url: `${site.web}/${fullName}/workflows/${encodeURIComponent(workflow.name)}/badge.svg`,
  };
}

export type DeploymentView = Omit<
  Deployment,
  'repo' | 'createdAt' | 'statuses' | 'autoMerge' | 'requiredContexts'
> & {
  originalEnvironment: string;
  createdAt: string;
  updatedAt: string;
};

/** A deployment as `POST /repos/{owner}/{repo}/deployments` returns it with 201 (schema `deployment`). */
export function deploymentJson(
  site: Site,
  fullName: string,
  deployment: DeploymentView,
): Record<string, unknown> {
  const api = `${site.api}/repos/${fullName}`;
  return {
    url: `${api}/deployments/${deployment.id}`,
    id: deployment.id,
    node_id: Buffer.from(`DE_${deployment.id}`).toString('base64'),
    sha: deployment.sha,
    ref: deployment.ref,
    task: deployment.task,
    payload: deployment.payload,
    original_environment: deployment.originalEnvironment,
    environment: deployment.environment,
    description: deployment.description,
    creator: userJson(site, deployment.creator),
    created_at: deployment.createdAt,
    updated_at: deployment.updatedAt,
    statuses_url: `${api}/deployments/${deployment.id}/statuses`,
    repository_url: api,
    transient_environment: deployment.transientEnvironment,
    production_environment: deployment.productionEnvironment,
  };
}

export type DeploymentStatusView = Omit<DeploymentStatus, 'createdAt' | 'automatic'> & {
  createdAt: string;
  creator: Actor;
};

/** A deployment status as `POST …/deployments/{id}/statuses` returns it (schema `deployment-status`). */
export function deploymentStatusJson(
  site: Site,
  fullName: string,
  status: DeploymentStatusView,
): Record<string, unknown> {
  const api = `${site.api}/repos/${fullName}`;
  return {
    url: `${api}/deployments/${status.deploymentId}/statuses/${status.id}`,
    id: status.id,
    node_id: Buffer.from(`DES_${status.id}`).toString('base64'),
    state: status.state,
    creator: userJson(site, status.creator),
    description: status.description,
    environment: status.environment,
    target_url: status.logUrl,
    created_at: status.createdAt,
    updated_at: status.createdAt,
    deployment_url: `${api}/deployments/${status.deploymentId}`,
    repository_url: api,
    environment_url: status.environmentUrl,
    log_url: status.logUrl,
  };
}

/** GitHub's error body: `message`, `documentation_url` and (since 2024) `status` as a string. */
export function errorJson(status: number, message: string, documentation = 'rest'): Record<string, unknown> {
  return {
    message,
    documentation_url: `https://docs.github.com/enterprise-server@3.14/${documentation}`,
    status: String(status),
  };
}
