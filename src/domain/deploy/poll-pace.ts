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

export interface TrackingCadence {
  /** How often the sweep job comes. */
  sweepEveryMs: number;
  /** How often each repository's run list is read (before `pollPace` stretches it near the rate limit). */
  readEveryMs: number;
  /** How often an unfinished deployment with a step to take is re-driven (a lost job recovered). */
  redriveEveryMs: number;
}

/**
 * When the sweep comes and what it does. Polling only, the run lists are read twice per `deploy.pollInterval`: a
 * run's end then waits a quarter of the interval on average (half at most) instead of half (a whole), and the
 * extra reads cost nothing while nothing changed, since GitHub answers the conditional read with a free 304.
 * With webhooks telling of every run's end, the lists are only a safety net, read every `webhookPollInterval`.
 * Re-driving stays once per `pollInterval` either way.
 */
export function trackingCadence({
  pollIntervalMs,
  webhookPollIntervalMs,
  webhooks,
}: {
  pollIntervalMs: number;
  webhookPollIntervalMs: number;
  webhooks: boolean;
}): TrackingCadence {
  if (webhooks)
    return {
      sweepEveryMs: pollIntervalMs,
      readEveryMs: webhookPollIntervalMs,
      redriveEveryMs: pollIntervalMs,
    };
  const half = Math.max(1, Math.round(pollIntervalMs / 2));
  return { sweepEveryMs: half, readEveryMs: half, redriveEveryMs: pollIntervalMs };
}
