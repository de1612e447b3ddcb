import type { IncidentState } from '../incidents/incident.js';
import { deploymentName } from './deployment-name.js';
import type { DeploymentState } from './deployment-state.js';

/**
 * The four DORA metrics of one environment over a window, from the deployment registry and the incident registry.
 * Pure: the registry reads, the commit times and the clock come in. Every figure carries the number of data
 * points it is computed from (`n`) and is absent, never 0, when there are none.
 *
 * Definitions (the reply states them too):
 * - The deployments of the window are those *requested* in [from, to) in the environment (the registry's index is
 *   by request time). A `/rollback` record (`kind: 'rollback'`, or `rollbackOf` set) is not a change: it counts
 *   only towards time to restore.
 * - **Deployment frequency**: successful deployments (status `succeeded`) per day and per week of the window.
 * - **Change-failure rate**: of the finished deployments (succeeded + failed + rolled back; cancelled and unfinished
 *   ones left out), those rolled back (status `rolled_back`, a rollback started that then failed, or undone by a
 *   `/rollback` that names it) or named by an incident's `deploymentId`.
 * - **Time to restore**: incident declared → resolved, for the environment's incidents declared in the window;
 *   and for rollbacks no incident names, rollback started → rolled back (a deployment's own rollback, or a
 *   `/rollback` record requested → succeeded). Open incidents are counted apart.
 * - **Lead time for changes**: commit time of the deployed ref → the successful deployment's `finishedAt`. A commit
 *   time after the deployment finished (the branch moved since) counts as missing.
 *
 * Percentiles interpolate linearly between closest ranks (the median of an even count is the mean of the middle
 * two). Bands follow the 2023 DORA report; frequency, lead time and time to restore are banded on the window's
 * rate and on the medians.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;
export const MONTH_MS = 30 * DAY_MS;

/** The runbooks' target: fewer than 10 % of changes fail. */
export const CHANGE_FAILURE_TARGET = 0.1;

export type DoraBand = 'elite' | 'high' | 'medium' | 'low';

/** What the computation reads of a deployment. `kind` marks a `/rollback` record for writers that set it. */
export type DoraDeployment = Pick<
  DeploymentState,
  | 'id'
  | 'env'
  | 'number'
  | 'ref'
  | 'status'
  | 'requestedAt'
  | 'finishedAt'
  | 'timeline'
  | 'rollback'
  | 'rollbackOf'
> & { kind?: 'deploy' | 'rollback' };

/** What the computation reads of an incident. */
export type DoraIncident = Pick<
  IncidentState,
  'id' | 'status' | 'declaredAt' | 'resolvedAt' | 'env' | 'deploymentId'
>;

/** Why a deployment has no commit time. */
export type CommitTimeGap = 'not_found' | 'unavailable' | 'not_looked_up';

/** What `/deploy stats` answers: one report per environment (production first) and what limited the figures. */
export interface DeployStatsResult {
  window: { from: number; to: number; ms: number };
  reports: DoraReport[];
  /**
   * Successful deployments without a usable commit time, by why (the figures count them as missing lead time);
   * `moved`: the ref's commit is newer than the deployment, so what was deployed is no longer known.
   */
  commitTimeGaps: Record<CommitTimeGap | 'moved', number>;
  /** Incidents in the window that name neither an environment nor a deployment, so no environment's figures. */
  incidentsWithoutEnv: number;
  /** Documents the indexes name that could not be read. */
  unreadable: { deployments: number; incidents: number };
}

export interface DoraInput {
  env: string;
  /**
   * The deployments read for the window. Only this environment's, requested in [from, to), are measured; the
   * others serve to place an incident that names a deployment but no environment.
   */
  deployments: readonly DoraDeployment[];
  /** Incidents declared in the window (others are used only to tell which deployments an incident named). */
  incidents: readonly DoraIncident[];
  /** Commit time (epoch ms) of the deployed ref, by deployment id; absent when unknown. */
  commitTimes: ReadonlyMap<string, number>;
  window: { from: number; to: number };
  now: number;
}

