import type {
  DeploymentState,
  DeploymentStatus,
  PhaseRun,
  PhaseState,
  PhaseStatus,
  TimelineEntry,
} from '../../src/domain/deploy/deployment-state.js';
import { clip } from '../../src/domain/text.js';
import { escapeText, mention, slackTime, userText } from '../format.js';

/** Room left under Slack's 3,000 characters a section, so a packed section never needs `fitSection`'s cut. */
export const SECTION_BUDGET = 2_900;
export const MAX_BLOCKS = 50;

export const STATUS_EMOJI: Readonly<Record<DeploymentStatus, string>> = {
  queued: '🕒',
  awaiting_approval: '⏳',
  running: '🚀',
  succeeded: '✅',
  failed: '❌',
  cancelled: '🛑',
  rolling_back: '🚨',
  rolled_back: '↩️',
};

export const STATUS_LABEL: Readonly<Record<DeploymentStatus, string>> = {
  queued: 'Queued',
  awaiting_approval: 'Awaiting approval',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  rolling_back: 'Rolling back',
  rolled_back: 'Rolled back',
};

/** A `/rollback`'s own words: it rolls back and is rolled back, it never "succeeds" as a deployment would. */
const ROLLBACK_EMOJI: Readonly<Partial<Record<DeploymentStatus, string>>> = {
  queued: '↩️',
  running: '↩️',
  succeeded: '↩️',
  failed: '🔥',
};
const ROLLBACK_LABEL: Readonly<Partial<Record<DeploymentStatus, string>>> = {
  queued: 'Rolling back',
  running: 'Rolling back',
  succeeded: 'Rolled back',
  failed: 'Rollback failed',
};

/** The status's emoji, in a rollback's terms for a `/rollback`. */
export function statusEmoji(state: Pick<DeploymentState, 'status' | 'rollbackOf'>): string {
  return (state.rollbackOf && ROLLBACK_EMOJI[state.status]) || STATUS_EMOJI[state.status];
}

/** The status in words (`Running`, `Rolled back`), in a rollback's terms for a `/rollback`. */
export function statusLabel(state: Pick<DeploymentState, 'status' | 'rollbackOf'>): string {
  return (state.rollbackOf && ROLLBACK_LABEL[state.status]) || STATUS_LABEL[state.status];
}

export const PHASE_EMOJI: Readonly<Record<PhaseStatus, string>> = {
  pending: '⚪',
  waiting_gate: '✋',
  dispatching: '🔄',
  running: '🔄',
  holding: '🔍',
  succeeded: '✅',
  failed: '❌',
  skipped: '⏭️',
  cancelled: '🛑',
};

export const iso = (ms: number): string => new Date(ms).toISOString();
export const timeAt = (ms: number): string => slackTime(iso(ms));

/** What a user typed, on one line: whitespace collapsed, cut to `max`, escaped with user mentions kept. */
export function inlineUserText(text: string, max: number): string {
  return userText(clip(text.replace(/\s+/g, ' ').trim(), max));
}

/** Text from the config (titles, env names): one line, cut, escaped. */
export function inlineText(text: string, max: number): string {
  return escapeText(clip(text.replace(/\s+/g, ' ').trim(), max));
}

const USER_ID = /^[UW][A-Z0-9]{1,30}$/;
const GROUP_ID = /^S[A-Z0-9]{1,30}$/;

/** A user the state names: a mention for a Slack user id, `greenlight` for the bot, escaped text otherwise. */
export function who(user: string): string {
  if (user === 'greenlight') return mention(user);
  return USER_ID.test(user) ? mention(user) : inlineText(user, 40);
}

/** An approver as greenlight.yml names them: user id, user-group id, or a `@handle` shown as text. */
export function principal(name: string): string {
  if (USER_ID.test(name)) return mention(name);
  if (GROUP_ID.test(name)) return `<!subteam^${name}>`;
  return inlineText(name, 40);
}

export function principals(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).map(principal);
  return names.length > max ? `${shown.join(', ')} +${names.length - max} more` : shown.join(', ');
}

/** `45s`, `2m 13s`, `5m`, `1h 05m`: how long something took, to the second under an hour. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1_000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m ${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** `▓▓▓░░░░░░░ 25%`: a canary step's share of traffic at a glance. */
export function canaryBar(percentage: number): string {
  const bounded = Math.min(100, Math.max(0, percentage));
  const filled = Math.round(bounded / 10);
  return `${'▓'.repeat(filled)}${'░'.repeat(10 - filled)} ${formatPercent(bounded)}%`;
}

