import { describe, expect, it } from 'vitest';
import {
  blockingChecks,
  type CommitCheck,
  checkState,
  judgeChecks,
  requiredContexts,
} from '../../../../src/domain/deploy/commit-checks.js';

const check = (name: string, state: CommitCheck['state'], detail: string = state): CommitCheck => ({
  name,
  state,
  detail,
});

describe('checkState', () => {
  it.each([
    ['success', 'success'],
    ['neutral', 'success'],
    ['skipped', 'success'],
    ['failure', 'failure'],
    ['error', 'failure'],
    ['cancelled', 'failure'],
    ['timed_out', 'failure'],
    ['action_required', 'failure'],
    ['startup_failure', 'failure'],
    ['stale', 'failure'],
    ['pending', 'pending'],
    ['queued', 'pending'],
    ['in_progress', 'pending'],
    [null, 'pending'],
  ] as const)('%s counts as %s', (word, state) => {
    expect(checkState(word)).toBe(state);
  });
});

describe('judgeChecks', () => {
  const checks = [
    check('ci/test', 'success'),
    check('lint', 'failure'),
    check('build', 'pending', 'in_progress'),
  ];

  it('all: every check must be green', () => {
    expect(judgeChecks('all', checks)).toEqual({
      green: false,
      failing: [checks[1]],
      pending: [checks[2]],
      missing: [],
    });
    expect(judgeChecks('all', [checks[0] as CommitCheck])).toEqual({ green: true, checked: ['ci/test'] });
  });

  it('all, on a commit nothing reports on: green, with nothing for GitHub to check', () => {
    expect(judgeChecks('all', [])).toEqual({ green: true, checked: [] });
  });

  it('a list: only those, and one that has not reported is missing', () => {
    expect(judgeChecks(['ci/test'], checks)).toEqual({ green: true, checked: ['ci/test'] });
    expect(judgeChecks(['ci/test', 'e2e'], checks)).toEqual({
      green: false,
      failing: [],
      pending: [],
      missing: ['e2e'],
    });
  });

  it('a name reported twice (a status and a check run) must be green both times', () => {
    expect(judgeChecks(['ci'], [check('ci', 'success'), check('ci', 'failure')])).toMatchObject({
      green: false,
    });
    expect(judgeChecks('all', [check('ci', 'success'), check('ci', 'success')])).toEqual({
      green: true,
      checked: ['ci'],
    });
  });

  it('none: green without looking', () => {
    expect(judgeChecks('none', checks)).toEqual({ green: true, checked: [] });
  });
});

describe('requiredContexts', () => {
  it('asks GitHub for the checks greenlight found green, and for none after an override or with none required', () => {
    const green = judgeChecks('all', [check('ci/test', 'success'), check('build', 'success')]);
    expect(requiredContexts(green, false)).toEqual(['ci/test', 'build']);
    expect(requiredContexts(green, true)).toEqual([]);
    expect(requiredContexts(judgeChecks('none', []), false)).toEqual([]);
    expect(requiredContexts(judgeChecks('all', [check('lint', 'failure')]), true)).toEqual([]);
  });
});

describe('blockingChecks', () => {
  it('lists failing, then pending, then missing checks', () => {
    const verdict = judgeChecks(
      ['lint', 'build', 'e2e'],
      [check('build', 'pending', 'queued'), check('lint', 'failure')],
    );
    if (verdict.green) throw new Error('expected red');
    expect(blockingChecks(verdict)).toEqual([
      check('lint', 'failure'),
      check('build', 'pending', 'queued'),
      { name: 'e2e', state: 'pending', detail: 'not reported' },
    ]);
  });
});
