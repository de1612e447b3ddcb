import { describe, expect, it } from 'vitest';
import { pollPace, RATE_LIMIT_RESERVE } from '../../../../src/domain/deploy/poll-pace.js';

const NOW = Date.parse('2026-03-02T10:00:00Z');
const HOUR = 3_600_000;

describe('pollPace', () => {
  it.each([
    ['nothing known yet: the configured interval', undefined, 1, 5_000],
    ['a full budget: the configured interval', { remaining: 5_000, resetAt: NOW + HOUR }, 1, 5_000],
    // 600 spendable requests over an hour for 2 repositories: 300 polls, one every 12 s.
    [
      'budget for fewer polls than the interval allows: stretched',
      { remaining: 1_100, resetAt: NOW + HOUR },
      2,
      12_000,
    ],
    [
      'down to the reserve: waits for the reset',
      { remaining: RATE_LIMIT_RESERVE, resetAt: NOW + 600_000 },
      1,
      600_000,
    ],
    [
      'out of requests with the reset past: the configured interval',
      { remaining: 0, resetAt: NOW - 1 },
      1,
      5_000,
    ],
  ] as const)('%s', (_, rateLimit, repos, expected) => {
    expect(
      pollPace({ baseMs: 5_000, repos, now: NOW, ...(rateLimit ? { rateLimit: { ...rateLimit } } : {}) }),
    ).toBe(expected);
  });

  it('slows down before the limit: the polls it allows until the reset never spend the reserve', () => {
    for (const remaining of [501, 800, 1_500, 3_000, 4_999]) {
      for (const repos of [1, 3, 10]) {
        const pace = pollPace({
          baseMs: 1_000,
          repos,
          now: NOW,
          rateLimit: { remaining, resetAt: NOW + HOUR },
        });
        expect(Math.floor(HOUR / pace) * repos).toBeLessThanOrEqual(remaining - RATE_LIMIT_RESERVE);
      }
    }
  });
});
