import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeploymentStatus, TimelineEntry } from '../../../../src/domain/deploy/deployment-state.js';
import {
  changeFailureBand,
  computeDora,
  DAY_MS,
  type DoraDeployment,
  type DoraIncident,
  type DoraInput,
  frequencyBand,
  HOUR_MS,
  leadTimeBand,
  MONTH_MS,
  quantile,
  restoreBand,
  WEEK_MS,
} from '../../../../src/domain/deploy/dora.js';

const MIN = 60_000;
const FROM = Date.UTC(2026, 2, 1); // 2026-03-01T00:00Z
const TO = FROM + 30 * DAY_MS;
/** A moment of the window: day `d` (0-based) at hh:mm UTC. */
const at = (d: number, hh = 0, mm = 0) => FROM + d * DAY_MS + hh * HOUR_MS + mm * MIN;

function deployment(
  id: string,
  status: DeploymentStatus,
  requestedAt: number,
  more: Partial<DoraDeployment> = {},
): DoraDeployment {
  const timeline: TimelineEntry[] = [{ at: requestedAt, kind: 'requested', by: 'U0ALICE' }];
  return { id, env: 'production', ref: `v-${id}`, status, requestedAt, timeline, ...more };
}

function incident(id: string, declaredAt: number, more: Partial<DoraIncident> = {}): DoraIncident {
  return { id, status: 'open', declaredAt, env: 'production', ...more };
}

/**
 * A month of production (and one staging deployment), written by hand. The window is [2026-03-01, 2026-03-31),
 * `now` its end.
 */
const deployments: DoraDeployment[] = [
  deployment('p0', 'succeeded', at(-1, 10), { finishedAt: at(-1, 11) }), // before the window
  deployment('p1', 'succeeded', at(1, 10), { finishedAt: at(1, 10, 30) }),
  deployment('p2', 'succeeded', at(3, 9), { finishedAt: at(3, 9, 20) }),
  deployment('p3', 'rolled_back', at(5, 14), {
    finishedAt: at(5, 14, 52),
    rollback: { reason: 'error rate 7 %', requestedAt: at(5, 14, 40), completedAt: at(5, 14, 52) },
  }),
  deployment('p4', 'failed', at(8, 10), { finishedAt: at(8, 10, 5) }), // validation failed: no rollback
  deployment('p5', 'succeeded', at(10, 10), { finishedAt: at(10, 11) }),
  deployment('p6', 'rolled_back', at(12, 10), {
    finishedAt: at(12, 10, 26),
    rollback: { reason: 'by hand', by: 'U0BOB', requestedAt: at(12, 10, 20), completedAt: at(12, 10, 26) },
  }),
  deployment('p7', 'cancelled', at(14, 10), { finishedAt: at(14, 10, 1) }),
  deployment('p8', 'succeeded', at(15, 10), { finishedAt: at(15, 10, 45) }), // no commit time
  deployment('p9', 'succeeded', at(20, 10), { finishedAt: at(20, 12) }),
  deployment('r1', 'succeeded', at(21, 9), {
    finishedAt: at(21, 9, 4),
    rollbackOf: { service: 'api', from: 'v-p9', reason: 'checkout broken' },
  }),
  deployment('p12', 'failed', at(22, 10), {
    finishedAt: at(22, 10, 40),
    rollback: { reason: 'p95 3x baseline', requestedAt: at(22, 10, 30) }, // the rollback run failed
  }),
  deployment('p10', 'succeeded', at(25, 10), { finishedAt: at(25, 10, 10) }), // its branch moved since
  deployment('r2', 'succeeded', at(26, 12), { finishedAt: at(26, 12, 30), kind: 'rollback' }),
  deployment('p11', 'running', at(29, 23)),
  { ...deployment('s1', 'succeeded', at(2, 10), { finishedAt: at(2, 11) }), env: 'staging' },
];

