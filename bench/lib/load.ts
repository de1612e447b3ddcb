import { sleep } from './clock.js';

/** Sends request number `index`; resolves true for the expected response (HTTP 200, body read). */
export type Send = (index: number) => Promise<boolean>;

export interface LoadResult {
  /** Milliseconds per successful request (see each generator for where the clock starts). */
  latencies: number[];
  errors: number;
  elapsedMs: number;
  /** Open loop only: how late each request left against its schedule (the generator's own timer jitter). */
  sendLagMs?: number[];
  /** Open loop only: latency measured from the actual send instead of the schedule (service time). */
  serviceMs?: number[];
}

/**
 * Closed loop: `concurrency` virtual users, each sending its next request as soon as the previous answer is in,
 * `total` requests in all. Latency runs from just before the send to the end of the response body.
 */
export async function closedLoop(send: Send, concurrency: number, total: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const user = async () => {
    for (let index = next++; index < total; index = next++) {
      const sentAt = performance.now();
      const ok = await send(index).catch(() => false);
      const took = performance.now() - sentAt;
      if (ok) latencies.push(took);
      else errors += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, user));
  return { latencies, errors, elapsedMs: performance.now() - started };
}

/**
 * Open loop: request `i` is due at `start + i / rate`, sent whether or not earlier ones were answered. Latency runs
 * from the *scheduled* time (or the actual send, if the timer fired early), so a stalled server is charged for every
 * request it held back (no coordinated omission). The schedule is kept with 1 ms timers, not a busy loop, so the generator leaves the CPU to the server.
 */
export async function openLoop(send: Send, ratePerSecond: number, total: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const serviceMs: number[] = [];
  const sendLagMs: number[] = [];
  let errors = 0;
  const intervalMs = 1_000 / ratePerSecond;
  const start = performance.now() + 5;
  const inflight: Promise<void>[] = [];
  for (let index = 0; index < total; index += 1) {
    const due = start + index * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    // Late sends are timed from the schedule (no coordinated omission); early ones (Node timers fire up to 1 ms
    // early) from the actual send, so they get no credit for leaving ahead of time.
    const sentAt = performance.now();
    const from = Math.min(due, sentAt);
    sendLagMs.push(sentAt - due);
    inflight.push(
      send(index)
        .catch(() => false)
        .then((ok) => {
          const doneAt = performance.now();
          if (!ok) {
            errors += 1;
            return;
          }
          latencies.push(doneAt - from);
          serviceMs.push(doneAt - sentAt);
        }),
    );
  }
  await Promise.all(inflight);
  return { latencies, errors, elapsedMs: performance.now() - start, sendLagMs, serviceMs };
}
