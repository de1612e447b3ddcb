/**
 * Which checks must be green before a commit is deployed (`deploy.requireChecks`, or an environment's own): every
 * check GitHub reports on it, the named ones, or none.
 */
export type ChecksRequirement = 'all' | 'none' | readonly string[];

/** One check on a commit, as GitHub reports it: a commit status (by context) or a check run (by name). */
export interface CommitCheck {
  name: string;
  state: 'success' | 'pending' | 'failure';
  /** GitHub's own word: `failure`, `error`, `timed_out`, `in_progress`, `queued`… */
  detail: string;
  /** Where to read why (the status's target URL, the check run's page). */
  url?: string;
}

/** A commit `/deploy` refuses because its checks are not green, and what the user can do about it. */
export interface NotGreen {
  ref: string;
  sha: string;
  /** `owner/repo`. */
  repo: string;
  /** Failing first, then pending and missing (see `blockingChecks`). */
  checks: CommitCheck[];
  /** One sentence: deploy a green commit or override; or why this user may not override. */
  advice: string;
}

/** What a dry run learnt from GitHub: the commit the ref names, and what its checks would decide. */
export interface DryRunFacts {
  sha: string;
  /** Undefined when no check is required (`requireChecks: none`). */
  checks?: ChecksVerdict;
}

export type ChecksVerdict =
  /** `checked`: the names that were green, which GitHub is then asked to check again (`required_contexts`). */
  | { green: true; checked: string[] }
  | { green: false; failing: CommitCheck[]; pending: CommitCheck[]; missing: string[] };

/** Check-run conclusions and status states that count as passed (GitHub reports a skipped job as passed too). */
const PASSED = new Set(['success', 'neutral', 'skipped']);
const PENDING = new Set(['pending', 'queued', 'in_progress', 'waiting', 'requested', 'expected']);

/** A check-run conclusion or status state in the three words greenlight judges by. */
export function checkState(word: string | null | undefined): CommitCheck['state'] {
  if (word === null || word === undefined || PENDING.has(word)) return 'pending';
  return PASSED.has(word) ? 'success' : 'failure';
}

/**
 * Whether a commit may be deployed: every check (`all`) or every named check (a list) is green; a named check that
 * has not reported counts as missing, as GitHub counts it. `none` passes without looking. The same name reported
 * twice (a status and a check run) must be green both times.
 */
export function judgeChecks(requirement: ChecksRequirement, checks: readonly CommitCheck[]): ChecksVerdict {
  if (requirement === 'none') return { green: true, checked: [] };
  const required =
    requirement === 'all' ? checks : checks.filter((check) => requirement.includes(check.name));
  const missing =
    requirement === 'all' ? [] : requirement.filter((name) => !checks.some((check) => check.name === name));
  const failing = required.filter((check) => check.state === 'failure');
  const pending = required.filter((check) => check.state === 'pending');
  if (failing.length > 0 || pending.length > 0 || missing.length > 0)
    return { green: false, failing, pending, missing };
  return { green: true, checked: [...new Set(required.map((check) => check.name))] };
}

/**
 * The `required_contexts` of the GitHub Deployment, so GitHub enforces the rule greenlight applied: the checks
 * greenlight found green, or none when the requirement is `none` or an approver overrode it. Never omitted: GitHub
 * would then require every context on the commit, greenlight's own deployment runs included (a run of the
 * deployment workflow on that commit, still going or failed earlier, is not a CI check of it).
 */
export function requiredContexts(verdict: ChecksVerdict, overridden: boolean): string[] {
  return verdict.green && !overridden ? verdict.checked : [];
}

/** The checks that keep a commit from deploying, worst first, for a sentence: `ci/test (failure), lint (pending)`. */
export function blockingChecks(verdict: Extract<ChecksVerdict, { green: false }>): CommitCheck[] {
  return [
    ...verdict.failing,
    ...verdict.pending,
    ...verdict.missing.map((name): CommitCheck => ({ name, state: 'pending', detail: 'not reported' })),
  ];
}