export interface DeploymentCounts {
  succeeded: number;
  failed: number;
  rolledBack: number;
  cancelled: number;
  /** Still queued, waiting, running or rolling back. */
  unfinished: number;
  /** `/rollback` records (not changes). */
  rollbacks: number;
}

export interface FrequencyFigure {
  /** Successful deployments in the window: the figure's `n`. */
  n: number;
  perDay: number;
  perWeek: number;
  days: number;
  band: DoraBand;
}

export type FailureCause = 'rolled_back' | 'rollback_started' | 'incident';

export interface ChangeFailure {
  id: string;
  /** What people call it (`production-42`). */
  name: string;
  ref: string;
  status: DoraDeployment['status'];
  finishedAt?: number;
  causes: FailureCause[];
  /** The incidents that name it. */
  incidents: string[];
}

export interface ChangeFailureFigure {
  rate: number;
  failures: number;
  /** Finished deployments: succeeded + failed + rolled back. */
  n: number;
  band: DoraBand;
  /** Below the runbooks' 10 %. */
  meetsTarget: boolean;
  /** The failed changes, newest first. */
  failed: ChangeFailure[];
}

export interface RestoreFigure {
  meanMs: number;
  medianMs: number;
  n: number;
  fromIncidents: number;
  fromRollbacks: number;
  band: DoraBand;
}

export interface LeadTimeFigure {
  medianMs: number;
  p90Ms: number;
  n: number;
  band: DoraBand;
}

export interface DoraReport {
  env: string;
  window: { from: number; to: number };
  deployments: DeploymentCounts;
  frequency?: FrequencyFigure;
  changeFailureRate?: ChangeFailureFigure;
  timeToRestore?: RestoreFigure;
  leadTime?: LeadTimeFigure;
  /** What the figures could not include. */
  gaps: {
    /** Successful deployments without a usable commit time. */
    leadTimeMissing: number;
    /** Incidents of the environment declared in the window and not resolved by `now`. */
    openIncidents: number;
    /** Rollbacks of the window still running or failed, so nothing was restored by them. */
    unrestoredRollbacks: number;
  };
}

const FINISHED_CHANGE: ReadonlySet<DoraDeployment['status']> = new Set([
  'succeeded',
  'failed',
  'rolled_back',
]);

/** A `/rollback` record, whichever way its writer marked it. */
export function isRollbackRecord(deployment: DoraDeployment): boolean {
  return deployment.kind === 'rollback' || deployment.rollbackOf !== undefined;
}

/** The environment an incident concerns: its own, or that of the deployment it names. */
export function incidentEnv(
  incident: DoraIncident,
  deploymentsById: ReadonlyMap<string, DoraDeployment>,
): string | undefined {
  if (incident.env !== undefined) return incident.env;
  return incident.deploymentId === undefined ? undefined : deploymentsById.get(incident.deploymentId)?.env;
}

