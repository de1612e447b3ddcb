import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  deploymentJson,
  deploymentStatusJson,
  workflowRunJson,
  workflowRunListJson,
} from '../../test/helpers/github.js';

/** How a dispatched run behaves, timed from the moment its dispatch arrived. */
export interface RunScript {
  /** `queued` until then, `in_progress` after. */
  queuedMs: number;
  /** `completed` from then on; `Number.POSITIVE_INFINITY` keeps it running. */
  completeAfterMs: number;
  conclusion: string;
}

export type GitHubRequestKind =
  | 'dispatch'
  | 'get-run'
  | 'list-runs'
  | 'cancel-run'
  | 'create-deployment'
  | 'deployment-status'
  | 'other';

export interface GitHubRequest {
  /** `performance.now()` of the bench process when the request's headers arrived. */
  at: number;
  method: string;
  path: string;
  kind: GitHubRequestKind;
  status: number;
  /** The request carried `If-None-Match`. */
  conditional: boolean;
  runId?: number;
  /** greenlight's deployment id, for requests that name one (dispatch, deployments, statuses, run polls). */
  deploymentId?: string;
  /** `state` of a deployment status. */
  state?: string;
  /** The `inputs` of a workflow dispatch (`deployment_phase`, `traffic_percentage`, `greenlight_id`…). */
  inputs?: Record<string, string>;
}

export interface FakeRun {
  id: number;
  /** `greenlight_id` input of the dispatch: `<deployment>-<phase>-<step>`, or `<deployment>-rollback`. */
  correlationId: string;
  deploymentId: string;
  dispatchedAt: number;
  script: RunScript;
  /** When a GET first answered `completed` (200): greenlight stops tracking the run there. */
  completionSeenAt?: number;
}

export interface FakeGitHub {
  /** `http://127.0.0.1:<port>/api/v3`, as `GITHUB_API_URL` on Enterprise Server. */
  apiUrl: string;
  /** Every request in arrival order. */
  requests: GitHubRequest[];
  runs: Map<number, FakeRun>;
  /** What runs dispatched from now on do. */
  setRunScript(script: RunScript): void;
  /** `performance.now()` of the last mutating request (POST), or -Infinity. */
  lastWriteAt(): number;
  /** Resolves with `probe()` once it is defined (checked on every request), or undefined after `timeoutMs`. */
  waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T | undefined>;
  close(): Promise<void>;
}

const OWNER_REPO = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)(\/.*)$/;

/**
 * GitHub's REST API as greenlight uses it, on a loopback port under `/api/v3` (Enterprise Server's layout):
 * `workflow_dispatch` with `return_run_details` (200 with the run's id and URLs), workflow runs that move
 * queued → in_progress → completed on a script, with an ETag per representation and 304 for a matching
 * `If-None-Match`, Deployments and deployment statuses (201). Every request is logged with its arrival time, so the
 * bench can time greenlight against it and count what polling costs. Rate-limit headers count like GitHub's: a 304
 * is free.
 */