const incidents: DoraIncident[] = [
  incident('inc-1', at(5, 14, 41), { deploymentId: 'p3', status: 'resolved', resolvedAt: at(5, 15, 41) }),
  incident('inc-2', at(10, 15), { deploymentId: 'p5', status: 'resolved', resolvedAt: at(10, 17, 30) }),
  incident('inc-3', at(27, 8)), // still open
  // No environment, but it names a staging deployment: staging's.
  {
    ...incident('inc-4', at(2, 12), { deploymentId: 's1', status: 'resolved', resolvedAt: at(2, 13) }),
    env: undefined,
  },
  incident('inc-5', at(-2, 9), { status: 'resolved', resolvedAt: at(0, 1) }), // declared before the window
];

const commitTimes = new Map<string, number>([
  ['p1', at(1, 8)], //  10:30 − 08:00         = 2h30m
  ['p2', at(2, 9, 20)], // day 3 09:20 − day 2 09:20 = 24h
  ['p5', at(9, 11)], // day 10 11:00 − day 9 11:00 = 24h
  ['p9', at(16, 12)], // day 20 12:00 − day 16 12:00 = 4d
  ['p10', at(25, 10, 40)], // after p10 finished (10:10): missing
  ['s1', at(2, 9)],
]);

const input: DoraInput = {
  env: 'production',
  deployments,
  incidents,
  commitTimes,
  window: { from: FROM, to: TO },
  now: TO,
};

