/** Requests kept back from polling for what matters more: dispatches, rollbacks, Deployment statuses. */
export const RATE_LIMIT_RESERVE = 500;

export interface PollPaceInput {
  /** The configured interval: `deploy.pollInterval`, or `deploy.webhookPollInterval` with webhooks. */
  baseMs: number;
  /** Repositories polled each time: one list request each (a 304 when nothing changed). */
  repos: number;
  /** What GitHub last said of the token's rate limit, if anything yet. */
  rateLimit?: { remaining: number; resetAt: number };
  now: number;
}

/**
 * How long between two polls of the run lists. The configured interval, stretched before the rate limit runs out,
 * not after: the requests left above the reserve are spread evenly until the window resets, counting every poll as
 * if GitHub answered 200 (a 304 is free, so this errs on the side of slowing down). Out of requests, the next poll
 * waits for the reset.
 */
export function pollPace({ baseMs, repos, rateLimit, now }: PollPaceInput): number {
  if (rateLimit === undefined) return baseMs;
  const untilReset = Math.max(0, rateLimit.resetAt - now);
  const spendable = rateLimit.remaining - RATE_LIMIT_RESERVE;
  if (spendable <= 0) return Math.max(baseMs, untilReset);
  const polls = spendable / Math.max(1, repos);
  return Math.max(baseMs, Math.ceil(untilReset / polls));
}
