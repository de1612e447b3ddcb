import { createAppAuth } from '@octokit/auth-app';
import type { EndpointOptions, RequestInterface } from '@octokit/types';
import githubAppJwt from 'universal-github-app-jwt';
import { z } from 'zod';
import { githubStatus } from './github-errors.js';

/** A GitHub App's identity: its App ID (or client ID) and the PEM private key it signs its JWTs with. */
export interface GitHubAppCredentials {
  appId: string;
  privateKey: string;
}

export interface AppAuthOptions extends GitHubAppCredentials {
  /** The clock tokens and JWTs are dated by; tests move it past the hour a token lives. */
  now?: () => number;
  /** A token this close to its `expires_at` is replaced before it is used. Default 5 minutes. */
  refreshBeforeMs?: number;
}

/** What Octokit hands an `authStrategy`: its own (hooked) request, so token requests go through the plugins. */
interface StrategyInput extends AppAuthOptions {
  request: RequestInterface;
  log?: { warn(message: string): void };
}

/** Which installation of the App answers for one repository, once it has been looked up. */
export interface InstallationLookup {
  /** The installation already found for `owner/repo`, without asking GitHub. */
  cachedInstallation(owner: string, repo: string): number | undefined;
  /** The installation for `owner/repo` (looked up once), or undefined when the App is not installed there. */
  installationFor(owner: string, repo: string): Promise<number | undefined>;
  /** GitHub's answer now, with the permissions the installation was granted (for preflight); undefined: none. */
  installation(owner: string, repo: string): Promise<InstallationFacts | undefined>;
}

/** The `auth` Octokit keeps: it answers `octokit.auth()` and carries the lookup preflight and metrics use. */
export type RepositoryAppAuth = (() => Promise<{ type: 'app-per-repository' }>) & {
  hook(request: RequestInterface, options: EndpointOptions): Promise<unknown>;
  installations: InstallationLookup;
};

/** An installation as preflight reports it: its id, and what it may do (`actions: write`, `checks: read`…). */
export interface InstallationFacts {
  id: number;
  permissions: Readonly<Record<string, string>>;
}

const installation = z.object({
  id: z.number().int().positive(),
  permissions: z.record(z.string(), z.string()).default({}),
});

/** The App's own endpoints (and the per-repository installation lookup): signed with the JWT, not a token. */
const APP_ROUTE = /^(?:\/app(?:\/|$)|\/repos\/[^/]+\/[^/]+\/installation$)/;

/**
 * The App is not installed on a repository greenlight was asked to reach. Shaped like Octokit's `RequestError` (a
 * status and GitHub's message), so the adapters sort it as they sort a 404 from GitHub, with a sentence that says
 * what to do.
 */
export class AppNotInstalledError extends Error {
  readonly status = 404;
  readonly response: { headers: Record<string, string>; data: { message: string } };

  constructor(owner: string, repo: string) {
    const message = `the GitHub App (GITHUB_APP_ID) is not installed on ${owner}/${repo}: install it on that repository (README: GitHub App)`;
    super(message);
    this.name = 'AppNotInstalledError';
    this.response = { headers: {}, data: { message } };
  }
}

/**
 * An Octokit `authStrategy` for a GitHub App that is installed on several repositories (perhaps in several
 * organisations): each request is sent with the installation token of the repository it names. The installation
 * of a repository is looked up once (`GET /repos/{owner}/{repo}/installation`, signed with the App's JWT) and
 * cached; @octokit/auth-app creates the installation tokens, and its cache is ours so that a token is replaced
 * `refreshBeforeMs` before GitHub's `expires_at` by our clock — no request is sent with a token about to expire. A
 * 401 (a token revoked or expired early) is answered once with a fresh token. Each installation has its own
 * token, so GitHub counts its rate limit apart and one busy installation never spends another's.
 */
