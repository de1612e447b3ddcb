import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebClient } from '@slack/web-api';
import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { registerCommands } from '../commands/index.js';
import { githubWebhookRoute } from './adapters/http/github-webhook.js';
import { createMetrics, type Metrics, registerStateGauges } from './adapters/http/metrics.js';
import { httpRoutes, type Readiness } from './adapters/http/routes.js';
import { flagRevertQueue, flagRevertWorker } from './adapters/queue/flag-revert-queue.js';
import { homeRefreshQueue, homeRefreshWorker } from './adapters/queue/home-queue.js';
import { redisAuditLog } from './adapters/redis/audit-log.js';
import { connectRedis, connectRedisForQueue, waitUntilReady } from './adapters/redis/connection.js';
import { migrateFlagNames } from './adapters/redis/flag-names-migration.js';
import { redisFlagStore } from './adapters/redis/flag-store.js';
import { redisHomeViewers } from './adapters/redis/home-viewers.js';
import { redisKeys } from './adapters/redis/keys.js';
import { watchRedis } from './adapters/redis/redis-watch.js';
import { redisDeliveries } from './adapters/redis/request-claims.js';
import { slackFlagAnnouncer } from './adapters/slack/flag-announcer.js';
import { slackHomePublisher } from './adapters/slack/home-publisher.js';
import { responseUrlReplier } from './adapters/slack/response-url.js';
import { slackUserGroups } from './adapters/slack/user-groups.js';
import { verifySlackToken } from './adapters/slack/verify-token.js';
import { type BotIdentity, createSlackApp, slackClientOptions } from './app.js';
import { composeDeploys, type DeployComposition, type DeployParts } from './compose/deploys.js';
import { composeIncidents, flagFlipEntry } from './compose/incidents.js';
import { describeRedisTarget, redisTargetOf } from './config/redis-target.js';
import type { Config } from './config.js';
import { boltLogger } from './logger.js';
import { FlagService } from './services/flag-service.js';
import { HomeService } from './services/home-service.js';
import { permissions } from './services/permissions.js';

export interface RuntimeOptions {
  logger: Logger;
  now?: () => number;
  /** Skip the start-up auth.test (tests that fake Slack pass a fixed identity). */
  botIdentity?: BotIdentity;
  /** Tests shorten GitHub's waits. */
  github?: DeployComposition['github'];
  /** How long start-up waits for Redis before starting not-ready (default 5 s). */
  redisWaitMs?: number;
}

export interface Greenlight {
  /** The bound HTTP port (HTTP mode, or Socket Mode's health server). */
  port: number | undefined;
  metrics: Metrics;
  /** Stops taking work, hands back in-flight jobs, closes Redis. Safe to call twice. */
  stop(): Promise<void>;
}

export class FatalStartError extends Error {}

const CLOSE_GRACE_MS = 3_000;
const IDENTIFY_RETRY_MS = 30_000;

function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}