export function computeDora(input: DoraInput): DoraReport {
  const { env, window, now } = input;
  const windowMs = Math.max(0, window.to - window.from);
  const inWindow = (at: number) => at >= window.from && at < window.to;
  const byId = new Map(input.deployments.map((deployment) => [deployment.id, deployment]));
  const namedBy = new Map<string, string[]>();
  for (const incident of input.incidents) {
    if (incident.deploymentId === undefined) continue;
    namedBy.set(incident.deploymentId, [...(namedBy.get(incident.deploymentId) ?? []), incident.id]);
  }

  const ours = input.deployments
    .filter((deployment) => deployment.env === env && inWindow(deployment.requestedAt))
    .sort((a, b) => b.requestedAt - a.requestedAt);
  const changes = ours.filter((deployment) => !isRollbackRecord(deployment));
  const rollbackRecords = ours.filter(isRollbackRecord);
  const counts: DeploymentCounts = {
    succeeded: changes.filter((d) => d.status === 'succeeded').length,
    failed: changes.filter((d) => d.status === 'failed').length,
    rolledBack: changes.filter((d) => d.status === 'rolled_back').length,
    cancelled: changes.filter((d) => d.status === 'cancelled').length,
    unfinished: changes.filter((d) => !FINISHED_CHANGE.has(d.status) && d.status !== 'cancelled').length,
    rollbacks: rollbackRecords.length,
  };
  const finished = changes.filter((deployment) => FINISHED_CHANGE.has(deployment.status));
  const succeeded = finished.filter((deployment) => deployment.status === 'succeeded');

  const report: DoraReport = {
    env,
    window: { ...window },
    deployments: counts,
    gaps: { leadTimeMissing: 0, openIncidents: 0, unrestoredRollbacks: 0 },
  };

  if (finished.length > 0) {
    const days = windowMs / DAY_MS;
    report.frequency = {
      n: succeeded.length,
      perDay: days > 0 ? succeeded.length / days : 0,
      perWeek: days > 0 ? (succeeded.length * 7) / days : 0,
      days,
      band: frequencyBand(succeeded.length, windowMs),
    };

    // A `/rollback` names the deployment that was live when it was confirmed: that change failed too.
    const undone = new Set(
      input.deployments.flatMap((deployment) =>
        deployment.rollbackOf?.fromId ? [deployment.rollbackOf.fromId] : [],
      ),
    );
    const failed = finished.flatMap((deployment): ChangeFailure[] => {
      const causes: FailureCause[] = [];
      if (deployment.status === 'rolled_back' || undone.has(deployment.id)) causes.push('rolled_back');
      else if (rollbackStarted(deployment)) causes.push('rollback_started');
      const incidents = namedBy.get(deployment.id) ?? [];
      if (incidents.length > 0) causes.push('incident');
      if (causes.length === 0) return [];
      return [
        {
          id: deployment.id,
          name: deploymentName(deployment),
          ref: deployment.ref,
          status: deployment.status,
          ...(deployment.finishedAt === undefined ? {} : { finishedAt: deployment.finishedAt }),
          causes,
          incidents,
        },
      ];
    });
    report.changeFailureRate = {
      rate: failed.length / finished.length,
      failures: failed.length,
      n: finished.length,
      band: changeFailureBand(failed.length, finished.length),
      meetsTarget: failed.length < CHANGE_FAILURE_TARGET * finished.length,
      failed,
    };
  }

  const restores: number[] = [];
  let fromIncidents = 0;
  for (const incident of input.incidents) {
    if (!inWindow(incident.declaredAt) || incidentEnv(incident, byId) !== env) continue;
    const resolvedAt = incident.resolvedAt;
    if (
      incident.status !== 'resolved' ||
      resolvedAt === undefined ||
      resolvedAt > now ||
      resolvedAt < incident.declaredAt
    ) {
      report.gaps.openIncidents += 1;
      continue;
    }
    restores.push(resolvedAt - incident.declaredAt);
    fromIncidents += 1;
  }
  let fromRollbacks = 0;
  for (const deployment of ours) {
    const rollback = isRollbackRecord(deployment)
      ? rollbackRecordSpan(deployment)
      : ownRollbackSpan(deployment);
    if (rollback === undefined) continue;
    // An incident that names the deployment already measures the restore, from its declaration.
    if (namedBy.has(deployment.id)) continue;
    if (rollback === 'unrestored') {
      report.gaps.unrestoredRollbacks += 1;
      continue;
    }
    restores.push(rollback);
    fromRollbacks += 1;
  }
  if (restores.length > 0) {
    const medianMs = quantile(restores, 0.5);
    report.timeToRestore = {
      meanMs: mean(restores),
      medianMs,
      n: restores.length,
      fromIncidents,
      fromRollbacks,
      band: restoreBand(medianMs),
    };
  }

  const leadTimes: number[] = [];
  for (const deployment of succeeded) {
    const committedAt = input.commitTimes.get(deployment.id);
    if (
      committedAt === undefined ||
      deployment.finishedAt === undefined ||
      committedAt > deployment.finishedAt
    ) {
      report.gaps.leadTimeMissing += 1;
      continue;
    }
    leadTimes.push(deployment.finishedAt - committedAt);
  }
  if (leadTimes.length > 0) {
    const medianMs = quantile(leadTimes, 0.5);
    report.leadTime = {
      medianMs,
      p90Ms: quantile(leadTimes, 0.9),
      n: leadTimes.length,
      band: leadTimeBand(medianMs),
    };
  }
  return report;
}

