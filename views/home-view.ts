import type { Button, HomeView } from '@slack/types';
import { deploymentName } from '../src/domain/deploy/deployment-name.js';
import type { DeploymentState, PhaseState } from '../src/domain/deploy/deployment-state.js';
import type { FlagView } from '../src/domain/flags/flag-state.js';
import type {
  HomeEnvironment,
  HomeLock,
  HomeSnapshot,
  HomeViewer,
} from '../src/domain/home/home-snapshot.js';
import { severityLabel } from '../src/domain/incidents/severity-policy.js';
import {
  formatDuration,
  formatPercent,
  inlineText,
  inlineUserText,
  phaseTitle,
  statusEmoji,
  statusLabel,
  who,
} from './deploy/deploy-text.js';
import { doraSummaryLine } from './deploy/stats.js';
import { context, plural, type SlackBlock, section, slackTime } from './format.js';
import { HOME_FLAG, HOME_UNLOCK, homeActionId } from './ids.js';

/** Slack's limit for a Home tab. */
export const HOME_MAX_BLOCKS = 100;
/** Blocks besides the environments and the flags: title, notice, updated, headings, "…and N more", dividers, incidents, DORA. */
const FIXED_BLOCKS = 14;
/** Environments shown with their own block; flags take the rest of the room. */
const MAX_ENVIRONMENTS = 30;
const QUEUE_SHOWN = 5;
const INCIDENTS_SHOWN = 10;

const code = (text: string, max = 64) => `\`${inlineText(text, max).replace(/`/g, "'")}\``;

/**
 * The Home tab: per environment what runs (phase, canary step), what waits, the lock (with Unlock for those who may),
 * and how the last deployments ended; the flags with their value, last change and a Turn on/off button; the open
 * incidents with severity and age; the DORA figures of 30 days. The same snapshot renders for every viewer, only
 * the Unlock buttons and the notice differ. Within Slack's 100 blocks for any number of environments and flags:
 * what does not fit is counted in a "…and N more" line.
 */
export function homeView(snapshot: HomeSnapshot, viewer: HomeViewer): HomeView {
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: '🚦 greenlight', emoji: true } },
  ];
  if (viewer.notice)
    blocks.push(
      section(`${viewer.notice.ok ? '✅' : ':no_entry_sign:'} ${inlineUserText(viewer.notice.text, 500)}`),
    );
  const unavailable = snapshot.unavailable?.length
    ? ` · ⚠️ could not read ${snapshot.unavailable.map((part) => inlineText(part, 40)).join(', ')}`
    : '';
  blocks.push(
    context(
      `Updated ${slackTime(new Date(snapshot.at).toISOString())}${unavailable} · \`/deploy status\` · \`/flag list\` · \`/incident list\``,
    ),
  );

  blocks.push(section('*Environments*'));
  const envs = snapshot.environments.slice(0, MAX_ENVIRONMENTS);
  for (const env of envs) blocks.push(environmentBlock(env, viewer, snapshot.at));
  if (envs.length === 0) blocks.push(context('_No environments in greenlight.yml._'));
  if (envs.length < snapshot.environments.length)
    blocks.push(
      context(
        `…and ${plural(snapshot.environments.length - envs.length, 'more environment')}: \`/deploy status &lt;env&gt;\`.`,
      ),
    );

  blocks.push({ type: 'divider' }, section(`*Feature flags* (${snapshot.flags.length})`));
  const room = Math.max(0, HOME_MAX_BLOCKS - FIXED_BLOCKS - Math.max(envs.length, 1));
  const flags = snapshot.flags.slice(0, room);
  for (const flag of flags) blocks.push(flagBlock(flag));
  if (snapshot.flags.length === 0)
    blocks.push(context('_No flags yet: name them under `flags.known` in greenlight.yml._'));
  if (flags.length < snapshot.flags.length)
    blocks.push(
      context(
        `…and ${plural(snapshot.flags.length - flags.length, 'more flag')}: \`/flag list\`, \`/flag status &lt;name&gt;\`.`,
      ),
    );

  blocks.push({ type: 'divider' }, section(incidentsText(snapshot)));
  blocks.push({ type: 'divider' }, section(doraText(snapshot)));
  return { type: 'home', blocks };
}

function environmentBlock(env: HomeEnvironment, viewer: HomeViewer, now: number): SlackBlock {
  const lines = [
    `*${inlineText(env.env, 40)}* · ${env.lock ? lockText(env.lock) : env.active ? 'open' : 'open, nothing running'}`,
  ];
  if (env.active) lines.push(activeLine(env.active, now));
  if (env.waiting.length > 0) {
    const shown = env.waiting
      .slice(0, QUEUE_SHOWN)
      .map((state) => `${code(deploymentName(state))} by ${who(state.requestedBy)}`);
    const more = env.waiting.length > QUEUE_SHOWN ? ` +${env.waiting.length - QUEUE_SHOWN} more` : '';
    lines.push(`🕒 Queue (${env.waiting.length}): ${shown.join(', ')}${more}`);
  }
  lines.push(
    env.recent.length > 0
      ? `Last ${env.recent.length}: ${env.recent.map(recentText).join(' · ')}`
      : '_No finished deployment yet._',
  );
  const block: SlackBlock = section(lines.join('\n'));
  if (!env.lock || !viewer.mayUnlock.has(env.env)) return block;
  const unlock: Button = {
    type: 'button',
    action_id: homeActionId(HOME_UNLOCK, env.env),
    text: { type: 'plain_text', text: '🔓 Unlock', emoji: true },
    value: env.env,
    confirm: {
      title: { type: 'plain_text', text: 'Unlock?' },
      text: {
        type: 'mrkdwn',
        text: `Lift the lock on *${inlineText(env.env, 40)}*: deployments can start there again. Reason it was locked: ${inlineUserText(env.lock.reason, 300)}`,
      },
      confirm: { type: 'plain_text', text: 'Unlock' },
      deny: { type: 'plain_text', text: 'Keep locked' },
    },
  };
  return { ...block, accessory: unlock } as SlackBlock;
}

