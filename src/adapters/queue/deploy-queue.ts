import { type ConnectionOptions, Queue, Worker } from 'bullmq';
import { z } from 'zod';

export const DEPLOY_QUEUE = 'deployments';

export const deployJobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('advance'), id: z.string() }),
  z.object({ kind: z.literal('gate-expiry'), id: z.string(), seq: z.number() }),
  z.object({ kind: z.literal('analyse'), id: z.string(), tick: z.number().int().positive() }),
  z.object({ kind: z.literal('sweep') }),
]);

export type DeployJob = z.infer<typeof deployJobSchema>;

/**
 * How the orchestrator schedules its next steps; job ids derive from the trigger, so repeats merge. A sweep every
 * few seconds (one per interval across replicas) re-drives every unfinished deployment: it polls running
 * workflow runs and recovers any trigger lost to a crash.
 */
export interface DeployJobs {
  /** `cause` names the trigger (`v7` for a state change, `promoted`…): the same cause twice is one job. */
  advance(id: string, cause: string): Promise<void>;
  expireGate(id: string, seq: number, delayMs: number): Promise<void>;
  /** The reading numbered `tick`, after `delayMs`; asking again while it waits or runs is the same job. */
  analyse(id: string, tick: number, delayMs: number): Promise<void>;
}

export class RetryLater extends Error {}

const RETRIES = { attempts: 20, backoff: { type: 'exponential', delay: 500 } } as const;

export function deployQueue(
  connection: ConnectionOptions,
  prefix: string,
  onError: (error: Error) => void,
): DeployJobs & { startSweeping(everyMs: number): Promise<void>; close(): Promise<void> } {
  const queue = new Queue<DeployJob>(DEPLOY_QUEUE, { connection, prefix });
  queue.on('error', onError);
  const keep = { removeOnComplete: 1_000, removeOnFail: 5_000 };
  return {
    async advance(id, cause) {
      await queue.add(
        'advance',
        { kind: 'advance', id },
        { jobId: `advance-${id}-${cause}`, ...RETRIES, ...keep },
      );
    },
    async startSweeping(everyMs) {
      await queue.upsertJobScheduler(
        'deploy-sweep',
        { every: everyMs },
        { name: 'sweep', data: { kind: 'sweep' } },
      );
    },
    async expireGate(id, seq, delayMs) {
      await queue.add(
        'gate-expiry',
        { kind: 'gate-expiry', id, seq },
        { jobId: `gate-${id}-${seq}`, delay: delayMs, ...RETRIES, ...keep },
      );
    },
    async analyse(id, tick, delayMs) {
      // Gone once done, so a reading skipped because nothing was being analysed yet can be asked for again.
      await queue.add(
        'analyse',
        { kind: 'analyse', id, tick },
        {
          jobId: `analyse-${id}-${tick}`,
          delay: delayMs,
          ...RETRIES,
          removeOnComplete: true,
          removeOnFail: 1_000,
        },
      );
    },
    close: () => queue.close(),
  };
}

/** Every replica runs one; BullMQ hands each job to exactly one of them and re-queues a job whose worker died. */
export function deployWorker(
  connection: ConnectionOptions,
  prefix: string,
  handle: (job: DeployJob) => Promise<void>,
): Worker<DeployJob> {
  return new Worker<DeployJob>(DEPLOY_QUEUE, (job) => handle(deployJobSchema.parse(job.data)), {
    connection,
    prefix,
    concurrency: 10,
    // A dead replica's job goes to another after this long.
    lockDuration: 30_000,
    stalledInterval: 15_000,
  });
}
