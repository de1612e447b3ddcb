import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AnalysisStreaks,
  type AnalysisThresholds,
  allowsPromotion,
  decide,
  percent,
  type Verdict,
} from '../../../../src/domain/analysis/decide.js';
import type { ProbeResult, Reading } from '../../../../src/domain/analysis/reading.js';

/** The runbooks' numbers: warn above 1 %, roll back above 5 % or p95 above 2× baseline or 3 failed checks in a row. */
const RUNBOOK: AnalysisThresholds = {
  errorRate: { warn: 0.01, rollback: 0.05 },
  p95RatioToBaseline: 2,
  healthFailuresToRollback: 3,
  noDataToPause: 3,
};
const AT = Date.parse('2026-03-02T10:00:00Z');
const FRESH: AnalysisStreaks = { healthFailuresInARow: 0, noDataInARow: 0 };

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

const reading = (extra: Partial<Reading> = {}): Reading =>
  deepFreeze({ at: AT, source: 'prometheus', probes: [], ...extra });

const healthy = (service = 'api'): ProbeResult => ({
  service,
  url: `https://${service}.example.com/health`,
  ok: true,
  status: 200,
  latencyMs: 42,
});
const failing = (service = 'api', problem = 'expected 200, got 503'): ProbeResult => ({
  service,
  url: `https://${service}.example.com/health`,
  ok: false,
  status: 503,
  latencyMs: 12,
  problem,
});
const unexplained: ProbeResult = {
  service: 'api',
  url: 'https://api.example.com/health',
  ok: false,
  latencyMs: 5_000,
};

describe('decide: the error-rate rule', () => {
  it.each<[string, number, Verdict, string[]]>([
    ['well below the warning threshold', 0.002, 'pass', []],
    ['exactly at the warning threshold (strictly greater trips)', 0.01, 'pass', []],
    ['between warn and rollback', 0.02, 'warn', ['error rate 2 % is above the warning threshold of 1 %']],
    [
      'just under the rollback threshold',
      0.049,
      'warn',
      ['error rate 4.9 % is above the warning threshold of 1 %'],
    ],
    [
      'exactly at the rollback threshold (still only a warning)',
      0.05,
      'warn',
      ['error rate 5 % is above the warning threshold of 1 %'],
    ],
    [
      'just above the rollback threshold',
      0.051,
      'rollback',
      ['error rate 5.1 % is above the rollback threshold of 5 %'],
    ],
    ['well above', 0.06, 'rollback', ['error rate 6 % is above the rollback threshold of 5 %']],
    ['far above', 0.2, 'rollback', ['error rate 20 % is above the rollback threshold of 5 %']],
  ])('%s (%s) → %s', (_, errorRate, verdict, reasons) => {
    const decision = decide(RUNBOOK, undefined, reading({ errorRate, requests: 1_000 }), FRESH);
    expect(decision.verdict).toBe(verdict);
    expect(decision.reasons).toEqual(reasons);
    expect(decision.healthFailuresInARow).toBe(0);
    expect(decision.noDataInARow).toBe(0);
  });

  it('uses the configured thresholds, not the runbook defaults', () => {
    const strict: AnalysisThresholds = { ...RUNBOOK, errorRate: { warn: 0.001, rollback: 0.002 } };
    expect(decide(strict, undefined, reading({ errorRate: 0.0016 }), FRESH)).toMatchObject({
      verdict: 'warn',
      reasons: ['error rate 0.2 % is above the warning threshold of 0.1 %'],
    });
    expect(decide(strict, undefined, reading({ errorRate: 0.003 }), FRESH)).toMatchObject({
      verdict: 'rollback',
      reasons: ['error rate 0.3 % is above the rollback threshold of 0.2 %'],
    });
  });
});

