import type { Reading } from './reading.js';

/** The runbooks' rollback matrix, from greenlight.yml's `analysis`. */
export interface AnalysisThresholds {
  errorRate: { warn: number; rollback: number };
  p95RatioToBaseline: number;
  healthFailuresToRollback: number;
  noDataToPause: number;
}

/**
 * - `rollback`: a threshold tripped; roll back now.
 * - `failing`: health checks fail, not yet often enough to roll back; the step must not be promoted.
 * - `no-data`: the source gave nothing usable; never a pass, never a rollback on its own.
 * - `warn`: above the warning threshold; the step may go on, and people are told.
 * - `pass`: every reading within its threshold.
 */
export type Verdict = 'rollback' | 'failing' | 'no-data' | 'warn' | 'pass';

/** Runs of bad readings, carried from one decision to the next. */
export interface AnalysisStreaks {
  healthFailuresInARow: number;
  noDataInARow: number;
}

/** Which rule a rollback verdict tripped first: the runbooks' matrix has three. */
export type RollbackTrigger = 'health' | 'error_rate' | 'latency';

/** A verdict with the readings and limits that led to it, so whoever reads it later can check the arithmetic. */
export interface Decision extends AnalysisStreaks {
  verdict: Verdict;
  /** For a `rollback` verdict: the rule behind its first reason. */
  trippedBy?: RollbackTrigger;
  /** One fragment per finding, worst first: `error rate 6.0 % is above the rollback threshold of 5 %`. */
  reasons: string[];
  reading: Reading;
  /** The p95 the reading was compared with (the source's live baseline, else the one read before the first step). */
  baselineP95Ms?: number;
  /** p95 above this rolls back: the baseline times the configured ratio. */
  p95LimitMs?: number;
}

/** Whether a hold may end on this decision. */
export function allowsPromotion(verdict: Verdict): boolean {
  return verdict === 'pass' || verdict === 'warn';
}

/**
 * Judges one reading against the thresholds. Pure: the streaks of earlier readings come in, the new streaks go
 * out. A source without data never passes (so a step is never promoted on silence) and never rolls back on its own
 * (an outage of Prometheus is not an outage of the app); health checks failing `healthFailuresToRollback` times in
 * a row do roll back, whatever the metrics say.
 */
export function decide(
  thresholds: AnalysisThresholds,
  capturedBaselineP95Ms: number | undefined,
  reading: Reading,
  streaks: AnalysisStreaks,
): Decision {
  const rollback: string[] = [];
  const tripped: RollbackTrigger[] = [];
  const warn: string[] = [];
  const failingProbes = reading.probes.filter((probe) => !probe.ok);
  const healthFailuresInARow = failingProbes.length > 0 ? streaks.healthFailuresInARow + 1 : 0;
  const firstFailure = failingProbes[0];
  if (firstFailure) {
    const what = `${firstFailure.service} ${firstFailure.url} ${firstFailure.problem ?? 'failed'}`;
    const count = `${healthFailuresInARow}/${thresholds.healthFailuresToRollback}`;
    if (healthFailuresInARow >= thresholds.healthFailuresToRollback) tripped.push('health');
    (healthFailuresInARow >= thresholds.healthFailuresToRollback ? rollback : warn).push(
      `health check failed ${healthFailuresInARow >= thresholds.healthFailuresToRollback ? `${healthFailuresInARow} times in a row` : `(${count})`}: ${what}`,
    );
  }
  const { errorRate } = reading;
  if (errorRate !== undefined) {
    if (errorRate > thresholds.errorRate.rollback) {
      tripped.push('error_rate');
      rollback.push(
        `error rate ${percent(errorRate)} is above the rollback threshold of ${percent(thresholds.errorRate.rollback)}`,
      );
    } else if (errorRate > thresholds.errorRate.warn) {
      warn.push(
        `error rate ${percent(errorRate)} is above the warning threshold of ${percent(thresholds.errorRate.warn)}`,
      );
    }
  }
  // A live baseline of 0 (no stable traffic right now) says nothing; fall back to the one read before the rollout.
  const live =
    reading.baselineP95Ms !== undefined && reading.baselineP95Ms > 0 ? reading.baselineP95Ms : undefined;
  const baselineP95Ms = live ?? capturedBaselineP95Ms;
  const p95LimitMs =
    baselineP95Ms !== undefined && baselineP95Ms > 0
      ? baselineP95Ms * thresholds.p95RatioToBaseline
      : undefined;
  if (reading.p95Ms !== undefined && p95LimitMs !== undefined && reading.p95Ms > p95LimitMs) {
    tripped.push('latency');
    rollback.push(
      `p95 latency ${ms(reading.p95Ms)} is ${ratio(reading.p95Ms, baselineP95Ms)} the baseline ${ms(baselineP95Ms)} (limit ${thresholds.p95RatioToBaseline}×)`,
    );
  }
  const noData = noDataReason(reading);
  const verdict: Verdict =
    rollback.length > 0
      ? 'rollback'
      : failingProbes.length > 0
        ? 'failing'
        : noData !== undefined
          ? 'no-data'
          : warn.length > 0
            ? 'warn'
            : 'pass';
  const reasons = [...rollback, ...warn, ...(noData === undefined ? [] : [noData])];
  return {
    verdict,
    ...(tripped[0] === undefined ? {} : { trippedBy: tripped[0] }),
    reasons,
    reading,
    healthFailuresInARow,
    noDataInARow: verdict === 'no-data' ? streaks.noDataInARow + 1 : 0,
    ...(baselineP95Ms === undefined ? {} : { baselineP95Ms }),
    ...(p95LimitMs === undefined ? {} : { p95LimitMs }),
  };
}

