import type {
  ChecksVerdict,
  CommitCheck,
  DryRunFacts,
  NotGreen,
} from '../../src/domain/deploy/commit-checks.js';
import { deploymentName } from '../../src/domain/deploy/deployment-name.js';
import type { DeploymentState } from '../../src/domain/deploy/deployment-state.js';
import type { DeploymentPlan, PlannedPhase } from '../../src/domain/deploy/plan.js';
import { phaseDispatches, repositoryName } from '../../src/domain/deploy/workflow-inputs.js';
import { clip } from '../../src/domain/text.js';
import {
  context,
  escapeText,
  plural,
  type SlackBlock,
  type SlackMessage,
  section,
  slackTime,
} from '../format.js';
import {
  fallback,
  formatDuration,
  formatPercent,
  inlineText,
  inlineUserText,
  link,
  MAX_BLOCKS,
  overrideText,
  packLines,
  phaseTitle,
  principals,
  SECTION_BUDGET,
  startedAt,
  statusEmoji,
  statusLabel,
  timeAt,
  who,
} from './deploy-text.js';
import { gateActions, gateTarget } from './timeline.js';

/** A manual environment lock as the lanes store it (structurally the adapter's `EnvironmentLock`). */
export interface DeployLock {
  by: string;
  reason: string;
  /** ISO time it was locked. */
  at: string;
  /** ISO time it unlocks by itself, for `--for`. */
  until?: string;
}

/** Where a deployment waits when another holds the environment: 1-based `position`, `holder` the active id. */
export interface QueuePlace {
  position: number;
  holder: string;
}

const code = (text: string, max = 64) => `\`${inlineText(text, max).replace(/`/g, "'")}\``;
const envName = (env: string) => `*${inlineText(env, 40)}*`;

/**
 * The requester's ephemeral confirmation: the id, what happens next (approval, queue, start) and where to follow
 * it. `timelineUrl` is the permalink of the status-channel message when the caller has it.
 */
export function deployAcceptedReply(
  state: DeploymentState,
  queue?: QueuePlace,
  options: { timelineUrl?: string } = {},
): SlackMessage {
  const lines = [
    `${statusEmoji(state)} Deployment ${code(deploymentName(state))} of ${code(state.ref, 100)} to ${envName(state.env)} accepted.`,
  ];
  if (state.override) lines.push(overrideText(state));
  if (state.status === 'awaiting_approval') {
    lines.push(
      `⏳ It needs ${plural(state.approvalsRequired, 'approval')} from approvers of ${envName(state.env)} before it starts.`,
    );
  }
  if (queue) {
    lines.push(
      `🕒 Queued at position ${queue.position}, behind ${code(queue.holder)}: it starts when the environment is free.`,
    );
  } else if (state.status === 'queued' || state.status === 'running') {
    lines.push('🚀 Starting now.');
  }
  const url = options.timelineUrl;
  const follow =
    url && /^https:\/\/[^\s<>|]{1,400}$/.test(url)
      ? `Follow it <${url}|in the status channel>`
      : 'Follow it in the status channel';
  return {
    text: fallback(
      `Deployment ${inlineText(deploymentName(state), 64)} of ${inlineText(state.ref, 60)} to ${inlineText(state.env, 40)} accepted${queue ? `, queued at position ${queue.position}` : ''}`,
    ),
    blocks: [
      section(lines.join('\n')),
      context(
        `${follow} · cancel with \`/deploy cancel ${inlineText(deploymentName(state), 64).replace(/`/g, "'")}\``,
      ),
    ],
  };
}

/** Blocks besides the phase sections in a dry run: header, commit, approvals, skipped, "…and N more", footer. */
const PLAN_FIXED_BLOCKS = 6;

/**
 * `--dry-run`: every phase in order with its gates, the workflow and the exact inputs each dispatch sends (built by
 * the same `phaseDispatches` the orchestrator sends; a canary step's values are listed step by step, `a | b`),
 * and who must approve. Nothing is dispatched, and the reply says so.
 */
