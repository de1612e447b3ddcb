import type { DeploymentState, TimelineEntry } from '../../src/domain/deploy/deployment-state.js';
import { repliesInThread } from '../../src/domain/deploy/thread-replies.js';
import { repositoryName } from '../../src/domain/deploy/workflow-inputs.js';
import { clockStamp } from '../format.js';
import { baselineText, probesText, readingFacts } from './analysis-text.js';
import {
  formatDuration,
  inlineText,
  inlineUserText,
  iso,
  phaseOfEntry,
  phaseTitle,
  rollbackRun,
  runLink,
  startedAt,
  who,
} from './deploy-text.js';

/**
 * The thread reply under the timeline for a decision (`repliesInThread`: an approval, a promotion, a pause, a
 * warning, a rollback, the end), in the runbooks' status-line style: `[10:00] 👍 Approved by @carol (1/1)`.
 * Undefined for progress, which the timeline message shows, and for entries another entry at the same moment
 * reports better.
 * Times are UTC like the runbooks'; `entry` should be one of `state.timeline`.
 */
export function timelineEvent(entry: TimelineEntry, state: DeploymentState): string | undefined {
  if (!repliesInThread(entry)) return undefined;
  const line = describe(entry, state);
  return line === undefined ? undefined : `${clockStamp(iso(entry.at))} ${line}`;
}

function describe(entry: TimelineEntry, state: DeploymentState): string | undefined {
  const phase = phaseOfEntry(state, entry);
  const title = phase ? phaseTitle(phase) : undefined;
  const what = `\`${inlineText(state.ref, 60)}\` to *${inlineText(state.env, 40)}*`;
  const step = entry.text ? ` ${inlineText(entry.text, 20)}` : '';
  switch (entry.kind) {
    case 'requested':
    case 'gate_passed':
    case 'gate_expired':
      return undefined;
    case 'gate_opened':
      if (title === undefined) return undefined;
      return `✋ Approval needed before ${title}${step} (0/${state.approvalsRequired})`;
    case 'approved': {
      if (entry.by === undefined) return undefined;
      return `👍 Approved by ${who(entry.by)} (${approvalsSoFar(entry, state)}/${state.approvalsRequired})`;
    }
    case 'started':
      return state.rollbackOf
        ? `↩️ Rolling back *${inlineText(state.rollbackOf.service, 64)}* in *${inlineText(state.env, 40)}* to \`${inlineText(state.ref, 60)}\``
        : `🚀 Deployment of ${what} started`;
    case 'dispatched': {
      if (title === undefined) return undefined;
      const run = phase?.runs.findLast((candidate) => candidate.dispatchedAt === entry.at);
      const link = run ? ` (${runLink(run)})` : '';
      return entry.text ? `🐤 ${title} at${step}${link}` : `🔄 ${title} started${link}`;
    }
    case 'run_completed': {
      if (title === undefined || entry.text !== 'success') return undefined;
      const run = phase?.runs.findLast((candidate) => candidate.completedAt === entry.at);
      const percentage = run?.percentage === undefined ? '' : ` ${run.percentage} %`;
      return `✅ ${title}${percentage} complete${run ? ` (${runLink(run)})` : ''}`;
    }
    case 'succeeded': {
      const took = formatDuration(entry.at - startedAt(state));
      return state.rollbackOf
        ? `↩️ *${inlineText(state.rollbackOf.service, 64)}* in *${inlineText(state.env, 40)}* rolled back to \`${inlineText(state.ref, 60)}\` in ${took}`
        : `🎉 Deployment of ${what} succeeded in ${took}`;
    }
    case 'failed': {
      const reason = entry.text ? `: ${inlineUserText(entry.text, 300)}` : '';
      if (phase && title) {
        const run = phase.runs.at(-1);
        return `❌ ${title} failed${reason}${run ? ` (${runLink(run)})` : ''}`;
      }
      return `❌ Deployment failed${reason}${entry.by ? ` (${who(entry.by)})` : ''}`;
    }
    case 'cancelled': {
      const by = entry.by ? ` by ${who(entry.by)}` : '';
      return `🛑 Deployment cancelled${by}${entry.text ? `: ${inlineUserText(entry.text, 300)}` : ''}`;
    }
    case 'rolled_back': {
      const runs = state.rollback?.runs ?? [];
      const where =
        runs.length > 1
          ? ` in ${runs.map((run) => `\`${inlineText(run.repository ? repositoryName(run.repository) : 'github.repo', 100)}\``).join(', ')}`
          : '';
      return `↩️ Deployment of ${what} rolled back${where}${state.rollback?.version ? ` to \`${inlineText(state.rollback.version, 60)}\`` : ''}`;
    }
    case 'probed': {
      const probes = phase?.probes ?? [];
      const healthy = probes.filter((probe) => probe.ok).length;
      const emoji = healthy === probes.length ? '🩺' : '❌';
      return `${emoji} Health checks for ${title ?? 'the deployment'}: ${healthy}/${probes.length} healthy (${probesText(probes)})`;
    }
    case 'baseline': {
      const baseline = state.analysis?.baseline;
      return baseline ? `📏 Baseline before ${title ?? 'the canary'}: ${baselineText(baseline)}` : undefined;
    }
    case 'analysis_warning':
      return `⚠️ ${inlineUserText(entry.text ?? 'a reading is above the warning threshold', 600)}`;
    case 'paused':
      return `⏸️ Rollout paused${entry.by ? ` by ${who(entry.by)}` : ''}${entry.text ? `: ${inlineUserText(entry.text, 400)}` : ''}. Resume or roll back from the timeline.`;
    case 'resumed':
      return `▶️ Rollout resumed${entry.by ? ` by ${who(entry.by)}` : ''}`;
    case 'promoted':
      return `⏩ ${title ?? 'Rollout'} promoted${entry.by ? ` by ${who(entry.by)}` : ''}: the remaining canary steps go out without holds`;
    case 'rollback_started': {
      const trigger = entry.by ? `by ${who(entry.by)}` : 'automatically';
      const readings = state.rollback?.decision ? ` · ${readingFacts(state.rollback.decision)}` : '';
      return `🚨 Rolling back ${what} ${trigger}: ${inlineUserText(entry.text ?? '', 250)}${readings}`;
    }
    case 'rollback_dispatched': {
      const runs = state.rollback?.runs ?? [];
      const run =
        entry.repository === undefined
          ? runs.length === 1
            ? runs[0]
            : undefined
          : runs.find(
              (candidate) =>
                candidate.repository && repositoryName(candidate.repository) === entry.repository,
            );
      const link = run?.url !== undefined ? ` (${runLink(rollbackRun({ ...run, url: run.url }))})` : '';
      const where =
        entry.repository !== undefined && runs.length > 1
          ? ` in \`${inlineText(entry.repository, 100)}\``
          : '';
      return `↩️ Rollback started${where}${entry.text ? ` to \`${inlineText(entry.text, 60)}\`` : ''}${link}`;
    }
  }
}

/** Approvals of the gate this approval belongs to, up to and including it. */
function approvalsSoFar(entry: TimelineEntry, state: DeploymentState): number {
  let index = state.timeline.indexOf(entry);
  if (index < 0) {
    index = state.timeline.findLastIndex(
      (candidate) => candidate.kind === entry.kind && candidate.at === entry.at && candidate.by === entry.by,
    );
  }
  if (index < 0) return 1;
  let count = 0;
  for (let i = index; i >= 0; i -= 1) {
    const kind = state.timeline[i]?.kind;
    if (kind === 'gate_opened') break;
    if (kind === 'approved') count += 1;
  }
  return count;
}