function lockText(lock: HomeLock): string {
  const until = lock.until ? ` until ${slackTime(lock.until)}` : '';
  const reason = lock.reason.trim() ? `: ${inlineUserText(lock.reason, 300)}` : '';
  return `🔒 locked by ${who(lock.by)} ${slackTime(lock.at)}${until}${reason}`;
}

const ACTIVE: readonly PhaseState['status'][] = ['running', 'dispatching', 'waiting_gate', 'holding'];

/** `🚀 `production-42` `v1.2.0` by @alice · Traffic switch · canary 25 % (step 2/4) · running 12m`. */
function activeLine(state: DeploymentState, now: number): string {
  const parts = [
    `${statusEmoji(state)} ${code(deploymentName(state))} ${code(state.ref, 60)} by ${who(state.requestedBy)}`,
  ];
  const phase = state.phases.find((candidate) => ACTIVE.includes(candidate.status));
  parts.push(
    phase ? `${statusLabel(state).toLowerCase()}: ${phaseTitle(phase)}` : statusLabel(state).toLowerCase(),
  );
  const steps = phase?.canarySteps;
  if (phase && steps && steps.length > 0) {
    const percentage = phase.runs.at(-1)?.percentage ?? steps[phase.step];
    const step = Math.min(Math.max(phase.runs.length, 1), steps.length);
    const paused = state.analysis?.paused ? ' ⏸️ paused' : '';
    parts.push(
      `canary ${percentage === undefined ? '…' : `${formatPercent(percentage)} %`} (step ${step}/${steps.length})${paused}`,
    );
  }
  const started = state.timeline.find((entry) => entry.kind === 'started')?.at ?? state.requestedAt;
  parts.push(`for ${formatDuration(now - started)}`);
  return parts.join(' · ');
}

/** `✅ `production-41` 12m`: outcome and how long it took. */
function recentText(state: DeploymentState): string {
  const started = state.timeline.find((entry) => entry.kind === 'started')?.at ?? state.requestedAt;
  const took = state.finishedAt === undefined ? '' : ` ${formatDuration(state.finishedAt - started)}`;
  return `${statusEmoji(state)} ${code(deploymentName(state))}${took}`;
}

function flagBlock(flag: FlagView): SlackBlock {
  const on = flag.raw === 'true';
  const change = flag.lastChange;
  const last = change
    ? ` · ${change.source === 'auto-revert' ? 'greenlight' : who(change.by)} ${slackTime(change.at)}${change.reason ? `: ${inlineUserText(change.reason, 150)}` : ''}${change.until ? ` · reverts ${slackTime(change.until)}` : ''}`
    : flag.raw === null
      ? ' · not set'
      : '';
  const text = `${on ? '🟢 *on*' : '🔴 *off*'}  ${code(flag.name)}${flag.isProtected ? ' 🔒' : ''}${last}`;
  const verb = on ? 'off' : 'on';
  const button: Button = {
    type: 'button',
    action_id: homeActionId(HOME_FLAG, flag.name),
    text: { type: 'plain_text', text: `Turn ${verb}`, emoji: true },
    // The value the button sets: a click on a tab that had not caught up does not flip the flag back.
    value: `${flag.name}:${verb}`,
    ...(on ? { style: 'danger' as const } : {}),
    confirm: {
      title: { type: 'plain_text', text: `Turn ${verb} ${flag.name}`.slice(0, 100) },
      text: {
        type: 'mrkdwn',
        text: `${code(flag.name)} is read by the apps at once${flag.isProtected ? '; it is protected, so only approvers may change it' : ''}. The status channel is told.`,
      },
      confirm: { type: 'plain_text', text: `Turn ${verb}` },
      deny: { type: 'plain_text', text: 'Cancel' },
    },
  };
  return { ...section(text), accessory: button } as SlackBlock;
}

function incidentsText(snapshot: HomeSnapshot): string {
  const open = snapshot.incidents;
  if (open.length === 0) return '*Open incidents*\n✅ None.';
  const lines = open.slice(0, INCIDENTS_SHOWN).map((incident) => {
    const env = incident.env === undefined ? '' : ` · ${inlineText(incident.env, 40)}`;
    const age = formatDuration(Math.max(0, snapshot.at - incident.declaredAt));
    return `🔴 ${code(incident.id, 20)} *${severityLabel(incident.severity)}* ${inlineUserText(incident.title, 150)}${env} · open ${age}`;
  });
  const more =
    open.length > INCIDENTS_SHOWN
      ? `\n…and ${plural(open.length - INCIDENTS_SHOWN, 'more')}: \`/incident list\`.`
      : '';
  return `*${plural(open.length, 'open incident')}*\n${lines.join('\n')}${more}`;
}

function doraText(snapshot: HomeSnapshot): string {
  if (!snapshot.dora) return '*Last 30 days*\n_The DORA figures could not be read right now._';
  const lines = snapshot.dora.slice(0, 8).map(doraSummaryLine);
  const more =
    snapshot.dora.length > 8
      ? `\n…and ${plural(snapshot.dora.length - 8, 'more environment')}: \`/deploy stats &lt;env&gt;\`.`
      : '';
  return `*Last 30 days* (DORA; \`/deploy stats\` for the details)\n${lines.join('\n') || '_No environments._'}${more}`;
}