export function deployPlanReply(plan: DeploymentPlan, facts?: DryRunFacts): SlackMessage {
  const head = `🧪 *Dry run:* deploy ${code(plan.ref, 100)} to ${envName(plan.env)} in ${plural(plan.phases.length, 'phase')}. *Nothing was dispatched.*`;
  const blocks: SlackBlock[] = [section(head)];
  if (facts) blocks.push(section(commitText(plan, facts)));
  blocks.push(section(approvalsText(plan)));
  const room = MAX_BLOCKS - PLAN_FIXED_BLOCKS;
  const shown = plan.phases.slice(0, room);
  shown.forEach((phase, index) => {
    blocks.push(section(phaseText(plan, phase, index + 1)));
  });
  if (shown.length < plan.phases.length) {
    blocks.push(context(`…and ${plural(plan.phases.length - shown.length, 'more phase')}`));
  }
  if (plan.skippedPhases.length > 0) {
    const names = plan.skippedPhases.slice(0, 20).map(phaseTitle).join(', ');
    const more = plan.skippedPhases.length > 20 ? ` and ${plan.skippedPhases.length - 20} more` : '';
    blocks.push(context(`⏭️ Not run (not in \`--services\`): ${names}${more}`));
  }
  blocks.push(context(`Run it without \`--dry-run\` to deploy.`));
  return {
    text: fallback(
      `Dry run: ${plural(plan.phases.length, 'phase')} to deploy ${inlineText(plan.ref, 60)} to ${inlineText(plan.env, 40)}; nothing was dispatched`,
    ),
    blocks,
  };
}

/** The commit the ref names, where the workflows run, and what the checks say. */
function commitText(plan: DeploymentPlan, facts: DryRunFacts): string {
  const commit = `Commit ${code(facts.sha.slice(0, 12))}`;
  const dispatchRef = plan.phases.find((phase) => phase.dispatchRef !== undefined)?.dispatchRef;
  const where = dispatchRef
    ? ` · a commit, so the workflows run as they are on ${code(dispatchRef, 100)} with the full SHA in the \`ref\` input`
    : '';
  const verdict = facts.checks;
  if (verdict === undefined) return `${commit}${where}\n⚪ No checks required (\`requireChecks: none\`).`;
  return `${commit}${where}\n${verdictText(verdict)}`;
}

function verdictText(verdict: ChecksVerdict): string {
  if (verdict.green)
    return verdict.checked.length === 0
      ? '🟢 No checks reported on it, so none can be red.'
      : `🟢 Its ${plural(verdict.checked.length, 'check')} passed.`;
  const failing = [...verdict.failing, ...verdict.pending];
  const missing = verdict.missing.map(
    (name): CommitCheck => ({ name, state: 'pending', detail: 'not reported' }),
  );
  return `⛔ Not green, so a deploy would be refused without an approver's \`--override &lt;reason&gt;\`:\n${checkLines([...failing, ...missing])}`;
}

const CHECKS_SHOWN = 20;

/** One line per check that keeps a commit from deploying, linked to where it says why. */
function checkLines(checks: readonly CommitCheck[]): string {
  const lines = checks.slice(0, CHECKS_SHOWN).map((check) => {
    const emoji = check.state === 'failure' ? '❌' : '⏳';
    return `• ${emoji} ${link(check.url, inlineText(check.name, 80))} ${inlineText(check.detail, 30)}`;
  });
  if (checks.length > CHECKS_SHOWN) lines.push(`• …and ${checks.length - CHECKS_SHOWN} more`);
  return lines.join('\n');
}

/** `/deploy` refused because the commit's checks are not green: which, with links, and what to do. */
export function notGreenReply(notGreen: NotGreen): SlackMessage {
  const what = `${code(notGreen.ref, 100)} (${code(notGreen.sha.slice(0, 7))}) is not green in ${inlineText(notGreen.repo, 100)}, so nothing was started:`;
  return {
    text: fallback(`${inlineText(notGreen.ref, 60)} is not green; nothing was started`),
    blocks: [
      section(`:no_entry_sign: ${what}\n${checkLines(notGreen.checks)}`),
      context(escapeText(notGreen.advice)),
    ],
  };
}

