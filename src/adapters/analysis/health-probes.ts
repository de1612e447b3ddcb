import { performance } from 'node:perf_hooks';
import { Agent, type Dispatcher } from 'undici';
import type { HealthCheck, ProbeResult } from '../../domain/analysis/reading.js';
import type { HealthProber, HealthTarget } from '../../services/deploy/ports.js';
import { isStaleConnection, networkProblem } from './network-problem.js';

/** Bodies are read only to free the socket for reuse; a larger one costs more than a new connection. */
const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Health probes over one undici Agent whose kept-alive connections outlive a call, so a probe every few seconds
 * does not pay a TCP (and TLS) handshake each time and its latency measures the service, not the handshake.
 * Every probe is cut off after its `timeoutMs` (default `defaultTimeoutMs`, 5 s), however the server stalls:
 * while connecting, before the headers, or trickling the body. Configured headers are sent and never reported.
 */
export function undiciHealthProber(options: { defaultTimeoutMs?: number } = {}): HealthProber {
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 5_000;
  // Longer than the usual analysis interval (10 s) so connections survive between readings; a server's
  // `Keep-Alive: timeout=` hint still wins, and a socket it closes just as it is reused is retried once.
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: defaultTimeoutMs,
    bodyTimeout: defaultTimeoutMs,
  });
  return {
    probe: (targets) => Promise.all(targets.map((target) => probeOne(agent, target, defaultTimeoutMs))),
    close: () => agent.close(),
  };
}

async function probeOne(
  agent: Agent,
  { service, check }: HealthTarget,
  defaultTimeoutMs: number,
): Promise<ProbeResult> {
  const timeoutMs = check.timeoutMs ?? defaultTimeoutMs;
  const signal = AbortSignal.timeout(timeoutMs);
  const base = { service, url: check.url };
  let started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let response: Dispatcher.ResponseData;
  try {
    try {
      response = await get(agent, check, signal, timeoutMs);
    } catch (error) {
      if (!isStaleConnection(error) || signal.aborted) throw error;
      started = performance.now();
      response = await get(agent, check, signal, timeoutMs);
    }
  } catch (error) {
    const problem = signal.aborted ? `timed out after ${timeoutMs} ms` : networkProblem(error);
    return { ...base, ok: false, latencyMs: elapsed(), problem };
  }
  const latencyMs = elapsed();
  const status = response.statusCode;
  // Read to the end (or drop past the limit) so the socket goes back to the pool instead of leaking.
  const read = await response.body.dump({ signal, limit: BODY_LIMIT_BYTES }).then(
    () => true,
    () => false,
  );
  if (!read && signal.aborted) {
    // A body still arriving at the deadline: the service never finished answering.
    return {
      ...base,
      ok: false,
      status,
      latencyMs,
      problem: `timed out after ${timeoutMs} ms reading the body`,
    };
  }
  const problem = judge(check, status, latencyMs);
  return problem === undefined
    ? { ...base, ok: true, status, latencyMs }
    : { ...base, ok: false, status, latencyMs, problem };
}

function get(agent: Agent, check: HealthCheck, signal: AbortSignal, timeoutMs: number) {
  const url = new URL(check.url);
  return agent.request({
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    method: 'GET',
    headers: { 'user-agent': 'greenlight-health-probe', ...check.headers },
    signal,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
}

/** Why a response is not healthy, or undefined when it is: the status first, then the latency. */
function judge(check: HealthCheck, status: number, latencyMs: number): string | undefined {
  const expected = typeof check.expect === 'number' ? [check.expect] : check.expect;
  if (!expected.includes(status)) return `answered ${status}, expected ${orList(expected)}`;
  if (check.maxLatencyMs !== undefined && latencyMs > check.maxLatencyMs) {
    return `took ${latencyMs} ms, limit ${check.maxLatencyMs} ms`;
  }
  return undefined;
}

function orList(codes: readonly number[]): string {
  const head = codes.slice(0, -1);
  return head.length === 0 ? String(codes[0]) : `${head.join(', ')} or ${codes[codes.length - 1]}`;
}
