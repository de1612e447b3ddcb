import type { Button } from '@slack/types';
import { deploymentName } from '../../src/domain/deploy/deployment-name.js';
import {
  type DeploymentState,
  isAnalysing,
  isFinished,
  type OpenGate,
  type PhaseState,
  rollbackRefusal,
  runsStillGoing,
} from '../../src/domain/deploy/deployment-state.js';
import { somethingWentOut } from '../../src/domain/deploy/next-step.js';
import { context, plural, type SlackBlock, type SlackMessage, section } from '../format.js';
import {
  DEPLOY_ABORT,
  DEPLOY_APPROVE,
  DEPLOY_PAUSE,
  DEPLOY_PROMOTE,
  DEPLOY_RESUME,
  DEPLOY_ROLLBACK,
  gateBlockId,
  rolloutBlockId,
} from '../ids.js';
import { analysisText, probesText, rollbackText } from './analysis-text.js';
import {
  canaryBar,
  fallback,
  formatDuration,
  formatPercent,
  haltEntry,
  haltReason,
  inlineText,
  inlineUserText,
  MAX_BLOCKS,
  overrideText,
  PHASE_EMOJI,
  packLines,
  phaseTitle,
  principals,
  repoLink,
  runLinks,
  startedAt,
  statusEmoji,
  statusLabel,
  timeAt,
  who,
} from './deploy-text.js';

/** What the timeline shows besides the state: facts from the plan and the repository, and the clock. */
export interface TimelineContext {
  /** Renders running phases' durations; inject it so rendering stays a pure function. */
  now: number;
  /** The commit the ref resolved to; shown (7 characters) next to the ref. */
  shortSha?: string;
  /** `https://github.com/acme/platform`: links the ref and the commit. */
  repoUrl?: string;
  /** Who may approve, as greenlight.yml names them (user ids, user-group ids or `@handles`). */
  approvers?: readonly string[];
}

/**
 * Blocks besides the phase sections: header, "…and N more" note, gate and its actions, analysis and the rollout's
 * actions, rollback, verdict, footer.
 */
const FIXED_BLOCKS = 9;

/**
 * The one message per deployment in the status channel, rebuilt from the state on every change (`chat.update`
 * replaces it whole). Guarantees for any state: at most 50 blocks, every text within Slack's limits, the
 * Approve/Abort buttons present exactly while a gate is open, and user text escaped so it cannot ping or link.
 */
export function deployTimeline(state: DeploymentState, ctx: TimelineContext): SlackMessage {
  const blocks: SlackBlock[] = [section(headerText(state, ctx))];
  const phaseApprovals = approvalsByPhase(state);
  const lines = state.phases.map((phase) => phaseLine(state, phase, phaseApprovals, ctx.now));
  const room = MAX_BLOCKS - FIXED_BLOCKS;
  const packed = packLines(lines.length > 0 ? lines : ['_No phases._'], room);
  blocks.push(...packed.texts.map((text) => section(text)));
  if (packed.shown < lines.length) {
    blocks.push(context(`…and ${plural(lines.length - packed.shown, 'more phase')}`));
  }
  if (state.rollback) blocks.push(section(rollbackText(state, state.rollback)));
  if (state.gate !== undefined) {
    blocks.push(section(gateText(state, state.gate, ctx)), gateActions(state, state.gate));
  }
  const analysing = isAnalysing(state);
  if (state.analysis && (analysing || (state.rollback === undefined && state.analysis.last))) {
    blocks.push(section(analysisText(state, state.analysis)));
  }
  if (analysing || rollbackRefusal(state) === undefined) blocks.push(rolloutActions(state));
  if (isFinished(state.status)) blocks.push(section(verdictText(state)));
  blocks.push(context(footerText(state, ctx.now)));
  return { text: fallbackText(state, ctx), blocks };
}