describe('decide: the p95 rule', () => {
  it.each<[string, number | undefined, number | undefined, number, Verdict, number | undefined]>([
    ['under 2× the captured baseline', 100, undefined, 150, 'pass', 200],
    ['exactly 2× the captured baseline does not trip', 100, undefined, 200, 'pass', 200],
    ['above 2× the captured baseline', 100, undefined, 250, 'rollback', 200],
    [
      'the live baseline wins over the captured one (would pass against captured)',
      100,
      50,
      150,
      'rollback',
      100,
    ],
    ['the live baseline wins over the captured one (would trip against captured)', 50, 100, 150, 'pass', 200],
    ['a live baseline with nothing captured', undefined, 100, 201, 'rollback', 200],
    ['no baseline at all: the rule is inert', undefined, undefined, 10_000, 'pass', undefined],
    ['a zero captured baseline: the rule is inert', 0, undefined, 10_000, 'pass', undefined],
  ])('%s', (_, captured, live, p95Ms, verdict, limit) => {
    const decision = decide(
      RUNBOOK,
      captured,
      reading({ p95Ms, errorRate: 0, ...(live === undefined ? {} : { baselineP95Ms: live }) }),
      FRESH,
    );
    expect(decision.verdict).toBe(verdict);
    expect(decision.p95LimitMs).toBe(limit);
    expect(decision.baselineP95Ms).toBe(live ?? captured);
  });

  it('says how far above the baseline the p95 is, with the baseline it compared with', () => {
    expect(decide(RUNBOOK, 100, reading({ p95Ms: 250 }), FRESH).reasons).toEqual([
      'p95 latency 250 ms is 2.5× the baseline 100 ms (limit 2×)',
    ]);
    expect(decide(RUNBOOK, 100, reading({ p95Ms: 480.6, baselineP95Ms: 120 }), FRESH).reasons).toEqual([
      'p95 latency 481 ms is 4.0× the baseline 120 ms (limit 2×)',
    ]);
  });

  it('lists every tripped rule, worst first: rollbacks before warnings', () => {
    const decision = decide(
      RUNBOOK,
      100,
      reading({ errorRate: 0.08, p95Ms: 300, probes: [failing()] }),
      FRESH,
    );
    expect(decision.verdict).toBe('rollback');
    expect(decision.reasons).toEqual([
      'error rate 8 % is above the rollback threshold of 5 %',
      'p95 latency 300 ms is 3.0× the baseline 100 ms (limit 2×)',
      'health check failed (1/3): api https://api.example.com/health expected 200, got 503',
    ]);
  });
});

describe('decide: health checks in a row', () => {
  it('counts failing readings 1/3, 2/3, then rolls back at 3/3; a healthy reading resets the streak', () => {
    const bad = reading({ errorRate: 0, p95Ms: 90, probes: [healthy('web'), failing()] });
    const good = reading({ errorRate: 0, p95Ms: 90, probes: [healthy('web'), healthy()] });
    const first = decide(RUNBOOK, 100, bad, FRESH);
    expect(first).toMatchObject({
      verdict: 'failing',
      healthFailuresInARow: 1,
      reasons: ['health check failed (1/3): api https://api.example.com/health expected 200, got 503'],
    });
    const second = decide(RUNBOOK, 100, bad, first);
    expect(second).toMatchObject({
      verdict: 'failing',
      healthFailuresInARow: 2,
      reasons: ['health check failed (2/3): api https://api.example.com/health expected 200, got 503'],
    });
    const third = decide(RUNBOOK, 100, bad, second);
    expect(third).toMatchObject({
      verdict: 'rollback',
      healthFailuresInARow: 3,
      reasons: [
        'health check failed 3 times in a row: api https://api.example.com/health expected 200, got 503',
      ],
    });

    const recovered = decide(RUNBOOK, 100, good, second);
    expect(recovered).toMatchObject({ verdict: 'pass', healthFailuresInARow: 0, reasons: [] });
    expect(decide(RUNBOOK, 100, bad, recovered).healthFailuresInARow).toBe(1);
  });

  it('says `failed` for a probe without a problem, and never lets a failing step be promoted', () => {
    const decision = decide(RUNBOOK, undefined, reading({ errorRate: 0, probes: [unexplained] }), FRESH);
    expect(decision.reasons).toEqual([
      'health check failed (1/3): api https://api.example.com/health failed',
    ]);
    expect(decision.verdict).toBe('failing');
    expect(allowsPromotion(decision.verdict)).toBe(false);
  });

  it('a failing check outranks a metric warning', () => {
    const decision = decide(RUNBOOK, undefined, reading({ errorRate: 0.02, probes: [failing()] }), FRESH);
    expect(decision.verdict).toBe('failing');
    expect(decision.reasons).toEqual([
      'health check failed (1/3): api https://api.example.com/health expected 200, got 503',
      'error rate 2 % is above the warning threshold of 1 %',
    ]);
  });
});

