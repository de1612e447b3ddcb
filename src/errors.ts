/**
 * The one error module (after bolt-js's errors.ts): expected failures are results, not exceptions; what is thrown
 * is a bug or broken infrastructure, and reaches the single error sink as a coded error with a sentence for users.
 */
export enum ErrorCode {
  RedisUnavailable = 'greenlight_redis_unavailable',
  SlackApiFailed = 'greenlight_slack_api_failed',
  ResponseUrlFailed = 'greenlight_response_url_failed',
  GitHubApiFailed = 'greenlight_github_api_failed',
  Unknown = 'greenlight_unknown',
}

/** The systems greenlight depends on, as `greenlight_dependency_errors_total` labels them. */
export type Dependency = 'slack' | 'response_url' | 'github' | 'redis' | 'probe' | 'pagerduty';

export class GreenlightError extends Error {
  constructor(
    readonly code: ErrorCode,
    /** One sentence for the user: what happened and what to do. Never a stack or a secret. */
    readonly userMessage: string,
    options?: { cause?: unknown },
  ) {
    super(userMessage, options);
    this.name = 'GreenlightError';
  }
}

/** A failure of a system greenlight depends on, named by the adapter that met it (not guessed from a message). */
export class DependencyError extends GreenlightError {
  constructor(
    readonly dependency: Dependency,
    code: ErrorCode,
    userMessage: string,
    options?: { cause?: unknown },
  ) {
    super(code, userMessage, options);
    this.name = 'DependencyError';
  }
}

export class RedisUnavailableError extends DependencyError {
  constructor(cause?: unknown) {
    super(
      'redis',
      ErrorCode.RedisUnavailable,
      'Redis is unreachable, so nothing was changed. Try again in a moment; if it persists, check the Redis server behind REDIS_URL.',
      { cause },
    );
  }
}

export class SlackApiError extends DependencyError {
  /** `method`: the Web API method, when the adapter knows it. */
  constructor(method: string | undefined, detail: string, cause?: unknown) {
    super(
      'slack',
      ErrorCode.SlackApiFailed,
      `Slack's API refused ${method ? `\`${method}\`` : 'a call'} (${detail}), so nothing was changed. Check the app's scopes in manifest.yml or try again.`,
      { cause },
    );
  }
}

/** A post to a request's response_url that failed: the user's private answer is lost, nothing else is. */
export class ResponseUrlError extends DependencyError {
  constructor(detail: string, cause?: unknown) {
    super(
      'response_url',
      ErrorCode.ResponseUrlFailed,
      `greenlight could not answer through Slack's response_url (${detail}); the change itself is unaffected — check the timeline or run the command's status.`,
      { cause },
    );
  }
}

/** The error code Slack's Web API gave (`channel_not_found`), or the message of anything else: a warning's detail. */
export function slackErrorOf(error: unknown): string {
  return (error as { data?: { error?: string } }).data?.error ?? (error as Error).message ?? String(error);
}

/**
 * What ioredis and BullMQ say when Redis cannot be reached, or is being failed over (the Sentinel phrases are
 * ioredis's while it looks for the primary). Socket codes alone (ECONNREFUSED…) are not here: any network client
 * raises them, and the adapter that met one names its dependency (a response_url, a probe).
 */
const REDIS_FAILURE =
  /Connection is closed|Stream isn't writeable|MaxRetriesPerRequest|Reached the max retries|LOADING Redis|connect ETIMEDOUT|All sentinels are unreachable|failed to connect to sentinel|READONLY/;

/** Gives any thrown value a code and a user sentence, recognising the infrastructure failures we know by their kind. */
export function asCodedError(error: unknown): GreenlightError {
  if (error instanceof GreenlightError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : '';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('slack_webapi_'))
    return new SlackApiError(undefined, slackErrorOf(error), error);
  if (name === 'HttpError' || name === 'RequestError')
    return new DependencyError(
      'github',
      ErrorCode.GitHubApiFailed,
      "GitHub did not do what greenlight asked, so nothing was changed. Try again in a moment; if it persists, check GitHub's status and the token's permissions.",
      { cause: error },
    );
  if (REDIS_FAILURE.test(message) || name === 'MaxRetriesPerRequestError')
    return new RedisUnavailableError(error);
  return new GreenlightError(
    ErrorCode.Unknown,
    'Something went wrong inside greenlight and nothing was changed. The error has been logged; try again, and tell the bot owners if it persists.',
    { cause: error },
  );
}