function refText(state: DeploymentState, ctx: TimelineContext): string {
  // A commit deployed by its SHA: the short SHA says it all.
  if (/^[0-9a-f]{40}$/.test(state.ref))
    return repoLink(ctx.repoUrl, `commit/${state.ref}`, `\`${state.ref.slice(0, 7)}\``);
  const ref = inlineText(state.ref, 100);
  const refShown = repoLink(ctx.repoUrl, `tree/${state.ref}`, ref);
  const sha = ctx.shortSha && /^[0-9a-f]{7,40}$/i.test(ctx.shortSha) ? ctx.shortSha.slice(0, 7) : undefined;
  const shaShown = sha ? ` (${repoLink(ctx.repoUrl, `commit/${ctx.shortSha}`, `\`${sha}\``)})` : '';
  return `${refShown === ref ? `\`${ref}\`` : refShown}${shaShown}`;
}

function headerText(state: DeploymentState, ctx: TimelineContext): string {
  const what = state.rollbackOf
    ? `Roll back *${inlineText(state.rollbackOf.service, 64)}* in *${inlineText(state.env, 40)}* to ${refText(state, ctx)}`
    : `Deploy ${refText(state, ctx)} to *${inlineText(state.env, 40)}*`;
  const lines = [
    `${statusEmoji(state)} ${what} · *${statusLabel(state)}*${statusDetail(state)}`,
    `Requested by ${who(state.requestedBy)} ${timeAt(state.requestedAt)}`,
  ];
  if (state.rollbackOf) {
    const from = state.rollbackOf.from ? ` · live before: \`${inlineText(state.rollbackOf.from, 100)}\`` : '';
    lines.push(`*Why:* ${inlineUserText(state.rollbackOf.reason, 500)}${from}`);
  }
  if (state.override) lines.push(overrideText(state));
  const startGate = gates(state).find((gate) => gate.phaseId === undefined && gate.approvers.length > 0);
  if (startGate) lines.push(`Approved by ${approvedBy(state, startGate.approvers)}`);
  return lines.join('\n');
}

function statusDetail(state: DeploymentState): string {
  if (state.status === 'rolling_back' && state.rollback) {
    return ` · ${inlineUserText(state.rollback.reason, 200)}`;
  }
  if (state.status === 'running') {
    const phase = activePhase(state);
    return phase ? ` · ${phaseTitle(phase)}${canaryNow(phase)}` : '';
  }
  if (state.status === 'awaiting_approval' && state.gate) return ` · ${gateTarget(state, state.gate)}`;
  return '';
}

function activePhase(state: DeploymentState): PhaseState | undefined {
  return state.phases.find((phase) => ACTIVE.includes(phase.status));
}

const ACTIVE: readonly PhaseState['status'][] = ['running', 'dispatching', 'waiting_gate', 'holding'];

/** Promote (canary only, once), Pause or Resume while analysing, and Roll back behind Slack's own "are you sure". */
function rolloutActions(state: DeploymentState): SlackBlock {
  const button = (action_id: string, text: string, style?: 'primary' | 'danger'): Button => ({
    type: 'button',
    action_id,
    text: { type: 'plain_text', text, emoji: true },
    value: state.id,
    ...(style ? { style } : {}),
  });
  const elements: Button[] = [];
  const phase = activePhase(state);
  if (isAnalysing(state)) {
    if (phase?.canarySteps && !phase.promoted) elements.push(button(DEPLOY_PROMOTE, '⏩ Promote', 'primary'));
    elements.push(
      state.analysis?.paused ? button(DEPLOY_RESUME, '▶️ Resume') : button(DEPLOY_PAUSE, '⏸️ Pause'),
    );
  }
  elements.push({
    ...button(DEPLOY_ROLLBACK, '↩️ Roll back', 'danger'),
    confirm: {
      title: { type: 'plain_text', text: 'Roll back now?' },
      text: {
        type: 'mrkdwn',
        text: `This stops the rollout of \`${inlineText(state.ref, 60)}\` and dispatches the rollback workflow for *${inlineText(state.env, 40)}* at once. The environment stays locked afterwards.`,
      },
      confirm: { type: 'plain_text', text: 'Roll back' },
      deny: { type: 'plain_text', text: 'Keep going' },
      style: 'danger',
    },
  });
  return { type: 'actions', block_id: rolloutBlockId(phase), elements };
}

function canaryNow(phase: PhaseState): string {
  const percentage = phase.runs.at(-1)?.percentage;
  return percentage === undefined ? '' : ` ${formatPercent(percentage)} %`;
}

/** `to start`, `before Database migration`, `before Traffic switch 100 %`. */
export function gateTarget(state: DeploymentState, gate: OpenGate): string {
  const phase = state.phases.find((candidate) => candidate.id === gate.phaseId);
  if (gate.phaseId === undefined || phase === undefined) return 'to start';
  const percentage = gate.beforePercentage === undefined ? '' : ` ${formatPercent(gate.beforePercentage)} %`;
  return `before ${phaseTitle(phase)}${percentage}`;
}

