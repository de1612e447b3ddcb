import type { ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { Metrics } from './metrics.js';

export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

export interface RouteDeps {
  metrics: Metrics;
  readiness: () => Promise<Readiness>;
}

/** /healthz (alive), /readyz (Redis reachable and config loaded), /metrics (Prometheus text). */
export function httpRoutes(deps: RouteDeps): CustomRoute[] {
  return [
    { path: '/healthz', method: ['GET'], handler: (_req, res) => sendJson(res, 200, { status: 'ok' }) },
    {
      path: '/readyz',
      method: ['GET'],
      handler: (_req, res) => {
        deps
          .readiness()
          .then((result) =>
            sendJson(res, result.ready ? 200 : 503, {
              status: result.ready ? 'ready' : 'not ready',
              ...result.checks,
            }),
          )
          .catch(() => sendJson(res, 503, { status: 'not ready' }));
      },
    },
    {
      path: '/metrics',
      method: ['GET'],
      handler: (_req, res) => {
        deps.metrics.registry
          .metrics()
          .then((text) => {
            res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
            res.end(text);
          })
          .catch(() => sendJson(res, 500, { status: 'error' }));
      },
    },
  ];
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
