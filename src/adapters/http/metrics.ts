import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  requests: Counter<'kind' | 'name' | 'outcome'>;
  requestSeconds: Histogram<'kind' | 'name'>;
  redisErrors: Counter;
  dependencyErrors: Counter<'dependency'>;
  flagChanges: Counter<'source' | 'value'>;
  deploymentsStarted: Counter<'env' | 'kind'>;
  deploymentsFinished: Counter<'env' | 'kind' | 'outcome'>;
  deploymentSeconds: Histogram<'env' | 'kind' | 'outcome'>;
  phaseSeconds: Histogram<'env' | 'phase' | 'outcome'>;
  canaryReadings: Counter<'env' | 'verdict'>;
  automaticRollbacks: Counter<'env' | 'reason'>;
  rollbackDispatchSeconds: Histogram<'env' | 'origin'>;
  gateWaitSeconds: Histogram<'env' | 'outcome'>;
  githubRequests: Counter<'route' | 'outcome'>;
  githubRateLimitRemaining: Gauge<'token' | 'resource'>;
  queueJobsFailed: Counter<'queue'>;
}

/** Seconds to minutes: a phase, a rollback's dispatch, a gate. */
const STEP_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1_800, 3_600];
/** Minutes to hours: a whole deployment with its holds and monitoring. */
const DEPLOYMENT_BUCKETS = [10, 30, 60, 120, 300, 600, 1_200, 1_800, 3_600, 7_200, 14_400];

/**
 * The bot's own Prometheus metrics, on a registry of its own so tests and replicas never share one. Counters and
 * histograms count what this process did; the gauges that read Redis (queue length, locks, job counts, open
 * incidents; see `registerStateGauges`) say the same in every replica, so aggregate them with `max`, not `sum`.
 */
