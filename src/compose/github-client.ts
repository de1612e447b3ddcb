import type { InstallationLookup } from '../adapters/github/app-auth.js';
import {
  createGitHubClientWithInstallations,
  type GitHubClient,
  type GitHubClientOptions,
  type GitHubCredentials,
  type GitHubResponseEvent,
} from '../adapters/github/client.js';
import type { Env } from '../config.js';

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
  mode: 'token' | 'app';
  /** With a GitHub App: the installation of each repository. */
  installations?: InstallationLookup;
  /** The label a response's rate limit is counted under: the token, or the App's installation of its repository. */
  rateLimitLabel(event: GitHubResponseEvent): string;
}

/** The GitHub client of the environment's credential, with what metrics and preflight need to know of it. */
export function composeGitHubClient(
  env: Env,
  options: Omit<GitHubClientOptions, 'token' | 'app'> & { now?: () => number },
  onResponse?: (client: ComposedGitHubClient) => GitHubClientOptions['onResponse'],
): ComposedGitHubClient {
  const { now, ...clientOptions } = options;
  const credentials = githubCredentials(env, now);
  const composed = {
    mode: 'app' in credentials ? 'app' : 'token',
    rateLimitLabel(event: GitHubResponseEvent) {
      if (!composed.installations) return 'GITHUB_TOKEN';
      const [owner = '', repo = ''] = event.repository?.split('/') ?? [];
      const installation = composed.installations.cachedInstallation(owner, repo);
      return installation === undefined ? 'GITHUB_APP' : `installation:${installation}`;
    },
  } as ComposedGitHubClient;
  const handler = onResponse?.(composed);
  const client = createGitHubClientWithInstallations({
    ...credentials,
    ...clientOptions,
    ...(handler ? { onResponse: handler } : {}),
  } as GitHubClientOptions);
  composed.octokit = client.octokit;
  if (client.installations) composed.installations = client.installations;
  return composed;
}
