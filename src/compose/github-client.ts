import type { InstallationLookup } from '../adapters/github/app-auth.js';
import {
  createGitHubClientWithInstallations,
  type GitHubClient,
  type GitHubClientOptions,
  type GitHubCredentials,
  type GitHubResponseEvent,
} from '../adapters/github/client.js';
import type { GitHubCredential } from '../adapters/github/github-errors.js';
import type { Env } from '../config.js';

/** Which kind of credential the environment names, so the adapters' refusals name the one to fix. */
export function githubCredentialKind(env: Env): GitHubCredential {
  return env.GITHUB_APP_ID && env.GITHUB_APP_PRIVATE_KEY ? 'app' : 'token';
}

/** Which credential the environment names; `loadConfig` has made sure there is exactly one. */
export function githubCredentials(env: Env, now?: () => number): GitHubCredentials {
  if (env.GITHUB_APP_ID && env.GITHUB_APP_PRIVATE_KEY)
    return {
      app: { appId: env.GITHUB_APP_ID, privateKey: env.GITHUB_APP_PRIVATE_KEY, ...(now ? { now } : {}) },
    };
  if (env.GITHUB_TOKEN) return { token: env.GITHUB_TOKEN };
  throw new Error(
    'GitHub credentials are missing: set GITHUB_TOKEN, or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY',
  );
}

export interface ComposedGitHubClient {
  octokit: GitHubClient;
  /** With a GitHub App: the installation of each repository. */
  installations?: InstallationLookup;
}

/**
 * The GitHub client of the environment's credential. `onResponse` is handed the label each answer's rate limit is
 * counted under: `GITHUB_TOKEN`, or the App's installation of the repository (`installation:<id>`), since each
 * installation has a rate limit of its own.
 */
export function composeGitHubClient(
  env: Env,
  options: Omit<GitHubClientOptions, 'token' | 'app'> & { now?: () => number },
  onResponse?: (rateLimitLabel: (event: GitHubResponseEvent) => string) => GitHubClientOptions['onResponse'],
): ComposedGitHubClient {
  const { now, ...clientOptions } = options;
  let installations: InstallationLookup | undefined;
  const rateLimitLabel = (event: GitHubResponseEvent) => {
    if (!installations) return 'GITHUB_TOKEN';
    const [owner = '', repo = ''] = event.repository?.split('/') ?? [];
    const installation = installations.cachedInstallation(owner, repo);
    return installation === undefined ? 'GITHUB_APP' : `installation:${installation}`;
  };
  const handler = onResponse?.(rateLimitLabel);
  const client = createGitHubClientWithInstallations({
    ...githubCredentials(env, now),
    ...clientOptions,
    ...(handler ? { onResponse: handler } : {}),
  } as GitHubClientOptions);
  installations = client.installations;
  return client;
}