function rollbackStarted(deployment: DoraDeployment): boolean {
  return (
    deployment.rollback !== undefined ||
    deployment.timeline.some((entry) => entry.kind === 'rollback_started')
  );
}

/**
 * A deployment's own rollback: started → completed when it ended `rolled_back`; `unrestored` when one started and
 * did not (yet) succeed; undefined when it had none.
 */
function ownRollbackSpan(deployment: DoraDeployment): number | 'unrestored' | undefined {
  if (!rollbackStarted(deployment)) return undefined;
  if (deployment.status !== 'rolled_back') return 'unrestored';
  const start =
    deployment.rollback?.requestedAt ??
    deployment.timeline.find((entry) => entry.kind === 'rollback_started')?.at;
  const end =
    deployment.rollback?.completedAt ??
    deployment.timeline.findLast((entry) => entry.kind === 'rolled_back')?.at ??
    deployment.finishedAt;
  if (start === undefined || end === undefined || end < start) return 'unrestored';
  return end - start;
}

/** A `/rollback` record: requested → succeeded; `unrestored` while it runs or when it failed or was cancelled. */
function rollbackRecordSpan(deployment: DoraDeployment): number | 'unrestored' {
  const end = deployment.finishedAt;
  if (deployment.status !== 'succeeded' || end === undefined || end < deployment.requestedAt)
    return 'unrestored';
  return end - deployment.requestedAt;
}

/**
 * Elite: on demand, more than once a day on average; high: daily to weekly; medium: weekly to monthly (30 days);
 * low: less often. Compared in whole milliseconds, so a boundary (30 deployments in 30 days) is never lost to
 * rounding.
 */
export function frequencyBand(successes: number, windowMs: number): DoraBand {
  if (successes * DAY_MS > windowMs) return 'elite';
  if (successes * WEEK_MS >= windowMs) return 'high';
  if (successes * MONTH_MS >= windowMs) return 'medium';
  return 'low';
}

/** Elite ≤ 5 %, high ≤ 10 %, medium ≤ 15 %, low above; compared as whole numbers. */
export function changeFailureBand(failures: number, finished: number): DoraBand {
  if (failures * 100 <= 5 * finished) return 'elite';
  if (failures * 100 <= 10 * finished) return 'high';
  if (failures * 100 <= 15 * finished) return 'medium';
  return 'low';
}

/** Elite under a day, high under a week, medium under a month (30 days), low otherwise. */
export function leadTimeBand(medianMs: number): DoraBand {
  if (medianMs < DAY_MS) return 'elite';
  if (medianMs < WEEK_MS) return 'high';
  if (medianMs < MONTH_MS) return 'medium';
  return 'low';
}

/** Elite under an hour, high under a day, medium under a week, low otherwise. */
export function restoreBand(medianMs: number): DoraBand {
  if (medianMs < HOUR_MS) return 'elite';
  if (medianMs < DAY_MS) return 'high';
  if (medianMs < WEEK_MS) return 'medium';
  return 'low';
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The `p` quantile (0..1) of a non-empty list, interpolating between closest ranks (Hyndman & Fan type 7). */
export function quantile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * p;
  const low = Math.floor(h);
  const below = sorted[low] ?? 0;
  const above = sorted[Math.min(low + 1, sorted.length - 1)] ?? below;
  return below + (h - low) * (above - below);
}
