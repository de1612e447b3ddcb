import { retry } from '@octokit/plugin-retry';
import { type ThrottlingOptions, throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { type GitHubAppCredentials, type InstallationLookup, repositoryAppAuth } from './app-auth.js';

/**
 * Typed as the plain REST Octokit: the retry and throttling plugins add behaviour and constructor options, no
 * methods greenlight calls, and an inferred plugin type cannot be named in the emitted declarations.
 */
const GreenlightOctokit: typeof Octokit = Octokit.plugin(retry, throttling);

/** The Octokit greenlight talks to GitHub with: REST methods, retries for 5xx, waits for rate limits. */
export type GitHubClient = Octokit;

/** The part of a pino logger the client uses; it is only ever given method, route and timings, never headers. */
export interface GitHubClientLogger {
  warn(fields: object, message: string): void;
  debug?(fields: object, message: string): void;
}

export interface RateLimitEvent {
  kind: 'primary' | 'secondary';
  method: string;
  /** The route template (`/repos/{owner}/{repo}/…`), so metrics group by endpoint. */
  route: string;
  retryAfterSeconds: number;
  /** Retries already made for this request. */
  retryCount: number;
  willRetry: boolean;
}

/** What GitHub answered one request, once retries are over: for metrics of requests and of the rate limit. */
export interface GitHubResponseEvent {
  method: string;
  /** The route template (`/repos/{owner}/{repo}/actions/runs/{run_id}`), never the filled-in path. */
  route: string;
  /** `owner/name` of a repository route, so an App's answers are counted per installation. */
  repository?: string;
  /** The HTTP status; absent when no answer came (network failure). */
  status?: number;
  /**
   * From `x-ratelimit-remaining`, `-resource`, `-limit` and `-reset` (epoch seconds), when GitHub sent them: for
   * metrics, and so polling slows down before the limit.
   */
  rateLimit?: { remaining: number; resource: string; limit?: number; resetAt?: number };
}

/** How greenlight proves who it is: one token, or a GitHub App with an installation per repository. */
export type GitHubCredentials = { token: string } | { app: GitHubAppCredentials & { now?: () => number } };

export type GitHubClientOptions = GitHubCredentials & {
  /** REST base URL; on Enterprise Server it has a path, e.g. `https://ghe.example.com/api/v3`. */
  baseUrl?: string;
  logger?: GitHubClientLogger;
  /** How often one request is retried after a 5xx, a network failure or a rate limit. Default 3. */
  retries?: number;
  /** Told about every rate limit GitHub reports, e.g. to count them in /metrics. */
  onRateLimit?: (event: RateLimitEvent) => void;
  /** Told of every request's final answer (after retries), with the rate limit it reported. */
  onResponse?: (event: GitHubResponseEvent) => void;
  /**
   * Milliseconds per second of waiting: GitHub's `retry-after` and the retry plugin's backoff (1, 4, 9 s…) are
   * multiplied by it. 1000 in production; tests pass 0 so that nothing sleeps.
   */
  retryAfterBaseValue?: number;
  /** A rate limit that resets later than this is not waited for: the request fails and the caller retries later. */
  maxRateLimitWaitSeconds?: number;
  /**
   * GitHub suggests a second between mutating requests of one credential. On, greenlight spaces its writes so, per
   * credential: per installation with a GitHub App (each has secondary limits of its own), else per token.
   * Off by default: greenlight writes a few times per phase, far from any secondary limit (which the plugin still
   * waits out when GitHub signals one), and a queue would put an Approve's dispatch or a rollback behind other
   * deployments' Deployment status writes, a second each.
   */
  spaceWrites?: boolean;
  /** The clock write spacing waits by; tests pass their own. */
  spacingClock?: SpacingClock;
  /**
   * How many requests this client has in flight at once; the rest wait their turn in order. Default 50: GitHub
   * allows 100 concurrent requests (a secondary rate limit), and the throttling plugin's own cap, 10 for every
   * client of the process together, made a burst of phase handoffs wait for each other's answers.
   */
  maxConcurrentRequests?: number;
};

/** What write spacing waits by. */
export interface SpacingClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** GitHub's advice: at least a second between mutating requests. */
const WRITE_SPACING_MS = 1_000;

const realClock: SpacingClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Spaces the starts of calls by `minMs` per key, in the order they come, as the throttling plugin's write queue
 * does for the whole process: one key's wait never holds up another's.
 */
export function keyedSpacer(minMs: number, clock: SpacingClock = realClock): (key: string) => Promise<void> {
  const tails = new Map<string, Promise<void>>();
  const lastAt = new Map<string, number>();
  return async (key) => {
    const previous = tails.get(key) ?? Promise.resolve();
    let done: () => void = () => {};
    const mine = new Promise<void>((resolve) => {
      done = resolve;
    });
    tails.set(key, mine);
    await previous;
    try {
      const last = lastAt.get(key);
      const wait = last === undefined ? 0 : last + minMs - clock.now();
      if (wait > 0) await clock.sleep(wait);
      lastAt.set(key, clock.now());
    } finally {
      done();
    }
  };
}

/**
 * Statuses the retry plugin must not repeat: client errors mean the request itself is wrong, 409 is an answer
 * (a run already finished, a merge conflict), and 403/429 rate limits belong to the throttling plugin, which
 * waits as long as GitHub asks instead of hammering it — GitHub may block integrations that do.
 */
const DO_NOT_RETRY = [400, 401, 403, 404, 409, 410, 422, 429, 451];

/**
 * Stands in for the throttling plugin's write and notification queues when `spaceWrites` is off: it runs every
 * job at once. The plugin only calls `group.key(id).schedule(options, job)` on them.
 */
const UNSPACED_GROUP = {
  key: () => ({ schedule: (_options: unknown, job: () => unknown) => job() }),
} as unknown as NonNullable<ThrottlingOptions['write']>;

/** What the throttling plugin asks of a request queue (a Bottleneck group, in the plugin's own use). */
type RequestGroup = NonNullable<ThrottlingOptions['write']>;

/** GitHub's own limit is 100 concurrent requests per token or installation; half of it leaves room for others. */
const MAX_CONCURRENT_REQUESTS = 50;

/**
 * Stands in for the throttling plugin's global queue: at most `limit` requests of this client in flight, the others
 * started in the order they came as slots free up. The plugin calls `group.key(id).schedule(options, job, ...args)`.
 */
function concurrencyGroup(limit: number): RequestGroup {
  let running = 0;
  const waiting: (() => void)[] = [];
  const schedule = async (_options: unknown, job: (...args: unknown[]) => unknown, ...args: unknown[]) => {
    if (running < limit) running += 1;
    // A freed slot passes straight to the first waiter, so `running` stays as it was.
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await job(...args);
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  };
  return { key: () => ({ schedule }) } as unknown as RequestGroup;
}

/** What the throttling plugin's retry handler is told of a failed request (Bottleneck's `failed` event). */
type FailedHandler = (error: unknown, info: { args: unknown[]; retryCount: number }) => unknown;

/** The part of a Bottleneck the throttling plugin uses as its retry limiter. */
interface RetryLimiter {
  on(event: string, handler: FailedHandler): void;
  schedule(job: (...args: unknown[]) => Promise<unknown>, ...args: unknown[]): Promise<unknown>;
}

/**
 * Stands in for the throttling plugin's retry limiter, a Bottleneck every request of the client goes through: it
 * starts each request at once and, when the plugin's `failed` handler answers a wait (a rate limit to sit out),
 * runs it again after that long. Bottleneck drained its queue one job per timer tick, so a burst of a hundred
 * requests (a hundred phase handoffs at once) waited there up to a second before the first byte was sent.
 */
function immediateRetryLimiter(): RetryLimiter {
  const failedHandlers: FailedHandler[] = [];
  return {
    on(event, handler) {
      if (event === 'failed') failedHandlers.push(handler);
    },
    async schedule(job, ...args) {
      for (let retryCount = 0; ; retryCount += 1) {
        try {
          return await job(...args);
        } catch (error) {
          let wait: unknown;
          for (const handler of failedHandlers) {
            wait ??= await Promise.resolve(handler(error, { args, retryCount })).catch(() => undefined);
          }
          // As Bottleneck: any number, 0 included, means "again after that many ms"; nothing means give up.
          if (typeof wait !== 'number') throw error;
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }
    },
  };
}

/**
 * Builds the Octokit every GitHub adapter shares. Transient failures are retried here, boundedly, so a single
 * 502 or secondary rate limit never reaches a deployment; what is still failing after that is thrown, and the
 * token never appears in a log line (only method and route are logged).
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  return createGitHubClientWithInstallations(options).octokit;
}

/**
 * The client, and (with a GitHub App) which installation answers for each repository: preflight reports it, and
 * metrics count an App's rate limit per installation.
 */
export function createGitHubClientWithInstallations(options: GitHubClientOptions): {
  octokit: GitHubClient;
  installations?: InstallationLookup;
} {
  const retries = options.retries ?? 3;
  const retryAfterBaseValue = options.retryAfterBaseValue ?? 1000;
  const maxWait = options.maxRateLimitWaitSeconds ?? 15 * 60;
  const logger = options.logger;

  const onLimit =
    (kind: RateLimitEvent['kind']) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const event: RateLimitEvent = {
        kind,
        method: request.method,
        route: request.url,
        retryAfterSeconds: retryAfter,
        retryCount,
        willRetry: retryCount < retries && retryAfter <= maxWait,
      };
      logger?.warn({ event: 'github_rate_limited', ...event }, `GitHub ${kind} rate limit`);
      options.onRateLimit?.(event);
      return event.willRetry;
    };

  const debug = (message: string) => logger?.debug?.({ event: 'github_request' }, message);
  const octokit = new GreenlightOctokit({
    ...('app' in options
      ? { authStrategy: repositoryAppAuth, auth: { ...options.app } }
      : { auth: options.token }),
    userAgent: 'greenlight',
    ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, '') } : {}),
    // Octokit's `debug` receives the full request options, headers included: it is dropped, never logged.
    log: {
      debug: () => {},
      info: debug,
      warn: (message: string) => logger?.warn({ event: 'github_client_warning' }, message),
      error: debug,
    },
    retry: { retries, retryAfterBaseValue, doNotRetry: DO_NOT_RETRY },
    throttle: {
      id: 'greenlight',
      retryAfterBaseValue,
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      // Not in the plugin's option type, but read from the options like `write` (its state is built from them).
      ...{
        retryLimiter: immediateRetryLimiter(),
        global: concurrencyGroup(options.maxConcurrentRequests ?? MAX_CONCURRENT_REQUESTS),
      },
      // Writes are spaced per credential below, not by the plugin's one queue for the whole process.
      write: UNSPACED_GROUP,
      ...(options.spaceWrites === true ? {} : { notifications: UNSPACED_GROUP }),
    },
  });
  const lookup =
    'app' in options
      ? (octokit.auth as unknown as { installations: InstallationLookup }).installations
      : undefined;
  if (options.spaceWrites === true) {
    const space = keyedSpacer(WRITE_SPACING_MS, options.spacingClock);
    octokit.hook.before('request', async (requestOptions) => {
      if (requestOptions.method === 'GET' || requestOptions.method === 'HEAD') return;
      // The App's own calls (installation tokens) are not an installation's writes.
      if (/^\/app(\/|$)/.test(requestOptions.url)) return;
      await space(await writeCredential(lookup, requestOptions as { owner?: unknown; repo?: unknown }));
    });
  }
  const onResponse = options.onResponse;
  if (onResponse) {
    // Registered after the plugins, so it wraps them: it sees each request's final answer, retries done.
    octokit.hook.wrap('request', async (request, requestOptions) => {
      const seen = (status: number | undefined, headers: Record<string, unknown> | undefined) =>
        onResponse({
          method: requestOptions.method,
          route: requestOptions.url,
          ...repositoryOf(requestOptions as { owner?: unknown; repo?: unknown }),
          ...(status === undefined ? {} : { status }),
          ...rateLimitOf(headers),
        });
      try {
        const response = await request(requestOptions);
        seen(response.status, response.headers);
        return response;
      } catch (error) {
        const failed = error as { status?: unknown; response?: { headers?: Record<string, unknown> } };
        // Octokit reports a network failure as status 500 without a response.
        const status = failed.response && typeof failed.status === 'number' ? failed.status : undefined;
        seen(status, failed.response?.headers);
        throw error;
      }
    });
  }
  return lookup ? { octokit, installations: lookup } : { octokit };
}