describe('computeDora on a hand-computed month', () => {
  const report = computeDora(input);

  it('counts the changes of the window by outcome; /rollback records apart', () => {
    // p1 p2 p5 p8 p9 p10 succeeded; p4 p12 failed; p3 p6 rolled back; p7 cancelled; p11 running; r1 r2 rollbacks.
    expect(report.deployments).toEqual({
      succeeded: 6,
      failed: 2,
      rolledBack: 2,
      cancelled: 1,
      unfinished: 1,
      rollbacks: 2,
    });
  });

  it('deployment frequency: successful deployments per day and week', () => {
    // 6 successes / 30 days = 0.2 a day = 1.4 a week; 6 × 7 days = 42 days ≥ 30 days: at least weekly → high.
    expect(report.frequency).toEqual({ n: 6, perDay: 0.2, perWeek: 1.4, days: 30, band: 'high' });
  });

  it('change-failure rate: rolled back, rollback started or named by an incident, over finished changes', () => {
    // Finished: 6 succeeded + 2 failed + 2 rolled back = 10 (p7 cancelled, p11 running and r1, r2 left out).
    // Failures: p3 (rolled back, inc-1), p5 (inc-2), p6 (rolled back), p12 (rollback started, then failed) = 4.
    // 4 / 10 = 40 % > 15 % → low; not under the runbook's 10 %.
    const cfr = report.changeFailureRate;
    expect(cfr).toMatchObject({ rate: 0.4, failures: 4, n: 10, band: 'low', meetsTarget: false });
    expect(cfr?.failed).toEqual([
      {
        id: 'p12',
        name: 'p12',
        ref: 'v-p12',
        status: 'failed',
        finishedAt: at(22, 10, 40),
        causes: ['rollback_started'],
        incidents: [],
      },
      {
        id: 'p6',
        name: 'p6',
        ref: 'v-p6',
        status: 'rolled_back',
        finishedAt: at(12, 10, 26),
        causes: ['rolled_back'],
        incidents: [],
      },
      {
        id: 'p5',
        name: 'p5',
        ref: 'v-p5',
        status: 'succeeded',
        finishedAt: at(10, 11),
        causes: ['incident'],
        incidents: ['inc-2'],
      },
      {
        id: 'p3',
        name: 'p3',
        ref: 'v-p3',
        status: 'rolled_back',
        finishedAt: at(5, 14, 52),
        causes: ['rolled_back', 'incident'],
        incidents: ['inc-1'],
      },
    ]);
  });

  it('time to restore: incidents declared → resolved, and rollbacks no incident names', () => {
    // inc-1 14:41 → 15:41 = 60m; inc-2 15:00 → 17:30 = 150m (inc-3 open; inc-4 staging's; inc-5 before the window).
    // p6 rollback 10:20 → 10:26 = 6m; r1 09:00 → 09:04 = 4m; r2 12:00 → 12:30 = 30m
    // (p3's rollback is inc-1's; p12's rollback never completed).
    // Mean (60 + 150 + 6 + 4 + 30) / 5 = 250 / 5 = 50m; sorted 4, 6, 30, 60, 150 → median 30m < 1h → elite.
    expect(report.timeToRestore).toEqual({
      meanMs: 50 * MIN,
      medianMs: 30 * MIN,
      n: 5,
      fromIncidents: 2,
      fromRollbacks: 3,
      band: 'elite',
    });
    expect(report.gaps.openIncidents).toBe(1);
    expect(report.gaps.unrestoredRollbacks).toBe(1);
  });

  it('lead time: commit → successful deployment finished, median and p90', () => {
    // p1 2h30m, p2 24h, p5 24h, p9 96h (p8 has no commit time; p10's commit is newer than its deployment).
    // Sorted 2.5, 24, 24, 96 h. Median: rank (4−1)×0.5 = 1.5 → 24 + 0.5 × (24 − 24) = 24h: not under a day → high.
    // p90: rank (4−1)×0.9 = 2.7 → 24 + 0.7 × (96 − 24) = 74.4h = 267,840,000 ms.
    const lead = report.leadTime;
    expect(lead).toMatchObject({ medianMs: 24 * HOUR_MS, n: 4, band: 'high' });
    expect(lead?.p90Ms).toBeCloseTo(74.4 * HOUR_MS, 0);
    expect(report.gaps.leadTimeMissing).toBe(2);
  });

  it('staging gets its own figures from the same reads', () => {
    const staging = computeDora({ ...input, env: 'staging' });
    // s1 succeeded; inc-4 (no env, names s1) 12:00 → 13:00 = 60m and makes s1 a failure: 1 / 1.
    expect(staging.frequency).toMatchObject({ n: 1, band: 'medium' }); // 1 × 30 days ≥ 30 days: monthly
    expect(staging.changeFailureRate).toMatchObject({ failures: 1, n: 1, rate: 1 });
    expect(staging.timeToRestore).toMatchObject({ n: 1, medianMs: HOUR_MS, band: 'high' });
    expect(staging.leadTime).toMatchObject({ n: 1, medianMs: 2 * HOUR_MS, band: 'elite' });
  });

  it('leaves every figure out, rather than 0, when there is no data', () => {
    const empty = computeDora({ ...input, env: 'qa' });
    expect(empty.frequency).toBeUndefined();
    expect(empty.changeFailureRate).toBeUndefined();
    expect(empty.timeToRestore).toBeUndefined();
    expect(empty.leadTime).toBeUndefined();
    expect(empty.deployments).toEqual({
      succeeded: 0,
      failed: 0,
      rolledBack: 0,
      cancelled: 0,
      unfinished: 0,
      rollbacks: 0,
    });
  });

  it('gives no lead time when no commit time is known, and says how many lack one', () => {
    const none = computeDora({ ...input, commitTimes: new Map() });
    expect(none.leadTime).toBeUndefined();
    expect(none.gaps.leadTimeMissing).toBe(6);
  });
});

describe('a /rollback that names the deployment it undid', () => {
  it('counts that deployment as a failed change, even though its own run succeeded', () => {
    const undone = computeDora({
      ...input,
      deployments: [
        ...deployments.filter((d) => d.id !== 'r1'),
        deployment('r1', 'succeeded', at(21, 9), {
          finishedAt: at(21, 9, 4),
          rollbackOf: { service: 'api', from: 'v-p9', fromId: 'p9', reason: 'checkout broken' },
        }),
      ],
    });
    const before = computeDora(input).changeFailureRate;
    expect(undone.changeFailureRate?.failures).toBe((before?.failures ?? 0) + 1);
    expect(undone.changeFailureRate?.n).toBe(before?.n);
    expect(undone.changeFailureRate?.failed.find((failure) => failure.id === 'p9')?.causes).toEqual([
      'rolled_back',
    ]);
  });
});

