import { Agent, type Dispatcher } from 'undici';
import { z } from 'zod';
import { clip } from '../../domain/text.js';
import type { MetricSource } from '../../services/deploy/ports.js';
import { askBackend, jsonOf, type QueryOutcome, readQueries } from './query-http.js';

export interface DatadogSourceOptions {
  /** `https://api.datadoghq.com`, `https://api.datadoghq.eu`, …: see `datadogApiUrl`. */
  apiUrl: string;
  /** Secrets, sent only as the DD-API-KEY and DD-APPLICATION-KEY headers; never logged. */
  apiKey: string;
  appKey: string;
  /** Datadog metric queries in which `$env` stands for the environment's name. */
  queries: { errorRate: string; p95: string; baselineP95?: string; latencyUnit: 'seconds' | 'milliseconds' };
  /** The period each reading asks about: [now − window, now]. */
  windowMs: number;
  timeoutMs: number;
  /** A dispatcher to send through (tests, a proxy); left open by close(). */
  dispatcher?: Dispatcher;
}

/** The API host of a Datadog site: `datadoghq.eu` → `https://api.datadoghq.eu`, `us3.datadoghq.com` → `https://api.us3.datadoghq.com`. */
export function datadogApiUrl(site: string): string {
  return `https://api.${site.replace(/^(https?:\/\/)?(app\.|api\.)?/, '').replace(/\/+$/, '')}`;
}

/** `[milliseconds, value]`; a point of a series with no value in its interval is null. */
const point = z.tuple([z.number(), z.number().nullable()]);

/** `GET /api/v1/query` ("Query timeseries points", docs.datadoghq.com/api/latest/metrics). */
const queryResponse = z.object({
  status: z.string(),
  error: z.string().optional(),
  series: z.array(z.object({ pointlist: z.array(point).default([]) })).default([]),
});

/** Datadog's error envelope for 4xx and 5xx answers. */
const errorResponse = z.object({ errors: z.array(z.string()) });

/**
 * Canary metrics from Datadog's timeseries query API: each query over the last `windowMs`, read as its newest point.
 * Same rules as Prometheus: never rejects, and a Datadog that cannot be reached, refuses the keys, or has no point
 * for the error rate gives `noData`, which pauses a rollout instead of promoting or rolling it back.
 */
export function datadogSource(options: DatadogSourceOptions): MetricSource {
  const owned = options.dispatcher
    ? undefined
    : new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000 });
  const dispatcher = options.dispatcher ?? (owned as Agent);
  const endpoint = `${options.apiUrl.replace(/\/+$/, '')}/api/v1/query`;
  const { queries, timeoutMs } = options;
  const keys = { 'dd-api-key': options.apiKey, 'dd-application-key': options.appKey };

  const latest = (query: string, env: string, now: number): Promise<QueryOutcome> => {
    const url = new URL(endpoint);
    url.searchParams.set('from', String(Math.floor((now - options.windowMs) / 1_000)));
    url.searchParams.set('to', String(Math.floor(now / 1_000)));
    url.searchParams.set('query', query.replaceAll('$env', env));
    return askBackend('Datadog', dispatcher, { url, headers: keys, timeoutMs }, interpret);
  };

  return {
    read: ({ env, now }) => readQueries(queries, (query) => latest(query, env, now), now),
    async close() {
      await owned?.close();
    },
  };
}

function interpret(status: number, text: string): QueryOutcome {
  const json = jsonOf(text);
  if (status !== 200) {
    const said = errorResponse.safeParse(json);
    const detail = said.success ? `: ${clip(said.data.errors.join('; '), 160)}` : '';
    if (status === 401 || status === 403)
      return {
        kind: 'failed',
        reason: `Datadog refused the keys (${status}${detail}): check DD_API_KEY, and that DD_APP_KEY may query timeseries`,
      };
    if (status === 429) return { kind: 'failed', reason: 'Datadog rate-limited the query (429)' };
    return { kind: 'failed', reason: `Datadog answered ${status}${detail}` };
  }
  const parsed = queryResponse.safeParse(json);
  if (!parsed.success) return { kind: 'failed', reason: 'Datadog answered 200 with no query result' };
  const body = parsed.data;
  if (body.status !== 'ok')
    return { kind: 'failed', reason: `Datadog: ${clip(body.error ?? body.status, 160)}` };
  const series = body.series[0];
  if (series === undefined) return { kind: 'missing', reason: 'returned no series' };
  const value = series.pointlist.findLast(([, sample]) => sample !== null)?.[1];
  if (value === undefined || value === null)
    return { kind: 'missing', reason: 'returned no points in the window' };
  return Number.isFinite(value) ? { kind: 'value', value } : { kind: 'missing', reason: `returned ${value}` };
}