const MAX_NAMED_APPROVERS = 10;

/** `<@U1>, <@U2> (2/2)`. */
function approvedBy(state: DeploymentState, users: readonly string[]): string {
  const named = users.slice(0, MAX_NAMED_APPROVERS).map(who).join(', ');
  const more = users.length > MAX_NAMED_APPROVERS ? ` +${users.length - MAX_NAMED_APPROVERS} more` : '';
  return `${named}${more} (${users.length}/${state.approvalsRequired})`;
}

interface GateRecord {
  phaseId: string | undefined;
  approvers: string[];
}

/** Every gate the deployment has opened, with who approved it, read from the timeline (open gates included). */
function gates(state: DeploymentState): GateRecord[] {
  const records: GateRecord[] = [];
  for (const entry of state.timeline) {
    if (entry.kind === 'gate_opened') records.push({ phaseId: entry.phaseId, approvers: [] });
    const current = records.at(-1);
    if (entry.kind === 'approved' && entry.by !== undefined && current) current.approvers.push(entry.by);
  }
  return records;
}

function approvalsByPhase(state: DeploymentState): Map<string, GateRecord[]> {
  const byPhase = new Map<string, GateRecord[]>();
  for (const gate of gates(state)) {
    if (gate.phaseId === undefined || gate.approvers.length === 0) continue;
    byPhase.set(gate.phaseId, [...(byPhase.get(gate.phaseId) ?? []), gate]);
  }
  return byPhase;
}

/** One line per phase: status emoji, title, canary step, start, duration, run links, approvals of its gates. */
function phaseLine(
  state: DeploymentState,
  phase: PhaseState,
  gatesByPhase: Map<string, GateRecord[]>,
  now: number,
): string {
  const title = phaseTitle(phase);
  const active = ACTIVE.includes(phase.status);
  const parts = [`${PHASE_EMOJI[phase.status]} ${active ? `*${title}*` : title}`];
  const steps = phase.canarySteps ?? [];
  const current = phase.runs.at(-1)?.percentage;
  if (steps.length > 0 && current !== undefined) {
    const step = phase.status === 'succeeded' ? steps.length : Math.min(phase.runs.length, steps.length);
    parts.push(`\`${canaryBar(current)}\` step ${step}/${steps.length}`);
  }
  switch (phase.status) {
    case 'pending':
      if (phase.gate) parts.push('✋ approval first');
      if (steps.length > 0) parts.push(`canary ${stepsText(steps)}`);
      break;
    case 'waiting_gate': {
      const gate = state.gate?.phaseId === phase.id ? state.gate : undefined;
      const before =
        gate?.beforePercentage === undefined ? '' : ` for ${formatPercent(gate.beforePercentage)} %`;
      parts.push(`waiting for approval${before}`);
      break;
    }
    case 'dispatching': {
      const next = steps[phase.step];
      parts.push(next === undefined ? 'dispatching…' : `dispatching ${formatPercent(next)} %…`);
      break;
    }
    case 'holding': {
      const until = phase.holdEndsAt === undefined ? '' : ` until ${timeAt(phase.holdEndsAt)}`;
      const left = phase.holdEndsAt === undefined ? 0 : phase.holdEndsAt - now;
      const remaining = left > 0 ? ` (${formatDuration(left)} left)` : ' (waiting for a passing reading)';
      const what = phase.canarySteps ? 'holding' : 'monitoring';
      parts.push(state.analysis?.paused ? `⏸️ ${what}, paused` : `${what}${until}${remaining}`);
      break;
    }
    case 'skipped':
      parts.push('skipped');
      break;
    case 'cancelled':
      parts.push('cancelled');
      break;
    default:
      break;
  }
  const first = phase.runs[0];
  if (first) {
    parts.push(`started ${timeAt(first.dispatchedAt)}`);
    const last = phase.runs.at(-1);
    const ongoing = active && state.finishedAt === undefined;
    const end = ongoing ? now : (last?.completedAt ?? state.finishedAt ?? now);
    const took = formatDuration(end - first.dispatchedAt);
    parts.push(ongoing ? `${took} so far` : took);
    // A step stopped by a rollback failed although its own run succeeded: only a run's failure is the reason.
    if (phase.status === 'failed' && last?.conclusion && last.conclusion !== 'success') {
      parts.push(`\`${inlineText(last.conclusion, 40)}\``);
    }
    parts.push(runLinks(phase.runs));
  }
  if (phase.promoted) parts.push('⏩ promoted');
  if (phase.health) {
    parts.push(phase.probes ? `health: ${probesText(phase.probes)}` : 'health checks running…');
  }
  for (const gate of gatesByPhase.get(phase.id) ?? []) {
    parts.push(`approved by ${approvedBy(state, gate.approvers)}`);
  }
  return parts.join(' · ');
}

