/**
 * Slack's Web API rate limits (https://docs.slack.dev/apis/web-api/rate-limits): each method has a tier — calls a
 * minute per app per workspace, with bursts — and chat.postMessage its own limit of about one message a second per
 * channel. Modelled as token buckets: a call takes a token; an empty bucket answers HTTP 429 `ratelimited` with
 * `Retry-After` (whole seconds until a token is back).
 */

export interface MethodLimit {
  perMinute: number;
  /** Calls allowed at once before the rate applies (default: one minute's worth, as a tier allows). */
  burst?: number;
  /** Counted per channel (chat.postMessage) rather than per workspace. */
  perChannel?: boolean;
}

export const TIERS = { 1: 1, 2: 20, 3: 50, 4: 100 } as const;

/** The limits of the methods greenlight calls, and a few more; methods not listed are Tier 3. */
export const METHOD_LIMITS: Record<string, MethodLimit> = {
  'auth.test': { perMinute: TIERS[4] },
  'chat.postMessage': { perMinute: 60, burst: 1, perChannel: true },
  'chat.update': { perMinute: TIERS[3] },
  'chat.postEphemeral': { perMinute: TIERS[4] },
  'chat.delete': { perMinute: TIERS[3] },
  'views.open': { perMinute: TIERS[4] },
  'views.update': { perMinute: TIERS[4] },
  'views.push': { perMinute: TIERS[4] },
  'views.publish': { perMinute: TIERS[4] },
  'usergroups.list': { perMinute: TIERS[2] },
  'conversations.create': { perMinute: TIERS[2] },
  'conversations.invite': { perMinute: TIERS[3] },
  'conversations.join': { perMinute: TIERS[3] },
  'conversations.info': { perMinute: TIERS[3] },
  'conversations.list': { perMinute: TIERS[2] },
  'users.info': { perMinute: TIERS[4] },
  'users.list': { perMinute: TIERS[2] },
  'apps.connections.open': { perMinute: TIERS[1] },
};

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly overrides: Record<string, MethodLimit> = {}) {}

  limitOf(method: string): MethodLimit {
    return this.overrides[method] ?? METHOD_LIMITS[method] ?? { perMinute: TIERS[3] };
  }

  /** Takes a token for the call; when none is left, the seconds to wait before retrying. */
  take(
    method: string,
    channel: string | undefined,
    now = Date.now(),
  ): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const limit = this.limitOf(method);
    const capacity = limit.burst ?? limit.perMinute;
    const perMs = limit.perMinute / 60_000;
    const key = limit.perChannel ? `${method}:${channel ?? ''}` : method;
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1_000)) };
  }

  reset(): void {
    this.buckets.clear();
  }
}
