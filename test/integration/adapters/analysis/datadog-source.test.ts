import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DatadogSourceOptions,
  datadogApiUrl,
  datadogSource,
} from '../../../../src/adapters/analysis/datadog-source.js';
import { createLogger } from '../../../../src/logger.js';
import type { MetricSource } from '../../../../src/services/deploy/ports.js';
import {
  DATADOG_TEST_KEYS,
  type DatadogAnswer,
  type DatadogQuery,
  datadogQueryRoute,
} from '../../../helpers/fake-datadog.js';
import { freePort } from '../../../helpers/net.js';
import { type LoopbackServer, loopbackServer } from './loopback-server.js';

/** 2026-11-22T06:00:00.500Z */
const NOW = 1_795_327_200_500;

const QUERIES = {
  errorRate: 'sum:errors{env:$env}.as_count() / sum:hits{env:$env}.as_count()',
  p95: 'p95:latency{env:$env}',
  latencyUnit: 'seconds',
} as const;

describe('datadog source', () => {
  const servers: LoopbackServer[] = [];
  const sources: MetricSource[] = [];
  afterEach(async () => {
    await Promise.all(sources.splice(0).map((source) => source.close()));
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  /** Datadog's query endpoint answering each query by the metric it names. */
  const fakeDatadog = async (answers: Record<string, DatadogAnswer>) => {
    const seen: DatadogQuery[] = [];
    const route = datadogQueryRoute(
      '/api/v1/query',
      ({ query }) => {
        const name = Object.keys(answers).find((metric) => query.includes(metric));
        return name === undefined ? 'no-series' : (answers[name] as DatadogAnswer);
      },
      seen,
    );
    const server = await loopbackServer((req, res) => {
      if (!route(req, res)) res.writeHead(404).end();
    });
    servers.push(server);
    return { server, seen };
  };
  const source = (apiUrl: string, options: Partial<DatadogSourceOptions> = {}) => {
    const created = datadogSource({
      apiUrl,
      ...DATADOG_TEST_KEYS,
      queries: QUERIES,
      windowMs: 120_000,
      timeoutMs: 1_000,
      ...options,
    });
    sources.push(created);
    return created;
  };

  it('reads the newest point of each query over the window, with the keys in Datadog’s headers', async () => {
    const { server, seen } = await fakeDatadog({ 'sum:errors': 0.06, 'p95:latency': 0.25 });
    const reading = await source(server.url).read({ env: 'production', now: NOW });

    expect(reading.metrics).toEqual({ errorRate: 0.06, p95Ms: 250 });
    expect(seen).toEqual([
      {
        query: 'sum:errors{env:production}.as_count() / sum:hits{env:production}.as_count()',
        from: Math.floor(NOW / 1_000) - 120,
        to: Math.floor(NOW / 1_000),
      },
      {
        query: 'p95:latency{env:production}',
        from: Math.floor(NOW / 1_000) - 120,
        to: Math.floor(NOW / 1_000),
      },
    ]);
    expect(server.requests[0]?.headers['dd-api-key']).toBe(DATADOG_TEST_KEYS.apiKey);
    expect(server.requests[0]?.headers['dd-application-key']).toBe(DATADOG_TEST_KEYS.appKey);
    expect(server.requests[0]?.url).toMatch(/^\/api\/v1\/query\?from=\d+&to=\d+&query=/);
  });

  it('takes the live baseline when a baseline query is set, in milliseconds when told so', async () => {
    const { server } = await fakeDatadog({ 'sum:errors': 0.001, 'p95:latency': 180, 'p95:stable': 100 });
    const reading = await source(server.url, {
      queries: { ...QUERIES, baselineP95: 'p95:stable{env:$env}', latencyUnit: 'milliseconds' },
    }).read({ env: 'staging', now: NOW });
    expect(reading.metrics).toEqual({ errorRate: 0.001, p95Ms: 180, baselineP95Ms: 100 });
  });

  it('gives no data (never a pass) when the error rate has no series or no point, as Prometheus does', async () => {
    const empty = await fakeDatadog({ 'p95:latency': 0.1 });
    expect((await source(empty.server.url).read({ env: 'production', now: NOW })).metrics).toEqual({
      noData: 'the error-rate query returned no series',
      p95Ms: 100,
    });
    const gaps = await fakeDatadog({ 'sum:errors': null });
    expect((await source(gaps.server.url).read({ env: 'production', now: NOW })).metrics).toEqual({
      noData: 'the error-rate query returned no points in the window',
    });
  });

  it('says why when Datadog refuses the keys, rate-limits, errs, hangs or cannot be reached', async () => {
    const refused = await fakeDatadog({});
    const wrongKeys = source(refused.server.url, { apiKey: 'nope' });
    expect((await wrongKeys.read({ env: 'production', now: NOW })).metrics.noData).toBe(
      'Datadog refused the keys (403: Forbidden): check DD_API_KEY, and that DD_APP_KEY may query timeseries',
    );
    const limited = await fakeDatadog({
      'sum:errors': { status: 429, body: { errors: ['Too many requests'] } },
    });
    expect((await source(limited.server.url).read({ env: 'production', now: NOW })).metrics.noData).toBe(
      'Datadog rate-limited the query (429)',
    );
    const failing = await fakeDatadog({
      'sum:errors': { status: 200, body: { status: 'error', error: 'Error parsing query', series: [] } },
    });
    expect((await source(failing.server.url).read({ env: 'production', now: NOW })).metrics.noData).toBe(
      'Datadog: Error parsing query',
    );
    const hanging = await fakeDatadog({ 'sum:errors': 'hang' });
    expect(
      (await source(hanging.server.url, { timeoutMs: 200 }).read({ env: 'production', now: NOW })).metrics
        .noData,
    ).toBe('Datadog did not answer within 200 ms');
    const nobody = `http://127.0.0.1:${await freePort()}`;
    expect((await source(nobody).read({ env: 'production', now: NOW })).metrics.noData).toBe(
      'Datadog unreachable: connection refused',
    );
  });

  it('turns a site into its API host', () => {
    expect(datadogApiUrl('datadoghq.com')).toBe('https://api.datadoghq.com');
    expect(datadogApiUrl('datadoghq.eu')).toBe('https://api.datadoghq.eu');
    expect(datadogApiUrl('us3.datadoghq.com')).toBe('https://api.us3.datadoghq.com');
    expect(datadogApiUrl('app.datadoghq.eu')).toBe('https://api.datadoghq.eu');
  });

  it('never lets the keys into a log line', () => {
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    logger.info(
      {
        env: { DD_API_KEY: DATADOG_TEST_KEYS.apiKey, DD_APP_KEY: DATADOG_TEST_KEYS.appKey },
        request: {
          headers: { 'dd-api-key': DATADOG_TEST_KEYS.apiKey, 'dd-application-key': DATADOG_TEST_KEYS.appKey },
        },
      },
      'datadog',
    );
    expect(lines.join('')).not.toContain(DATADOG_TEST_KEYS.apiKey);
    expect(lines.join('')).not.toContain(DATADOG_TEST_KEYS.appKey);
  });
});
