import { type ConnectionOptions, Queue, Worker } from 'bullmq';
import { z } from 'zod';
import type { DeployJob, DeployJobs } from '../../services/deploy/ports.js';

export const DEPLOY_QUEUE = 'deployments';

export const deployJobSchema: z.ZodType<DeployJob> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('advance'), id: z.string() }),
  z.object({ kind: z.literal('gate-expiry'), id: z.string(), seq: z.number() }),
  z.object({ kind: z.literal('analyse'), id: z.string(), tick: z.number().int().positive() }),
  z.object({ kind: z.literal('stop-run'), id: z.string(), runId: z.number().int().positive() }),
  z.object({
    kind: z.literal('run-completed'),
    runId: z.number().int().positive(),
    conclusion: z.string(),
  }),
  z.object({
    kind: z.literal('run-numbered'),
    runId: z.number().int().positive(),
    runNumber: z.number().int().positive(),
  }),
  z.object({ kind: z.literal('sweep') }),
]);

const RETRIES = { attempts: 20, backoff: { type: 'exponential', delay: 500 } } as const;

/** How long after a deployment stopped its run cancel job first looks (see `stopRun`). */
const STOP_RUN_FIRST_LOOK_MS = 1_000;

/** A run's number is shown this long after GitHub tells it (a cosmetic fact, never worth a retry). */
const RUN_NUMBER_DELAY_MS = 1_000;

/** 1 s, 2 s, 4 s … about 17 minutes in all; then the sweep queues the cancel again. */
const STOP_RUN_ATTEMPTS = 11;

/**
 * The engine's jobs on one BullMQ queue. A failed job is retried with backoff, which is how a step that finds its
 * work in progress elsewhere (or GitHub unavailable) tries again later.
 */
export function deployQueue(
  connection: ConnectionOptions,
  prefix: string,
  onError: (error: Error) => void,
): DeployJobs & {
  startSweeping(everyMs: number): Promise<void>;
  /** Jobs by state (waiting, delayed, active, failed), for /metrics. */
  counts(): Promise<Record<string, number>>;
  close(): Promise<void>;
} {
  const queue = new Queue<DeployJob>(DEPLOY_QUEUE, { connection, prefix });
  queue.on('error', onError);
  const keep = { removeOnComplete: 1_000, removeOnFail: 5_000 };
  return {
    async advance(id, cause, delayMs) {
      await queue.add(
        'advance',
        { kind: 'advance', id },
        { jobId: `advance-${id}-${cause}`, ...(delayMs ? { delay: delayMs } : {}), ...RETRIES, ...keep },
      );
    },
    async runCompleted(runId, conclusion) {
      // Gone once done, so a run seen ended again (the sweep's list, a webhook) can be handed on again if need be.
      await queue.add(
        'run-completed',
        { kind: 'run-completed', runId, conclusion },
        { jobId: `run-completed-${runId}`, ...RETRIES, removeOnComplete: true, removeOnFail: 1_000 },
      );
    },
    async runNumbered(runId, runNumber) {
      // Kept once done: a run's number is told by every webhook and list read until it is recorded, one job is enough.
      // A second late: the run's first webhook comes while its dispatch is being recorded, and would find no run.
      await queue.add(
        'run-numbered',
        { kind: 'run-numbered', runId, runNumber },
        { jobId: `run-numbered-${runId}`, delay: RUN_NUMBER_DELAY_MS, ...RETRIES, ...keep },
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
    async stopRun(id, runId) {
      // Gone once done or given up, so the sweep's next pass queues it again while the run is still going. First
      // look a second later: the command that stopped the deployment has just asked GitHub to cancel the run, and
      // with jobs picked up at once the job's own cancel would otherwise race it (two cancels for one run).
      await queue.add(
        'stop-run',
        { kind: 'stop-run', id, runId },
        {
          jobId: `stop-run-${id}-${runId}`,
          delay: STOP_RUN_FIRST_LOOK_MS,
          attempts: STOP_RUN_ATTEMPTS,
          backoff: { type: 'exponential', delay: 1_000 },
          removeOnComplete: true,
          removeOnFail: true,
        },
      );
    },
    counts: () => queue.getJobCounts('waiting', 'delayed', 'active', 'failed'),
    close: () => queue.close(),
  };
}

/** Every replica runs one; BullMQ hands each job to exactly one of them and re-queues a job whose worker died. */
export function deployWorker(
  connection: ConnectionOptions,
  prefix: string,
  handle: (job: DeployJob, attemptsMade: number) => Promise<void>,
  /** Jobs run at once (`deploy.workerConcurrency`): they mostly wait on GitHub and Redis. */
  concurrency: number,
): Worker<DeployJob> {
  return new Worker<DeployJob>(
    DEPLOY_QUEUE,
    (job) => handle(deployJobSchema.parse(job.data), job.attemptsMade),
    {
      connection,
      prefix,
      concurrency,
      // A dead replica's job goes to another after this long.
      lockDuration: 30_000,
      stalledInterval: 15_000,
    },
  );
}
