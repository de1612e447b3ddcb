import { WebClient } from '@slack/web-api';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { datadogApiUrl, datadogSource } from '../adapters/analysis/datadog-source.js';
import { undiciHealthProber } from '../adapters/analysis/health-probes.js';
import { prometheusSource } from '../adapters/analysis/prometheus-source.js';
import { redisCountersSource } from '../adapters/analysis/redis-counters-source.js';
import { githubCommitChecks } from '../adapters/github/commit-checks.js';
import { githubCommits } from '../adapters/github/commits.js';
import { conditionalReads } from '../adapters/github/conditional-reads.js';
import { githubDeployments } from '../adapters/github/deployments.js';
import { githubRateBudget } from '../adapters/github/rate-budget.js';
import { githubWorkflowRuns, type WorkflowRunsOptions } from '../adapters/github/workflow-runs.js';
import type { Metrics, StateSources } from '../adapters/http/metrics.js';
import { announceQueue, announceWorker } from '../adapters/queue/announce-queue.js';
import { deployQueue, deployWorker } from '../adapters/queue/deploy-queue.js';
import { redisAnnouncementLedger } from '../adapters/redis/announcement-ledger.js';
import { redisCommitTimeCache } from '../adapters/redis/commit-time-cache.js';
import { redisDeploymentNames } from '../adapters/redis/deployment-names.js';
import { redisDispatchLease } from '../adapters/redis/dispatch-lease.js';
import { redisDispatchLedger } from '../adapters/redis/dispatch-ledger.js';
import { redisDocumentStore } from '../adapters/redis/document-store.js';
import { redisEnvironmentLanes } from '../adapters/redis/environment-lanes.js';
import { redisReadMemory } from '../adapters/redis/github-reads.js';
import type { RedisKeys } from '../adapters/redis/keys.js';
import { redisRegistryWindow } from '../adapters/redis/registry-window.js';
import { redisRollbackClaims } from '../adapters/redis/rollback-claims.js';
import { redisRunLists } from '../adapters/redis/run-lists.js';
import { redisSlackPacer } from '../adapters/redis/slack-pace.js';
import { slackDeployAnnouncer } from '../adapters/slack/deploy-announcer.js';
import { slackUserGroups } from '../adapters/slack/user-groups.js';
import { slackClientOptions } from '../app.js';
import type { AnalysisConfig } from '../config/file-schema.js';
import type { Config } from '../config.js';
import { deployRecordSchema } from '../domain/deploy/deploy-record.js';
import { trackingCadence } from '../domain/deploy/poll-pace.js';
import { serviceRollbackTarget } from '../domain/deploy/rollback-plan.js';
import { boltLogger } from '../logger.js';
import { Analyst } from '../services/deploy/analyst.js';
import { resolveCommitTimes } from '../services/deploy/commit-times.js';
import { deployRegistry } from '../services/deploy/deploy-registry.js';
import { DeployService } from '../services/deploy/deploy-service.js';
import { DeployStats } from '../services/deploy/deploy-stats.js';
import { DeploymentIncidents, type IncidentRegistry } from '../services/deploy/deployment-incidents.js';
import { DeploymentRecords } from '../services/deploy/deployment-records.js';
import { DeployOrchestrator } from '../services/deploy/orchestrator.js';
import type { EnvironmentLanes, MetricSource } from '../services/deploy/ports.js';
import { RollbackService } from '../services/deploy/rollback-service.js';
import { TimelineAnnouncements } from '../services/deploy/timeline-announcements.js';
import { approverDirectory } from '../services/permissions.js';
import type { AuditLog, Permissions } from '../services/ports.js';
import { countedProber } from './dependency-failures.js';
import { recordGitHubResponse, recordMilestones } from './deploy-metrics.js';
import { composeGitHubClient, githubCredentialKind } from './github-client.js';
import { observedStore } from './observed-store.js';

