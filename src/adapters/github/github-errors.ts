import { ErrorCode, GreenlightError } from '../../errors.js';

/**
 * Reading Octokit's `RequestError` without depending on its class: the adapters sort GitHub's answers into
 * results (a missing workflow, a token without a permission) and exceptions (GitHub down or rate-limited after
 * the client's retries), and this is the one place that knows how to tell them apart.
 */
interface RequestErrorLike {
  status: number;
  message: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

function asRequestError(error: unknown): RequestErrorLike | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status } = error as { status?: unknown };
  return typeof status === 'number' ? (error as RequestErrorLike) : undefined;
}

/** The HTTP status of a failed Octokit request; network failures report 500 (@octokit/request does that). */
export function githubStatus(error: unknown): number | undefined {
  return asRequestError(error)?.status;
}

/** GitHub's own `message` from the error body, without the documentation URL Octokit appends. */
export function githubMessage(error: unknown): string {
  const failure = asRequestError(error);
  if (!failure) return error instanceof Error ? error.message : String(error);
  const data = failure.response?.data;
  if (
    typeof data === 'object' &&
    data !== null &&
    typeof (data as { message?: unknown }).message === 'string'
  )
    return (data as { message: string }).message;
  return failure.message;
}

/**
 * GitHub answers an exhausted primary limit and a secondary limit with 403 or 429; a 403 that is none of these
 * is a permission problem, which no amount of waiting fixes.
 */
export function isRateLimited(error: unknown): boolean {
  const failure = asRequestError(error);
  if (!failure || (failure.status !== 403 && failure.status !== 429)) return false;
  const headers = failure.response?.headers ?? {};
  return (
    failure.status === 429 ||
    String(headers['x-ratelimit-remaining']) === '0' ||
    headers['retry-after'] !== undefined ||
    /secondary rate limit/i.test(githubMessage(error))
  );
}

/**
 * True when the failure says nothing about the request itself (5xx, network, rate limits): the caller should
 * try again later, and must never fail a deployment because of it.
 */
export function isTransientGitHubError(error: unknown): boolean {
  const status = githubStatus(error);
  if (status === undefined) return false;
  return status >= 500 || isRateLimited(error);
}

/** GitHub answered 2xx with a body that lacks what we depend on: a bug on one side, never the user's doing. */
export class GitHubUnexpectedResponseError extends GreenlightError {
  constructor(
    readonly endpoint: string,
    cause: unknown,
  ) {
    super(
      ErrorCode.Unknown,
      `GitHub answered \`${endpoint}\` in a shape greenlight does not understand, so it stopped there. Check GITHUB_API_URL points at a GitHub REST API, and tell the bot owners.`,
      { cause },
    );
    this.name = 'GitHubUnexpectedResponseError';
  }
}

/** How greenlight authenticates to GitHub, so a refusal names the credential to fix: GITHUB_TOKEN or the App. */
export type GitHubCredential = 'token' | 'app';

/** The credential as a refusal names it, at the start of a sentence. */
export function credentialName(credential: GitHubCredential): string {
  return credential === 'app' ? 'The GitHub App (GITHUB_APP_ID)' : 'GITHUB_TOKEN';
}

/** What to do when GitHub did not let the credential do something in a repository. */
export function grantFix(credential: GitHubCredential, permission: string, repository: string): string {
  return credential === 'app'
    ? `give the GitHub App (GITHUB_APP_ID) ${permission} and install it on ${repository}`
    : `give GITHUB_TOKEN ${permission} on ${repository}`;
}

/** Where to look when GitHub says a repository does not exist: it may exist, unseen by the credential. */
export function unseenRepository(credential: GitHubCredential, repository: string): string {
  return credential === 'app'
    ? `the GitHub App (GITHUB_APP_ID) is not installed on ${repository}`
    : 'GITHUB_TOKEN cannot see it';
}
