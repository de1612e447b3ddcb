import type { GitHubResponseEvent } from '../adapters/github/client.js';
import type { Metrics } from '../adapters/http/metrics.js';
import type { DeploymentState } from '../domain/deploy/deployment-state.js';
import { type Milestone, milestones } from '../domain/deploy/milestones.js';

/** Counts what one write of a deployment made happen (see `milestones`). */
export function recordMilestones(
  metrics: Metrics,
  before: DeploymentState | undefined,
  after: DeploymentState,
): void {
  for (const milestone of milestones(before, after)) record(metrics, milestone);
}

function record(metrics: Metrics, milestone: Milestone): void {
  const { env } = milestone;
  switch (milestone.kind) {
    case 'started':
      metrics.deploymentsStarted.inc({ env, kind: milestone.deployment });
      return;
    case 'finished': {
      const labels = { env, kind: milestone.deployment, outcome: milestone.outcome };
      metrics.deploymentsFinished.inc(labels);
      metrics.deploymentSeconds.observe(labels, milestone.durationMs / 1_000);
      return;
    }
    case 'phase-ended':
      metrics.phaseSeconds.observe(
        { env, phase: milestone.phase, outcome: milestone.outcome },
        milestone.durationMs / 1_000,
      );
      return;
    case 'reading':
      metrics.canaryReadings.inc({ env, verdict: milestone.verdict });
      return;
    case 'automatic-rollback':
      metrics.automaticRollbacks.inc({ env, reason: milestone.reason });
      return;
    case 'rollback-dispatched':
      metrics.rollbackDispatchSeconds.observe({ env, origin: milestone.origin }, milestone.latencyMs / 1_000);
      return;
    case 'gate-closed':
      metrics.gateWaitSeconds.observe({ env, outcome: milestone.outcome }, milestone.waitMs / 1_000);
      return;
  }
}

/** GitHub's answers as counts by route and outcome, and the rate limit left for `token` (a label, never the secret). */
export function recordGitHubResponse(
  metrics: Metrics,
  tokenOf: string | ((event: GitHubResponseEvent) => string),
  /** Also told every answer: the rate limit polling paces itself by. */
  budget?: { see(event: GitHubResponseEvent): void },
) {
  return (event: GitHubResponseEvent): void => {
    budget?.see(event);
    const outcome = outcomeOf(event.status);
    metrics.githubRequests.inc({ route: `${event.method} ${event.route}`, outcome });
    // No answer, a 5xx or a rate limit: GitHub failed us (a 4xx is an answer about the request).
    if (outcome === 'error' || outcome === '5xx' || event.status === 429)
      metrics.dependencyErrors.inc({ dependency: 'github' });
    const token = typeof tokenOf === 'string' ? tokenOf : tokenOf(event);
    if (event.rateLimit)
      metrics.githubRateLimitRemaining.set(
        { token, resource: event.rateLimit.resource },
        event.rateLimit.remaining,
      );
  };
}

function outcomeOf(status: number | undefined): string {
  if (status === undefined) return 'error';
  if (status === 304) return '304';
  if (status < 300) return '2xx';
  if (status < 500) return '4xx';
  return '5xx';
}
