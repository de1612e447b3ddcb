/** One health check as greenlight.yml declares it (the config schema's output). */
export interface HealthCheck {
  url: string;
  /** The status code (or codes) that mean healthy: a gateway answering 401 without a key is healthy. */
  expect: number | readonly number[];
  /** Slower than this counts as a failure. */
  maxLatencyMs?: number;
  /** A probe still waiting after this long is cut off and fails. */
  timeoutMs?: number;
  headers?: Readonly<Record<string, string>>;
}

/** What one probe found; `problem` says in a few words why it is not healthy. */
export interface ProbeResult {
  service: string;
  url: string;
  ok: boolean;
  /** The status code, when a response arrived. */
  status?: number;
  latencyMs: number;
  problem?: string;
}

/**
 * What a metric source saw since the previous reading. A field it cannot measure is left out; `noData` says why the
 * source gave nothing usable at all (unreachable, no traffic, an empty query result).
 */
export interface SourceMetrics {
  /** Failed requests over all requests, 0..1. */
  errorRate?: number;
  /** How many requests the error rate is over, when the source knows. */
  requests?: number;
  p95Ms?: number;
  /** The stable version's p95 measured live by the source (Prometheus' baseline query), when it has one. */
  baselineP95Ms?: number;
  noData?: string;
}

/**
 * Where a source left off, kept in the deployment so the next reading (in this process or another) measures only
 * what happened since: counter values by key, and the time of the reading.
 */
export interface SourceCursor {
  at: number;
  counters: Record<string, number>;
}

/** 'none' when greenlight.yml has no `analysis`: holds are then timed waits, watched only by health probes. */
export type SourceName = 'prometheus' | 'datadog' | 'redis-counters' | 'health' | 'none';

/** One analysis tick's evidence: the source's metrics and every probe's result. */
export interface Reading extends SourceMetrics {
  at: number;
  source: SourceName;
  probes: ProbeResult[];
}