export function createMetrics(): Metrics {
  const registry = new Registry();
  // The event-loop delay histogram samples on a timer; prom-client's default of every 10 ms woke an idle bot 100
  // times a second (about 3 ms of CPU a second, twice a bare Bolt app's idle). Every 100 ms still catches the
  // stalls worth alerting on.
  collectDefaultMetrics({ register: registry, prefix: 'greenlight_', eventLoopMonitoringPrecision: 100 });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'greenlight_slack_requests_total',
      help: 'Slack requests handled, by kind (command, action, view), name (/flag) and outcome (ok, error).',
      labelNames: ['kind', 'name', 'outcome'],
      registers,
    }),
    requestSeconds: new Histogram({
      name: 'greenlight_slack_request_duration_seconds',
      help: 'Time from receiving a Slack request to finishing its work (after the ack), by kind and name.',
      labelNames: ['kind', 'name'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    redisErrors: new Counter({
      name: 'greenlight_redis_errors_total',
      help: 'Redis connection errors and failed commands.',
      registers,
    }),
    dependencyErrors: new Counter({
      name: 'greenlight_dependency_errors_total',
      help: 'Failures of the systems greenlight depends on, by dependency (slack, response_url, github, redis, probe, pagerduty), as the adapter that met them named them.',
      labelNames: ['dependency'],
      registers,
    }),
    flagChanges: new Counter({
      name: 'greenlight_flag_changes_total',
      help: 'Feature flag writes, by source (slack, auto-revert) and value.',
      labelNames: ['source', 'value'],
      registers,
    }),
    deploymentsStarted: new Counter({
      name: 'greenlight_deployments_started_total',
      help: 'Deployments that started (past their start gate and the queue), by environment and kind (deploy, rollback).',
      labelNames: ['env', 'kind'],
      registers,
    }),
    deploymentsFinished: new Counter({
      name: 'greenlight_deployments_finished_total',
      help: 'Deployments that ended, by environment, kind and outcome (succeeded, failed, cancelled, rolled_back).',
      labelNames: ['env', 'kind', 'outcome'],
      registers,
    }),
    deploymentSeconds: new Histogram({
      name: 'greenlight_deployment_duration_seconds',
      help: 'From a deployment’s start to its end, by environment, kind and outcome.',
      labelNames: ['env', 'kind', 'outcome'],
      buckets: DEPLOYMENT_BUCKETS,
      registers,
    }),
    phaseSeconds: new Histogram({
      name: 'greenlight_phase_duration_seconds',
      help: 'From a phase’s first dispatch to its end, holds included, by environment, phase id and outcome.',
      labelNames: ['env', 'phase', 'outcome'],
      buckets: STEP_BUCKETS,
      registers,
    }),
    canaryReadings: new Counter({
      name: 'greenlight_canary_readings_total',
      help: 'Readings taken during canary holds and monitoring windows, by environment and verdict (pass, warn, failing, no-data, rollback).',
      labelNames: ['env', 'verdict'],
      registers,
    }),
    automaticRollbacks: new Counter({
      name: 'greenlight_automatic_rollbacks_total',
      help: 'Rollouts the analysis rolled back, by environment and the rule that tripped (error_rate, latency, health).',
      labelNames: ['env', 'reason'],
      registers,
    }),
    rollbackDispatchSeconds: new Histogram({
      name: 'greenlight_rollback_dispatch_seconds',
      help: 'From a rollback being decided or confirmed to its workflow run being dispatched, by environment and origin (automatic, manual, command).',
      labelNames: ['env', 'origin'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    }),
    gateWaitSeconds: new Histogram({
      name: 'greenlight_gate_wait_seconds',
      help: 'How long approval gates stayed open, by environment and how they closed (approved, expired, stopped).',
      labelNames: ['env', 'outcome'],
      buckets: STEP_BUCKETS,
      registers,
    }),
    githubRequests: new Counter({
      name: 'greenlight_github_requests_total',
      help: 'GitHub REST requests after retries, by route template and outcome (2xx, 304, 4xx, 5xx, error for no answer).',
      labelNames: ['route', 'outcome'],
      registers,
    }),
    githubRateLimitRemaining: new Gauge({
      name: 'greenlight_github_rate_limit_remaining',
      help: 'Requests left in the current GitHub rate-limit window, from the last answer, by token (or installation) and resource.',
      labelNames: ['token', 'resource'],
      registers,
    }),
    queueJobsFailed: new Counter({
      name: 'greenlight_queue_jobs_failed_total',
      help: 'BullMQ job attempts that failed in this process (each is retried while attempts remain), by queue.',
      labelNames: ['queue'],
      registers,
    }),
  };
}

/** Where the gauges read from Redis get their values, at each scrape. */
export interface StateSources {
  environments: readonly string[];
  /** Deployments waiting behind the active one. */
  queueLength?(env: string): Promise<number>;
  locked?(env: string): Promise<boolean>;
  /** When the deployment holding the environment started (epoch ms), if one does. */
  activeSince?(env: string): Promise<number | undefined>;
  now?: () => number;
  /** BullMQ job counts by state, per queue. */
  jobCounts?: Record<string, () => Promise<Record<string, number>>>;
  /** Open incidents by severity. */
  openIncidents?(): Promise<Record<string, number>>;
}

const JOB_STATES = ['waiting', 'delayed', 'active', 'failed'] as const;
const STATE_READ_TIMEOUT_MS = 1_000;
const SEVERITIES = ['sev1', 'sev2', 'sev3'] as const;

/**
 * Gauges computed at scrape time from Redis, where the state lives: queue length and locks per environment, BullMQ
 * jobs per queue and state, open incidents per severity. A source that fails leaves its gauge as last read.
 */
export function registerStateGauges(metrics: Metrics, sources: StateSources): void {
  const registers = [metrics.registry];
  // A scrape must answer while Redis is down: a read that fails or takes longer than this leaves the gauge as it was.
  const each = (read: () => Promise<void>) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, STATE_READ_TIMEOUT_MS);
      timer.unref();
      read().then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        () => {
          clearTimeout(timer);
          resolve();
        },
      );
    });
  new Gauge({
    name: 'greenlight_queue_length',
    help: 'Deployments waiting for an environment behind the one holding it.',
    labelNames: ['env'],
    registers,
    async collect() {
      const { queueLength } = sources;
      if (!queueLength) return;
      await Promise.all(
        sources.environments.map((env) => each(async () => this.set({ env }, await queueLength(env)))),
      );
    },
  });
  new Gauge({
    name: 'greenlight_environment_locked',
    help: '1 while an environment is locked (by a person, or by greenlight after a failure or a rollback).',
    labelNames: ['env'],
    registers,
    async collect() {
      const { locked } = sources;
      if (!locked) return;
      await Promise.all(
        sources.environments.map((env) => each(async () => this.set({ env }, (await locked(env)) ? 1 : 0))),
      );
    },
  });
  new Gauge({
    name: 'greenlight_deployment_running_seconds',
    help: 'How long the deployment holding an environment has been running; 0 when none is (alert on a stuck one).',
    labelNames: ['env'],
    registers,
    async collect() {
      const { activeSince } = sources;
      if (!activeSince) return;
      const now = (sources.now ?? Date.now)();
      await Promise.all(
        sources.environments.map((env) =>
          each(async () => {
            const since = await activeSince(env);
            this.set({ env }, since === undefined ? 0 : Math.max(0, (now - since) / 1_000));
          }),
        ),
      );
    },
  });
  new Gauge({
    name: 'greenlight_queue_jobs',
    help: 'BullMQ jobs by queue (deployments, flag-reverts, home) and state (waiting, delayed, active, failed).',
    labelNames: ['queue', 'state'],
    registers,
    async collect() {
      await Promise.all(
        Object.entries(sources.jobCounts ?? {}).map(([queue, counts]) =>
          each(async () => {
            const read = await counts();
            for (const state of JOB_STATES) this.set({ queue, state }, read[state] ?? 0);
          }),
        ),
      );
    },
  });
  new Gauge({
    name: 'greenlight_incidents_open',
    help: 'Open incidents by severity.',
    labelNames: ['severity'],
    registers,
    async collect() {
      const { openIncidents } = sources;
      if (!openIncidents) return;
      await each(async () => {
        const open = await openIncidents();
        for (const severity of SEVERITIES) this.set({ severity }, open[severity] ?? 0);
      });
    },
  });
}