export async function startFakeGitHub(): Promise<FakeGitHub> {
  const requests: GitHubRequest[] = [];
  const runs = new Map<number, FakeRun>();
  const deploymentOwners = new Map<number, string>();
  const waiters = new Set<() => void>();
  let script: RunScript = { queuedMs: 0, completeAfterMs: 0, conclusion: 'success' };
  let nextRunId = 30_433_642;
  let nextDeploymentId = 1_805_310_943;
  let nextStatusId = 2_533_409_771;
  let lastWrite = Number.NEGATIVE_INFINITY;
  let used = 0;
  let apiUrl = '';
  const resetAt = Math.floor(Date.now() / 1000) + 3600;
  const wall = (at: number) => new Date(performance.timeOrigin + at).toISOString().replace(/\.\d+Z$/, 'Z');

  const runJson = (run: FakeRun, now: number) => {
    const elapsed = now - run.dispatchedAt;
    const status =
      elapsed < run.script.queuedMs
        ? 'queued'
        : elapsed < run.script.completeAfterMs
          ? 'in_progress'
          : 'completed';
    // updated_at moves with each change of state, as on GitHub (which also moves it when jobs start and end).
    const updatedAt =
      status === 'queued'
        ? run.dispatchedAt
        : status === 'in_progress'
          ? run.dispatchedAt + run.script.queuedMs
          : run.dispatchedAt + run.script.completeAfterMs;
    return workflowRunJson({
      id: run.id,
      display_title: `Deploy (${run.correlationId})`,
      status,
      conclusion: status === 'completed' ? run.script.conclusion : null,
      created_at: wall(run.dispatchedAt),
      run_started_at: wall(run.dispatchedAt),
      updated_at: wall(updatedAt),
    });
  };

  const handle = (req: IncomingMessage, res: ServerResponse, at: number, body: string) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    const conditional = req.headers['if-none-match'] !== undefined;
    const record: GitHubRequest = { at, method, path, kind: 'other', status: 404, conditional };
    const reply = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      if (status !== 304) used += 1;
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-github-media-type': 'github.v3; format=json',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': String(Math.max(0, 5000 - used)),
        'x-ratelimit-reset': String(resetAt),
        'x-ratelimit-used': String(used),
        'x-ratelimit-resource': 'core',
        ...headers,
      });
      res.end(json === undefined ? undefined : JSON.stringify(json));
      requests.push(record);
      for (const wake of waiters) wake();
    };
    if (method !== 'GET') lastWrite = at;
    if (!req.headers.authorization?.startsWith('token ')) {
      reply(401, { message: 'Requires authentication', status: '401' });
      return;
    }
    const match = OWNER_REPO.exec(path);
    const rest = match?.[3] ?? '';
    const parsed = (): Record<string, unknown> => {
      try {
        return JSON.parse(body) as Record<string, unknown>;
      } catch {
        return {};
      }
    };

    let found: RegExpExecArray | null = /^\/actions\/workflows\/([^/]+)\/dispatches$/.exec(rest);
    if (found && method === 'POST') {
      record.kind = 'dispatch';
      const inputs = (parsed().inputs ?? {}) as Record<string, string>;
      const correlationId = inputs.greenlight_id ?? '';
      const run: FakeRun = {
        id: nextRunId++,
        correlationId,
        deploymentId: correlationId.replace(/-(?:[^-]+-\d+|rollback)$/, ''),
        dispatchedAt: at,
        script,
      };
      runs.set(run.id, run);
      record.runId = run.id;
      record.deploymentId = run.deploymentId;
      record.inputs = inputs;
      const html = `https://ghe.example.com/acme/platform/actions/runs/${run.id}`;
      reply(200, {
        workflow_run_id: run.id,
        run_url: `${apiUrl}/repos/${match?.[1]}/${match?.[2]}/actions/runs/${run.id}`,
        html_url: html,
      });
      return;
    }
    found = /^\/actions\/runs\/(\d+)$/.exec(rest);
    if (found && method === 'GET') {
      record.kind = 'get-run';
      const run = runs.get(Number(found[1]));
      if (!run) {
        reply(404, { message: 'Not Found', status: '404' });
        return;
      }
      record.runId = run.id;
      record.deploymentId = run.deploymentId;
      const json = runJson(run, at);
      const text = JSON.stringify(json);
      const etag = `W/"${createHash('sha256').update(text).digest('hex')}"`;
      if (req.headers['if-none-match'] === etag) {
        reply(304, undefined, { etag });
        return;
      }
      if (json.status === 'completed' && run.completionSeenAt === undefined) run.completionSeenAt = at;
      reply(200, json, { etag });
      return;
    }
    found = /^\/actions\/runs\/(\d+)\/cancel$/.exec(rest);
    if (found && method === 'POST') {
      record.kind = 'cancel-run';
      reply(202, {});
      return;
    }
    found = /^\/actions\/workflows\/([^/]+)\/runs$/.exec(rest);
    if (found && method === 'GET') {
      record.kind = 'list-runs';
      reply(200, workflowRunListJson([...runs.values()].map((run) => runJson(run, at))));
      return;
    }
    if (rest === '/deployments' && method === 'POST') {
      record.kind = 'create-deployment';
      const request = parsed();
      const id = nextDeploymentId++;
      const owner = String((request.payload as { greenlight_id?: string } | undefined)?.greenlight_id ?? '');
      deploymentOwners.set(id, owner);
      record.deploymentId = owner;
      reply(
        201,
        deploymentJson({
          id,
          ref: request.ref,
          environment: request.environment,
          original_environment: request.environment,
          payload: request.payload ?? {},
        }),
      );
      return;
    }
    found = /^\/deployments\/(\d+)\/statuses$/.exec(rest);
    if (found && method === 'POST') {
      record.kind = 'deployment-status';
      const deploymentId = Number(found[1]);
      const owner = deploymentOwners.get(deploymentId);
      if (owner === undefined) {
        reply(404, { message: 'Not Found', status: '404' });
        return;
      }
      const state = String(parsed().state ?? '');
      record.deploymentId = owner;
      record.state = state;
      reply(201, deploymentStatusJson(deploymentId, { id: nextStatusId++, state }));
      return;
    }
    reply(404, {
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest',
      status: '404',
    });
  };

  const server = createServer((req, res) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, at, Buffer.concat(chunks).toString()));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  apiUrl = `http://127.0.0.1:${port}/api/v3`;

  return {
    apiUrl,
    requests,
    runs,
    setRunScript(next) {
      script = next;
    },
    lastWriteAt: () => lastWrite,
    waitFor<T>(probe: () => T | undefined, timeoutMs: number) {
      return new Promise<T | undefined>((resolve) => {
        const check = () => {
          const value = probe();
          if (value !== undefined) finish(value);
        };
        const timer = setTimeout(() => finish(undefined), timeoutMs);
        const finish = (value: T | undefined) => {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(value);
        };
        waiters.add(check);
        check();
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
