import { Agent, type Dispatcher } from 'undici';
import { z } from 'zod';
import { clip } from '../../domain/text.js';
import type { MetricSource } from '../../services/deploy/ports.js';
import { askBackend, jsonOf, type QueryOutcome, readQueries } from './query-http.js';

export interface PrometheusSourceOptions {
  /** Prometheus or a compatible API (Thanos, Mimir, VictoriaMetrics), path included: `http://host:9090/prometheus`. */
  baseUrl: string;
  /** PromQL in which `$env` stands for the environment's name. */
  queries: { errorRate: string; p95: string; baselineP95?: string; latencyUnit: 'seconds' | 'milliseconds' };
  timeoutMs: number;
  /** A dispatcher to send through (tests, a proxy); left open by close(). Without one the source keeps its own. */
  dispatcher?: Dispatcher;
}

/** `[unix seconds, "value"]`: Prometheus sends sample values as strings so that NaN and ±Inf survive JSON. */
const sample = z.tuple([z.number(), z.string()]);

/** The instant-query envelope of Prometheus' HTTP API (prometheus.io/docs/prometheus/latest/querying/api). */
const queryResponse = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      // A native histogram sample carries `histogram` instead of `value`: no single number to use.
      z.object({
        resultType: z.literal('vector'),
        result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: sample.optional() })),
      }),
      z.object({ resultType: z.literal('scalar'), result: sample }),
      z.object({ resultType: z.enum(['matrix', 'string']), result: z.unknown() }),
    ]),
  }),
  z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() }),
]);

type Outcome = QueryOutcome;

/**
 * Canary metrics from Prometheus instant queries, evaluated at the reading's `now`. The queries' own range
 * (`rate(...[1m])`) decides what "recent" means, so the cursor carries only the time. Never rejects: an
 * unreachable or failing Prometheus, or an error-rate query with no usable value, gives `noData`.
 */
export function prometheusSource(options: PrometheusSourceOptions): MetricSource {
  const owned = options.dispatcher
    ? undefined
    : new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000 });
  const dispatcher = options.dispatcher ?? (owned as Agent);
  const endpoint = `${options.baseUrl.replace(/\/+$/, '')}/api/v1/query`;
  const { queries, timeoutMs } = options;

  const instant = (promql: string, env: string, now: number): Promise<Outcome> => {
    const url = new URL(endpoint);
    url.searchParams.set('query', promql.replaceAll('$env', env.replace(/["\\]/g, '\\$&')));
    url.searchParams.set('time', String(now / 1_000));
    return askBackend('Prometheus', dispatcher, { url, headers: basicAuth(url), timeoutMs }, interpret);
  };

  return {
    read: ({ env, now }) => readQueries(queries, (query) => instant(query, env, now), now),
    async close() {
      await owned?.close();
    },
  };
}

/** Hosted Prometheus (Grafana Cloud, a proxy) often wants basic auth, which the URL is the only place to give. */
function basicAuth(url: URL): Record<string, string> {
  if (!url.username && !url.password) return {};
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` };
}

function interpret(status: number, text: string): Outcome {
  const parsed = queryResponse.safeParse(jsonOf(text));
  if (!parsed.success) {
    const hint = status === 200 || status === 404 ? ' with no query result (is prometheusUrl right?)' : '';
    return { kind: 'failed', reason: `Prometheus answered ${status}${hint}` };
  }
  const body = parsed.data;
  if (body.status === 'error') {
    return {
      kind: 'failed',
      reason: `Prometheus answered ${status}: ${clip(`${body.errorType}: ${body.error}`, 160)}`,
    };
  }
  const { data } = body;
  let value: string | undefined;
  if (data.resultType === 'vector') {
    const first = data.result[0];
    if (first === undefined) return { kind: 'missing', reason: 'returned no series' };
    value = first.value?.[1];
    if (value === undefined) return { kind: 'missing', reason: 'returned a histogram, not a number' };
  } else if (data.resultType === 'scalar') {
    value = data.result[1];
  } else {
    return { kind: 'missing', reason: `returned a ${data.resultType}, not a vector or scalar` };
  }
  // Number() reads "NaN" as NaN and "+Inf"/"-Inf" as NaN too: none is a measurement.
  const number = Number(value);
  return Number.isFinite(number)
    ? { kind: 'value', value: number }
    : { kind: 'missing', reason: `returned ${value}` };
}