export function formatPercent(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

const SAFE_URL = /^https?:\/\/[^\s<>|]{1,400}$/;

/** `run #123` with GitHub's run number (what its pages show), never the run's internal id. */
export function runLabel(run: Pick<PhaseRun, 'number'>): string {
  return run.number === undefined ? 'workflow run' : `run #${run.number}`;
}

/** `<url|run #123>`, or plain `run #123` when the URL could break Slack's link syntax. */
export function runLink(run: Pick<PhaseRun, 'number' | 'url'>, label = runLabel(run)): string {
  return link(run.url, label);
}

/** `label` linked to `url` when it is a well-formed http(s) URL that cannot break out of the link. */
export function link(url: string | undefined, label: string): string {
  return url !== undefined && SAFE_URL.test(url) ? `<${url}|${label}>` : label;
}

/** A rollback's run as `runLink` takes it. */
export function rollbackRun(rollback: { runNumber?: number; url: string }): Pick<PhaseRun, 'number' | 'url'> {
  return { url: rollback.url, ...(rollback.runNumber === undefined ? {} : { number: rollback.runNumber }) };
}

/** Links to a phase's runs, the latest `max` of them, oldest first. */
export function runLinks(runs: readonly PhaseRun[], max = 3): string {
  const shown = runs.slice(-max).map((run) => runLink(run));
  return runs.length > max ? `${runs.length - max} earlier, ${shown.join(', ')}` : shown.join(', ');
}

/** A link into the repository, only for a well-formed base URL and a path of inert characters. */
export function repoLink(repoUrl: string | undefined, path: string, label: string): string {
  if (repoUrl === undefined || !SAFE_URL.test(repoUrl) || !/^[A-Za-z0-9._/-]+$/.test(path)) return label;
  return `<${repoUrl.replace(/\/+$/, '')}/${path}|${label}>`;
}

export function phaseTitle(phase: Pick<PhaseState, 'title'>): string {
  return inlineText(phase.title, 80) || '(untitled phase)';
}

/** The title of the phase an entry names, or undefined when it names none (or one the state does not have). */
export function phaseOfEntry(state: DeploymentState, entry: TimelineEntry): PhaseState | undefined {
  return entry.phaseId === undefined ? undefined : state.phases.find((phase) => phase.id === entry.phaseId);
}

/** When the deployment actually started (the `started` entry), falling back to when it was requested. */
export function startedAt(state: DeploymentState): number {
  return state.timeline.find((entry) => entry.kind === 'started')?.at ?? state.requestedAt;
}

/** The failure or cancellation that ended the deployment (the last one). */
export function haltEntry(state: DeploymentState): TimelineEntry | undefined {
  return state.timeline.findLast((entry) => entry.kind === 'failed' || entry.kind === 'cancelled');
}

/**
 * Why it stopped, in one line: `Backend deploy: failure (run #123)`, `by @bob: wrong ref`, `no approval in time`.
 * Empty for a success.
 */
export function haltReason(
  state: DeploymentState,
  entry: TimelineEntry | undefined,
  withLinks = true,
): string {
  if (entry === undefined || (entry.kind !== 'failed' && entry.kind !== 'cancelled')) return '';
  const parts: string[] = [];
  const phase = phaseOfEntry(state, entry);
  const run = phase?.runs.at(-1);
  if (phase) parts.push(`${phaseTitle(phase)} ${entry.kind}`);
  if (entry.by !== undefined) parts.push(`by ${who(entry.by)}`);
  let line = parts.join(' ');
  if (entry.text)
    line = line ? `${line}: ${inlineUserText(entry.text, 300)}` : inlineUserText(entry.text, 300);
  if (withLinks && phase && run) line = `${line} (${runLink(run)})`;
  return line;
}

/**
 * Packs lines into as few section texts as possible, each within `SECTION_BUDGET`, at most `maxSections` of them.
 * Lines must already be shorter than the budget. Answers how many lines made it in.
 */
export function packLines(lines: readonly string[], maxSections: number): { texts: string[]; shown: number } {
  const texts: string[] = [];
  let current = '';
  let shown = 0;
  for (const line of lines) {
    if (current && current.length + 1 + line.length > SECTION_BUDGET) {
      texts.push(current);
      current = '';
    }
    if (texts.length >= maxSections) break;
    current = current ? `${current}\n${line}` : line;
    shown += 1;
  }
  if (current && texts.length < maxSections) texts.push(current);
  return { texts, shown };
}

/** A `text` fallback: one line, no markup that could ping, short enough for a notification. */
export function fallback(text: string): string {
  return clip(text.replace(/\s+/g, ' ').trim(), 300);
}

/**
 * An approver's `--override`: the reason, then what it let through, as `⚠️ *Override:* hotfix — past the deploy
 * window and checks not green (ci/test (failure))`. Empty without one.
 */
export function overrideText(state: DeploymentState): string {
  if (state.override === undefined) return '';
  const what = [
    ...(state.overridden?.window ? ['the deploy window'] : []),
    ...(state.overridden?.checks?.length
      ? [`checks not green (${inlineText(state.overridden.checks.slice(0, 10).join(', '), 300)})`]
      : []),
  ];
  const past = what.length > 0 ? ` — past ${what.join(' and ')}` : '';
  return `⚠️ *Override:* ${inlineUserText(state.override, 300)}${past}`;
}