/**
 * Whose write a request is, for its spacing: the installation of its repository with a GitHub App (the one its
 * token comes from, looked up once), the repository itself when the App is not installed there, else the token.
 */
async function writeCredential(
  lookup: InstallationLookup | undefined,
  options: { owner?: unknown; repo?: unknown },
): Promise<string> {
  if (!lookup) return 'token';
  if (typeof options.owner !== 'string' || typeof options.repo !== 'string') return 'app';
  const installation = await lookup.installationFor(options.owner, options.repo).catch(() => undefined);
  return installation === undefined
    ? `repo:${options.owner}/${options.repo}`
    : `installation:${installation}`;
}

function repositoryOf(options: { owner?: unknown; repo?: unknown }): Pick<GitHubResponseEvent, 'repository'> {
  return typeof options.owner === 'string' && typeof options.repo === 'string'
    ? { repository: `${options.owner}/${options.repo}` }
    : {};
}

function rateLimitOf(headers: Record<string, unknown> | undefined): Pick<GitHubResponseEvent, 'rateLimit'> {
  const remaining = Number(headers?.['x-ratelimit-remaining']);
  if (headers?.['x-ratelimit-remaining'] === undefined || !Number.isFinite(remaining)) return {};
  const resource = headers['x-ratelimit-resource'];
  const limit = Number(headers['x-ratelimit-limit']);
  const reset = Number(headers['x-ratelimit-reset']);
  return {
    rateLimit: {
      remaining,
      resource: typeof resource === 'string' ? resource : 'core',
      ...(headers['x-ratelimit-limit'] !== undefined && Number.isFinite(limit) ? { limit } : {}),
      ...(headers['x-ratelimit-reset'] !== undefined && Number.isFinite(reset)
        ? { resetAt: reset * 1_000 }
        : {}),
    },
  };
}
