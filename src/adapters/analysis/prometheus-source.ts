import { Agent, type Dispatcher } from 'undici';
import { z } from 'zod';
import type { SourceMetrics } from '../../domain/analysis/reading.js';
import { clip } from '../../domain/text.js';
import type { MetricSource } from '../../services/deploy/ports.js';
import { isStaleConnection, networkProblem } from './network-problem.js';

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

/** One query's outcome: a number, no usable number (and why), or no answer from Prometheus (and why). */
type Outcome =
  | { kind: 'value'; value: number }
  | { kind: 'missing'; reason: string }
  | { kind: 'failed'; reason: string };

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
  const toMs = queries.latencyUnit === 'seconds' ? 1_000 : 1;

  const instant = async (promql: string, env: string, now: number): Promise<Outcome> => {
    const url = new URL(endpoint);
    url.searchParams.set('query', promql.replaceAll('$env', env.replace(/["\\]/g, '\\$&')));
    url.searchParams.set('time', String(now / 1_000));
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      let response: Dispatcher.ResponseData;
      try {
        response = await send(dispatcher, url, signal, timeoutMs);
      } catch (error) {
        if (!isStaleConnection(error) || signal.aborted) throw error;
        response = await send(dispatcher, url, signal, timeoutMs);
      }
      return interpret(response.statusCode, await response.body.text());
    } catch (error) {
      return {
        kind: 'failed',
        reason: signal.aborted
          ? `Prometheus did not answer within ${timeoutMs} ms`
          : `Prometheus unreachable: ${networkProblem(error)}`,
      };
    }
  };

  return {
    async read({ env, now }) {
      const [errorRate, p95, baseline] = await Promise.all([
        instant(queries.errorRate, env, now),
        instant(queries.p95, env, now),
        queries.baselineP95 === undefined ? undefined : instant(queries.baselineP95, env, now),
      ]);
      const metrics: SourceMetrics = {};
      if (errorRate.kind === 'value') metrics.errorRate = Math.min(1, Math.max(0, errorRate.value));
      else if (errorRate.kind === 'missing') metrics.noData = `the error-rate query ${errorRate.reason}`;
      else metrics.noData = errorRate.reason;
      if (p95.kind === 'value') metrics.p95Ms = p95.value * toMs;
      if (baseline?.kind === 'value') metrics.baselineP95Ms = baseline.value * toMs;
      return { metrics, cursor: { at: now, counters: {} } };
    },
    async close() {
      await owned?.close();
    },
  };
}

function send(dispatcher: Dispatcher, url: URL, signal: AbortSignal, timeoutMs: number) {
  const headers: Record<string, string> = { accept: 'application/json' };
  // Hosted Prometheus (Grafana Cloud, a proxy) often wants basic auth, which the URL is the only place to give.
  if (url.username || url.password) {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  return dispatcher.request({
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    method: 'GET',
    headers,
    signal,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
}

function interpret(status: number, text: string): Outcome {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = queryResponse.safeParse(json);
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