describe('DORA bands (2023 report)', () => {
  it.each([
    [31, 30 * DAY_MS, 'elite'], // more than one a day
    [30, 30 * DAY_MS, 'high'], // exactly daily
    [5, 30 * DAY_MS, 'high'], // 5 × 7 = 35 days ≥ 30: weekly
    [4, 30 * DAY_MS, 'medium'], // 28 days < 30: not weekly
    [1, 30 * DAY_MS, 'medium'], // monthly
    [2, 90 * DAY_MS, 'low'], // 60 days < 90
    [0, 30 * DAY_MS, 'low'],
  ] as const)('frequency: %i in %i ms → %s', (count, windowMs, band) => {
    expect(frequencyBand(count, windowMs)).toBe(band);
  });

  it.each([
    [1, 20, 'elite'], // 5 %
    [2, 20, 'high'], // 10 %
    [3, 20, 'medium'], // 15 %
    [4, 20, 'low'], // 20 %
    [0, 1, 'elite'],
  ] as const)('change-failure rate: %i of %i → %s', (failures, n, band) => {
    expect(changeFailureBand(failures, n)).toBe(band);
  });

  it.each([
    [DAY_MS - 1, 'elite'],
    [DAY_MS, 'high'],
    [WEEK_MS, 'medium'],
    [MONTH_MS, 'low'],
  ] as const)('lead time: median %i ms → %s', (ms, band) => expect(leadTimeBand(ms)).toBe(band));

  it.each([
    [HOUR_MS - 1, 'elite'],
    [HOUR_MS, 'high'],
    [DAY_MS, 'medium'],
    [WEEK_MS, 'low'],
  ] as const)('time to restore: median %i ms → %s', (ms, band) => expect(restoreBand(ms)).toBe(band));

  it('interpolates quantiles between closest ranks', () => {
    expect(quantile([5], 0.9)).toBe(5);
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([10, 20, 30, 40, 50], 0.9)).toBe(46); // rank 3.6 → 40 + 0.6 × 10
  });
});

