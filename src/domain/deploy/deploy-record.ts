import { z } from 'zod';
import type { DeploymentState } from './deployment-state.js';
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

/** Our own documents, written only by this code: a shape check is enough to catch a foreign or old document. */
export const deployRecordSchema = z.custom<DeployRecord>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    'state' in value &&
    'plan' in value &&
    'meta' in value &&
    typeof (value as { state: { id?: unknown } }).state.id === 'string',
  'not a deployment record',
);
