import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type SimApp, SimAppAuth } from './github/app.js';
import type { Actor, Site } from './github/json.js';
import { errorJson, workflowJson } from './github/json.js';
import { type Deployment, type RepoSpec, type Run, SimRepo, shaOf } from './github/repo.js';
import {
  type Access,
  notFound,
  type Permission,
  ROUTES,
  type Route,
  type RouteContext,
  type RouteRequest,
  type RunDetails,
  repoJson,
  runJson,
} from './github/routes.js';
import { deliver, type WebhookDelivery, type WebhookTarget } from './github/webhooks.js';
import { greenlightWorkflow, runTitle } from './github/workflow-file.js';
import {
  type Answer,
  type CountedFault,
  Latencies,
  type Latency,
  recordedHeaders,
  startSimServer,
  takeFault,
  Waiters,
} from './http.js';

export type { SimApp, SimInstallation } from './github/app.js';
export { APP_PERMISSIONS } from './github/app.js';
export type { CommitSpec, Deployment, DeploymentStatus, RepoSpec, Run } from './github/repo.js';
export { shaOf } from './github/repo.js';
export type { Access, Permission, Route, RouteContext, RouteRequest, RunDetails } from './github/routes.js';
export type { WebhookDelivery, WebhookTarget } from './github/webhooks.js';
export { webhookRequest } from './github/webhooks.js';
export {
  GREENLIGHT_INPUTS,
  GREENLIGHT_RUN_NAME,
  greenlightWorkflow,
  type WorkflowInput,
  type WorkflowSpec,
} from './github/workflow-file.js';

/** What a token may see and do. Without `tokens`, the simulator accepts any token with every permission. */
export interface TokenGrant {
  /** The user (or bot) the token acts as: creator of deployments, actor of runs. */
  login?: string;
  permissions?: Partial<Record<Permission, Access>>;
  /** Repositories (`owner/name`) it can see; others answer 404 as GitHub does. Default: all. */
  repos?: string[];
}

/**
 * How dispatched runs move: `manual` waits for the test (`start`, `finish`, `fail`, `cancel`); `auto` goes
 * queued → in_progress after `queuedMs` and completed after `runMs` more, with `conclusion` (default success).
 * In both, a run with `queuedMs` 0 (the default) is in progress from the start.
 */
export type RunLifecycle =
  | { mode: 'manual'; queuedMs?: number }
  | { mode: 'auto'; queuedMs?: number; runMs?: number; conclusion?: string | ((run: Run) => string) };

export interface GitHubSimOptions {
  port?: number;
  /** The REST API's path: `/api/v3` as on Enterprise Server (the default), `` as api.github.com. */
  basePath?: string;
  /** Default: `acme/platform` with `main` and greenlight's documented `production-deployment.yml`. */
  repos?: RepoSpec[];
  tokens?: Record<string, TokenGrant>;
  /** `supported` (github.com since 2026-02), `ignored` (older GHES: 204), `rejected` (422 for the key). */
  runDetails?: RunDetails;
  /** Most `workflow_dispatch` inputs accepted: 10 on Enterprise Server (the default), 25 on github.com. */
  maxInputs?: number;
  lifecycle?: RunLifecycle;
  /** Requests a token may make an hour before GitHub answers 403 "API rate limit exceeded" (default 5,000). */
  rateLimit?: number;
  /** A run's cancel takes this long to complete it (default 0). */
  cancelMs?: number;
  /**
   * A GitHub App and its installations: `GET /repos/{o}/{r}/installation` and
   * `POST /app/installations/{id}/access_tokens` answer its JWTs, and the installation tokens they issue are
   * accepted (besides `tokens`) until they expire.
   */
  app?: SimApp;
  /** The clock JWTs and installation tokens are checked by (default `Date.now`); tests move it on by hours. */
  now?: () => number;
}