describe('computeDora properties', () => {
  const statuses: DeploymentStatus[] = [
    'queued',
    'awaiting_approval',
    'running',
    'succeeded',
    'failed',
    'cancelled',
    'rolling_back',
    'rolled_back',
  ];
  const moment = fc.integer({ min: FROM - 5 * DAY_MS, max: TO + DAY_MS });
  const arbDeployment = fc
    .record({
      status: fc.constantFrom(...statuses),
      requestedAt: moment,
      duration: fc.integer({ min: 0, max: 3 * DAY_MS }),
      env: fc.constantFrom('production', 'staging'),
      rollback: fc.option(
        fc.record({ after: fc.integer({ min: 0, max: HOUR_MS }), took: fc.option(fc.nat(HOUR_MS)) }),
      ),
      record: fc.constantFrom<'deploy' | 'rollback' | undefined>(undefined, 'deploy', 'rollback'),
      commitBefore: fc.option(fc.integer({ min: -HOUR_MS, max: 10 * DAY_MS })),
    })
    .map((d) => ({
      ...d,
      finishedAt: d.requestedAt + d.duration,
    }));
  const arbRegistry = fc.record({
    deployments: fc.array(arbDeployment, { maxLength: 30 }),
    incidents: fc.array(
      fc.record({
        declaredAt: moment,
        took: fc.option(fc.nat(2 * DAY_MS)),
        names: fc.option(fc.nat(40)),
        env: fc.constantFrom<string | undefined>('production', 'staging', undefined),
      }),
      { maxLength: 10 },
    ),
  });

  function build(registry: typeof arbRegistry extends fc.Arbitrary<infer T> ? T : never): DoraInput {
    const commitTimes = new Map<string, number>();
    const built = registry.deployments.map((d, index): DoraDeployment => {
      const id = `d${index}`;
      if (d.commitBefore !== null) commitTimes.set(id, d.finishedAt - d.commitBefore);
      const finished = ['succeeded', 'failed', 'cancelled', 'rolled_back'].includes(d.status);
      return {
        id,
        env: d.env,
        ref: 'main',
        status: d.status,
        requestedAt: d.requestedAt,
        timeline: [],
        ...(finished ? { finishedAt: d.finishedAt } : {}),
        ...(d.record ? { kind: d.record } : {}),
        ...(d.rollback
          ? {
              rollback: {
                reason: 'x',
                requestedAt: d.requestedAt + d.rollback.after,
                ...(d.rollback.took === null
                  ? {}
                  : { completedAt: d.requestedAt + d.rollback.after + d.rollback.took }),
              },
            }
          : {}),
      };
    });
    const builtIncidents = registry.incidents.map(
      (i, index): DoraIncident => ({
        id: `inc-${index + 1}`,
        declaredAt: i.declaredAt,
        status: i.took === null ? 'open' : 'resolved',
        ...(i.took === null ? {} : { resolvedAt: i.declaredAt + i.took }),
        ...(i.env === undefined ? {} : { env: i.env }),
        ...(i.names === null ? {} : { deploymentId: `d${i.names}` }),
      }),
    );
    return {
      env: 'production',
      deployments: built,
      incidents: builtIncidents,
      commitTimes,
      window: { from: FROM, to: TO },
      now: TO,
    };
  }

  it('keeps the change-failure rate in [0, 1], counts and durations non-negative', () => {
    fc.assert(
      fc.property(arbRegistry, (registry) => {
        const report = computeDora(build(registry));
        const cfr = report.changeFailureRate;
        if (cfr) {
          expect(cfr.rate).toBeGreaterThanOrEqual(0);
          expect(cfr.rate).toBeLessThanOrEqual(1);
          expect(cfr.failures).toBeLessThanOrEqual(cfr.n);
          expect(cfr.n).toBeGreaterThan(0);
        }
        if (report.frequency) {
          expect(report.frequency.perDay).toBeGreaterThanOrEqual(0);
          expect(report.frequency.perWeek).toBeGreaterThanOrEqual(0);
        }
        for (const figure of [report.timeToRestore, report.leadTime]) {
          if (figure) expect(figure.n).toBeGreaterThan(0);
        }
        if (report.timeToRestore) expect(report.timeToRestore.medianMs).toBeGreaterThanOrEqual(0);
        if (report.leadTime) {
          expect(report.leadTime.medianMs).toBeGreaterThanOrEqual(0);
          expect(report.leadTime.p90Ms).toBeGreaterThanOrEqual(report.leadTime.medianMs);
        }
      }),
    );
  });

  it('never raises the change-failure rate when a successful deployment is added', () => {
    fc.assert(
      fc.property(arbRegistry, fc.integer({ min: FROM, max: TO - 1 }), (registry, requestedAt) => {
        const before = build(registry);
        const added: DoraDeployment = {
          id: 'added',
          env: 'production',
          ref: 'main',
          status: 'succeeded',
          requestedAt,
          finishedAt: requestedAt + 10 * MIN,
          timeline: [],
        };
        const after = { ...before, deployments: [...before.deployments, added] };
        const was = computeDora(before).changeFailureRate;
        const now = computeDora(after).changeFailureRate;
        expect(now).toBeDefined();
        expect(now?.rate ?? 1).toBeLessThanOrEqual(was?.rate ?? 1);
        expect(computeDora(after).frequency?.n).toBe((computeDora(before).frequency?.n ?? 0) + 1);
      }),
    );
  });
});
