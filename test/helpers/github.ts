import nock from 'nock';
import {
  type Actor,
  commitJson as commitJsonOf,
  deploymentJson as deploymentJsonOf,
  deploymentStatusJson as deploymentStatusJsonOf,
  repositoryJson,
  type Site,
  workflowRunJson as workflowRunJsonOf,
} from '../../playground/sim/github/json.js';
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

/** The answers' URLs point at an Enterprise Server, as the simulator's do at itself. */
const SITE: Site = { api: GHE_API, web: 'https://ghe.example.com' };
const BOT: Actor = { login: 'greenlight-bot', id: 9919, type: 'Bot' };
const repository = repositoryJson(SITE, {
  id: 1296269,
  owner: OWNER,
  name: REPO,
  defaultBranch: 'main',
  private: true,
});

/**
 * A workflow run as `GET /repos/{owner}/{repo}/actions/runs/{run_id}` returns it (schema `workflow-run`): the
 * simulator's shape, with `overrides` for what a test needs.
 */
export function workflowRunJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = (overrides.id as number | undefined) ?? 30433642;
  const run = workflowRunJsonOf(SITE, repository, `${OWNER}/${REPO}`, {
    id,
    runNumber: 562,
    name: 'Production deployment',
    displayTitle: 'Deploy production · gl-0000',
    path: `.github/workflows/${WORKFLOW}`,
    workflowId: 159038,
    headBranch: 'main',
    headSha: 'acb5820ced9479c074f688cc328bf03f341a511d',
    event: 'workflow_dispatch',
    status: 'queued',
    conclusion: null,
    createdAt: '2026-03-02T10:00:02Z',
    updatedAt: '2026-03-02T10:00:02Z',
    runStartedAt: '2026-03-02T10:00:02Z',
    actor: BOT,
  });
  return { ...run, ...overrides };
}

/** `GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs`. */
export function workflowRunListJson(runs: Record<string, unknown>[]): Record<string, unknown> {
  return { total_count: runs.length, workflow_runs: runs };
}

/** A deployment as `POST /repos/{owner}/{repo}/deployments` returns it with 201 (schema `deployment`). */
export function deploymentJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const deployment = deploymentJsonOf({ api: GITHUB_API, web: 'https://github.com' }, `${OWNER}/${REPO}`, {
    id: (overrides.id as number | undefined) ?? 1_805_310_943,
    sha: 'acb5820ced9479c074f688cc328bf03f341a511d',
    ref: 'main',
    task: 'deploy',
    payload: {},
    environment: 'production',
    originalEnvironment: 'production',
    description: 'Deploy main to production',
    createdAt: '2026-03-02T10:00:00Z',
    updatedAt: '2026-03-02T10:00:00Z',
    transientEnvironment: false,
    productionEnvironment: true,
    creator: BOT,
  });
  return { ...deployment, ...overrides };
}

/** A deployment status as `POST …/deployments/{id}/statuses` returns it with 201 (schema `deployment-status`). */
export function deploymentStatusJson(
  deploymentId: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const status = deploymentStatusJsonOf({ api: GITHUB_API, web: 'https://github.com' }, `${OWNER}/${REPO}`, {
    id: (overrides.id as number | undefined) ?? 2_533_409_771,
    deploymentId,
    state: 'in_progress',
    description: '',
    environment: 'production',
    logUrl: '',
    environmentUrl: '',
    createdAt: '2026-03-02T10:00:05Z',
    creator: BOT,
  });
  return { ...status, ...overrides };
}

/** A commit as "Get a commit" returns it (schema `commit`): committed at `committedAt` (null: no committer). */
export function commitJson(options: {
  sha: string;
  committedAt?: string | null;
  authoredAt?: string;
}): Record<string, unknown> {
  return commitJsonOf(SITE, `${OWNER}/${REPO}`, {
    sha: options.sha,
    message: 'Ship the new checkout (#412)',
    authoredAt: options.authoredAt ?? '2026-03-01T09:12:40Z',
    committedAt: options.committedAt === undefined ? '2026-03-01T10:00:00Z' : options.committedAt,
    author: { login: 'alice', id: 583231, type: 'User' },
  });
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