function stepsText(steps: readonly number[]): string {
  const shown = steps.slice(0, 10).map(formatPercent).join('/');
  return `${shown}${steps.length > 10 ? '/…' : ''} %`;
}

function gateText(state: DeploymentState, gate: OpenGate, ctx: TimelineContext): string {
  const target = gateTarget(state, gate);
  const approved =
    gate.approvals.length > 0
      ? `approved by ${approvedBy(
          state,
          gate.approvals.map((approval) => approval.user),
        )}`
      : `0/${state.approvalsRequired} approvals`;
  const lines = [`✋ *Approval needed ${target}* · ${approved} · waiting since ${timeAt(gate.openedAt)}`];
  if (ctx.approvers && ctx.approvers.length > 0) lines.push(`Approvers: ${principals(ctx.approvers)}`);
  return lines.join('\n');
}

/** Approve and Abort under an open gate: the same ids wherever they are shown (timeline, `/deploy status`, a DM). */
export function gateActions(state: DeploymentState, gate: OpenGate): SlackBlock {
  const approve: Button = {
    type: 'button',
    action_id: DEPLOY_APPROVE,
    text: { type: 'plain_text', text: 'Approve', emoji: true },
    style: 'primary',
    value: state.id,
  };
  const abort: Button = {
    type: 'button',
    action_id: DEPLOY_ABORT,
    text: { type: 'plain_text', text: 'Abort', emoji: true },
    style: 'danger',
    value: state.id,
  };
  return { type: 'actions', block_id: gateBlockId(gate.seq), elements: [approve, abort] };
}

/** A cancelled deployment whose run GitHub has not confirmed ended: what greenlight is still doing about it. */
function cancelPending(state: DeploymentState): string | undefined {
  const going = runsStillGoing(state);
  if (going.length === 0) return undefined;
  const runs = state.phases.flatMap((phase) => phase.runs).filter((run) => going.includes(run.runId));
  const named = runs.map((run) => (run.number === undefined ? `run ${run.runId}` : `run #${run.number}`));
  return `⏳ Run cancel pending: greenlight asks GitHub to cancel ${named.join(', ')} until it has ended, and holds *${inlineText(state.env, 40)}* until then.`;
}

function verdictText(state: DeploymentState): string {
  const took = formatDuration((state.finishedAt ?? state.requestedAt) - startedAt(state));
  const head = `${statusEmoji(state)} *${statusLabel(state)}*`;
  switch (state.status) {
    case 'succeeded':
      return state.rollbackOf
        ? `${head} — *${inlineText(state.rollbackOf.service, 64)}* is back on \`${inlineText(state.ref, 100)}\` after ${took}${verifiedText(state)}`
        : `${head} in ${took}`;
    case 'failed':
    case 'cancelled': {
      const reason = haltReason(state, haltEntry(state));
      const verdict = `${head} after ${took}${reason ? ` — ${reason}` : ''}`;
      if (state.rollbackOf && state.status === 'failed')
        return `${verdict}\n${rollbackFailedAdvice(state, state.rollbackOf.service)}`;
      const pending = cancelPending(state);
      if (pending) return `${verdict}\n${pending}`;
      return state.status === 'failed' && !somethingWentOut(state)
        ? `${verdict}\nNothing was dispatched, so *${inlineText(state.env, 40)}* is not locked: fix that and deploy again.`
        : verdict;
    }
    case 'rolled_back': {
      const after = formatDuration(
        (state.finishedAt ?? state.requestedAt) - (state.rollback?.requestedAt ?? startedAt(state)),
      );
      return `${head} — the rollback run finished ${after} after it was decided; \`${inlineText(state.env, 40)}\` stays locked until \`/deploy unlock ${inlineText(state.env, 40)}\``;
    }
    default:
      return head;
  }
}