/** One request as the simulator received and answered it (credentials left out). */
export interface GitHubRequest {
  /** `performance.now()` when it arrived. */
  at: number;
  /** `performance.now()` when its answer was ready (after any added latency): it was in flight from `at` to this. */
  answeredAt: number;
  method: string;
  /** The operation id (`actions/get-workflow-run`), or `unknown` for a path GitHub has no route for. */
  route: string;
  /** `owner/name` for a repository route. */
  repo?: string;
  /** Path after the API base, without the query. */
  path: string;
  query: Record<string, string>;
  body?: unknown;
  headers: Record<string, string>;
  /** The credential used: `token` / `bearer` scheme, or none. */
  auth: 'token' | 'bearer' | 'none';
  /** The HTTP status answered (a held answer is recorded with the status it will have). */
  status: number;
  /** It carried `If-None-Match`. */
  conditional: boolean;
  params: string[];
  /** The run it started (a dispatch) or named (`…/actions/runs/{id}…`). */
  runId?: number;
  /** The JSON answered (none for 204, 304 or a held answer's status alone). */
  response?: unknown;
}

/** Which requests a fault applies to; all of them when empty. */
export interface RequestMatch {
  route?: string;
  method?: string;
  repo?: string;
  where?: (request: GitHubRequest) => boolean;
}

/** A run selector for the manual controls: its id, or a predicate over the runs not completed yet. */
export type Which = number | ((run: Run) => boolean);

export interface GitHubSim {
  /** `GITHUB_API_URL`: `http://127.0.0.1:<port>/api/v3`. */
  apiUrl: string;
  /** Where `html_url`s point. */
  webUrl: string;
  origin: string;
  repo(fullName?: string): SimRepo;
  addRepo(spec: RepoSpec): SimRepo;
  /** Every request, in arrival order. */
  readonly requests: GitHubRequest[];
  requestsTo(route: string, match?: Omit<RequestMatch, 'route'>): GitHubRequest[];
  /** Every run dispatched, oldest first (of one repository when named). */
  runs(repo?: string): Run[];
  run(id: number): Run | undefined;
  deployments(repo?: string): Deployment[];
  /** Every deployment status a request set, in order, with its deployment's id (not GitHub's own `auto_inactive`). */
  statuses(repo?: string): { deploymentId: number; state: string; description: string; logUrl: string }[];
  setLifecycle(lifecycle: RunLifecycle): void;
  /** Moves queued runs to in_progress. Each control returns how many runs changed. */
  start(which: Which): number;
  finish(which: Which, conclusion?: string): number;
  fail(which: Which, conclusion?: string): number;
  cancel(which: Which): number;
  /** Signed `workflow_run` webhooks to `target.url` on each run's requested, in_progress and completed. */
  addWebhook(target: WebhookTarget): void;
  readonly deliveries: WebhookDelivery[];
  /** The `workflow_run` payload GitHub would send for a run now (to build a delivery by hand). */
  workflowRunEvent(runId: number, action: string): Record<string, unknown>;
  faults: {
    latency(latency: Latency, match?: RequestMatch): void;
    /** The next `times` matching requests answer 5xx (default 502, every time until cleared). */
    serverErrors(options?: { times?: number; status?: number } & RequestMatch): void;
    /** The next `times` matching requests hit a secondary rate limit: 403 or 429 with `retry-after`. */
    secondaryRateLimit(
      options?: { times?: number; status?: 403 | 429; retryAfterSeconds?: number } & RequestMatch,
    ): void;
    /** The effect happens at once but the answer is held `ms` (a process killed meanwhile never learns it). */
    holdAnswers(options: { ms: number; times?: number } & RequestMatch): void;
    clear(): void;
  };
  delayDispatches(ms: number): void;
  delayDeployments(ms: number): void;
  /** Answers held back right now. */
  inFlight(): number;
  /** Resolves once `probe` returns a value (checked after every request and run change), or rejects. */
  waitFor<T>(probe: () => T | undefined, timeoutMs?: number, what?: string): Promise<T>;
  /** Calls `listener` after every request and every change of a run; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
  /** How dispatched runs move now. */
  lifecycle(): RunLifecycle;
  /** Adds a route in front of the built-in ones. */
  addRoute(route: Route): void;
  /** Every installation token the App was issued, oldest first (none without `app`). */
  readonly installationTokens: readonly { installationId: number; token: string; expiresAt: number }[];
  close(): Promise<void>;
}

