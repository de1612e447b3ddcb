import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type PrometheusSourceOptions,
  prometheusSource,
} from '../../../../src/adapters/analysis/prometheus-source.js';
import type { MetricSource } from '../../../../src/services/deploy/ports.js';
import { freePort } from '../../../helpers/net.js';
import { type LoopbackServer, loopbackServer } from './loopback-server.js';

/** 2026-11-22T06:00:00.500Z */
const NOW = 1_795_327_200_500;

const QUERIES = {
  errorRate: 'sum(rate(errors{env="$env"}[1m])) / sum(rate(requests{env="$env"}[1m]))',
  p95: 'histogram_quantile(0.95, rate(latency_bucket{env="$env"}[1m]))',
  latencyUnit: 'seconds',
} as const;

type Answer = { status?: number; body: unknown };

const vector = (...values: string[]) => ({
  status: 'success',
  data: {
    resultType: 'vector',
    result: values.map((value, index) => ({ metric: { pod: `p${index}` }, value: [NOW / 1_000, value] })),
  },
});
const scalar = (value: string) => ({
  status: 'success',
  data: { resultType: 'scalar', result: [NOW / 1_000, value] },
});

describe('prometheus source', () => {
  const servers: LoopbackServer[] = [];
  const sources: MetricSource[] = [];
  afterEach(async () => {
    await Promise.all(sources.splice(0).map((source) => source.close()));
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  /** A Prometheus that answers each query by the name of the metric it mentions. */
  const fakePrometheus = async (answers: Record<string, Answer | 'hang'>) => {
    const server = await loopbackServer((req, res) => {
      const query = new URL(req.url ?? '', 'http://x').searchParams.get('query') ?? '';
      const name = Object.keys(answers).find((metric) => query.includes(metric));
      const answer = name === undefined ? { status: 404, body: 'not found' } : answers[name];
      if (answer === 'hang' || answer === undefined) return;
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
      res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
    servers.push(server);
    return server;
  };
  const source = (baseUrl: string, options: Partial<PrometheusSourceOptions> = {}) => {
    const created = prometheusSource({ baseUrl, queries: QUERIES, timeoutMs: 1_000, ...options });
    sources.push(created);
    return created;
  };
  const queriesSeen = (server: LoopbackServer) =>
    server.requests.map((request) => new URL(request.url, 'http://x').searchParams.get('query')).sort();

  it('asks the instant-query API under the base path, with $env filled in and the time in unix seconds', async () => {
    const server = await fakePrometheus({
      errors: { body: vector('0.02') },
      latency: { body: vector('0.25') },
    });
    const { metrics, cursor } = await source(`${server.url}/prometheus/`).read({
      env: 'production',
      now: NOW,
    });
    expect(metrics).toEqual({ errorRate: 0.02, p95Ms: 250 });
    expect(cursor).toEqual({ at: NOW, counters: {} });
    expect(server.requests).toHaveLength(2);
    for (const request of server.requests) {
      const url = new URL(request.url, 'http://x');
      expect(url.pathname).toBe('/prometheus/api/v1/query');
      expect(url.searchParams.get('time')).toBe('1795327200.5');
    }
    expect(queriesSeen(server)).toEqual([
      'histogram_quantile(0.95, rate(latency_bucket{env="production"}[1m]))',
      'sum(rate(errors{env="production"}[1m])) / sum(rate(requests{env="production"}[1m]))',
    ]);
  });

  it('escapes quotes and backslashes in the environment name for PromQL strings', async () => {
    const server = await fakePrometheus({ errors: { body: vector('0') }, latency: { body: vector('0.1') } });
    await source(server.url).read({ env: 'we"ird\\env', now: NOW });
    expect(queriesSeen(server)[1]).toBe(
      'sum(rate(errors{env="we\\"ird\\\\env"}[1m])) / sum(rate(requests{env="we\\"ird\\\\env"}[1m]))',
    );
  });

  it('reads scalars and the first sample of a vector, and leaves milliseconds as they are', async () => {
    const server = await fakePrometheus({
      errors: { body: scalar('0.5') },
      latency: { body: vector('812', '99') },
    });
    const { metrics } = await source(server.url, {
      queries: { ...QUERIES, latencyUnit: 'milliseconds' },
    }).read({
      env: 'staging',
      now: NOW,
    });
    expect(metrics).toEqual({ errorRate: 0.5, p95Ms: 812 });
  });

  it('keeps the error rate within 0..1', async () => {
    const server = await fakePrometheus({
      errors: { body: vector('1.7') },
      latency: { body: vector('0.3') },
    });
    expect((await source(server.url).read({ env: 'production', now: NOW })).metrics.errorRate).toBe(1);
  });

  it('queries the baseline p95 only when it is configured, in the same unit', async () => {
    const server = await fakePrometheus({
      errors: { body: vector('0.01') },
      latency: { body: vector('0.4') },
      stable_p95: { body: vector('0.2') },
    });
    const withBaseline = source(server.url, {
      queries: { ...QUERIES, baselineP95: 'histogram_quantile(0.95, rate(stable_p95_bucket[1m]))' },
    });
    expect((await withBaseline.read({ env: 'production', now: NOW })).metrics).toEqual({
      errorRate: 0.01,
      p95Ms: 400,
      baselineP95Ms: 200,
    });
    expect(server.requests).toHaveLength(3);
  });

  it('treats NaN and infinite values as missing: no data without an error rate, no p95 without a p95', async () => {
    const server = await fakePrometheus({
      errors: { body: vector('NaN') },
      latency: { body: vector('+Inf') },
    });
    expect((await source(server.url).read({ env: 'production', now: NOW })).metrics).toEqual({
      noData: 'the error-rate query returned NaN',
    });
    const partial = await fakePrometheus({
      errors: { body: vector('0.03') },
      latency: { body: vector('-Inf') },
    });
    expect((await source(partial.url).read({ env: 'production', now: NOW })).metrics).toEqual({
      errorRate: 0.03,
    });
  });

  it('gives no data for an empty error-rate result, and only drops the p95 for an empty p95 result', async () => {
    const empty = await fakePrometheus({ errors: { body: vector() }, latency: { body: vector('0.2') } });
    expect((await source(empty.url).read({ env: 'production', now: NOW })).metrics).toEqual({
      p95Ms: 200,
      noData: 'the error-rate query returned no series',
    });
    const noP95 = await fakePrometheus({ errors: { body: vector('0.04') }, latency: { body: vector() } });
    expect((await source(noP95.url).read({ env: 'production', now: NOW })).metrics).toEqual({
      errorRate: 0.04,
    });
  });

  it('turns Prometheus error answers into a short no-data reason', async () => {
    const unavailable = await fakePrometheus({
      errors: { status: 503, body: { status: 'error', errorType: 'unavailable', error: 'too many queries' } },
      latency: { body: vector('0.2') },
    });
    expect((await source(unavailable.url).read({ env: 'production', now: NOW })).metrics).toEqual({
      p95Ms: 200,
      noData: 'Prometheus answered 503: unavailable: too many queries',
    });
    const badQuery = await fakePrometheus({
      errors: { status: 400, body: { status: 'error', errorType: 'bad_data', error: '1:5: parse error' } },
      latency: { status: 502, body: '<html>bad gateway</html>' },
    });
    expect((await source(badQuery.url).read({ env: 'production', now: NOW })).metrics).toEqual({
      noData: 'Prometheus answered 400: bad_data: 1:5: parse error',
    });
    const wrongPath = await fakePrometheus({});
    expect((await source(wrongPath.url).read({ env: 'production', now: NOW })).metrics.noData).toBe(
      'Prometheus answered 404 with no query result (is prometheusUrl right?)',
    );
  });

  it('reports an unreachable or silent Prometheus as no data, within its timeout', async () => {
    const port = await freePort();
    expect((await source(`http://127.0.0.1:${port}`).read({ env: 'production', now: NOW })).metrics).toEqual({
      noData: 'Prometheus unreachable: connection refused',
    });
    const silent = await fakePrometheus({ errors: 'hang', latency: 'hang' });
    const started = performance.now();
    const { metrics } = await source(silent.url, { timeoutMs: 300 }).read({ env: 'production', now: NOW });
    expect(metrics).toEqual({ noData: 'Prometheus did not answer within 300 ms' });
    expect(performance.now() - started).toBeLessThan(300 + 1_000);
  });

  it('sends credentials given in the URL as basic auth, through a dispatcher it leaves open', async () => {
    const server = await fakePrometheus({ errors: { body: vector('0') }, latency: { body: vector('0.1') } });
    const dispatcher = new Agent();
    try {
      const withAuth = source(server.url.replace('http://', 'http://grafana%40team:t0k3n@'), { dispatcher });
      expect((await withAuth.read({ env: 'production', now: NOW })).metrics).toEqual({
        errorRate: 0,
        p95Ms: 100,
      });
      expect(server.requests[0]?.headers.authorization).toBe(
        `Basic ${Buffer.from('grafana@team:t0k3n').toString('base64')}`,
      );
      await withAuth.close();
      const again = await dispatcher.request({
        origin: server.url,
        path: '/api/v1/query?query=errors',
        method: 'GET',
      });
      expect(again.statusCode).toBe(200);
      await again.body.dump();
    } finally {
      await dispatcher.close();
    }
  });
});
