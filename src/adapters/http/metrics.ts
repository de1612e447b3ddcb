import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  requests: Counter<'kind' | 'name' | 'outcome'>;
  requestSeconds: Histogram<'kind' | 'name'>;
  redisErrors: Counter;
  flagChanges: Counter<'source' | 'value'>;
}

/** The bot's own Prometheus metrics, on a registry of its own so tests and replicas never share one. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'greenlight_' });
  return {
    registry,
    requests: new Counter({
      name: 'greenlight_slack_requests_total',
      help: 'Slack requests handled, by kind (command, action, view), name (/flag) and outcome (ok, error).',
      labelNames: ['kind', 'name', 'outcome'],
      registers: [registry],
    }),
    requestSeconds: new Histogram({
      name: 'greenlight_slack_request_duration_seconds',
      help: 'Time from receiving a Slack request to finishing its work (after the ack), by kind and name.',
      labelNames: ['kind', 'name'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    redisErrors: new Counter({
      name: 'greenlight_redis_errors_total',
      help: 'Redis connection errors and failed commands.',
      registers: [registry],
    }),
    flagChanges: new Counter({
      name: 'greenlight_flag_changes_total',
      help: 'Feature flag writes, by source (slack, auto-revert) and value.',
      labelNames: ['source', 'value'],
      registers: [registry],
    }),
  };
}
