import { type ConnectionOptions, Queue, Worker } from 'bullmq';

export const HOME_QUEUE = 'home';

/** Changes closer together than this re-publish the Home tabs once. */
export const HOME_DEBOUNCE_MS = 2_000;

/**
 * "Something on the Home tab changed", as a durable, debounced BullMQ job: every change within one debounce window
 * asks for the same job (its id is the window's number), which runs at the window's end, once across replicas. A
 * change during a run lands in the next window, so the newest state is always published last.
 */
export function homeRefreshQueue(
  connection: ConnectionOptions,
  prefix: string,
  onError: (error: Error) => void,
  options: { now?: () => number; debounceMs?: number } = {},
): { changed(): Promise<void>; counts(): Promise<Record<string, number>>; close(): Promise<void> } {
  const queue = new Queue(HOME_QUEUE, { connection, prefix });
  queue.on('error', onError);
  const now = options.now ?? Date.now;
  const debounceMs = options.debounceMs ?? HOME_DEBOUNCE_MS;
  return {
    async changed() {
      const at = now();
      const window = Math.floor(at / debounceMs) + 1;
      await queue.add(
        'refresh',
        {},
        {
          jobId: `home-refresh-${window}`,
          delay: Math.max(0, window * debounceMs - at),
          attempts: 3,
          backoff: { type: 'exponential', delay: 1_000 },
          removeOnComplete: true,
          removeOnFail: 100,
        },
      );
    },
    counts: () => queue.getJobCounts('waiting', 'delayed', 'active', 'failed'),
    close: () => queue.close(),
  };
}

export function homeRefreshWorker(
  connection: ConnectionOptions,
  prefix: string,
  refresh: () => Promise<unknown>,
): Worker {
  return new Worker(HOME_QUEUE, async () => refresh(), { connection, prefix, concurrency: 1 });
}