/** Wires config → clients → stores → services → Bolt app, and starts it. */
export async function startGreenlight(config: Config, options: RuntimeOptions): Promise<Greenlight> {
  const { env, file } = config;
  const { logger } = options;
  const now = options.now ?? Date.now;
  const metrics = createMetrics();
  const target = redisTargetOf(env);
  if (!target.ok) throw new FatalStartError(target.problems.join('\n'));
  const redisWatch = watchRedis(describeRedisTarget(target.target), {
    logger,
    countError: () => {
      metrics.redisErrors.inc();
      metrics.dependencyErrors.inc({ dependency: 'redis' });
    },
  });
  const onRedisError = redisWatch.onError;
  const redis = connectRedis(target.target, 'greenlight', onRedisError('commands'));
  redisWatch.follow(redis);
  const queueRedis = connectRedisForQueue(target.target, 'greenlight-queue', onRedisError('queue'));
  const keys = redisKeys(file.redis.keyPrefix, file.flags.prefix);
  // A Redis that answers is waited for (so the first request finds it); one that refuses is not: the bot listens
  // at once, /readyz says 503, and the connections keep retrying.
  await waitUntilReady(redis, options.redisWaitMs ?? 5_000);
  // Off the command path and once per Redis: flags written before the set of names existed are found by one
  // bounded SCAN, in the background, as soon as Redis answers.
  const migrateNames = () => {
    migrateFlagNames(redis, keys, { logger }).catch((error: unknown) =>
      logger.warn(
        { event: 'flags.names_migration_failed', err: error },
        'flag names not migrated; retried at the next start',
      ),
    );
  };
  if (redis.status === 'ready') migrateNames();
  else redis.once('ready', migrateNames);

  const readiness = async (): Promise<Readiness> => {
    const ping = await Promise.race([
      redis.ping().then(
        () => 'ok',
        () => 'unreachable',
      ),
      new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 1_000).unref()),
    ]);
    return { ready: ping === 'ok', checks: { redis: ping, config: 'loaded' } };
  };

  const web = new WebClient(env.SLACK_BOT_TOKEN, { ...slackClientOptions(env), logger: boltLogger(logger) });
  const identity: Partial<BotIdentity> = { ...options.botIdentity };
  const identify = async (): Promise<boolean> => {
    const check = await verifySlackToken(web);
    if (!check.ok && check.fatal) throw new FatalStartError(check.message);
    if (!check.ok) {
      logger.warn({ event: 'slack.token_unchecked' }, `${check.message}; retrying in the background`);
      return false;
    }
    Object.assign(identity, { botId: check.botId, botUserId: check.botUserId });
    logger.info(
      { event: 'slack.authenticated', team: check.team, botUserId: check.botUserId },
      'slack token ok',
    );
    return true;
  };
  let identifyRetry: NodeJS.Timeout | undefined;
  if (!options.botIdentity) {
    const known = await identify().catch((error: unknown) => {
      redisWatch.close();
      redis.disconnect();
      queueRedis.disconnect();
      throw error;
    });
    const retry = () => {
      identifyRetry = setTimeout(() => {
        identify().then(
          (ok) => ok || retry(),
          (error: unknown) => logger.error({ event: 'slack.token_refused', err: error }, String(error)),
        );
      }, IDENTIFY_RETRY_MS).unref();
    };
    if (!known) retry();
  }

  const reply = responseUrlReplier();
  const tell = async (user: string, text: string) => {
    await web.chat.postMessage({ channel: user, text });
  };
  // Assigned once the Bolt app exists; the webhook route reads it per request.
  let deploys: DeployParts | undefined;
  const slack = createSlackApp({
    env,
    logger,
    metrics,
    routes: [
      ...httpRoutes({ metrics, readiness }),
      ...(env.GITHUB_WEBHOOK_SECRET
        ? [githubWebhookRoute(env.GITHUB_WEBHOOK_SECRET, () => deploys, logger)]
        : []),
    ],
    identity: () => identity,
    reply,
    tell,
  });

  // Anything the Home tab shows changed: a durable, debounced job re-publishes it for its recent viewers.
  const homeRefresh = homeRefreshQueue(queueRedis, keys.queuePrefix(), onRedisError('home-queue'), { now });
  const homeChanged = () => {
    homeRefresh
      .changed()
      .catch((error: unknown) =>
        logger.warn({ event: 'home.refresh_not_queued', err: error }, 'home tabs not refreshed'),
      );
  };
  const audit = redisAuditLog(redis, keys);
  const access = permissions(file.environments, slackUserGroups(web, now));
  const reverts = flagRevertQueue(queueRedis, keys.queuePrefix(), onRedisError('queue'));
  const incidents = composeIncidents({
    config,
    redis,
    keys,
    web,
    audit,
    now,
    logger,
    metrics,
    onChanged: homeChanged,
  });
  const flags = new FlagService({
    config: file.flags,
    store: redisFlagStore(redis, keys, file.flags.channel, {
      replicas: env.REDIS_WAIT_REPLICAS,
      onShort: (reached, wanted) =>
        logger.warn(
          { event: 'redis.replication_short', write: 'flag', reached, wanted },
          `a flag change reached ${reached} of ${wanted} replicas before its timeout`,
        ),
    }),
    audit,
    reverts,
    permissions: access,
    announcer: slackFlagAnnouncer(web, file.slack.statusChannel),
    now,
    newId: randomUUID,
    logger,
    onFlagChanged: async (notice) => {
      homeChanged();
      return incidents.appendToOpen(flagFlipEntry(notice));
    },
  });
  deploys = await composeDeploys({
    config,
    redis,
    queueRedis,
    keys,
    web,
    permissions: access,
    audit,
    now,
    newId: () => `d${now().toString(36)}${randomUUID().slice(0, 6)}`,
    logger,
    metrics,
    onChanged: homeChanged,
    onQueueError: onRedisError('deploy-queue'),
    incidents,
    ...(options.github ? { github: options.github } : {}),
  });
  const home = new HomeService({
    environments: Object.keys(file.environments),
    ...(deploys ? { deploys: deploys.service } : {}),
    flags,
    incidents,
    viewers: redisHomeViewers(redis, keys),
    publisher: slackHomePublisher(web),
    now,
    logger: logger.child({ component: 'home' }),
  });
  const homeWorker = homeRefreshWorker(queueRedis, keys.queuePrefix(), () => home.refresh());
  homeWorker.on('error', onRedisError('home-worker'));
  homeWorker.on('failed', (job, error) => {
    metrics.queueJobsFailed.inc({ queue: 'home' });
    logger.warn({ event: 'job.failed', queue: 'home', jobId: job?.id, err: error }, 'home refresh failed');
  });
  registerCommands(slack, {
    home,
    flags,
    deploys: deploys?.service,
    rollbacks: deploys?.rollbacks,
    incidents,
    reply,
    deliveries: redisDeliveries(redis, keys),
    tell,
    client: web,
    rollback: {
      environments: Object.keys(config.file.environments),
      workflow: config.file.rollback?.workflow ?? config.file.github?.workflow,
    },
  });

  const worker: Worker = flagRevertWorker(queueRedis, keys.queuePrefix(), async (job) => {
    const result = await flags.revert(job);
    if (result === 'reverted') metrics.flagChanges.inc({ source: 'auto-revert', value: String(job.enabled) });
  });
  worker.on('error', onRedisError('worker'));
  worker.on('failed', (job, error) => {
    metrics.queueJobsFailed.inc({ queue: 'flag-reverts' });
    logger.error(
      { event: 'job.failed', queue: 'flag-reverts', jobId: job?.id, err: error },
      'flag revert failed',
    );
  });
  registerStateGauges(metrics, {
    environments: Object.keys(file.environments),
    now,
    ...deploys?.gauges,
    jobCounts: {
      ...deploys?.gauges.jobCounts,
      'flag-reverts': () => reverts.counts(),
      home: () => homeRefresh.counts(),
    },
    openIncidents: async () => {
      const open: Record<string, number> = {};
      for (const incident of await incidents.open())
        open[incident.severity] = (open[incident.severity] ?? 0) + 1;
      return open;
    },
  });

  const server = await slack.start();
  const port = server ? (server.address() as AddressInfo).port : env.PORT;
  logger.info(
    { event: 'greenlight.started', port, mode: env.SLACK_APP_TOKEN ? 'socket' : 'http' },
    'greenlight is up',
  );

  let stopping: Promise<void> | undefined;
  return {
    port,
    metrics,
    stop() {
      stopping ??= (async () => {
        clearTimeout(identifyRetry);
        await slack
          .stop()
          .catch((error: unknown) => logger.warn({ event: 'slack.stop_failed', err: error }, 'stop failed'));
        // A job still running is handed back: BullMQ's stalled-job check gives it to another replica.
        const closed = await settlesWithin(
          Promise.all([
            worker.close(),
            reverts.close(),
            homeWorker.close(),
            homeRefresh.close(),
            deploys?.close(),
          ]),
          CLOSE_GRACE_MS,
        );
        if (!closed)
          logger.warn({ event: 'queue.close_timeout' }, 'queue did not close in time; disconnecting');
        reply.close();
        redisWatch.close();
        const quit = await settlesWithin(
          Promise.allSettled([redis.quit(), queueRedis.quit()]),
          CLOSE_GRACE_MS,
        );
        if (!quit) {
          redis.disconnect();
          queueRedis.disconnect();
        }
        logger.info({ event: 'greenlight.stopped' }, 'greenlight stopped');
      })();
      return stopping;
    },
  };
}
