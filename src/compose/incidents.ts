import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Metrics } from '../adapters/http/metrics.js';
import { pagerDutyEvents } from '../adapters/pagerduty/events-api.js';
import { redisDocumentStore } from '../adapters/redis/document-store.js';
import { redisIncidentLinks } from '../adapters/redis/incident-links.js';
import type { RedisKeys } from '../adapters/redis/keys.js';
import { slackIncidentCard } from '../adapters/slack/incident-card.js';
import { slackIncidentChannels } from '../adapters/slack/incident-channels.js';
import type { Config } from '../config.js';
import type { FlagChangeNotice } from '../domain/flags/flag-state.js';
import { incidentRecordSchema } from '../domain/incidents/incident-record.js';
import { actorOf } from '../domain/incidents/incident-rules.js';
import { IncidentService } from '../services/incident-service.js';
import type { AuditLog } from '../services/ports.js';
import { countedPager } from './dependency-failures.js';
import { observedStore } from './observed-store.js';

export interface IncidentComposition {
  config: Config;
  redis: Redis;
  keys: RedisKeys;
  web: WebClient;
  audit: AuditLog;
  now: () => number;
  logger: Logger;
  metrics: Pick<Metrics, 'dependencyErrors'>;
  /** Told after every write of an incident (the Home tab re-publishes for its viewers). */
  onChanged?: () => void;
}

/** `/incident`'s pieces: the Redis registry, the card, the incident channel, PagerDuty when a routing key is set. */
export function composeIncidents(parts: IncidentComposition): IncidentService {
  const { config, redis, keys, web } = parts;
  const { env, file } = config;
  const settings = file.incidents;
  const pager = env.PAGERDUTY_ROUTING_KEY
    ? countedPager(
        pagerDutyEvents({
          routingKey: env.PAGERDUTY_ROUTING_KEY,
          ...(env.PAGERDUTY_EVENTS_URL ? { url: env.PAGERDUTY_EVENTS_URL } : {}),
        }),
        parts.metrics,
      )
    : undefined;
  const environments = Object.keys(file.environments);
  return new IncidentService({
    records: observedStore(redisDocumentStore(redis, keys.incident, incidentRecordSchema), () =>
      parts.onChanged?.(),
    ),
    index: keys.incidents(),
    links: redisIncidentLinks(redis, keys),
    nextId: async () => `inc-${await redis.incr(keys.incidentSeq())}`,
    card: slackIncidentCard(web, file.slack.incidentChannel ?? file.slack.statusChannel, {
      policy: settings.severities,
      page: settings.page,
      pagerConfigured: pager !== undefined,
      createChannel: settings.createChannel,
    }),
    channels: slackIncidentChannels(web),
    ...(pager ? { pager } : {}),
    audit: parts.audit,
    settings: {
      policy: settings.severities,
      page: settings.page,
      createChannel: settings.createChannel,
      environments,
      ...(environments.includes('production') ? { defaultEnv: 'production' } : {}),
    },
    now: parts.now,
    logger: parts.logger.child({ component: 'incidents' }),
  });
}

/** A flag flip as a line on an open incident's timeline: `Flag `scan_creation` disabled by @carol: reason`. */
export function flagFlipEntry(notice: FlagChangeNotice): { by: string; text: string; at: number } {
  const verb = notice.enabled ? 'enabled' : 'disabled';
  const by = notice.source === 'auto-revert' ? 'greenlight (automatic revert)' : actorOf(notice.by);
  const until = notice.until ? ` until ${notice.until.slice(11, 16)} UTC` : '';
  const reason = notice.reason ? `: ${notice.reason}` : '';
  return {
    by: notice.by,
    text: `Flag \`${notice.name}\` ${verb} by ${by}${until}${reason}`,
    at: Date.parse(notice.at),
  };
}
