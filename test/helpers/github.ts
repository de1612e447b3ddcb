import nock from 'nock';
import {
  createGitHubClient,
  type GitHubClient,
  type GitHubClientOptions,
} from '../../src/adapters/github/client.js';

import { TEST_GITHUB_TOKEN } from './credentials.js';

export { TEST_GITHUB_TOKEN };
/** Enterprise Server puts the REST API under a path; every URL must keep it. */
export const GHE_API = 'https://ghe.example.com/api/v3';
export const GITHUB_API = 'https://api.github.com';
export const OWNER = 'acme';
export const REPO = 'platform';
export const WORKFLOW = 'production-deployment.yml';

/** Headers GitHub sends with every REST answer. */
export const GITHUB_REPLY_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'x-github-media-type': 'github.v3; format=json',
  'x-ratelimit-limit': '5000',
  'x-ratelimit-remaining': '4987',
  'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
  'x-ratelimit-used': '13',
  'x-ratelimit-resource': 'core',
  'x-github-request-id': 'C0DE:1234:5678AB:9ABCDE:65F0A1B2',
};

export interface LogLine {
  level: 'warn' | 'debug';
  fields: object;
  message: string;
}

export function recordingLogger(): {
  lines: LogLine[];
  warn(f: object, m: string): void;
  debug(f: object, m: string): void;
} {
  const lines: LogLine[] = [];
  return {
    lines,
    warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
    debug: (fields, message) => lines.push({ level: 'debug', fields, message }),
  };
}

/** The real client, with GitHub's waits (retry-after, backoff, write spacing) scaled to nothing. */
export function testGitHubClient(options: Partial<GitHubClientOptions> = {}): GitHubClient {
  return createGitHubClient({
    token: TEST_GITHUB_TOKEN,
    baseUrl: GHE_API,
    retryAfterBaseValue: 0,
    spaceWrites: false,
    ...options,
  });
}

/** A nock scope for the GitHub API that only matches requests carrying the token as Octokit sends it. */
export function githubApi(baseUrl = GHE_API): nock.Scope {
  return nock(baseUrl, { reqheaders: { authorization: `token ${TEST_GITHUB_TOKEN}` } }).defaultReplyHeaders(
    GITHUB_REPLY_HEADERS,
  );
}

/** An injected sleep that returns at once and remembers what it was asked to wait. */
export function instantSleep(): { waits: number[]; sleep(ms: number): Promise<void> } {
  const waits: number[] = [];
  return {
    waits,
    sleep: async (ms) => {
      waits.push(ms);
    },
  };
}

const user = {
  login: 'greenlight-bot',
  id: 9919,
  node_id: 'MDQ6VXNlcjk5MTk=',
  avatar_url: 'https://ghe.example.com/avatars/u/9919',
  url: 'https://ghe.example.com/api/v3/users/greenlight-bot',
  html_url: 'https://ghe.example.com/greenlight-bot',
  type: 'Bot',
  site_admin: false,
};

const repository = {
  id: 1296269,
  node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
  name: REPO,
  full_name: `${OWNER}/${REPO}`,
  private: true,
  owner: { ...user, login: OWNER, id: 1, type: 'Organization' },
  html_url: `https://ghe.example.com/${OWNER}/${REPO}`,
  url: `${GHE_API}/repos/${OWNER}/${REPO}`,
};