const REQUIRES_AUTH = 'Requires authentication';
const JWT_UNREADABLE = 'A JSON web token could not be decoded';

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function routeMatches(match: RequestMatch, request: GitHubRequest): boolean {
  return (
    (match.route === undefined || match.route === request.route) &&
    (match.method === undefined || match.method === request.method) &&
    (match.repo === undefined || match.repo === request.repo) &&
    (match.where === undefined || match.where(request))
  );
}

interface HoldFault extends CountedFault<GitHubRequest> {
  ms: number;
}
interface ErrorFault extends CountedFault<GitHubRequest> {
  answer(): Answer;
}

/**
 * A loopback GitHub (Enterprise Server layout) that answers the REST calls greenlight makes as GitHub does, with
 * GitHub's validation: workflow dispatches checked against the workflow file's inputs and the repository's refs,
 * runs with titles from `run-name`, ETags and 304s, Deployments with `required_contexts`, commits, contents,
 * combined statuses and check runs, rate-limit headers, and signed `workflow_run` webhooks. Faults (latency, 5xx,
 * secondary rate limits, held answers) and run lifecycles are set from the test or the playground.
 */
export async function startGitHubSim(options: GitHubSimOptions = {}): Promise<GitHubSim> {
  const basePath = options.basePath ?? '/api/v3';
  const repos = new Map<string, SimRepo>();
  const requests: GitHubRequest[] = [];
  const deliveries: WebhookDelivery[] = [];
  const hooks: WebhookTarget[] = [];
  const waiters = new Waiters();
  const routes: Route[] = [...ROUTES];
  const timers = new Map<number, NodeJS.Timeout[]>();
  const latencies = new Latencies<GitHubRequest>();
  const errors: ErrorFault[] = [];
  const holds: HoldFault[] = [];
  /** Holds that stay until changed: one per route (`delayDispatches`, `delayDeployments`). */
  const standing = new Map<string, number>();
  const standingHold = (route: string, ms: number) => {
    if (ms > 0) standing.set(route, ms);
    else standing.delete(route);
  };
  const usage = new Map<string, number>();
  const rateLimit = options.rateLimit ?? 5_000;
  const resetAt = Math.floor(Date.now() / 1_000) + 3_600;
  let lifecycle: RunLifecycle = options.lifecycle ?? { mode: 'manual' };
  /** The run the request being handled started, if any. */
  let created: number | undefined;
  let nextId = 30_433_000;
  const newId = () => {
    nextId += 1;
    return nextId;
  };
  const site: Site = { api: '', web: '' };
  const appAuth = options.app ? new SimAppAuth(options.app, options.now ?? Date.now) : undefined;
  if (appAuth) routes.unshift(...appAuth.routes(site));

  const addRepo = (spec: RepoSpec) => {
    const repo = new SimRepo(repos.size + 1_296_269, spec, newId);
    repos.set(repo.fullName, repo);
    return repo;
  };
  for (const spec of options.repos ?? [
    { fullName: 'acme/platform', workflows: [greenlightWorkflow('production-deployment.yml')] },
  ])
    addRepo(spec);

  const allRuns = () => [...repos.values()].flatMap((repo) => repo.runs).sort((a, b) => a.id - b.id);
  const repoOf = (run: Run) => repos.get(run.repo) as SimRepo;

  const notifyRun = (run: Run, action: 'requested' | 'in_progress' | 'completed') => {
    waiters.notify();
    const repo = repoOf(run);
    for (const hook of hooks) {
      if (!(hook.events ?? ['workflow_run']).includes('workflow_run')) continue;
      if (hook.repo !== undefined && hook.repo !== repo.fullName) continue;
      void deliver(hook, 'workflow_run', workflowRunEvent(run, action), repo.fullName).then((delivery) => {
        deliveries.push(delivery);
        waiters.notify();
      });
    }
  };

  const workflowRunEvent = (run: Run, action: string) => {
    const repo = repoOf(run);
    const workflow = repo.workflow(run.workflow);
    return {
      action,
      workflow_run: runJson(context, repo, run),
      ...(workflow ? { workflow: workflowJson(site, repo.fullName, workflow) } : {}),
      repository: repoJson(context, repo),
      sender: { login: run.actor.login, id: run.actor.id, type: run.actor.type },
    };
  };

  const clearTimers = (run: Run) => {
    for (const timer of timers.get(run.id) ?? []) clearTimeout(timer);
    timers.delete(run.id);
  };

  const move = (run: Run, status: Run['status'], conclusion: string | null = null) => {
    if (run.status === 'completed' || run.status === status) return false;
    const now = Date.now();
    if (status !== 'queued' && run.status === 'queued') run.startedAt = now;
    run.status = status;
    run.conclusion = status === 'completed' ? conclusion : null;
    run.updatedAt = now;
    if (status === 'completed') clearTimers(run);
    notifyRun(run, status === 'completed' ? 'completed' : 'in_progress');
    return true;
  };

  const schedule = (run: Run, from: number) => {
    clearTimers(run);
    if (run.status === 'completed') return;
    const queuedMs = lifecycle.queuedMs ?? 0;
    const after = (ms: number, action: () => void) => {
      const timer = setTimeout(action, Math.max(0, ms - (Date.now() - from)));
      timers.set(run.id, [...(timers.get(run.id) ?? []), timer]);
    };
    if (run.status === 'queued') after(queuedMs, () => move(run, 'in_progress'));
    if (lifecycle.mode === 'auto') {
      const { runMs = 0, conclusion = 'success' } = lifecycle;
      const end = (run.status === 'queued' ? queuedMs : 0) + runMs;
      after(end, () =>
        move(run, 'completed', typeof conclusion === 'function' ? conclusion(run) : conclusion),
      );
    }
  };

  const context: RouteContext = {
    site,
    runDetails: options.runDetails ?? 'supported',
    maxInputs: options.maxInputs ?? 10,
    nextId: newId,
    now: Date.now,
    createRun(repo, fields) {
      const now = Date.now();
      const workflow = repo.workflow(fields.workflow);
      const run: Run = {
        ...fields,
        id: newId(),
        displayTitle: workflow
          ? runTitle(workflow, {
              inputs: fields.inputs,
              refName: fields.headBranch ?? fields.ref.replace(/^refs\/(heads|tags)\//, ''),
              actor: fields.actor.login,
            })
          : fields.name,
        status: (lifecycle.queuedMs ?? 0) > 0 ? 'queued' : 'in_progress',
        conclusion: null,
        createdAt: now,
        updatedAt: now,
        startedAt: now,
      };
      repo.runs.push(run);
      created = run.id;
      notifyRun(run, 'requested');
      if (run.status === 'in_progress') notifyRun(run, 'in_progress');
      schedule(run, now);
      return run;
    },
    requestCancel(run) {
      const timer = setTimeout(() => move(run, 'completed', 'cancelled'), options.cancelMs ?? 0);
      timers.set(run.id, [...(timers.get(run.id) ?? []), timer]);
    },
  };

  /** The grant of a request's credential; `token` is what its rate limit is counted by (an App's installation). */
  const grantOf = (
    req: IncomingMessage,
  ): { grant: TokenGrant; token: string } | { jwt: string } | 'missing' | 'bad' => {
    const header = req.headers.authorization ?? '';
    const token = /^(?:token|bearer)\s+(\S+)$/i.exec(header)?.[1];
    if (token === undefined) return 'missing';
    if (appAuth && /^bearer\s/i.test(header) && token.split('.').length === 3) return { jwt: token };
    const installation = appAuth?.tokenGrant(token);
    if (installation === 'expired') return 'bad';
    if (installation)
      return {
        grant: {
          login: installation.login,
          permissions: installation.permissions,
          repos: installation.repos,
        },
        token: `installation:${installation.installationId}`,
      };
    if (options.tokens === undefined) return { grant: {}, token };
    const grant = options.tokens[token];
    return grant ? { grant, token } : 'bad';
  };

  const rateHeaders = (token: string | undefined, counted: boolean): Record<string, string> => {
    const used = (usage.get(token ?? '') ?? 0) + (counted ? 1 : 0);
    if (counted) usage.set(token ?? '', used);
    return {
      'x-ratelimit-limit': String(rateLimit),
      'x-ratelimit-remaining': String(Math.max(0, rateLimit - used)),
      'x-ratelimit-reset': String(resetAt),
      'x-ratelimit-used': String(used),
      'x-ratelimit-resource': 'core',
    };
  };

  const handle = async (req: IncomingMessage, raw: Buffer, arrivedAt: number): Promise<Answer> => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = req.method ?? 'GET';
    const text = raw.toString('utf8');
    let body: Record<string, unknown> | undefined;
    let unparsable = false;
    if (text.length > 0) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
          body = parsed as Record<string, unknown>;
        else unparsable = true;
      } catch {
        unparsable = true;
      }
    } else if (method !== 'GET') body = {};
    const path = url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) || '/' : undefined;
    const record: GitHubRequest = {
      at: arrivedAt,
      answeredAt: arrivedAt,
      method,
      route: 'unknown',
      path: path ?? url.pathname,
      query: Object.fromEntries(url.searchParams),
      ...(text.length > 0 ? { body: body ?? text } : {}),
      headers: recordedHeaders(req.headers),
      auth: /^token\s/i.test(req.headers.authorization ?? '')
        ? 'token'
        : /^bearer\s/i.test(req.headers.authorization ?? '')
          ? 'bearer'
          : 'none',
      status: 0,
      conditional: req.headers['if-none-match'] !== undefined,
      params: [],
    };

    // Find the route first, so faults and the log can name it.
    let route: Route | undefined;
    let repo: SimRepo | undefined;
    let repoName: string | undefined;
    if (path !== undefined) {
      const repoMatch = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
      // GitHub reads `heads%2Fmain` as `heads/main`, as clients encode a ref's slashes.
      const rest = safeDecode(repoMatch ? (repoMatch[3] ?? '') : path);
      if (repoMatch) {
        repoName = `${repoMatch[1]}/${repoMatch[2]}`;
        repo = repos.get(repoName);
        record.repo = repoName;
      }
      for (const candidate of routes) {
        if (candidate.method !== method || candidate.scope !== (repoMatch ? 'repo' : 'root')) continue;
        const found = candidate.pattern.exec(rest);
        if (!found) continue;
        route = candidate;
        record.route = candidate.name;
        record.params = found.slice(1).map((param) => param ?? '');
        break;
      }
    }

    const finish = (answer: Answer, token?: string): Answer => {
      const counted = answer.status !== 304 && token !== undefined;
      answer.headers = {
        'content-type': 'application/json; charset=utf-8',
        'x-github-media-type': 'github.v3; format=json',
        'x-github-request-id': `${record.at.toFixed(0)}:${requests.length}`,
        ...(token === undefined ? {} : rateHeaders(token, counted)),
        ...answer.headers,
      };
      record.status = answer.status;
      record.answeredAt = performance.now();
      if (answer.body !== undefined && answer.status !== 304) record.response = answer.body;
      requests.push(record);
      waiters.notify();
      return answer;
    };

    await latencies.wait(record);

    const auth = grantOf(req);
    if (auth === 'missing') return finish({ status: 401, body: errorJson(401, REQUIRES_AUTH) });
    if (auth === 'bad') return finish({ status: 401, body: errorJson(401, 'Bad credentials') });
    if (route?.auth === 'app' || 'jwt' in auth) {
      // App endpoints take the App's JWT and nothing else; the JWT opens nothing but them.
      const refused =
        'jwt' in auth
          ? route?.auth === 'app'
            ? appAuth?.checkJwt(auth.jwt)
            : 'Bad credentials'
          : JWT_UNREADABLE;
      if (refused !== undefined || !route)
        return finish({ status: 401, body: errorJson(401, refused ?? 'Bad credentials') });
      if (repoName !== undefined && !repo) return finish(notFound());
      return finish(
        route.handle(
          {
            method,
            path: record.path,
            query: url.searchParams,
            body,
            headers: record.headers,
            params: record.params,
            repo,
            actor: { login: 'greenlight', id: 9_919, type: 'Bot' },
          },
          context,
        ),
      );
    }
    const { grant, token } = auth;
    if ((usage.get(token) ?? 0) >= rateLimit)
      return finish(
        {
          status: 403,
          body: errorJson(
            403,
            `API rate limit exceeded for user ID 9919. If you reach out to GitHub Support for help, please include the request ID ${record.headers['x-github-request-id'] ?? 'C0DE:1'}.`,
            'rest/overview/rate-limits-for-the-rest-api',
          ),
        },
        token,
      );

    const fault = takeFault(errors, record);
    if (fault) return finish(fault.answer(), token);
    if (!route) return finish(notFound(), token);
    if (unparsable) return finish({ status: 400, body: errorJson(400, 'Problems parsing JSON') }, token);
    if (repoName !== undefined && (!repo || (grant.repos !== undefined && !grant.repos.includes(repoName))))
      return finish(notFound(), token);
    if (route.permission) {
      const [permission, needed] = route.permission;
      const granted = grant.permissions?.[permission] ?? (grant.permissions === undefined ? 'write' : 'none');
      const rank = { none: 0, read: 1, write: 2 } as const;
      if (rank[granted] < rank[needed])
        return finish(
          { status: 403, body: errorJson(403, 'Resource not accessible by personal access token') },
          token,
        );
    }
    const actor: Actor = { login: grant.login ?? 'greenlight-bot', id: 9_919, type: 'Bot' };
    const request: RouteRequest = {
      method,
      path: record.path,
      query: url.searchParams,
      body,
      headers: record.headers,
      params: record.params,
      repo,
      actor,
    };
    created = undefined;
    const answer = route.handle(request, context);
    const named = /\/actions\/runs\/(\d+)/.exec(record.path)?.[1];
    if (created !== undefined || named !== undefined) record.runId = created ?? Number(named);
    if (method === 'GET' && answer.status === 200 && answer.body !== undefined) {
      const etag = `W/"${createHash('sha256').update(JSON.stringify(answer.body)).digest('hex').slice(0, 40)}"`;
      answer.headers = { ...answer.headers, etag };
      if (req.headers['if-none-match'] === etag) return finish({ status: 304, headers: { etag } }, token);
    }
    const held = takeFault(holds, record)?.ms ?? standing.get(record.route);
    if (held) answer.delayMs = held;
    return finish(answer, token);
  };

  const server = await startSimServer(handle, options.port ?? 0);
  site.api = `${server.origin}${basePath}`;
  site.web = server.origin;

  const select = (which: Which) =>
    typeof which === 'number'
      ? allRuns().filter((run) => run.id === which)
      : allRuns().filter((run) => run.status !== 'completed' && which(run));

  const repoNamed = (fullName?: string): SimRepo => {
    const repo = fullName === undefined ? repos.values().next().value : repos.get(fullName);
    if (!repo) throw new Error(`the GitHub simulator has no repository ${fullName ?? '(none at all)'}`);
    return repo;
  };

  const sim: GitHubSim = {
    apiUrl: site.api,
    webUrl: site.web,
    origin: server.origin,
    repo: repoNamed,
    addRepo,
    requests,
    requestsTo: (route, match = {}) =>
      requests.filter((request) => routeMatches({ ...match, route }, request)),
    runs: (repo) => (repo === undefined ? allRuns() : [...repoNamed(repo).runs]),
    run: (id) => allRuns().find((run) => run.id === id),
    deployments: (repo) =>
      (repo === undefined
        ? [...repos.values()].flatMap((each) => each.deployments)
        : repoNamed(repo).deployments
      ).sort((a, b) => a.id - b.id),
    statuses: (repo) =>
      sim
        .deployments(repo)
        .flatMap((deployment) => deployment.statuses.filter((status) => !status.automatic))
        .sort((a, b) => a.id - b.id)
        .map(({ deploymentId, state, description, logUrl }) => ({
          deploymentId,
          state,
          description,
          logUrl,
        })),
    setLifecycle(next) {
      lifecycle = next;
      const now = Date.now();
      for (const run of allRuns()) schedule(run, now);
      waiters.notify();
    },
    start: (which) => select(which).filter((run) => move(run, 'in_progress')).length,
    finish: (which, conclusion = 'success') =>
      select(which).filter((run) => move(run, 'completed', conclusion)).length,
    fail: (which, conclusion = 'failure') =>
      select(which).filter((run) => move(run, 'completed', conclusion)).length,
    cancel: (which) => select(which).filter((run) => move(run, 'completed', 'cancelled')).length,
    addWebhook(target) {
      hooks.push(target);
    },
    deliveries,
    workflowRunEvent(runId, action) {
      const run = sim.run(runId);
      if (!run) throw new Error(`no run ${runId}`);
      return workflowRunEvent(run, action);
    },
    faults: {
      latency(latency, match = {}) {
        latencies.add(latency, (request) => routeMatches(match, request));
      },
      serverErrors({ times = Number.POSITIVE_INFINITY, status = 502, ...match } = {}) {
        errors.push({
          remaining: times,
          matches: (request) => routeMatches(match, request),
          answer: () => ({
            status,
            body: {
              message:
                status === 502
                  ? 'Server Error'
                  : status === 503
                    ? 'Service Unavailable'
                    : 'Internal Server Error',
            },
          }),
        });
      },
      secondaryRateLimit({ times = 1, status = 403, retryAfterSeconds = 1, ...match } = {}) {
        errors.push({
          remaining: times,
          matches: (request) => routeMatches(match, request),
          answer: () => ({
            status,
            headers: { 'retry-after': String(retryAfterSeconds) },
            body: errorJson(
              status,
              'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID C0DE:2.',
              'rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
            ),
          }),
        });
      },
      holdAnswers({ ms, times = Number.POSITIVE_INFINITY, ...match }) {
        holds.push({ remaining: times, ms, matches: (request) => routeMatches(match, request) });
      },
      clear() {
        latencies.clear();
        errors.length = 0;
        holds.length = 0;
      },
    },
    delayDispatches(ms) {
      standingHold('actions/create-workflow-dispatch', ms);
    },
    delayDeployments(ms) {
      standingHold('repos/create-deployment', ms);
    },
    inFlight: () => server.held(),
    waitFor: (probe, timeoutMs = 10_000, what = 'a condition on the GitHub simulator') =>
      waiters.until(probe, timeoutMs, what),
    onChange: (listener) => waiters.listen(listener),
    lifecycle: () => lifecycle,
    addRoute(route) {
      routes.unshift(route);
    },
    installationTokens: appAuth?.issued ?? [],
    async close() {
      for (const run of allRuns()) clearTimers(run);
      await server.close();
    },
  };
  return sim;
}

/** The deterministic SHA the simulator gives a named ref of a repository (`main` of `acme/platform`). */
export function refSha(fullName: string, name: string): string {
  return shaOf(`${fullName}:${name}`);
}