/** `; its health checks pass` when the rollback verified the version it went back to. */
function verifiedText(state: DeploymentState): string {
  const probes = state.phases.flatMap((phase) => phase.probes ?? []);
  return probes.length > 0 && probes.every((probe) => probe.ok) ? '; its health checks pass' : '';
}

/** A rollback that did not restore the service is the worst moment of an incident: say so, and what to do next. */
function rollbackFailedAdvice(state: DeploymentState, service: string): string {
  const env = inlineText(state.env, 40);
  const name = inlineText(service, 64);
  const unhealthy = state.phases.some((phase) => phase.probes?.some((probe) => !probe.ok));
  const what = unhealthy
    ? `🔥 *\`${inlineText(state.ref, 100)}\` is unhealthy too.*`
    : '🔥 *The rollback did not complete.*';
  return `${what} Next: roll back further (\`/rollback ${name} ${env} --to &lt;older version&gt;\`), turn the failing feature off (\`/flag disable &lt;flag&gt;\`), and declare an incident (\`/incident declare sev1 ${name} down after rollback\`). ${env} stays locked.`;
}

function footerText(state: DeploymentState, now: number): string {
  const parts = [`\`${inlineText(deploymentName(state), 64)}\``];
  if (
    state.status === 'running' ||
    state.status === 'rolling_back' ||
    (state.status === 'awaiting_approval' && state.gate?.phaseId)
  ) {
    parts.push(`running for ${formatDuration(now - startedAt(state))}`);
  }
  parts.push(`updated ${timeAt(now)}`);
  return parts.join(' · ');
}

/** A `/rollback` in a notification: what it rolls back, where, to what, and how it is going. */
function rollbackFallback(state: DeploymentState, service: string, took: string): string {
  const what = `${inlineText(service, 64)} in ${inlineText(state.env, 40)}`;
  const to = inlineText(state.ref, 60);
  switch (state.status) {
    case 'succeeded':
      return `${what} rolled back to ${to} in ${took}`;
    case 'failed':
      return `Rollback of ${what} to ${to} failed: ${haltReason(state, haltEntry(state), false)}`;
    case 'cancelled':
      return `Rollback of ${what} to ${to} cancelled`;
    default:
      return `Rolling back ${what} to ${to}`;
  }
}

function fallbackText(state: DeploymentState, ctx: TimelineContext): string {
  const sha = ctx.shortSha && /^[0-9a-f]{7,40}$/i.test(ctx.shortSha) ? ` (${ctx.shortSha.slice(0, 7)})` : '';
  const what = `Deploy ${inlineText(state.ref, 60)}${sha} to ${inlineText(state.env, 40)}`;
  const emoji = statusEmoji(state);
  const took = formatDuration((state.finishedAt ?? ctx.now) - startedAt(state));
  if (state.rollbackOf)
    return fallback(`${emoji} ${rollbackFallback(state, state.rollbackOf.service, took)}`);
  switch (state.status) {
    case 'queued':
      return fallback(`${emoji} ${what} is queued (requested by ${who(state.requestedBy)})`);
    case 'awaiting_approval': {
      const gate = state.gate;
      const count = gate ? ` (${gate.approvals.length}/${state.approvalsRequired})` : '';
      const target = gate ? ` ${gateTarget(state, gate)}` : '';
      return fallback(`${emoji} ${what} needs approval${count}${target}`);
    }
    case 'running': {
      const phase = activePhase(state);
      return fallback(
        `${emoji} ${what} is running${phase ? `: ${phaseTitle(phase)}${canaryNow(phase)}` : ''}`,
      );
    }
    case 'succeeded':
      return fallback(`${emoji} ${what} succeeded in ${took}`);
    case 'failed':
    case 'cancelled': {
      const reason = haltReason(state, haltEntry(state), false);
      const pending = runsStillGoing(state).length > 0 ? ' (run cancel pending)' : '';
      return fallback(`${emoji} ${what} ${state.status}${reason ? `: ${reason}` : ''}${pending}`);
    }
    case 'rolling_back':
      return fallback(
        `${emoji} ${what} is being rolled back: ${inlineUserText(state.rollback?.reason ?? '', 200)}`,
      );
    case 'rolled_back':
      return fallback(
        `${emoji} ${what} was rolled back: ${inlineUserText(state.rollback?.reason ?? '', 200)}`,
      );
  }
}
