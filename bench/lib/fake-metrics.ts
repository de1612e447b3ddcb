import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The PromQL greenlight.yml names for the fake app; `$env` is greenlight's placeholder for the environment. */
export const BENCH_QUERIES = {
  errorRate: 'bench_error_rate{env="$env"}',
  p95: 'bench_p95_seconds{env="$env"}',
};

export interface MetricQuery {
  /** `performance.now()` of the bench process when the query arrived. */
  at: number;
  env: string;
  metric: 'errorRate' | 'p95' | 'other';
  /** What the fake answered (undefined: an empty vector). */
  value: number | undefined;
}

export interface FakeMetrics {
  url: string;
  /** `${url}/prom`: greenlight.yml's `prometheusUrl`. */
  prometheusUrl: string;
  /** `${url}/health`: a health check that answers 200 at once. */
  healthUrl: string;
  /** Sets the error rate `env`'s queries answer from now on (default 0.001); returns `performance.now()` of the change. */
  setErrorRate(env: string, rate: number): number;
  /** Every PromQL query, in arrival order. */
  queries: MetricQuery[];
  healthChecks(): number;
  /** Resolves with `probe()` once it is defined (checked on every query), or undefined after `timeoutMs`. */
  waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T | undefined>;
  close(): Promise<void>;
}

const HEALTHY_ERROR_RATE = 0.001;
const P95_SECONDS = 0.1;

/**
 * The application a canary rolls out, as greenlight sees it: a Prometheus-compatible instant-query API
 * (`/prom/api/v1/query`) whose error rate the bench sets per environment (the `env="…"` label of the query), and a
 * `/health` endpoint. Unlike `test/helpers/fake-app.ts` it keeps one error rate per environment, so deployments
 * to different environments can run at once, and it logs each query's arrival on the bench's clock, which is what
 * splits breach → rollback into "waiting for the next reading" and "reading → dispatch".
 */
export async function startFakeMetrics(): Promise<FakeMetrics> {
  const errorRates = new Map<string, number>();
  const queries: MetricQuery[] = [];
  const waiters = new Set<() => void>();
  let health = 0;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const at = performance.now();
    const url = new URL(req.url ?? '/', 'http://app');
    if (url.pathname === '/health') {
      health += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      return;
    }
    if (url.pathname === '/prom/api/v1/query') {
      const query = url.searchParams.get('query') ?? '';
      const time = Number(url.searchParams.get('time') ?? Date.now() / 1_000);
      const env = /env="([^"]*)"/.exec(query)?.[1] ?? '';
      const metric = query.startsWith('bench_error_rate')
        ? 'errorRate'
        : query.startsWith('bench_p95_seconds')
          ? 'p95'
          : 'other';
      const value =
        metric === 'errorRate'
          ? (errorRates.get(env) ?? HEALTHY_ERROR_RATE)
          : metric === 'p95'
            ? P95_SECONDS
            : undefined;
      queries.push({ at, env, metric, value });
      const result = value === undefined ? [] : [{ metric: {}, value: [time, String(value)] }];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
      for (const wake of waiters) wake();
      return;
    }
    res.writeHead(404).end();
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    prometheusUrl: `${url}/prom`,
    healthUrl: `${url}/health`,
    setErrorRate(env, rate) {
      errorRates.set(env, rate);
      return performance.now();
    },
    queries,
    healthChecks: () => health,
    waitFor<T>(probe: () => T | undefined, timeoutMs: number) {
      return new Promise<T | undefined>((resolve) => {
        const check = () => {
          const value = probe();
          if (value !== undefined) finish(value);
        };
        const timer = setTimeout(() => finish(undefined), timeoutMs);
        const finish = (value: T | undefined) => {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(value);
        };
        waiters.add(check);
        check();
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