export interface DeployParts {
  service: DeployService;
  rollbacks: RollbackService;
  /** What /metrics reads from Redis at each scrape: queue lengths, locks, the deploy queue's jobs. */
  gauges: Pick<StateSources, 'queueLength' | 'locked' | 'activeSince' | 'jobCounts'>;
  /** For webhooks: moves the run's deployment on, if the run is one of ours. */
  runCompleted(runId: number, conclusion: string): Promise<void>;
  /** For webhooks: records the run's number (`#123`) and shows it, if the run is one of ours. */
  runNumbered(runId: number, runNumber: number): Promise<void>;
  close(): Promise<void>;
}

export interface DeployComposition {
  config: Config;
  redis: Redis;
  queueRedis: Redis;
  keys: RedisKeys;
  web: WebClient;
  permissions: Permissions;
  audit: AuditLog;
  now: () => number;
  newId: () => string;
  logger: Logger;
  metrics: Metrics;
  onQueueError: (error: Error) => void;
  /** Told after every write of a deployment's record, and every lock or unlock (the Home tab re-publishes). */
  onChanged?: () => void;
  /** Every rollback declares its incident here. */
  incidents: IncidentRegistry;
  /** Tests shorten GitHub's waits (retry delays, looking for a dispatched run). */
  github?: {
    retryAfterBaseValue?: number;
    spaceWrites?: boolean;
    runs?: WorkflowRunsOptions;
    findRun?: { firstLookMs?: number; windowMs?: number };
  };
}