export function repositoryAppAuth(input: StrategyInput): RepositoryAppAuth {
  const now = input.now ?? Date.now;
  const refreshBeforeMs = input.refreshBeforeMs ?? 5 * 60_000;
  const app = createAppAuth({
    appId: input.appId,
    // Our JWT, dated by our clock: GitHub refuses one issued in its future or expired in its past.
    createJwt: async (appId, timeDifference = 0) => {
      const jwt = await githubAppJwt({
        id: appId,
        privateKey: input.privateKey,
        now: Math.floor(now() / 1000) + timeDifference,
      });
      return { jwt: jwt.token, expiresAt: new Date(jwt.expiration * 1000).toISOString() };
    },
    cache: expiringTokenCache(now, refreshBeforeMs),
    request: input.request,
    ...(input.log ? { log: input.log } : {}),
  });

  const found = new Map<string, number>();
  const pending = new Map<string, Promise<number | undefined>>();
  const keyOf = (owner: string, repo: string) => `${owner}/${repo}`.toLowerCase();

  const lookUp = async (owner: string, repo: string): Promise<InstallationFacts | undefined> => {
    try {
      const response = (await app.hook(input.request, 'GET /repos/{owner}/{repo}/installation', {
        owner,
        repo,
      })) as { data: unknown };
      const facts = installation.parse(response.data);
      found.set(keyOf(owner, repo), facts.id);
      return facts;
    } catch (error) {
      if (githubStatus(error) === 404) return undefined;
      throw error;
    }
  };

  const installations: InstallationLookup = {
    cachedInstallation: (owner, repo) => found.get(keyOf(owner, repo)),
    installation: lookUp,
    installationFor(owner, repo) {
      const key = keyOf(owner, repo);
      const known = found.get(key);
      if (known !== undefined) return Promise.resolve(known);
      // Concurrent first requests for one repository share one lookup.
      let lookup = pending.get(key);
      if (!lookup) {
        lookup = lookUp(owner, repo)
          .then((facts) => facts?.id)
          .finally(() => pending.delete(key));
        pending.set(key, lookup);
      }
      return lookup;
    },
  };

  const tokenFor = async (owner: string, repo: string, refresh: boolean): Promise<string> => {
    const installationId = await installations.installationFor(owner, repo);
    if (installationId === undefined) throw new AppNotInstalledError(owner, repo);
    try {
      const { token } = await app({ type: 'installation', installationId, refresh });
      return token;
    } catch (error) {
      // The App was uninstalled (and perhaps installed again, under a new id): look the repository up afresh.
      if (githubStatus(error) === 404) found.delete(keyOf(owner, repo));
      throw error;
    }
  };

  const hook = async (request: RequestInterface, options: EndpointOptions) => {
    const endpoint = request.endpoint.merge(options);
    if (APP_ROUTE.test(endpoint.url)) return app.hook(request, options);
    const { owner, repo } = endpoint as { owner?: unknown; repo?: unknown };
    if (typeof owner !== 'string' || typeof repo !== 'string')
      throw new Error(
        `${endpoint.method} ${endpoint.url} names no repository, and a GitHub App's token belongs to an installation: greenlight only calls repository endpoints`,
      );
    const send = async (refresh: boolean) => {
      endpoint.headers.authorization = `token ${await tokenFor(owner, repo, refresh)}`;
      return request(endpoint);
    };
    try {
      return await send(false);
    } catch (error) {
      if (githubStatus(error) !== 401 || error instanceof AppNotInstalledError) throw error;
      return send(true);
    }
  };

  return Object.assign(async () => ({ type: 'app-per-repository' as const }), { hook, installations });
}

/**
 * @octokit/auth-app's token cache, with expiry by `now` and GitHub's `expires_at` (the third field of the cached
 * value) rather than a fixed 59 minutes of wall-clock time.
 */
function expiringTokenCache(now: () => number, refreshBeforeMs: number) {
  const entries = new Map<string, string>();
  return {
    get(key: string): string {
      const value = entries.get(key);
      const expiresAt = Date.parse(value?.split('|')[2] ?? '');
      if (value !== undefined && Number.isFinite(expiresAt) && expiresAt - refreshBeforeMs > now())
        return value;
      entries.delete(key);
      // auth-app reads a falsy value as a miss.
      return '';
    },
    set(key: string, value: string) {
      entries.set(key, value);
    },
  };
}
