import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from './net.js';

/** One workflow run the fake started, as the test sees it. */
export interface FakeRun {
  id: number;
  workflow: string;
  ref: string;
  inputs: Record<string, string>;
  status: 'in_progress' | 'completed';
  conclusion: string | null;
  createdAt: string;
  updatedAt: string;
  /** Bumped on every change; part of the ETag, so an unchanged run answers 304. */
  revision: number;
}

export interface FakeRequest {
  method: string;
  /** Path and query as received, the `/api/v3` base included. */
  url: string;
  authorization?: string;
  body?: unknown;
}

export interface FakeGitHub {
  /** The REST base URL to give greenlight as GITHUB_API_URL (GHES shape: `http://127.0.0.1:<port>/api/v3`). */
  apiUrl: string;
  /** Every workflow_dispatch received, in order, with the run it started. */
  dispatches: FakeRun[];
  /** Every request, in order. */
  requests: FakeRequest[];
  /** Dispatches received whose answer has not been sent yet (see `delayDispatches`). */
  inFlight(): number;
  /**
   * Holds each dispatch's answer this long after the run is created, as a slow GitHub would: a process killed
   * meanwhile started the run without learning its id. 0 answers at once.
   */
  delayDispatches(ms: number): void;
  /** Holds each answer to creating a GitHub Deployment this long (the deployment exists meanwhile). */
  delayDeployments(ms: number): void;
  /** Completes the runs matching `which` (a run id or a predicate); returns how many changed. */
  finish(which: number | ((run: FakeRun) => boolean), conclusion?: string): number;
  /** Requests matching a method and a path pattern (the `/api/v3/repos/{owner}/{repo}` part left out). */
  requestsTo(method: string, path: RegExp): FakeRequest[];
  close(): Promise<void>;
}

const BASE = '/api/v3';

export interface FakeGitHubOptions {
  owner?: string;
  repo?: string;
  /**
   * The workflows in `.github/workflows` (file name → YAML), as preflight reads them on every branch; by default
   * one, `production-deployment.yml`, declaring every input greenlight can send.
   */
  workflowFiles?: Record<string, string>;
  /** The token's access to the repository (`permissions.push`); default true. */
  canPush?: boolean;
}

/** A workflow that declares every input greenlight can send, as the README shows it. */
export const FULL_WORKFLOW = `name: production-deployment
run-name: "deploy \${{ inputs.greenlight_id }}"
on:
  workflow_dispatch:
    inputs:
      deployment_phase: { required: true, type: string }
      environment: { required: true, type: string }
      ref: { required: true, type: string }
      greenlight_id: { required: true, type: string }
      traffic_percentage: { required: false, type: string }
      service: { required: false, type: string }
      rollback_version: { required: false, type: string }
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: echo deploying
`;

/** The branches and tags the fake knows; any 40-hex SHA is a commit too. */
const KNOWN_REFS = new Set(['main']);

type Route = (request: {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  body: Record<string, unknown> | undefined;
  params: string[];
}) => void;

const REPLY_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'x-github-media-type': 'github.v3; format=json',
  'x-ratelimit-limit': '5000',
  'x-ratelimit-remaining': '4900',
  'x-ratelimit-used': '100',
  'x-ratelimit-resource': 'core',
};

/**
 * A loopback GitHub Enterprise Server for the REST calls greenlight makes, so a real greenlight process can
 * deploy against it: workflow dispatch with `return_run_details`, a run's status with ETag and 304, the
 * workflow's run list (each run titled `deploy <greenlight_id>`, as the documented `run-name` makes it),
 * cancel, and Deployments with their statuses. Runs stay `in_progress` until the test finishes them.
 */