function approvalsText(plan: DeploymentPlan): string {
  if (plan.approvalsAtStart === 0)
    return '🟢 No approvals needed: it starts as soon as the environment is free.';
  const gates = plan.phases.filter((phase) => phase.gate || phase.canaryGate).length;
  const who =
    plan.approvers.length > 0
      ? `from ${principals(plan.approvers)}`
      : 'from approvers, but greenlight.yml names none for this environment';
  const again = gates > 0 ? ` and again at each of the ${plural(gates, 'gate')} marked ✋` : '';
  return `✋ Needs ${plural(plan.approvalsAtStart, 'distinct approver')} ${who} before it starts${again}; the requester cannot approve their own deployment.`;
}

function phaseText(plan: DeploymentPlan, phase: PlannedPhase, number: number): string {
  const facts = [`*${number}. ${phaseTitle(phase)}* ${code(phase.id)}`];
  if (phase.gate) facts.push('✋ approval before it starts');
  const steps = phase.canarySteps ?? [];
  if (steps.length > 0) {
    const shown = steps.slice(0, 10).map(formatPercent).join(' → ');
    const hold =
      phase.holdMs === undefined || phase.holdMs === 0
        ? ', no holds'
        : `, hold ${formatDuration(phase.holdMs)} each, analysed`;
    facts.push(`🐤 canary ${shown}${steps.length > 10 ? ' → …' : ''} %${hold}`);
    if (phase.canaryGate) {
      const last = steps.at(-1);
      facts.push(`✋ approval before ${last === undefined ? 'the last step' : `${formatPercent(last)} %`}`);
    }
  }
  if (phase.monitorMs !== undefined) facts.push(`🔍 monitor ${formatDuration(phase.monitorMs)}`);
  if (phase.health) facts.push('🩺 health checks bot-side too');
  if (phase.services && phase.services.length > 0) {
    facts.push(
      `services: ${phase.services
        .slice(0, 10)
        .map((service) => inlineText(service, 40))
        .join(', ')}`,
    );
  }
  const head = facts.join(' · ');
  if (phase.workflow === undefined) return `${head}\nNothing is dispatched: greenlight watches the analysis.`;
  const at =
    phase.dispatchRef === undefined ? '' : ` (dispatched at ${codeBlockText(phase.dispatchRef, 100)})`;
  // The repository each dispatch request names (workflow-inputs.ts), so the plan and the dispatcher agree.
  const repository = phaseDispatches(plan, phase)[0]?.repository ?? plan.repository;
  const lines = [
    ...(repository ? [`repository: ${codeBlockText(repositoryName(repository), 100)}`] : []),
    `workflow: ${codeBlockText(phase.workflow, 100)}${at}`,
  ];
  // Keep the closing fence inside the section: inputs that do not fit are counted, never cut mid-block.
  let length = head.length + lines.join('\n').length + 16;
  let left = 0;
  for (const [name, values] of stepInputs(plan, phase)) {
    const line = `${codeBlockText(name, 60)}: ${values.map((value) => codeBlockText(value, 150)).join(' | ')}`;
    if (left > 0 || length + line.length + 40 > SECTION_BUDGET) {
      left += 1;
      continue;
    }
    lines.push(line);
    length += line.length + 1;
  }
  if (left > 0) lines.push(`… ${plural(left, 'more input')}`);
  return `${head}\n\`\`\`${lines.join('\n')}\`\`\``;
}

/**
 * Each input of a phase's dispatches, in the order sent, with its value at each step: one value when every step
 * sends the same (and for a phase of one dispatch), else one per step (the first 10).
 */
function stepInputs(plan: DeploymentPlan, phase: PlannedPhase): [string, string[]][] {
  const dispatches = phaseDispatches(plan, phase).slice(0, 10);
  const names = [...new Set(dispatches.flatMap((dispatch) => Object.keys(dispatch.inputs)))];
  return names.map((name) => {
    const values = dispatches.map((dispatch) => dispatch.inputs[name] ?? '');
    return [name, values.every((value) => value === values[0]) ? values.slice(0, 1) : values];
  });
}

