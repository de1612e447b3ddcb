/**
 * The one error module (after bolt-js's errors.ts): expected failures are results, not exceptions; what is thrown
 * is a bug or broken infrastructure, and reaches the single error sink as a coded error with a sentence for users.
 */
export enum ErrorCode {
  RedisUnavailable = 'greenlight_redis_unavailable',
  SlackApiFailed = 'greenlight_slack_api_failed',
  Unknown = 'greenlight_unknown',
}

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

export class RedisUnavailableError extends GreenlightError {
  constructor(cause?: unknown) {
    super(
      ErrorCode.RedisUnavailable,
      'Redis is unreachable, so nothing was changed. Try again in a moment; if it persists, check the Redis server behind REDIS_URL.',
      { cause },
    );
  }
}

export class SlackApiError extends GreenlightError {
  constructor(method: string, detail: string, cause?: unknown) {
    super(
      ErrorCode.SlackApiFailed,
      `Slack's API refused \`${method}\` (${detail}), so nothing was changed. Check the app's scopes in manifest.yml or try again.`,
      { cause },
    );
  }
}

/** The error code Slack's Web API gave (`channel_not_found`), or the message of anything else: a warning's detail. */
export function slackErrorOf(error: unknown): string {
  return (error as { data?: { error?: string } }).data?.error ?? (error as Error).message ?? String(error);
}

// The Sentinel phrases are ioredis's while it looks for the primary during a failover.
const REDIS_FAILURE =
  /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|MaxRetriesPerRequest|Reached the max retries|connect ETIMEDOUT|LOADING|All sentinels are unreachable|failed to connect to sentinel|READONLY/;

/** Gives any thrown value a code and a user sentence, recognising the infrastructure failures we know. */
export function asCodedError(error: unknown): GreenlightError {
  if (error instanceof GreenlightError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : '';
  if (REDIS_FAILURE.test(message) || name === 'MaxRetriesPerRequestError')
    return new RedisUnavailableError(error);
  return new GreenlightError(
    ErrorCode.Unknown,
    'Something went wrong inside greenlight and nothing was changed. The error has been logged; try again, and tell the bot owners if it persists.',
    { cause: error },
  );
}