/** `/deploy`'s pieces: GitHub clients, Redis stores, the BullMQ queue and worker, the orchestrator and service. */
export async function composeDeploys(parts: DeployComposition): Promise<DeployParts | undefined> {
  const { config, redis, queueRedis, keys, logger } = parts;
  const { env, file } = config;
  if (!file.github) return undefined;
  const budget = githubRateBudget();
  const cadence = trackingCadence({
    pollIntervalMs: file.deploy.pollInterval,
    webhookPollIntervalMs: file.deploy.webhookPollInterval,
    webhooks: Boolean(env.GITHUB_WEBHOOK_SECRET),
  });
  const { octokit } = composeGitHubClient(
    env,
    {
      ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}),
      logger: logger.child({ component: 'github' }),
      ...(parts.github?.retryAfterBaseValue === undefined
        ? {}
        : { retryAfterBaseValue: parts.github.retryAfterBaseValue }),
      ...(parts.github?.spaceWrites === undefined ? {} : { spaceWrites: parts.github.spaceWrites }),
      now: parts.now,
    },
    (rateLimitLabel) => recordGitHubResponse(parts.metrics, rateLimitLabel, budget),
  );
  const credential = githubCredentialKind(env);
  const runs = githubWorkflowRuns(octokit, { credential, ...parts.github?.runs });
  const ledger = redisDispatchLedger(redis, keys, {
    replicas: env.REDIS_WAIT_REPLICAS,
    onShort: (reached, wanted) =>
      logger.warn(
        { event: 'redis.replication_short', write: 'dispatch-mark', reached, wanted },
        `a dispatch mark reached ${reached} of ${wanted} replicas; dispatching anyway`,
      ),
  });
  const rollbackClaims = redisRollbackClaims(redis, keys);
  const records = observedStore(
    redisDocumentStore(redis, keys.deployment, deployRecordSchema),
    (before, after) => {
      recordMilestones(parts.metrics, before?.state, after.state);
      parts.onChanged?.();
    },
  );
  const lanes = withLockSignal(redisEnvironmentLanes(redis, keys), () => parts.onChanged?.());
  const names = redisDeploymentNames(redis, keys);
  const jobs = deployQueue(queueRedis, keys.queuePrefix(), parts.onQueueError);
  const repo = { owner: file.github.owner, repo: file.github.repo };
  const repoUrl = env.GITHUB_API_URL
    ? `${env.GITHUB_API_URL.replace(/\/api\/v3$/, '')}/${repo.owner}/${repo.repo}`
    : `https://github.com/${repo.owner}/${repo.repo}`;
  // The announcement job retries Slack's refusals itself, as delayed jobs: this client neither waits out a 429 nor
  // retries, so no worker slot waits for Slack.
  const announceWeb = new WebClient(env.SLACK_BOT_TOKEN, {
    ...slackClientOptions(env),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: boltLogger(logger),
  });
  const announcer = slackDeployAnnouncer(
    announceWeb,
    file.slack.statusChannel,
    redisSlackPacer(redis, keys),
    parts.now,
    repoUrl,
  );
  const announcements = announceQueue(queueRedis, keys.queuePrefix(), parts.onQueueError);
  const announcementLedger = redisAnnouncementLedger(redis, keys);
  const source = metricSource(file.analysis, redis, env);
  const prober = countedProber(undiciHealthProber(), parts.metrics);
  const analyst = new Analyst({
    ...(source ? { source } : {}),
    prober,
    checks: file.services,
    now: parts.now,
  });
  const registry = deployRegistry(records, keys.deploymentsOf);
  const deploymentRecords = new DeploymentRecords({
    store: records,
    index: keys.deploymentsOf,
    jobs,
    announcements,
    logger: logger.child({ component: 'deploy' }),
  });
  const timelines = new TimelineAnnouncements({
    store: records,
    announcer,
    ledger: announcementLedger,
    approvers: approverDirectory(slackUserGroups(parts.web, parts.now)),
    logger: logger.child({ component: 'announce' }),
  });
  const deploymentIncidents = new DeploymentIncidents({
    records: deploymentRecords,
    incidents: parts.incidents,
  });
  const orchestrator = new DeployOrchestrator({
    records: deploymentRecords,
    lanes,
    runs,
    githubDeployments: githubDeployments(octokit, credential),
    lease: redisDispatchLease(redis, keys),
    ledger,
    lists: redisRunLists(redis, keys),
    budget,
    rollbackClaims,
    jobs,
    analyst,
    registry,
    incidents: deploymentIncidents,
    settings: {
      ...repo,
      gateTimeoutMs: file.deploy.gateTimeout,
      dispatchLockMs: 120_000,
      sweepEveryMs: cadence.sweepEveryMs,
      trackEveryMs: cadence.readEveryMs,
      redriveEveryMs: cadence.redriveEveryMs,
      findRun: { firstLookMs: 1_000, windowMs: 30_000, ...parts.github?.findRun },
      lockOnFailure: file.deploy.lockOnFailure,
      lockAfterRollback: file.rollback?.lockEnvironment ?? true,
      rollback: {
        workflow: file.rollback?.workflow ?? file.github.workflow,
        ref: file.github.ref,
        inputs: file.rollback?.inputs ?? {},
        // A rollout rolls each service back where `/rollback <service>` would.
        services: Object.fromEntries(
          Object.entries(file.services).map(([name, service]) => {
            const { repository, workflow } = serviceRollbackTarget(file, service);
            return [name, { ...(repository ? { repository } : {}), ...(workflow ? { workflow } : {}) }];
          }),
        ),
      },
    },
    now: parts.now,
    logger: logger.child({ component: 'deploy' }),
  });
  // A commit's checks and what a ref names, asked with the ETag of the last answer: a free 304 while unchanged.
  const reads = conditionalReads(redisReadMemory(redis, keys));
  const commits = githubCommits(octokit, reads, credential);
  const commitCache = redisCommitTimeCache(redis, keys.commitTimes());
  const stats = new DeployStats({
    registry: redisRegistryWindow(redis, keys),
    commitTimes: (deployments) =>
      resolveCommitTimes(deployments, {
        commits,
        cache: commitCache,
        repo,
        logger: logger.child({ component: 'stats' }),
      }),
    environments: Object.keys(file.environments),
    now: parts.now,
  });
  const service = new DeployService({
    config: file,
    records: deploymentRecords,
    store: records,
    index: keys.deploymentsOf,
    lanes,
    jobs,
    names,
    permissions: parts.permissions,
    runs,
    commits: githubCommitChecks(octokit, reads, commitCache, credential),
    stats,
    shown: announcementLedger,
    audit: parts.audit,
    repo,
    now: parts.now,
    newId: parts.newId,
  });
  const rollbacks = new RollbackService({
    config: file,
    records: deploymentRecords,
    lanes,
    jobs,
    names,
    permissions: parts.permissions,
    guard: rollbackClaims,
    registry,
    deploys: service,
    incidents: deploymentIncidents,
    audit: parts.audit,
    now: parts.now,
    newId: parts.newId,
  });
  const worker: Worker = deployWorker(
    queueRedis,
    keys.queuePrefix(),
    (job, attemptsMade) => orchestrator.handle(job, attemptsMade),
    file.deploy.workerConcurrency,
  );
  worker.on('error', parts.onQueueError);
  worker.on('failed', (job, error) => {
    parts.metrics.queueJobsFailed.inc({ queue: 'deployments' });
    logger.warn(
      { event: 'job.failed', queue: 'deployments', jobId: job?.id, err: error },
      'deploy step failed; retrying',
    );
  });
  const announcing = announceWorker(queueRedis, keys.queuePrefix(), (id) => timelines.run(id));
  announcing.on('error', parts.onQueueError);
  announcing.on('failed', (job, error) => {
    parts.metrics.queueJobsFailed.inc({ queue: 'announcements' });
    logger.warn(
      { event: 'job.failed', queue: 'announcements', jobId: job?.id, err: error },
      'timeline announcement failed; retrying',
    );
  });
  // Not awaited: with Redis down at start it waits for Redis to come back, and the bot must listen meanwhile.
  jobs.startSweeping(cadence.sweepEveryMs).catch(parts.onQueueError);
  return {
    service,
    rollbacks,
    gauges: {
      queueLength: async (env) => (await lanes.queue(env)).waiting.length,
      locked: async (env) => (await lanes.lockOf(env)) !== undefined,
      activeSince: async (env) => {
        const active = (await lanes.queue(env)).active;
        const state = active === undefined ? undefined : await deploymentRecords.state(active);
        return state && (state.timeline.find((entry) => entry.kind === 'started')?.at ?? state.requestedAt);
      },
      jobCounts: { deployments: () => jobs.counts(), announcements: () => announcements.counts() },
    },
    async runCompleted(runId, conclusion) {
      // Queued, not applied: the webhook answers GitHub at once, the job finds the deployment and moves it on.
      await jobs.runCompleted(runId, conclusion);
    },
    async runNumbered(runId, runNumber) {
      await jobs.runNumbered(runId, runNumber);
    },
    async close() {
      await Promise.all([worker.close(), announcing.close()]);
      await Promise.all([jobs.close(), announcements.close()]);
      await Promise.all([prober.close(), source?.close()]);
    },
  };
}

