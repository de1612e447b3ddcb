import type { Redis } from 'ioredis';
import type { TrafficSettings } from '../web/protocol.js';

export interface TrafficOptions {
  /** Before `errors:`, `requests:` and `perf:` (the config's `analysis.redisCounters.keyPrefix`). */
  keyPrefix: string;
  /** The `perf:<endpoint>` sorted sets requests are timed into, taken in turn. */
  endpoints: readonly string[];
  initial?: Partial<TrafficSettings>;
  now?: () => number;
  /** Uniform in [0, 1): spreads durations around the p95 asked for. */
  random?: () => number;
}

export interface TrafficFeeder {
  settings(): TrafficSettings;
  /** Changes what the app serves from the next tick on; values are clamped to what makes sense. */
  set(change: Partial<TrafficSettings>): TrafficSettings;
  /** Counts the requests served since the last tick (none on the first), as the apps do. */
  tick(): Promise<void>;
  /** Ticks every `intervalMs` until stopped; a failed write is reported and the next tick goes on. */
  start(intervalMs: number, onError: (error: unknown) => void): void;
  stop(): void;
}

/** Enough requests a second that one error in a 1-second reading is well under the 1 % warning. */
export const DEFAULT_TRAFFIC: TrafficSettings = { errorRate: 0.001, latencyMs: 120, requestsPerSecond: 200 };

/** The runbooks' `perf:` sets keep the last 1,000 requests; counters expire after two hours. */
const PERF_KEEP = 1_000;
const COUNTER_TTL_S = 7_200;

/**
 * The simulated app's traffic, written to Redis exactly as the runbooks' apps write it ("Monitoring &
 * Auto-Rollback"): `INCR errors:<hour>` / `requests:<hour>` with `<hour>` = `new Date().toISOString().slice(0, 13)`
 * and a 2-hour TTL, and each request's duration in the `perf:<endpoint>` sorted set (score: time, member:
 * `{"duration":ms,"timestamp":ms}`, the last 1,000 kept). Requests and errors accumulate fractionally from tick to
 * tick, so the counted error rate is the one asked for; durations are spread so their p95 is `latencyMs`.
 */
export function trafficFeeder(redis: Redis, options: TrafficOptions): TrafficFeeder {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  let settings: TrafficSettings = clamp({ ...DEFAULT_TRAFFIC, ...options.initial });
  let last: number | undefined;
  let requestCarry = 0;
  let errorCarry = 0;
  let endpointTurn = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const tick = async () => {
    const at = now();
    const since = last;
    last = at;
    if (since === undefined || at <= since) return;
    requestCarry += (settings.requestsPerSecond * (at - since)) / 1_000;
    const requests = Math.floor(requestCarry);
    requestCarry -= requests;
    errorCarry += requests * settings.errorRate;
    const errors = Math.floor(errorCarry);
    errorCarry -= errors;
    if (requests === 0) return;
    const hour = new Date(at).toISOString().slice(0, 13);
    const pipeline = redis.pipeline();
    const requestsKey = `${options.keyPrefix}requests:${hour}`;
    pipeline.incrby(requestsKey, requests).expire(requestsKey, COUNTER_TTL_S);
    if (errors > 0) {
      const errorsKey = `${options.keyPrefix}errors:${hour}`;
      pipeline.incrby(errorsKey, errors).expire(errorsKey, COUNTER_TTL_S);
    }
    const timed = new Map<string, (string | number)[]>();
    for (let index = 0; index < requests; index += 1) {
      const endpoint = options.endpoints[endpointTurn % Math.max(1, options.endpoints.length)];
      endpointTurn += 1;
      if (endpoint === undefined) break;
      // Requests spread over the time since the last tick, each ending at its own millisecond where it can.
      const timestamp = Math.round(since + ((index + 1) * (at - since)) / requests);
      const member = JSON.stringify({ duration: duration(settings.latencyMs, random()), timestamp });
      timed.set(endpoint, [...(timed.get(endpoint) ?? []), timestamp, member]);
    }
    for (const [endpoint, members] of timed) {
      const key = `${options.keyPrefix}perf:${endpoint}`;
      pipeline.zadd(key, ...members).zremrangebyrank(key, 0, -(PERF_KEEP + 1));
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error !== null)?.[0];
    if (failed) throw failed;
  };

  return {
    settings: () => ({ ...settings }),
    set(change) {
      settings = clamp({ ...settings, ...change });
      return { ...settings };
    },
    tick,
    start(intervalMs, onError) {
      last = now();
      timer = setInterval(() => {
        if (running) return;
        running = tick()
          .catch(onError)
          .finally(() => {
            running = undefined;
          });
      }, intervalMs);
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

/** A duration whose distribution has its 95th percentile at `p95`: uniform over [0.53, 1.03) × p95. */
export function duration(p95: number, uniform: number): number {
  return Math.max(1, Math.round(p95 * (0.53 + uniform / 2)));
}

function clamp(settings: TrafficSettings): TrafficSettings {
  const finite = (value: number, fallback: number) => (Number.isFinite(value) ? value : fallback);
  return {
    errorRate: Math.min(1, Math.max(0, finite(settings.errorRate, DEFAULT_TRAFFIC.errorRate))),
    latencyMs: Math.min(
      60_000,
      Math.max(1, Math.round(finite(settings.latencyMs, DEFAULT_TRAFFIC.latencyMs))),
    ),
    requestsPerSecond: Math.min(
      2_000,
      Math.max(1, Math.round(finite(settings.requestsPerSecond, DEFAULT_TRAFFIC.requestsPerSecond))),
    ),
  };
}