/** A workflow run as `GET /repos/{owner}/{repo}/actions/runs/{run_id}` returns it (schema `workflow-run`). */
export function workflowRunJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = (overrides.id as number | undefined) ?? 30433642;
  const api = `${GHE_API}/repos/${OWNER}/${REPO}`;
  return {
    id,
    name: 'Production deployment',
    node_id: 'WFR_kwLOAJy2OM4BzwFq',
    head_branch: 'main',
    head_sha: 'acb5820ced9479c074f688cc328bf03f341a511d',
    path: `.github/workflows/${WORKFLOW}`,
    display_title: 'Deploy production · gl-0000',
    run_number: 562,
    event: 'workflow_dispatch',
    status: 'queued',
    conclusion: null,
    workflow_id: 159038,
    check_suite_id: 414944374,
    check_suite_node_id: 'MDEwOkNoZWNrU3VpdGU0MTQ5NDQzNzQ=',
    url: `${api}/actions/runs/${id}`,
    html_url: `https://ghe.example.com/${OWNER}/${REPO}/actions/runs/${id}`,
    pull_requests: [],
    created_at: '2026-03-02T10:00:02Z',
    updated_at: '2026-03-02T10:00:02Z',
    actor: user,
    run_attempt: 1,
    referenced_workflows: [],
    run_started_at: '2026-03-02T10:00:02Z',
    triggering_actor: user,
    jobs_url: `${api}/actions/runs/${id}/jobs`,
    logs_url: `${api}/actions/runs/${id}/logs`,
    check_suite_url: `${api}/check-suites/414944374`,
    artifacts_url: `${api}/actions/runs/${id}/artifacts`,
    cancel_url: `${api}/actions/runs/${id}/cancel`,
    rerun_url: `${api}/actions/runs/${id}/rerun`,
    previous_attempt_url: null,
    workflow_url: `${api}/actions/workflows/159038`,
    head_commit: {
      id: 'acb5820ced9479c074f688cc328bf03f341a511d',
      tree_id: 'd23f6eedb1e1b9610bbc754ddb5197bfe7271223',
      message: 'Ship it',
      timestamp: '2026-03-01T18:21:05Z',
      author: { name: 'Alice', email: 'alice@example.com' },
      committer: { name: 'GitHub', email: 'noreply@github.com' },
    },
    repository,
    head_repository: repository,
    ...overrides,
  };
}

/** `GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs`. */
export function workflowRunListJson(runs: Record<string, unknown>[]): Record<string, unknown> {
  return { total_count: runs.length, workflow_runs: runs };
}

/** A deployment as `POST /repos/{owner}/{repo}/deployments` returns it with 201 (schema `deployment`). */
export function deploymentJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = (overrides.id as number | undefined) ?? 1_805_310_943;
  return {
    url: `${GITHUB_API}/repos/${OWNER}/${REPO}/deployments/${id}`,
    id,
    node_id: 'DE_kwDOAJy2Os5rmqWf',
    sha: 'acb5820ced9479c074f688cc328bf03f341a511d',
    ref: 'main',
    task: 'deploy',
    payload: {},
    original_environment: 'production',
    environment: 'production',
    description: 'Deploy main to production',
    creator: user,
    created_at: '2026-03-02T10:00:00Z',
    updated_at: '2026-03-02T10:00:00Z',
    statuses_url: `${GITHUB_API}/repos/${OWNER}/${REPO}/deployments/${id}/statuses`,
    repository_url: `${GITHUB_API}/repos/${OWNER}/${REPO}`,
    transient_environment: false,
    production_environment: true,
    ...overrides,
  };
}

/** A deployment status as `POST …/deployments/{id}/statuses` returns it with 201 (schema `deployment-status`). */
export function deploymentStatusJson(
  deploymentId: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const id = (overrides.id as number | undefined) ?? 2_533_409_771;
  return {
    url: `${GITHUB_API}/repos/${OWNER}/${REPO}/deployments/${deploymentId}/statuses/${id}`,
    id,
    node_id: 'DES_kwDOAJy2Os6W_vLr',
    state: 'in_progress',
    creator: user,
    description: '',
    environment: 'production',
    target_url: '',
    created_at: '2026-03-02T10:00:05Z',
    updated_at: '2026-03-02T10:00:05Z',
    deployment_url: `${GITHUB_API}/repos/${OWNER}/${REPO}/deployments/${deploymentId}`,
    repository_url: `${GITHUB_API}/repos/${OWNER}/${REPO}`,
    environment_url: '',
    log_url: '',
    ...overrides,
  };
}

/** GitHub's error body: `message`, `documentation_url` and (since 2024) `status` as a string. */
export function githubErrorJson(
  status: number,
  message: string,
  documentation: string,
): Record<string, unknown> {
  return {
    message,
    documentation_url: `https://docs.github.com/rest/${documentation}`,
    status: String(status),
  };
}
