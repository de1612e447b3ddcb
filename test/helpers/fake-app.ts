import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type DatadogQuery, datadogQueryRoute } from './fake-datadog.js';
import { listen } from './net.js';

/**
 * The application a canary rolls out, on loopback: a health endpoint whose status and latency a test sets, and a
 * Prometheus-compatible query API (under `/prom`, a base URL with a path) answering the error rate and p95 the
 * test sets. `null` makes a query answer an empty vector, as Prometheus does for a series that does not exist.
 */
export interface FakeApp {
  url: string;
  /** `${url}/prom`: what greenlight.yml's `prometheusUrl` points at. */
  prometheusUrl: string;
  /** `${url}/datadog`: Datadog's query API (`analysis.datadog.apiUrl`), answering the same metrics. */
  datadogUrl: string;
  health: { status: number; delayMs: number };
  metrics: { errorRate: number | null; p95Seconds: number | null; baselineP95Seconds: number | null };
  /** Every PromQL query received, in order. */
  queries: string[];
  /** Every Datadog query received, in order. */
  datadogQueries: DatadogQuery[];
  healthChecks: number;
  close(): Promise<void>;
}

/** The Datadog queries greenlight.yml names for the fake app (`analysis.datadog`). */
export const FAKE_APP_DATADOG_QUERIES = {
  errorRate: 'app.error_rate{env:$env}',
  p95: 'app.p95_seconds{env:$env}',
  baselineP95: 'app.baseline_p95_seconds{env:$env}',
};

/** The queries greenlight.yml names for the fake app; `$env` is greenlight's placeholder. */
export const FAKE_APP_QUERIES = {
  errorRate: 'app_error_rate{env="$env"}',
  p95: 'app_p95_seconds{env="$env"}',
  baselineP95: 'app_baseline_p95_seconds{env="$env"}',
};

export async function startFakeApp(): Promise<FakeApp> {
  const app: Omit<FakeApp, 'url' | 'prometheusUrl' | 'datadogUrl' | 'close'> = {
    health: { status: 200, delayMs: 0 },
    metrics: { errorRate: 0.001, p95Seconds: 0.1, baselineP95Seconds: 0.1 },
    queries: [],
    datadogQueries: [],
    healthChecks: 0,
  };
  const datadog = datadogQueryRoute(
    '/datadog/api/v1/query',
    ({ query }) => {
      const value = query.startsWith('app.error_rate')
        ? app.metrics.errorRate
        : query.startsWith('app.baseline_p95')
          ? app.metrics.baselineP95Seconds
          : query.startsWith('app.p95')
            ? app.metrics.p95Seconds
            : null;
      return value === null ? 'no-series' : value;
    },
    app.datadogQueries,
  );
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://app');
    if (url.pathname === '/health') {
      app.healthChecks += 1;
      const { status, delayMs } = app.health;
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: status === 200 ? 'ok' : 'down' }));
      }, delayMs);
      return;
    }
    if (datadog(req, res)) return;
    if (url.pathname === '/prom/api/v1/query') {
      const query = url.searchParams.get('query') ?? '';
      const time = Number(url.searchParams.get('time') ?? Date.now() / 1_000);
      app.queries.push(query);
      const value = query.startsWith('app_error_rate')
        ? app.metrics.errorRate
        : query.startsWith('app_baseline_p95')
          ? app.metrics.baselineP95Seconds
          : query.startsWith('app_p95')
            ? app.metrics.p95Seconds
            : null;
      const result = value === null ? [] : [{ metric: {}, value: [time, String(value)] }];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
      return;
    }
    res.writeHead(404).end();
  });
  const port = await listen(server, 0);
  const url = `http://127.0.0.1:${port}`;
  return Object.assign(app, {
    url,
    prometheusUrl: `${url}/prom`,
    datadogUrl: `${url}/datadog`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