/** Lanes that tell `changed` when a lock is taken or lifted (by a person or by greenlight after a failure). */
function withLockSignal(lanes: EnvironmentLanes, changed: () => void): EnvironmentLanes {
  return {
    ...lanes,
    async lock(env, lock, ttlMs) {
      const result = await lanes.lock(env, lock, ttlMs);
      if (result.locked) changed();
      return result;
    },
    async unlock(env) {
      const previous = await lanes.unlock(env);
      if (previous) changed();
      return previous;
    },
  };
}

/** The metric source greenlight.yml chooses; none for `health` (probes alone) or without an `analysis` section. */
function metricSource(
  analysis: AnalysisConfig | undefined,
  redis: Redis,
  env: Config['env'],
): MetricSource | undefined {
  if (analysis?.source === 'prometheus' && analysis.prometheusUrl) {
    const { timeoutMs, ...queries } = analysis.prometheus;
    return prometheusSource({ baseUrl: analysis.prometheusUrl, queries, timeoutMs });
  }
  if (analysis?.source === 'datadog' && env.DD_API_KEY && env.DD_APP_KEY) {
    const { site, apiUrl, window, timeoutMs, ...queries } = analysis.datadog;
    return datadogSource({
      apiUrl: apiUrl ?? datadogApiUrl(site),
      apiKey: env.DD_API_KEY,
      appKey: env.DD_APP_KEY,
      queries,
      windowMs: window,
      timeoutMs,
    });
  }
  if (analysis?.source === 'redis-counters') return redisCountersSource(redis, analysis.redisCounters);
  return undefined;
}
