import type { GitHubRequest, GitHubSim } from '../playground/sim/github.js';
import type { SlackSim } from '../playground/sim/slack.js';
import { sleep } from './lib/clock.js';
import { DeployDriver } from './lib/deploy-driver.js';
import { BENCH_QUERIES, type FakeMetrics, type MetricQuery } from './lib/fake-metrics.js';
import { type Described, describer, ROUTES } from './lib/github-view.js';
import { round, type Summary, summarize } from './lib/percentiles.js';

export interface CanaryRollbackOptions {
  redisUrl: string;
  keyPrefix: string;
  slack: SlackSim;
  github: GitHubSim;
  metrics: FakeMetrics;
  /** Deployments measured, each in an environment of its own (`staging-<i>`, no approvals). */
  samples: number;
  /** Deployments under way at once. */
  concurrency: number;
  /** `analysis.interval`, e.g. `5s`, and the same in milliseconds. */
  interval: string;
  intervalMs: number;
  /** `canary.hold` of every step: shorter than the interval, so the 5 % step ends on its first reading. */
  hold: string;
  /** The error rate the fake app reports after the breach (the rollback threshold is 5 %). */
  breachErrorRate: number;
  /** Seed of the random breach offsets, so two runs breach at the same phases of the reading cycle. */
  seed: number;
  log: (line: string) => void;
}

export interface CanaryRollbackSample {
  env: string;
  deploymentId: string;
  /** Breach, ms after the start of the reading that promoted the canary to 25 % (uniform over the interval). */
  breachOffsetMs: number;
  /** Breach → the fake GitHub receiving the rollback dispatch. */
  breachToDispatchMs: number;
  /** Breach → the first error-rate query after it arriving (the reading that sees 6 %). */
  waitForReadingMs: number;
  /** That query → the rollback dispatch arriving. */
  readingToDispatchMs: number;
  /** The bad reading's start − the previous reading's start − interval: how late the reading job ran. */
  readingLateMs: number;
  /** Readings from the one that promoted to 25 % up to the bad one (1: the very next one saw it). */
  readingsToBadOne: number;
  /** Canary steps dispatched, in order (`5`, `25`…). */
  steps: string[];
  status: string;
  reason: string;
}

export interface CanaryRollbackResult {
  samples: number;
  concurrency: number;
  intervalMs: number;
  hold: string;
  breachErrorRate: number;
  rollbackThreshold: number;
  /** Breach (the fake app answering 6 % from then on) → the fake GitHub receiving the rollback dispatch, ms. */
  breachToDispatch: Summary;
  /** Breach → the next error-rate query arriving at the fake Prometheus. */
  waitForReading: Summary;
  /** That query arriving → the rollback dispatch arriving. */
  readingToDispatch: Summary;
  /** How late each bad reading started against `previous reading + interval`. */
  readingLate: Summary;
  breachOffset: Summary;
  /** Deployments with more than one rollback dispatch (must be 0). */
  doubleRollbacks: number;
  /** Deployments promoted past 25 % before rolling back (must be 0). */
  promotedPast25: number;
  /** Deployments not `rolled_back` at the end (must be 0). */
  notRolledBack: number;
  /** Bad readings that were not the first after the 25 % promotion (the breach came after a reading started). */
  lateBadReadings: number;
  reasons: string[];
  perSample: CanaryRollbackSample[];
}

/** Mulberry32: a small seeded generator, so the breach offsets repeat from run to run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A workflow dispatch GitHub accepted for deployment `id`: its inputs. */
const dispatchOf = (about: (request: GitHubRequest) => Described, id: string, request: GitHubRequest) =>
  request.route === ROUTES.dispatch && request.status < 300 && about(request).deploymentId === id
    ? (about(request).inputs ?? {})
    : undefined;

/**
 * Threshold breach → rollback dispatch: each sample is one canary deployment (steps 5, 25, 50, 100 %, Prometheus
 * analysis every `interval`) of an environment of its own. Once its 25 % step was dispatched, the fake app's error
 * rate for that environment goes to 6 % at a random moment of the reading cycle, and the bench times from that
 * moment to the fake GitHub receiving the workflow dispatch with `deployment_phase: rollback`.
 */
