import type { DeploymentState, RollbackState } from '../../src/domain/deploy/deployment-state.js';
import { clockStamp, type SlackMessage, section } from '../format.js';
import { readingFacts } from './analysis-text.js';
import { fallback, formatDuration, inlineText, inlineUserText, iso, runLink, who } from './deploy-text.js';

export interface IncidentContext {
  /** The channel holding the deployment's timeline, to point readers at it. */
  timelineChannel?: string;
  services: readonly string[];
}

/**
 * The runbooks' incident notification, filled in from the rollback: status, severity, what is affected, the impact
 * with the readings behind it, a T+ timeline and the next steps. Ready to paste into an incident, or to be turned
 * into one.
 */
export function rollbackIncident(
  state: DeploymentState,
  rollback: RollbackState,
  ctx: IncidentContext,
): SlackMessage {
  const env = inlineText(state.env, 40);
  const trigger = rollback.by === undefined ? 'automatic rollback' : `rollback by ${who(rollback.by)}`;
  const services =
    ctx.services.length > 0 ? ctx.services.map((s) => inlineText(s, 30)).join(', ') : 'all services';
  const reason = inlineUserText(rollback.reason, 500);
  const traffic = lastPercentage(state);
  const t0 = rollback.decision?.reading.at ?? rollback.requestedAt;
  const stamp = (at: number) => `T+${formatDuration(at - t0)} ${clockStamp(iso(at))}`;
  const timeline = [
    `${stamp(t0)} Issue detected: ${reason}`,
    `${stamp(rollback.requestedAt)} Rollback decided (${trigger})`,
  ];
  if (rollback.runId !== undefined && rollback.url !== undefined && rollback.dispatchedAt !== undefined) {
    const link = runLink({ runId: rollback.runId, url: rollback.url, dispatchedAt: rollback.dispatchedAt });
    timeline.push(`${stamp(rollback.dispatchedAt)} Rollback initiated (${link})`);
  }
  const status =
    state.status === 'rolled_back'
      ? 'Rolled back; verify recovery'
      : state.status === 'failed'
        ? '*Rollback failed: act now*'
        : 'Rollback in progress';
  const lines = [
    `🚨 *${env.toUpperCase()} INCIDENT* — ${trigger} of \`${inlineText(state.ref, 60)}\``,
    `*Status:* ${status}`,
    `*Severity:* SEV2 (suggested: major degradation caught during the rollout; raise to SEV1 for an outage or data loss)`,
    `*Affected:* ${env} · ${services}${traffic === undefined ? '' : ` · ${traffic} % of traffic on the new version`}`,
    `*Impact:* ${reason}`,
  ];
  if (rollback.decision) lines.push(`*Readings:* ${readingFacts(rollback.decision)}`);
  lines.push(
    `*Rollback to:* ${rollback.version === undefined ? 'the version the rollback workflow chooses (none on record)' : `\`${inlineText(rollback.version, 60)}\``}`,
    `*Timeline:*\n${timeline.join('\n')}`,
    `*Next steps:*\n• Confirm the rollback restored health${ctx.timelineChannel ? ` (timeline in <#${ctx.timelineChannel}>)` : ''}\n• Root cause analysis\n• Forward fix preparation\n• Post-mortem scheduled\n• \`/deploy unlock ${env}\` once understood`,
    `Deployment \`${inlineText(state.id, 64)}\``,
  );
  return {
    text: fallback(`🚨 ${env} incident: ${trigger} of ${inlineText(state.ref, 60)}: ${reason}`),
    blocks: [section(lines.join('\n'))],
  };
}

function lastPercentage(state: DeploymentState): number | undefined {
  for (const phase of state.phases) {
    const percentage = phase.runs.findLast((run) => run.percentage !== undefined)?.percentage;
    if (percentage !== undefined && phase.canarySteps) return percentage;
  }
  return undefined;
}
