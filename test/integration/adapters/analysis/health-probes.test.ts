import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { undiciHealthProber } from '../../../../src/adapters/analysis/health-probes.js';
import type { HealthCheck } from '../../../../src/domain/analysis/reading.js';
import type { HealthProber } from '../../../../src/services/deploy/ports.js';
import { freePort } from '../../../helpers/net.js';
import { type LoopbackServer, loopbackServer } from './loopback-server.js';

describe('undici health prober', () => {
  const servers: LoopbackServer[] = [];
  let prober: HealthProber | undefined;
  afterEach(async () => {
    await prober?.close();
    prober = undefined;
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  const serve = async (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
    const server = await loopbackServer(handler);
    servers.push(server);
    return server;
  };
  const answer =
    (status: number, delayMs = 0, body = 'ok') =>
    (_: IncomingMessage, res: ServerResponse) => {
      setTimeout(() => res.writeHead(status, { 'content-type': 'text/plain' }).end(body), delayMs);
    };
  const probe = async (check: HealthCheck, options?: { defaultTimeoutMs?: number }) => {
    prober ??= undiciHealthProber(options);
    const [result] = await prober.probe([{ service: 'api', check }]);
    return result!;
  };

  it('reports a 200 as healthy with the time to its headers', async () => {
    const server = await serve(answer(200, 40));
    const result = await probe({ url: `${server.url}/health`, expect: 200 });
    expect(result).toMatchObject({ service: 'api', url: `${server.url}/health`, ok: true, status: 200 });
    expect(result.problem).toBeUndefined();
    expect(Number.isInteger(result.latencyMs)).toBe(true);
    expect(result.latencyMs).toBeGreaterThanOrEqual(35);
    expect(result.latencyMs).toBeLessThan(1_000);
    expect(server.requests.map((request) => request.url)).toEqual(['/health']);
  });

  it('accepts any status the check expects, such as a gateway answering 401 without a key', async () => {
    const server = await serve(answer(401));
    expect(await probe({ url: server.url, expect: [401] })).toMatchObject({ ok: true, status: 401 });
  });

  it('fails on a status the check does not expect, naming both', async () => {
    const server = await serve((req, res) => answer(req.url === '/a' ? 503 : 401)(req, res));
    prober = undiciHealthProber();
    const results = await prober.probe([
      { service: 'a', check: { url: `${server.url}/a`, expect: 200 } },
      { service: 'b', check: { url: `${server.url}/b`, expect: [200, 204] } },
      { service: 'c', check: { url: `${server.url}/c`, expect: [200, 204, 301] } },
    ]);
    expect(results.map(({ service, ok, status, problem }) => ({ service, ok, status, problem }))).toEqual([
      { service: 'a', ok: false, status: 503, problem: 'answered 503, expected 200' },
      { service: 'b', ok: false, status: 401, problem: 'answered 401, expected 200 or 204' },
      { service: 'c', ok: false, status: 401, problem: 'answered 401, expected 200, 204 or 301' },
    ]);
  });

  it('fails an answer slower than maxLatencyMs', async () => {
    const server = await serve(answer(200, 150));
    const result = await probe({ url: server.url, expect: 200, maxLatencyMs: 50 });
    expect(result).toMatchObject({ ok: false, status: 200 });
    expect(result.latencyMs).toBeGreaterThanOrEqual(140);
    expect(result.problem).toBe(`took ${result.latencyMs} ms, limit 50 ms`);
  });

  it('probes all targets at once and answers in the targets order', async () => {
    const server = await serve((req, res) => answer(200, req.url === '/slow' ? 300 : 0)(req, res));
    prober = undiciHealthProber();
    const started = performance.now();
    const results = await prober.probe([
      { service: 'slow', check: { url: `${server.url}/slow`, expect: 200 } },
      { service: 'fast', check: { url: `${server.url}/fast`, expect: 200 } },
      { service: 'slow-too', check: { url: `${server.url}/slow`, expect: 200 } },
    ]);
    expect(results.map((result) => result.service)).toEqual(['slow', 'fast', 'slow-too']);
    expect(results.every((result) => result.ok)).toBe(true);
    expect(results[1]!.latencyMs).toBeLessThan(250);
    // Sequential probes would take at least 600 ms.
    expect(performance.now() - started).toBeLessThan(550);
  });

  it('gives up on a server that accepts the connection and never answers', async () => {
    const server = await serve(() => {});
    const started = performance.now();
    const result = await probe({ url: server.url, expect: 200, timeoutMs: 300 });
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ ok: false, problem: 'timed out after 300 ms' });
    expect(result.status).toBeUndefined();
    expect(result.latencyMs).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(300 + 1_000);
  });

  it('uses the default timeout when the check sets none', async () => {
    const server = await serve(() => {});
    const started = performance.now();
    const result = await probe({ url: server.url, expect: 200 }, { defaultTimeoutMs: 250 });
    expect(result.problem).toBe('timed out after 250 ms');
    expect(performance.now() - started).toBeLessThan(250 + 1_000);
  });

  it('gives up on a body that trickles past the timeout, though its headers came fast', async () => {
    const server = await serve((_, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('.'), 30);
      res.on('close', () => clearInterval(timer));
    });
    const started = performance.now();
    const result = await probe({ url: server.url, expect: 200, timeoutMs: 400 });
    expect(result).toMatchObject({
      ok: false,
      status: 200,
      problem: 'timed out after 400 ms reading the body',
    });
    expect(result.latencyMs).toBeLessThan(300);
    expect(performance.now() - started).toBeLessThan(400 + 1_000);
  });

  it('reports a closed port as connection refused', async () => {
    const port = await freePort();
    const result = await probe({ url: `http://127.0.0.1:${port}/health`, expect: 200 });
    expect(result).toMatchObject({ ok: false, problem: 'connection refused' });
    expect(result.status).toBeUndefined();
  });

  it('sends the configured headers and never repeats them in the result', async () => {
    const server = await serve(answer(403));
    const result = await probe({
      url: server.url,
      expect: 200,
      headers: { authorization: 'Bearer s3cret-token', 'x-api-key': 'k3y' },
    });
    expect(server.requests[0]?.headers).toMatchObject({
      authorization: 'Bearer s3cret-token',
      'x-api-key': 'k3y',
    });
    expect(result.problem).toBe('answered 403, expected 200');
    expect(JSON.stringify(result)).not.toMatch(/s3cret|k3y/);
  });

  it('reuses one kept-alive connection across probes, reading each body to free it', async () => {
    const server = await serve(answer(200, 0, 'x'.repeat(20_000)));
    prober = undiciHealthProber();
    for (let round = 0; round < 4; round += 1) {
      const [result] = await prober.probe([{ service: 'api', check: { url: server.url, expect: 200 } }]);
      expect(result?.ok).toBe(true);
      // Readings are seconds apart; undici returns the socket to its pool a tick after the body ends.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(server.requests).toHaveLength(4);
    expect(server.connections()).toBe(1);
  });

  it('retries once on a kept-alive connection the server dropped, and fails one that drops every time', async () => {
    let served = 0;
    const server = await serve((req, res) => {
      served += 1;
      // The second request arrives on the kept-alive socket, which the server drops as if its idle timer fired.
      if (served === 2 || req.url === '/always') req.socket.destroy();
      else answer(200)(req, res);
    });
    prober = undiciHealthProber();
    const check = { url: server.url, expect: 200 };
    expect((await prober.probe([{ service: 'api', check }]))[0]?.ok).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await prober.probe([{ service: 'api', check }]))[0]).toMatchObject({ ok: true, status: 200 });
    expect(server.connections()).toBe(2);
    const [dropped] = await prober.probe([
      { service: 'api', check: { url: `${server.url}/always`, expect: 200 } },
    ]);
    expect(dropped).toMatchObject({ ok: false, problem: 'connection closed by the server' });
  });
});
