import { describe, expect, it } from 'vitest';
import { githubRateBudget } from '../../../../src/adapters/github/rate-budget.js';

const RESET = Date.parse('2026-03-02T11:00:00Z');
const answer = (remaining: number, resetAt = RESET, resource = 'core') => ({
  method: 'GET',
  route: '/repos/{owner}/{repo}/actions/runs',
  status: 200,
  rateLimit: { remaining, resource, limit: 5_000, resetAt },
});

describe('githubRateBudget', () => {
  it('keeps the lowest figure of the newest window, whatever order the answers arrive in', () => {
    const budget = githubRateBudget();
    expect(budget.latest()).toBeUndefined();
    budget.see(answer(4_200));
    budget.see(answer(4_300)); // an older answer arriving late
    expect(budget.latest()).toEqual({ remaining: 4_200, limit: 5_000, resetAt: RESET });
    budget.see(answer(4_999, RESET + 3_600_000)); // the window reset
    expect(budget.latest()?.remaining).toBe(4_999);
    budget.see(answer(10, RESET)); // a late answer of the old window
    expect(budget.latest()?.remaining).toBe(4_999);
  });

  it('ignores other resources (search, graphql) and answers without a reset', () => {
    const budget = githubRateBudget();
    budget.see(answer(3, RESET, 'search'));
    budget.see({ method: 'GET', route: '/x', status: 200, rateLimit: { remaining: 3, resource: 'core' } });
    expect(budget.latest()).toBeUndefined();
  });
});
