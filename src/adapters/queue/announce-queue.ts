import { type ConnectionOptions, DelayedError, type Job, Queue, Worker } from 'bullmq';
import { z } from 'zod';
import type { AnnounceJobs, AnnounceRun } from '../../services/deploy/ports.js';

export const ANNOUNCE_QUEUE = 'announcements';

const announceJobSchema = z.object({ id: z.string() });

/**
 * A failure that is not Slack's answer (Redis gone mid-run, a bug) and Slack's refusals (a channel gone) are retried
 * by BullMQ with backoff, about two hours in all; Slack's own "not now" (pacing, 429, 5xx) delays the job without
 * spending an attempt.
 */
const RETRIES = { attempts: 12, backoff: { type: 'exponential', delay: 2_000 } } as const;

/**
 * Each deployment's announcement as ONE durable job: BullMQ's deduplication by deployment keeps at most one job
 * waiting (or delayed) and one running per deployment, and never two at once (`keepLastIfActive`): a transition
 * while the job waits joins it (the job reads the newest record when it runs), one while it runs queues exactly
 * one more run. So many transitions cost one `chat.update`, and the timeline's calls never overtake each other.
 */
export function announceQueue(
  connection: ConnectionOptions,
  prefix: string,
  onError: (error: Error) => void,
): AnnounceJobs & { counts(): Promise<Record<string, number>>; close(): Promise<void> } {
  const queue = new Queue(ANNOUNCE_QUEUE, { connection, prefix });
  queue.on('error', onError);
  return {
    async announce(id) {
      await queue.add(
        'announce',
        { id },
        {
          deduplication: { id: `announce-${id}`, keepLastIfActive: true },
          ...RETRIES,
          removeOnComplete: true,
          removeOnFail: 1_000,
        },
      );
    },
    counts: () => queue.getJobCounts('waiting', 'delayed', 'active', 'failed'),
    close: () => queue.close(),
  };
}

/**
 * Runs announcements; one that Slack did not take (yet) moves itself back to delayed until it may try again, so a
 * worker slot is never spent waiting for Slack.
 */
export function announceWorker(
  connection: ConnectionOptions,
  prefix: string,
  run: (id: string) => Promise<AnnounceRun>,
  options: { concurrency?: number } = {},
): Worker {
  return new Worker(
    ANNOUNCE_QUEUE,
    async (job: Job, token?: string) => {
      const outcome = await run(announceJobSchema.parse(job.data).id);
      if (outcome.done) return;
      // An attempt spent, with BullMQ's backoff: a refusal that does not go away ends after the last one.
      if (outcome.refused !== undefined)
        throw new Error(`Slack refused the announcement (${outcome.refused})`);
      // A little spread, so jobs held back together do not all come back in the same millisecond.
      const jitter = Math.floor(Math.random() * 100);
      await job.moveToDelayed(Date.now() + outcome.retryInMs + jitter, token);
      throw new DelayedError();
    },
    {
      connection,
      prefix,
      concurrency: options.concurrency ?? 10,
      lockDuration: 30_000,
      stalledInterval: 15_000,
    },
  );
}
