import type { Dispatcher } from 'undici';
import type { SourceMetrics } from '../../domain/analysis/reading.js';
import { isStaleConnection } from './network-problem.js';

export interface QueryAnswer {
  status: number;
  text: string;
  headers: Dispatcher.ResponseData['headers'];
}

/**
 * One GET to a metrics backend within `timeoutMs`, tried a second time only when a kept-alive socket turns out to
 * have been closed by the server. Throws on a network failure or the timeout (`signal.aborted` then tells which).
 */
export async function queryGet(
  dispatcher: Dispatcher,
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<QueryAnswer> {
  const send = () =>
    dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { accept: 'application/json', ...headers },
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  let response: Dispatcher.ResponseData;
  try {
    response = await send();
  } catch (error) {
    if (!isStaleConnection(error) || signal.aborted) throw error;
    response = await send();
  }
  return { status: response.statusCode, text: await response.body.text(), headers: response.headers };
}

/** The body as JSON, or undefined when it is not JSON (an HTML error page, a proxy's text). */
export function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** One query's outcome: a number, no usable number (and why), or no answer from the backend (and why). */
export type QueryOutcome =
  | { kind: 'value'; value: number }
  | { kind: 'missing'; reason: string }
  | { kind: 'failed'; reason: string };

/**
 * A reading from the answers to a source's queries, with the same no-data rules for every backend: without a usable
 * error rate there is no data (and the reason says why); p95 and the live baseline are read when they answer.
 * Latencies are scaled to milliseconds by `toMs`.
 */
export function sourceMetrics(
  answers: { errorRate: QueryOutcome; p95: QueryOutcome; baselineP95?: QueryOutcome | undefined },
  toMs: number,
): SourceMetrics {
  const { errorRate, p95, baselineP95 } = answers;
  const metrics: SourceMetrics = {};
  if (errorRate.kind === 'value') metrics.errorRate = Math.min(1, Math.max(0, errorRate.value));
  else if (errorRate.kind === 'missing') metrics.noData = `the error-rate query ${errorRate.reason}`;
  else metrics.noData = errorRate.reason;
  if (p95.kind === 'value') metrics.p95Ms = p95.value * toMs;
  if (baselineP95?.kind === 'value') metrics.baselineP95Ms = baselineP95.value * toMs;
  return metrics;
}
