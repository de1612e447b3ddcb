import { type ConnectionOptions, Queue, Worker } from 'bullmq';
import { z } from 'zod';
import type { FlagRevertJob, FlagRevertScheduler } from '../../services/ports.js';

export const FLAG_REVERT_QUEUE = 'flag-reverts';

export const flagRevertJobSchema: z.ZodType<FlagRevertJob> = z.object({
  name: z.string(),
  enabled: z.boolean(),
  changeId: z.string(),
  setBy: z.string(),
  setReason: z.string(),
  forText: z.string(),
});

const jobIdOf = (changeId: string) => `flag-revert-${changeId}`;

/**
 * `--for` reverts are BullMQ delayed jobs: they live in Redis, so they fire after a restart and exactly once
 * across replicas. The job id is derived from the change id, so scheduling the same change twice is one job.
 */
export function flagRevertQueue(
  connection: ConnectionOptions,
  prefix: string,
  onError: (error: Error) => void,
): FlagRevertScheduler & { counts(): Promise<Record<string, number>>; close(): Promise<void> } {
  const queue = new Queue<FlagRevertJob>(FLAG_REVERT_QUEUE, { connection, prefix });
  queue.on('error', onError);
  return {
    async schedule(job, delayMs) {
      await queue.add('revert', job, {
        jobId: jobIdOf(job.changeId),
        delay: delayMs,
        attempts: 10,
        backoff: { type: 'exponential', delay: 1_000 },
        removeOnComplete: 1_000,
        removeOnFail: 1_000,
      });
    },
    async cancel(changeId) {
      await queue.remove(jobIdOf(changeId));
    },
    counts: () => queue.getJobCounts('waiting', 'delayed', 'active', 'failed'),
    close: () => queue.close(),
  };
}

export function flagRevertWorker(
  connection: ConnectionOptions,
  prefix: string,
  handle: (job: FlagRevertJob) => Promise<void>,
): Worker<FlagRevertJob> {
  return new Worker<FlagRevertJob>(FLAG_REVERT_QUEUE, (job) => handle(flagRevertJobSchema.parse(job.data)), {
    connection,
    prefix,
    concurrency: 5,
  });
}
