import type { Dispatcher } from 'undici';
import type { SourceCursor, SourceMetrics } from '../../domain/analysis/reading.js';
import { isStaleConnection, networkProblem } from './network-problem.js';

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
function sourceMetrics(
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

/**
 * One query to a metrics backend named `backend` (for the reasons a reading gives): its answer read by `interpret`,
 * or why there was none (a timeout, a network failure).
 */
export async function askBackend(
  backend: string,
  dispatcher: Dispatcher,
  request: { url: URL; headers: Record<string, string>; timeoutMs: number },
  interpret: (status: number, text: string) => QueryOutcome,
): Promise<QueryOutcome> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  try {
    const answer = await queryGet(dispatcher, request.url, request.headers, signal, request.timeoutMs);
    return interpret(answer.status, answer.text);
  } catch (error) {
    return {
      kind: 'failed',
      reason: signal.aborted
        ? `${backend} did not answer within ${request.timeoutMs} ms`
        : `${backend} unreachable: ${networkProblem(error)}`,
    };
  }
}

/** The queries of a source, asked at once, as one reading at `now`; the cursor carries only the time. */
export async function readQueries(
  queries: {
    errorRate: string;
    p95: string;
    baselineP95?: string | undefined;
    latencyUnit: 'seconds' | 'milliseconds';
  },
  ask: (query: string) => Promise<QueryOutcome>,
  now: number,
): Promise<{ metrics: SourceMetrics; cursor: SourceCursor }> {
  const [errorRate, p95, baselineP95] = await Promise.all([
    ask(queries.errorRate),
    ask(queries.p95),
    queries.baselineP95 === undefined ? undefined : ask(queries.baselineP95),
  ]);
  const toMs = queries.latencyUnit === 'seconds' ? 1_000 : 1;
  return { metrics: sourceMetrics({ errorRate, p95, baselineP95 }, toMs), cursor: { at: now, counters: {} } };
}
