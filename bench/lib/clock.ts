/**
 * Wall-clock milliseconds with sub-millisecond resolution, comparable between processes on one machine
 * (each process's `timeOrigin` is taken from the same system clock), unlike `process.hrtime` or `performance.now()`.
 */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
