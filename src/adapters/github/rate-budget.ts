import type { GitHubBudget, RateLimitReading } from '../../services/deploy/ports.js';
import type { GitHubResponseEvent } from './client.js';

/**
 * The token's REST rate limit as GitHub last stated it, fed by the client's response hook (the same one the metrics
 * read), so polling can slow down before the limit. The newest window wins; within a window, the lowest figure
 * (answers can arrive out of order).
 */
export function githubRateBudget(): GitHubBudget & { see(event: GitHubResponseEvent): void } {
  let latest: RateLimitReading | undefined;
  return {
    see({ rateLimit }) {
      if (rateLimit?.resource !== 'core' || rateLimit.resetAt === undefined) return;
      const reading: RateLimitReading = {
        remaining: rateLimit.remaining,
        resetAt: rateLimit.resetAt,
        ...(rateLimit.limit === undefined ? {} : { limit: rateLimit.limit }),
      };
      const newer =
        !latest ||
        reading.resetAt > latest.resetAt ||
        (reading.resetAt === latest.resetAt && reading.remaining < latest.remaining);
      if (newer) latest = reading;
    },
    latest: () => latest,
  };
}