describe('decide: readings without data', () => {
  it('is no-data (never a pass, never a rollback) and counts the streak', () => {
    const silent = reading({ noData: 'Prometheus did not answer: ECONNREFUSED' });
    const first = decide(RUNBOOK, 100, silent, FRESH);
    expect(first).toMatchObject({
      verdict: 'no-data',
      noDataInARow: 1,
      healthFailuresInARow: 0,
      reasons: ['no data: Prometheus did not answer: ECONNREFUSED'],
    });
    let streaks: AnalysisStreaks = first;
    for (let i = 2; i <= 10; i += 1) {
      const next = decide(RUNBOOK, 100, silent, streaks);
      expect(next.verdict).toBe('no-data');
      expect(next.noDataInARow).toBe(i);
      streaks = next;
    }
    expect(allowsPromotion('no-data')).toBe(false);
    expect(decide(RUNBOOK, 100, reading({ errorRate: 0, p95Ms: 90 }), streaks)).toMatchObject({
      verdict: 'pass',
      noDataInARow: 0,
    });
  });

  it('counts a reading with neither error rate nor p95 as no data', () => {
    expect(decide(RUNBOOK, 100, reading({ requests: 0 }), FRESH)).toMatchObject({
      verdict: 'no-data',
      noDataInARow: 1,
      reasons: ['no data: the source reported nothing'],
    });
  });

  it('still rolls back on 3 failing probes in a row, even with no data', () => {
    const silentAndDown = reading({ noData: 'no traffic', probes: [failing()] });
    const one = decide(RUNBOOK, 100, silentAndDown, FRESH);
    expect(one.verdict).toBe('failing');
    const two = decide(RUNBOOK, 100, silentAndDown, one);
    expect(two.verdict).toBe('failing');
    const three = decide(RUNBOOK, 100, silentAndDown, two);
    expect(three.verdict).toBe('rollback');
    expect(three.healthFailuresInARow).toBe(3);
    expect(three.reasons).toEqual([
      'health check failed 3 times in a row: api https://api.example.com/health expected 200, got 503',
      'no data: no traffic',
    ]);
  });

  it('a health-only source with no probes to run has nothing to judge', () => {
    expect(decide(RUNBOOK, undefined, reading({ source: 'health' }), FRESH)).toMatchObject({
      verdict: 'no-data',
      noDataInARow: 1,
      reasons: ['no health checks are configured for these services'],
    });
    expect(
      decide(RUNBOOK, undefined, reading({ source: 'health', probes: [healthy()] }), FRESH),
    ).toMatchObject({ verdict: 'pass', noDataInARow: 0, reasons: [] });
  });

  it("source 'none' (no analysis configured) passes: holds are timed waits", () => {
    expect(
      decide(RUNBOOK, undefined, reading({ source: 'none' }), { healthFailuresInARow: 0, noDataInARow: 2 }),
    ).toEqual({
      verdict: 'pass',
      reasons: [],
      reading: reading({ source: 'none' }),
      healthFailuresInARow: 0,
      noDataInARow: 0,
    });
  });
});

describe('allowsPromotion', () => {
  it.each<[Verdict, boolean]>([
    ['pass', true],
    ['warn', true],
    ['no-data', false],
    ['failing', false],
    ['rollback', false],
  ])('%s → %s', (verdict, allowed) => {
    expect(allowsPromotion(verdict)).toBe(allowed);
  });
});

describe('percent', () => {
  it('shows whole percentages without a decimal and fractions to one decimal', () => {
    expect([0.01, 0.05, 0.06, 0.2, 0.0123, 0.001, 0.051].map(percent)).toEqual([
      '1 %',
      '5 %',
      '6 %',
      '20 %',
      '1.2 %',
      '0.1 %',
      '5.1 %',
    ]);
  });

  it('formats whole percentages hit by float error like any other (7 % not 7.0 %, 10 % not 10.0 %)', () => {
    expect(percent(0.07)).toBe('7 %');
    expect(percent(0.0999)).toBe('10 %');
    expect(decide(RUNBOOK, undefined, reading({ errorRate: 0.07 }), FRESH).reasons).toEqual([
      'error rate 7 % is above the rollback threshold of 5 %',
    ]);
  });
});