export async function runCanaryRollback(options: CanaryRollbackOptions): Promise<CanaryRollbackResult> {
  const { github, metrics, log } = options;
  const envs = Array.from({ length: options.samples }, (_, index) => `staging-${index}`);
  github.setLifecycle({ mode: 'auto', runMs: 0 });
  const about = describer(github);
  const rollbackThreshold = 0.05;
  const driver = await DeployDriver.start({
    redisUrl: options.redisUrl,
    keyPrefix: options.keyPrefix,
    slack: options.slack,
    github,
    environments: Object.fromEntries(envs.map((env) => [env, 0])),
    pollInterval: '5s',
    spaceWrites: false,
    config: {
      services: { api: { health: [{ url: metrics.healthUrl, expect: 200, timeoutMs: 2_000 }] } },
      pipeline: [
        {
          id: 'traffic_switch',
          title: 'Traffic switch',
          services: ['api'],
          inputs: { deployment_phase: 'traffic_switch' },
          canary: { steps: [5, 25, 50, 100], hold: options.hold },
        },
      ],
      rollback: { inputs: { deployment_phase: 'rollback' } },
      analysis: {
        source: 'prometheus',
        interval: options.interval,
        prometheusUrl: metrics.prometheusUrl,
        prometheus: { ...BENCH_QUERIES, timeoutMs: 2_000 },
        errorRate: { warn: 0.01, rollback: rollbackThreshold },
        noDataToPause: 3,
      },
    },
  });
  log(
    `canary breach → rollback dispatch: ${options.samples} deployments, ${options.concurrency} at a time, analysis interval ${options.interval}`,
  );
  const random = seeded(options.seed);
  const perSample: CanaryRollbackSample[] = [];
  let next = 0;

  const errorReadings = (env: string) =>
    metrics.queries.filter((query) => query.env === env && query.metric === 'errorRate');

  const measure = async (env: string): Promise<CanaryRollbackSample> => {
    const id = await driver.requestDeploy(env);
    const at25 = await github.waitFor(
      () => github.requests.find((request) => dispatchOf(about, id, request)?.traffic_percentage === '25'),
      options.intervalMs * 4,
      `deployment ${id}'s 25 % step`,
    );
    // The reading that promoted the canary to 25 %; the next one starts an interval after it.
    const promoting = errorReadings(env).findLast((query) => query.at <= at25.at);
    if (!promoting) throw new Error(`no reading of ${env} before its 25 % step`);
    const elapsed = performance.now() - promoting.at;
    if (elapsed >= options.intervalMs) throw new Error(`the bench saw ${env}'s 25 % step too late`);
    // Uniform over what is left of the cycle (the bench learns of the 25 % step a few ms into it).
    const offset = elapsed + random() * (options.intervalMs - elapsed);
    await sleep(promoting.at + offset - performance.now());
    const breachAt = metrics.setErrorRate(env, options.breachErrorRate);
    const rollback = await github.waitFor(
      () =>
        github.requests.find(
          (request) =>
            dispatchOf(about, id, request)?.deployment_phase === 'rollback' && request.at >= breachAt,
        ),
      options.intervalMs * 4,
      `the rollback of deployment ${id}`,
    );
    const readings = errorReadings(env);
    const bad = readings.find((query) => query.at >= breachAt);
    if (!bad || bad.value !== options.breachErrorRate) throw new Error(`no bad reading of ${env}`);
    const previous = readings.findLast((query) => query.at < bad.at) as MetricQuery;
    await driver.finalized(id, 30_000);
    const doc = await driver.deployment(id);
    return {
      env,
      deploymentId: id,
      breachOffsetMs: round(breachAt - promoting.at),
      breachToDispatchMs: round(rollback.at - breachAt),
      waitForReadingMs: round(bad.at - breachAt),
      readingToDispatchMs: round(rollback.at - bad.at),
      readingLateMs: round(bad.at - previous.at - options.intervalMs),
      readingsToBadOne: readings.filter((query) => query.at > promoting.at && query.at <= bad.at).length,
      steps: github.requests
        .map((request) => dispatchOf(about, id, request)?.traffic_percentage)
        .filter((percentage): percentage is string => percentage !== undefined),
      status: doc?.state.status ?? 'missing',
      reason: doc?.state.rollback?.reason ?? '',
    };
  };

  const lane = async (index: number) => {
    // Spread the lanes over the reading cycle, so their readings do not all fall on the same moments.
    await sleep((index * options.intervalMs) / options.concurrency);
    while (next < envs.length) {
      const env = envs[next++] as string;
      const sample = await measure(env);
      perSample.push(sample);
      log(
        `  ${env}: breach +${sample.breachOffsetMs.toFixed(0)} ms into the cycle → rollback dispatch ${sample.breachToDispatchMs.toFixed(1)} ms (wait ${sample.waitForReadingMs.toFixed(1)} + reading → dispatch ${sample.readingToDispatchMs.toFixed(1)})`,
      );
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, envs.length) }, (_, i) => lane(i)));
  } finally {
    await driver.stop();
  }

  const ids = new Set(perSample.map((sample) => sample.deploymentId));
  const rollbacksOf = new Map<string, number>();
  for (const request of github.requests) {
    const { deploymentId, inputs } = about(request);
    if (
      request.route === ROUTES.dispatch &&
      request.status < 300 &&
      inputs?.deployment_phase === 'rollback' &&
      deploymentId &&
      ids.has(deploymentId)
    )
      rollbacksOf.set(deploymentId, (rollbacksOf.get(deploymentId) ?? 0) + 1);
  }
  const pick = (field: keyof CanaryRollbackSample) =>
    summarize(perSample.map((sample) => sample[field] as number));
  const result: CanaryRollbackResult = {
    samples: perSample.length,
    concurrency: options.concurrency,
    intervalMs: options.intervalMs,
    hold: options.hold,
    breachErrorRate: options.breachErrorRate,
    rollbackThreshold,
    breachToDispatch: pick('breachToDispatchMs'),
    waitForReading: pick('waitForReadingMs'),
    readingToDispatch: pick('readingToDispatchMs'),
    readingLate: pick('readingLateMs'),
    breachOffset: pick('breachOffsetMs'),
    doubleRollbacks: [...rollbacksOf.values()].filter((count) => count > 1).length,
    promotedPast25: perSample.filter((sample) => sample.steps.some((step) => Number(step) > 25)).length,
    notRolledBack: perSample.filter((sample) => sample.status !== 'rolled_back').length,
    lateBadReadings: perSample.filter((sample) => sample.readingsToBadOne !== 1).length,
    reasons: [...new Set(perSample.map((sample) => sample.reason))],
    perSample,
  };
  log(
    `  breach → rollback dispatch p50 ${result.breachToDispatch.p50.toFixed(1)} ms  p99 ${result.breachToDispatch.p99.toFixed(1)} ms  max ${result.breachToDispatch.max.toFixed(1)} ms  (n=${result.samples}); reading → dispatch p50 ${result.readingToDispatch.p50.toFixed(1)} ms  max ${result.readingToDispatch.max.toFixed(1)} ms`,
  );
  return result;
}