/** Text inside a code block: escaped, one line, and unable to close the block early. */
function codeBlockText(text: string, max: number): string {
  return escapeText(clip(text.replace(/\s+/g, ' '), max)).replace(/`/g, '`\u200b');
}

/** One deployment on one line, shared by status and history. */
function deploymentLine(state: DeploymentState, withEnv: boolean): string {
  const started = startedAt(state);
  const parts = [
    `${statusEmoji(state)} ${code(deploymentName(state))}${withEnv ? ` ${envName(state.env)}` : ''}${state.rollbackOf ? ` rollback of ${code(state.rollbackOf.service)} to` : ''} ${code(state.ref, 80)} by ${who(state.requestedBy)}`,
  ];
  if (state.status === 'running' || state.status === 'awaiting_approval' || state.status === 'queued') {
    const active = state.phases.find((phase) =>
      ['running', 'dispatching', 'waiting_gate'].includes(phase.status),
    );
    parts.push(`${statusLabel(state).toLowerCase()}${active ? `: ${phaseTitle(active)}` : ''}`);
  }
  parts.push(timeAt(started));
  if (state.finishedAt !== undefined) parts.push(formatDuration(state.finishedAt - started));
  return parts.join(' · ');
}

/** One environment in `/deploy status`: the deployment holding it, the queue behind it, and its manual lock. */
export interface EnvironmentStatus {
  env: string;
  active?: DeploymentState;
  waiting: readonly DeploymentState[];
  lock?: DeployLock;
  /** Deployments whose open gate the status channel does not show: their buttons are offered here. */
  unshownGates?: readonly string[];
}

/** The most waiting deployments listed under one environment in `/deploy status`. */
const WAITING_SHOWN = 10;

/** `/deploy status`: per environment, in the order given, its lock, the active deployment and the queue behind it. */
export function deployStatusReply(envs: readonly EnvironmentStatus[]): SlackMessage {
  if (envs.length === 0) {
    return { text: 'No environments to report on', blocks: [section('No environments to report on.')] };
  }
  const lines: string[] = [];
  let running = 0;
  let waiting = 0;
  let locked = 0;
  for (const status of envs) {
    if (status.lock) locked += 1;
    if (status.active) running += 1;
    waiting += status.waiting.length;
    const state = status.lock ? lockLine(status.lock) : status.active ? 'open' : 'open, nothing running';
    lines.push(`${envName(status.env)} · ${state}`);
    if (status.active) lines.push(`    ${deploymentLine(status.active, false)}`);
    status.waiting.slice(0, WAITING_SHOWN).forEach((queued, index) => {
      lines.push(`    ${index + 1}. ${deploymentLine(queued, false)}`);
    });
    if (status.waiting.length > WAITING_SHOWN) {
      lines.push(`    …and ${status.waiting.length - WAITING_SHOWN} more waiting`);
    }
  }
  // One gate's buttons per message: Slack wants each action id once in a message, and the ids are the timeline's.
  const unshown = envs.flatMap((status) =>
    [...(status.active ? [status.active] : []), ...status.waiting].filter(
      (state) => state.gate !== undefined && status.unshownGates?.includes(state.id),
    ),
  );
  const gates = unshown.slice(0, 1);
  const more = new Set(unshown.map((state) => state.id)).size - gates.length;
  const packed = packLines(lines, MAX_BLOCKS - 2 - 2 * gates.length);
  const blocks = packed.texts.map((text) => section(text));
  if (packed.shown < lines.length)
    blocks.push(context(`…and ${plural(lines.length - packed.shown, 'more line')}`));
  for (const state of gates) {
    if (!state.gate) continue;
    blocks.push(
      section(
        `✋ \`${inlineText(deploymentName(state), 64)}\` waits for approval ${gateTarget(state, state.gate)}; the status channel does not show it yet.`,
      ),
      gateActions(state, state.gate),
    );
  }
  if (more > 0)
    blocks.push(
      context(
        `${plural(more, 'more deployment')} waiting for approval the status channel does not show: their approvers were sent the buttons directly.`,
      ),
    );
  return {
    text: `Deployments: ${running} running, ${waiting} waiting, ${plural(locked, 'environment')} locked`,
    blocks,
  };
}

/**
 * `/deploy history`: newest first as given, one line each (id, env, ref, requester, outcome, start, duration),
 * within Slack's limits however many there are.
 */
export function deployHistoryReply(states: readonly DeploymentState[], env?: string): SlackMessage {
  const where = env === undefined ? '' : ` to ${envName(env)}`;
  if (states.length === 0) {
    return { text: 'No deployments yet', blocks: [section(`No deployments${where} yet.`)] };
  }
  const lines = states.map((state) => deploymentLine(state, env === undefined));
  const packed = packLines(lines, MAX_BLOCKS - 2);
  const blocks: SlackBlock[] = [
    section(`*Last ${plural(states.length, 'deployment')}*${where}`),
    ...packed.texts.map((text) => section(text)),
  ];
  if (packed.shown < lines.length) blocks.push(context(`…and ${lines.length - packed.shown} more`));
  return {
    text: fallback(
      `Last ${plural(states.length, 'deployment')}${env === undefined ? '' : ` to ${inlineText(env, 40)}`}`,
    ),
    blocks,
  };
}

function lockLine(lock: DeployLock): string {
  const until = lock.until ? ` until ${slackTime(lock.until)}` : '';
  const reason = lock.reason.trim() ? `: ${inlineUserText(lock.reason, 300)}` : '';
  return `🔒 locked by ${who(lock.by)} ${slackTime(lock.at)}${until}${reason}`;
}

/** How to lift a lock: ask whoever took it, or, for a lock greenlight took itself after a failure, do it yourself. */
function unlockAdvice(lock: DeployLock, env: string): string {
  const unlock = `\`/deploy unlock ${inlineText(env, 40)}\``;
  const by = lock.until ? `It unlocks by itself ${slackTime(lock.until)}, or ` : '';
  if (lock.by === 'greenlight')
    return `${by ? `${by}run` : 'Run'} ${unlock} once what went wrong is understood (deployers and approvers of ${envName(env)} may).`;
  return `${by ? `${by}ask` : 'Ask'} ${who(lock.by)} to run ${unlock}${lock.until ? '' : ' when it is safe again'}.`;
}

/** The refusal when a deploy meets a lock: who, why, until when, and how to lift it. */
export function envLockedReply(lock: DeployLock, env: string): SlackMessage {
  return {
    text: fallback(`${inlineText(env, 40)} is locked; nothing was deployed`),
    blocks: [
      section(`${envName(env)} is ${lockLine(lock)}.\nNothing was deployed.`),
      context(unlockAdvice(lock, env)),
    ],
  };
}

/** `/deploy lock`'s confirmation: who, why and until when, in every reader's own time zone. */
export function envLockTakenReply(lock: DeployLock, env: string): SlackMessage {
  return {
    text: fallback(`${inlineText(env, 40)} is locked${lock.until ? ' for a while' : ''}`),
    blocks: [
      section(`${envName(env)} is now ${lockLine(lock)}.`),
      context(
        lock.until
          ? `Nothing deploys there until it unlocks by itself ${slackTime(lock.until)}, or someone runs \`/deploy unlock ${inlineText(env, 40)}\`.`
          : `Nothing deploys there until someone runs \`/deploy unlock ${inlineText(env, 40)}\`.`,
      ),
    ],
  };
}

/** `/deploy lock` on an environment already locked: the lock that holds it. */
export function envAlreadyLockedReply(lock: DeployLock, env: string): SlackMessage {
  return {
    text: fallback(`${inlineText(env, 40)} is already locked`),
    blocks: [
      section(`:no_entry_sign: ${envName(env)} is already ${lockLine(lock)}.`),
      context(unlockAdvice(lock, env)),
    ],
  };
}