// --- Property: the verdict is `rollback` exactly when a rollback rule trips, and the reading comes back as it was. ---

const probe: fc.Arbitrary<ProbeResult> = fc.record(
  {
    service: fc.constantFrom('api', 'web', '<!channel>'),
    url: fc.constantFrom('https://api.example.com/health', 'https://web.example.com/up'),
    ok: fc.boolean(),
    status: fc.constantFrom(200, 401, 503),
    latencyMs: fc.nat(5_000),
    problem: fc.string({ maxLength: 20 }),
  },
  { requiredKeys: ['service', 'url', 'ok', 'latencyMs'] },
);

const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

const anyReading: fc.Arbitrary<Reading> = fc.record(
  {
    at: fc.integer({ min: AT, max: AT + 86_400_000 }),
    source: fc.constantFrom(
      'prometheus' as const,
      'redis-counters' as const,
      'health' as const,
      'none' as const,
    ),
    probes: fc.array(probe, { maxLength: 4 }),
    errorRate: finite(0, 1),
    requests: fc.nat(100_000),
    p95Ms: finite(0, 10_000),
    baselineP95Ms: finite(0, 2_000),
    noData: fc.string({ maxLength: 30 }),
  },
  { requiredKeys: ['at', 'source', 'probes'] },
);

const anyThresholds: fc.Arbitrary<AnalysisThresholds> = fc
  .record({
    warn: finite(0, 0.5),
    rollbackOver: finite(0, 0.5),
    ratio: finite(1, 5),
    healthFailuresToRollback: fc.integer({ min: 1, max: 5 }),
    noDataToPause: fc.integer({ min: 1, max: 5 }),
  })
  .map((t) => ({
    errorRate: { warn: t.warn, rollback: t.warn + t.rollbackOver },
    p95RatioToBaseline: t.ratio,
    healthFailuresToRollback: t.healthFailuresToRollback,
    noDataToPause: t.noDataToPause,
  }));

describe('decide, for any reading', () => {
  it("is 'rollback' iff some rollback rule trips, and carries the reading unchanged", () => {
    fc.assert(
      fc.property(
        anyThresholds,
        fc.option(finite(0, 2_000), { nil: undefined }),
        anyReading,
        fc.record({ healthFailuresInARow: fc.nat(6), noDataInARow: fc.nat(6) }),
        (thresholds, captured, given, streaks) => {
          const before = structuredClone(given);
          const frozen = deepFreeze(given);
          const decision = decide(thresholds, captured, frozen, streaks);

          const anyFailing = given.probes.some((p) => !p.ok);
          const healthTrips =
            anyFailing && streaks.healthFailuresInARow + 1 >= thresholds.healthFailuresToRollback;
          const errorTrips = given.errorRate !== undefined && given.errorRate > thresholds.errorRate.rollback;
          const baseline =
            given.baselineP95Ms !== undefined && given.baselineP95Ms > 0 ? given.baselineP95Ms : captured;
          const p95Trips =
            given.p95Ms !== undefined &&
            baseline !== undefined &&
            baseline > 0 &&
            given.p95Ms > baseline * thresholds.p95RatioToBaseline;

          expect(decision.verdict === 'rollback').toBe(healthTrips || errorTrips || p95Trips);
          expect(decision.reading).toBe(frozen);
          expect(decision.reading).toEqual(before);
          expect(decision.healthFailuresInARow).toBe(anyFailing ? streaks.healthFailuresInARow + 1 : 0);
          expect(decision.noDataInARow).toBe(decision.verdict === 'no-data' ? streaks.noDataInARow + 1 : 0);
          if (decision.verdict === 'rollback') expect(decision.reasons.length).toBeGreaterThan(0);
          if (decision.verdict === 'pass') expect(decision.reasons).toEqual([]);
          if (decision.verdict !== 'rollback' && anyFailing) expect(decision.verdict).toBe('failing');
        },
      ),
      { numRuns: 500, seed: 20_260_302 },
    );
  });
});