/** Why there is nothing to judge: the source's own reason, or a health-only analysis with no probes to run. */
function noDataReason(reading: Reading): string | undefined {
  if (reading.source === 'none') return undefined;
  if (reading.source === 'health') {
    return reading.probes.length === 0 ? 'no health checks are configured for these services' : undefined;
  }
  if (reading.noData !== undefined) return `no data: ${reading.noData}`;
  if (reading.errorRate === undefined && reading.p95Ms === undefined)
    return 'no data: the source reported nothing';
  return undefined;
}

/**
 * The numbers behind a decision as plain text on one line, for places that are not Block Kit (an incident's
 * impact, an audit entry): `error rate 6 % of 1200 requests · p95 250 ms vs baseline 100 ms · health 1/2 ok`.
 */
export function readingSummary(decision: Decision): string {
  const { reading } = decision;
  const facts: string[] = [];
  if (reading.errorRate !== undefined) {
    const over = reading.requests === undefined ? '' : ` of ${reading.requests} requests`;
    facts.push(`error rate ${percent(reading.errorRate)}${over}`);
  }
  if (reading.p95Ms !== undefined) {
    const baseline = decision.baselineP95Ms === undefined ? '' : ` vs baseline ${ms(decision.baselineP95Ms)}`;
    facts.push(`p95 ${ms(reading.p95Ms)}${baseline}`);
  }
  if (reading.probes.length > 0) {
    const healthy = reading.probes.filter((probe) => probe.ok).length;
    const failing = reading.probes.find((probe) => !probe.ok);
    const first = failing ? ` (${failing.service} ${failing.problem ?? 'failed'})` : '';
    facts.push(`health ${healthy}/${reading.probes.length} ok${first}`);
  }
  if (reading.noData !== undefined) facts.push(`no data: ${reading.noData}`);
  return facts.length > 0 ? facts.join(' · ') : 'no readings';
}

export function percent(fraction: number): string {
  // Rounded to a tenth first, so 0.07 (7.000000000000001 in floating point) reads `7 %` like 0.06.
  const value = Math.round(fraction * 1_000) / 10;
  return `${value >= 10 || Number.isInteger(value) ? value.toFixed(0) : value.toFixed(1)} %`;
}

export function ms(value: number | undefined): string {
  return value === undefined ? 'unknown' : `${Math.round(value)} ms`;
}

function ratio(value: number, baseline: number | undefined): string {
  return baseline === undefined || baseline <= 0 ? 'above' : `${(value / baseline).toFixed(1)}×`;
}
