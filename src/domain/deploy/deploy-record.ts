import { z } from 'zod';
import type { DeploymentState, RollbackRun, RollbackState } from './deployment-state.js';
import type { DeploymentPlan } from './plan.js';

/** Everything greenlight keeps about one deployment, in one versioned document (replaced by compare-and-set). */
export interface DeployRecord {
  state: DeploymentState;
  plan: DeploymentPlan;
  meta: {
    /** The timeline message in the status channel. */
    message?: { channel: string; ts: string };
    /**
     * The timeline entries the record was created with, which need no thread reply (the announcement ledger
     * counts the replies posted since).
     */
    repliesPosted?: number;
    /** The GitHub Deployment in `github.repo`. */
    githubDeploymentId?: number;
    /** The GitHub Deployments in the other repositories the deployment dispatched to, by `owner/name`. */
    githubDeployments?: Record<string, number>;
    /** Set once the end of the deployment has been handled (GitHub status, environment released). */
    finalized?: boolean;
    /** Claimed before the incident channel is told of a rollback, so it is told once. */
    incidentPosted?: boolean;
    /** Failed rounds of health checks verifying a rollback, so far. */
    verifyAttempts?: number;
  };
}

const isRecord = (value: unknown): value is DeployRecord =>
  typeof value === 'object' &&
  value !== null &&
  'state' in value &&
  'plan' in value &&
  'meta' in value &&
  typeof (value as { state: { id?: unknown } }).state.id === 'string';

/**
 * A rollback as records before each repository rolled back kept it: one run (`runId`, `runNumber`, `url`,
 * `conclusion`) in `github.repo`, under `<deployment>-rollback`. Read into the one entry of `runs`, so such a
 * record, written by an older greenlight mid-rollback, still finishes.
 */
const singleRunRollback = z.looseObject({
  runs: z.array(z.looseObject({ correlationId: z.string() })).optional(),
  runId: z.number().optional(),
  runNumber: z.number().optional(),
  url: z.string().optional(),
  dispatchedAt: z.number().optional(),
  conclusion: z.string().optional(),
  completedAt: z.number().optional(),
});

function upgradeRollback(record: DeployRecord): DeployRecord {
  const parsed = singleRunRollback.safeParse(record.state.rollback);
  if (!parsed.success || parsed.data.runs !== undefined || parsed.data.runId === undefined) return record;
  const { runId, runNumber, url, dispatchedAt, conclusion, completedAt, ...rest } = parsed.data;
  const run: RollbackRun = {
    correlationId: `${record.state.id}-rollback`,
    runId,
    ...(runNumber === undefined ? {} : { runNumber }),
    ...(url === undefined ? {} : { url }),
    ...(dispatchedAt === undefined ? {} : { dispatchedAt }),
    ...(conclusion === undefined ? {} : { conclusion }),
    ...(completedAt === undefined ? {} : { completedAt }),
  };
  const rollback = {
    ...(rest as unknown as RollbackState),
    runs: [run],
    ...(dispatchedAt === undefined ? {} : { dispatchedAt }),
    ...(completedAt === undefined ? {} : { completedAt }),
  };
  return { ...record, state: { ...record.state, rollback } };
}

/**
 * Our own documents, written only by this code: a shape check is enough to catch a foreign or old document; an
 * older rollback's single run is read into today's shape.
 */
export const deployRecordSchema: z.ZodType<DeployRecord, unknown> = z
  .custom<DeployRecord>(isRecord, 'not a deployment record')
  .transform(upgradeRollback);