export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const owner = options.owner ?? 'acme';
  const repo = options.repo ?? 'platform';
  const workflowFiles = options.workflowFiles ?? { 'production-deployment.yml': FULL_WORKFLOW };
  const repoPath = `${BASE}/repos/${owner}/${repo}`;
  const runs: FakeRun[] = [];
  const requests: FakeRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let dispatchDelayMs = 0;
  let deploymentDelayMs = 0;
  let inFlight = 0;
  let nextRunId = 30_433_001;
  let nextDeploymentId = 501;
  let nextStatusId = 1;
  let origin = '';

  const send = (
    res: ServerResponse,
    status: number,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    if (res.destroyed) return;
    res.writeHead(status, { ...REPLY_HEADERS, ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };

  const runJson = (run: FakeRun) => ({
    id: run.id,
    name: 'Production deployment',
    display_title: `deploy ${run.inputs.greenlight_id ?? ''}`,
    head_branch: run.ref,
    event: 'workflow_dispatch',
    status: run.status,
    conclusion: run.conclusion,
    url: `${origin}${repoPath}/actions/runs/${run.id}`,
    html_url: `${origin}/${owner}/${repo}/actions/runs/${run.id}`,
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    run_started_at: run.createdAt,
    run_attempt: 1,
  });

  const etagOf = (run: FakeRun) => `W/"run-${run.id}-${run.revision}"`;

  const notFound = (res: ServerResponse) =>
    send(res, 404, {
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/enterprise-server/rest',
      status: '404',
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(body ? { body } : {}),
    });
    if (req.method === 'GET' && url.pathname === repoPath) return getRepository(res);
    if (!url.pathname.startsWith(`${repoPath}/`)) return notFound(res);
    const path = url.pathname.slice(repoPath.length);
    for (const [method, pattern, route] of routes) {
      const match = req.method === method ? path.match(pattern) : null;
      if (match) return route({ req, res, url, body, params: match.slice(1).map(decodeURIComponent) });
    }
    return notFound(res);
  };

  /** Answers after `ms`, unless the client is gone by then; `settled` runs once either way. */
  const later = (res: ServerResponse, ms: number, answer: () => void, settled = () => {}) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      settled();
      answer();
    }, ms);
    timers.add(timer);
    res.once('close', () => {
      if (!timers.delete(timer)) return;
      clearTimeout(timer);
      settled();
    });
  };

  const dispatch: Route = ({ res, body, params }) => {
    const now = new Date().toISOString();
    const run: FakeRun = {
      id: nextRunId++,
      workflow: params[0] ?? '',
      ref: String(body?.ref ?? ''),
      inputs: { ...((body?.inputs as Record<string, string> | undefined) ?? {}) },
      status: 'in_progress',
      conclusion: null,
      createdAt: now,
      updatedAt: now,
      revision: 1,
    };
    runs.push(run);
    const answer = () =>
      body?.return_run_details
        ? send(res, 200, {
            workflow_run_id: run.id,
            run_url: `${origin}${repoPath}/actions/runs/${run.id}`,
            html_url: `${origin}/${owner}/${repo}/actions/runs/${run.id}`,
          })
        : send(res, 204);
    if (dispatchDelayMs <= 0) return answer();
    inFlight += 1;
    later(res, dispatchDelayMs, answer, () => {
      inFlight -= 1;
    });
  };

  const listRuns: Route = ({ res, url, params }) => {
    const created = url.searchParams.get('created')?.replace(/^>=/, '');
    const branch = url.searchParams.get('branch');
    const event = url.searchParams.get('event');
    const listed = runs
      .filter((run) => run.workflow === params[0])
      .filter((run) => !branch || run.ref.replace(/^refs\/(heads|tags)\//, '') === branch)
      .filter(() => !event || event === 'workflow_dispatch')
      .filter((run) => !created || Date.parse(run.createdAt) >= Date.parse(created))
      .reverse()
      .slice(0, Number(url.searchParams.get('per_page') ?? 30));
    send(res, 200, { total_count: listed.length, workflow_runs: listed.map(runJson) });
  };

  const getRun: Route = ({ req, res, params }) => {
    const run = runs.find((candidate) => candidate.id === Number(params[0]));
    if (!run) return notFound(res);
    const etag = etagOf(run);
    if (req.headers['if-none-match'] === etag) return send(res, 304, undefined, { etag });
    send(res, 200, runJson(run), { etag });
  };

  const cancelRun: Route = ({ res, params }) => {
    const run = runs.find((candidate) => candidate.id === Number(params[0]));
    if (!run) return notFound(res);
    if (run.status === 'completed')
      return send(res, 409, { message: 'Cannot cancel a workflow run that is completed.' });
    send(res, 202, {});
  };

  const deployments: Record<string, unknown>[] = [];

  /** Newest first, filtered by `environment`, as GitHub lists them. */
  const listDeployments: Route = ({ req, res }) => {
    const environment = new URL(req.url ?? '/', 'http://x').searchParams.get('environment');
    send(
      res,
      200,
      deployments.filter((deployment) => !environment || deployment.environment === environment).reverse(),
    );
  };

  const createDeployment: Route = ({ res, body }) => {
    const deployment = {
      id: nextDeploymentId++,
      sha: 'acb5820ced9479c074f688cc328bf03f341a511d',
      ref: body?.ref,
      environment: body?.environment,
      task: 'deploy',
      payload: body?.payload ?? {},
    };
    deployments.push(deployment);
    if (deploymentDelayMs <= 0) return send(res, 201, deployment);
    later(res, deploymentDelayMs, () => send(res, 201, deployment));
  };

  const createStatus: Route = ({ res, body }) => send(res, 201, { id: nextStatusId++, state: body?.state });

  const getRepository = (res: ServerResponse) =>
    send(res, 200, {
      id: 1296269,
      name: repo,
      full_name: `${owner}/${repo}`,
      private: true,
      default_branch: 'main',
      permissions: { admin: false, maintain: false, push: options.canPush ?? true, triage: true, pull: true },
    });

  const getCommit: Route = ({ res, params }) => {
    const ref = params[0] ?? '';
    if (!KNOWN_REFS.has(ref) && !/^[0-9a-f]{40}$/.test(ref))
      return send(res, 422, { message: `No commit found for SHA: ${ref}`, status: '422' });
    const date = '2026-11-20T09:00:00Z';
    send(res, 200, {
      sha: /^[0-9a-f]{40}$/.test(ref) ? ref : 'acb5820ced9479c074f688cc328bf03f341a511d',
      commit: { author: { date }, committer: { date }, message: 'Ship it' },
    });
  };

  const getWorkflow: Route = ({ res, params }) => {
    const file = params[0] ?? '';
    if (workflowFiles[file] === undefined) return notFound(res);
    send(res, 200, {
      id: 161335,
      name: file.replace(/\.ya?ml$/, ''),
      path: `.github/workflows/${file}`,
      state: 'active',
    });
  };

  /** Files under .github/workflows at a known ref, as the contents API answers them: base64 in 60-char lines. */
  const getContent: Route = ({ res, url, params }) => {
    const ref = url.searchParams.get('ref') ?? 'main';
    const path = params[0] ?? '';
    const text = path.startsWith('.github/workflows/')
      ? workflowFiles[path.slice('.github/workflows/'.length)]
      : undefined;
    if (!KNOWN_REFS.has(ref) && !/^[0-9a-f]{40}$/.test(ref))
      return send(res, 404, { message: `No commit found for the ref ${ref}`, status: '404' });
    if (text === undefined) return notFound(res);
    const content = Buffer.from(text)
      .toString('base64')
      .replace(/(.{60})/g, '$1\n');
    send(res, 200, {
      type: 'file',
      encoding: 'base64',
      size: text.length,
      name: path.split('/').at(-1),
      path,
      content,
    });
  };

  const routes: [string, RegExp, Route][] = [
    ['GET', /^\/commits\/([^/]+)$/, getCommit],
    ['GET', /^\/actions\/workflows\/([^/]+)$/, getWorkflow],
    // Octokit sends the path's slashes percent-encoded, as GitHub accepts them.
    ['GET', /^\/contents\/(.+)$/, getContent],
    ['POST', /^\/actions\/workflows\/([^/]+)\/dispatches$/, dispatch],
    ['GET', /^\/actions\/workflows\/([^/]+)\/runs$/, listRuns],
    ['GET', /^\/actions\/runs\/(\d+)$/, getRun],
    ['POST', /^\/actions\/runs\/(\d+)\/cancel$/, cancelRun],
    ['POST', /^\/deployments$/, createDeployment],
    ['GET', /^\/deployments$/, listDeployments],
    ['POST', /^\/deployments\/(\d+)\/statuses$/, createStatus],
  ];

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { message: String(error) }));
  });
  const port = await listen(server, 0);
  origin = `http://127.0.0.1:${port}`;

  return {
    apiUrl: `${origin}${BASE}`,
    dispatches: runs,
    requests,
    inFlight: () => inFlight,
    delayDispatches(ms) {
      dispatchDelayMs = ms;
    },
    delayDeployments(ms) {
      deploymentDelayMs = ms;
    },
    finish(which, conclusion = 'success') {
      const picked = runs.filter((run) =>
        typeof which === 'number' ? run.id === which : run.status !== 'completed' && which(run),
      );
      for (const run of picked) {
        run.status = 'completed';
        run.conclusion = conclusion;
        run.updatedAt = new Date().toISOString();
        run.revision += 1;
      }
      return picked.length;
    },
    requestsTo(method, path) {
      return requests.filter((request) => {
        const pathname = request.url.split('?')[0] ?? '';
        return (
          request.method === method &&
          pathname.startsWith(`${repoPath}/`) &&
          path.test(pathname.slice(repoPath.length))
        );
      });
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
