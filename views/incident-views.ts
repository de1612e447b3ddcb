/**
 * The incident UI's Block Kit builders, all pure: the card in the incident channel (the runbooks' communication
 * template, re-rendered from the record on every change), its two modals, and the replies to `/incident`.
 */
import type { Button, ModalView } from '@slack/types';
import type { IncidentState, Severity } from '../src/domain/incidents/incident.js';
import type { IncidentRecord } from '../src/domain/incidents/incident-record.js';
import { MAX_NOTE } from '../src/domain/incidents/incident-rules.js';
import {
  escalationOf,
  type SeverityPolicy,
  type SeverityRule,
  severityLabel,
} from '../src/domain/incidents/severity-policy.js';
import { clip } from '../src/domain/text.js';
import {
  fallback,
  formatDuration,
  inlineText,
  inlineUserText,
  MAX_BLOCKS,
  packLines,
  who,
} from './deploy/deploy-text.js';
import {
  clockStamp,
  context,
  plural,
  type SlackBlock,
  type SlackMessage,
  section,
  slackTime,
} from './format.js';
import {
  INCIDENT_ACTIONS_BLOCK,
  INCIDENT_ESCALATE,
  INCIDENT_RESOLVE,
  INCIDENT_RESOLVE_MODAL,
  INCIDENT_SUMMARY_BLOCK,
  INCIDENT_SUMMARY_INPUT,
  INCIDENT_UPDATE,
  INCIDENT_UPDATE_BLOCK,
  INCIDENT_UPDATE_INPUT,
  INCIDENT_UPDATE_MODAL,
} from './ids.js';

/** What the card needs besides the record: the configured policy and paging, to say what applies. */
export interface IncidentCardContext {
  policy: SeverityPolicy;
  /** The severities that page (`incidents.page`). */
  page: readonly Severity[];
  /** Whether PAGERDUTY_ROUTING_KEY is set. */
  pagerConfigured: boolean;
  /** Whether each incident gets its own channel (`incidents.createChannel`). */
  createChannel: boolean;
}

/** Long enough for an update, short enough that an escaped entry (5x for `&`) stays within a section. */
const ENTRY_MAX = 500;
const FACT_SECTIONS = 3;
/** Blocks besides the timeline sections: head, facts, "earlier entries" note, next steps, footer, actions. */
const FIXED_BLOCKS = 5 + FACT_SECTIONS;

/** `T+0`, `T+45s`, `T+4m`, `T+1h05m`: time since the declaration, as the runbooks' template counts it. */
export function sinceDeclared(at: number, declaredAt: number): string {
  const seconds = Math.max(0, Math.floor((at - declaredAt) / 1_000));
  if (seconds === 0) return 'T+0';
  if (seconds < 60) return `T+${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `T+${minutes}m`;
  return `T+${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** `respond within 5m`: a rule's time in the words people use. */
export function respondWithinText(rule: SeverityRule): string {
  return `respond within ${formatDuration(rule.respondWithin).replace(' ', '')}`;
}

/**
 * `SEV1 · Complete service outage or data loss · Immediate rollback + escalation`. The response time is the Status
 * line's (with its deadline), so a card says it once.
 */
export function severityLine(severity: Severity, policy: SeverityPolicy): string {
  const rule = policy[severity];
  return `*${severityLabel(severity)}* · ${inlineText(rule.meaning, 200)} · ${inlineText(rule.action, 200)}`;
}

/**
 * The incident's one message: Status, Severity with the policy, Affected, Impact, the T+ timeline, Next steps,
 * paging and channel status, and the Update / Resolve / Escalate buttons while it is open. Within Slack's limits
 * for any record (at most 50 blocks, 3,000 characters a section; the newest timeline entries win), and every text a
 * user typed is escaped so it cannot ping or link.
 */
export function incidentCard(record: IncidentRecord, ctx: IncidentCardContext): SlackMessage {
  const { state } = record;
  const open = state.status === 'open';
  const id = inlineText(state.id, 20);
  const env = state.env === undefined ? undefined : inlineText(state.env, 40);
  const title = inlineUserText(state.title, 300);
  const head = open
    ? `🚨 *${env ? `${env.toUpperCase()} ` : ''}INCIDENT ${id}* · ${severityLabel(state.severity)}`
    : `✅ *RESOLVED ${id}* · ${severityLabel(state.severity)}`;

  const facts = [
    `*Status:* ${statusText(state, ctx.policy)}`,
    `*Severity:* ${severityLine(state.severity, ctx.policy)}`,
    `*Affected:* ${affectedText(state)}`,
    `*Impact:* ${title}`,
  ];
  if (state.summary) facts.push(`*Summary:* ${inlineUserText(state.summary, 500)}`);
  const rollback = rollbackText(record);
  if (rollback) facts.push(`*Rollback:* ${rollback}`);
  facts.push(`*Paging:* ${pagingText(record, ctx)}`);
  const channel = channelText(record, ctx);
  if (channel) facts.push(`*Channel:* ${channel}`);
  if (record.meta.cardError) facts.push(`*Card:* ⚠️ ${inlineText(record.meta.cardError, 200)}`);

  const lines = state.timeline.map(
    (entry) =>
      `${sinceDeclared(entry.at, state.declaredAt)} ${clockStamp(new Date(entry.at).toISOString())} ${inlineUserText(entry.text, ENTRY_MAX)}`,
  );
  const { texts, hidden } = newestThatFit(lines, MAX_BLOCKS - FIXED_BLOCKS);

  const blocks: SlackBlock[] = [
    section(head),
    ...packLines(facts, FACT_SECTIONS).texts.map((t) => section(t)),
  ];
  const timelineAt = blocks.length;
  const [first, ...more] = texts;
  blocks.push(section(`*Timeline:*\n${first ?? '_nothing yet_'}`));
  if (hidden > 0)
    blocks.splice(
      timelineAt,
      0,
      context(
        `_${plural(hidden, 'earlier timeline entry', 'earlier timeline entries')} ${hidden === 1 ? 'is' : 'are'} not shown._`,
      ),
    );
  for (const text of more) blocks.push(section(text));
  blocks.push(section(`*Next steps:*\n${nextSteps(state, ctx.policy).join('\n')}`));
  blocks.push(
    context(
      `\`${id}\` · declared by ${who(state.declaredBy)} ${slackTime(new Date(state.declaredAt).toISOString())}${open ? ` · \`/incident update ${id} &lt;text&gt;\`` : ''}`,
    ),
  );
  if (open) blocks.push(cardActions(state));

  const verb = open ? 'open' : 'resolved';
  return {
    text: fallback(
      `${open ? '🚨' : '✅'} ${id} ${severityLabel(state.severity)} ${verb}: ${inlineText(state.title, 200)}`,
    ),
    blocks,
  };
}

function statusText(state: IncidentState, policy: SeverityPolicy): string {
  if (state.status === 'resolved') {
    const took = formatDuration(Math.max(0, (state.resolvedAt ?? state.declaredAt) - state.declaredAt));
    const by = state.resolvedBy === undefined ? '' : ` by ${who(state.resolvedBy)}`;
    return `✅ Resolved${by} · time to resolve *${took}*`;
  }
  const rule = policy[state.severity];
  const due = clockStamp(new Date(state.declaredAt + rule.respondWithin).toISOString());
  return `🔴 Open · ${respondWithinText(rule)} (by ${due} UTC)`;
}

function affectedText(state: IncidentState): string {
  const parts = [state.env === undefined ? 'not specified' : `*${inlineText(state.env, 40)}*`];
  if (state.deploymentId !== undefined)
    parts.push(`deployment \`${inlineText(state.deploymentName ?? state.deploymentId, 64)}\``);
  return parts.join(' · ');
}

const SAFE_URL = /^https?:\/\/[^\s<>|]{1,400}$/;

/** The rollback's evidence; its reason is the incident's title (the Impact line), so it is not repeated here. */
function rollbackText(record: IncidentRecord): string | undefined {
  const rollback = record.meta.rollback;
  if (!rollback) return undefined;
  const parts: string[] = [];
  if (rollback.readings) parts.push(inlineUserText(rollback.readings, 250));
  if (rollback.version !== undefined) parts.push(`to \`${inlineText(rollback.version, 60)}\``);
  if (rollback.runs) {
    const runs = rollback.runs.map((run) => {
      const name = inlineText(run.repository, 100);
      return run.url !== undefined && SAFE_URL.test(run.url) ? `<${run.url}|${name}>` : `\`${name}\``;
    });
    parts.push(`rolled back in ${runs.join(', ')}`);
  } else if (rollback.runUrl !== undefined && SAFE_URL.test(rollback.runUrl))
    parts.push(`<${rollback.runUrl}|rollback run>`);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

function pagingText(record: IncidentRecord, ctx: IncidentCardContext): string {
  const { state, meta } = record;
  const paging = meta.paging;
  const key = paging ? ` (\`${inlineText(paging.dedupKey, 80)}\`)` : '';
  if (paging?.status === 'failed') {
    const what = paging.action === 'resolve' ? 'could not resolve the PagerDuty incident: ' : '';
    return `⚠️ paging failed: ${what}${inlineText(paging.error ?? 'unknown error', 400)}`;
  }
  if (paging?.action === 'resolve') return `PagerDuty incident resolved${key}`;
  if (paging?.action === 'trigger') return `📟 PagerDuty paged${key}`;
  if (!ctx.page.includes(state.severity)) {
    const which = ctx.page.length > 0 ? ctx.page.map(severityLabel).join(', ') : 'no severity';
    return `not paged (${severityLabel(state.severity)} does not page; \`incidents.page\`: ${which})`;
  }
  if (!ctx.pagerConfigured) return '⚠️ not paged: PAGERDUTY_ROUTING_KEY is not set';
  return state.status === 'open' ? 'paging PagerDuty…' : 'not paged';
}

function channelText(record: IncidentRecord, ctx: IncidentCardContext): string | undefined {
  const channel = record.meta.channel;
  if (channel === undefined)
    return ctx.createChannel && record.state.status === 'open' ? 'creating…' : undefined;
  if ('error' in channel) return `⚠️ channel not created: ${inlineText(channel.error, 200)}`;
  const link = /^[CG][A-Z0-9]{2,}$/.test(channel.id)
    ? `<#${channel.id}>`
    : `#${inlineText(channel.name, 80)}`;
  const invite = record.meta.inviteError
    ? ` (⚠️ could not invite ${who(record.state.declaredBy)}: ${inlineText(record.meta.inviteError, 200)})`
    : '';
  return `${link}${invite}`;
}

function nextSteps(state: IncidentState, policy: SeverityPolicy): string[] {
  const id = inlineText(state.id, 20);
  if (state.status === 'resolved')
    return ['• Root cause analysis', '• Forward fix preparation', '• Post-mortem scheduled'];
  const steps = [`• ${inlineText(policy[state.severity].action, 200)}`];
  if (state.deploymentId !== undefined) steps.push('• Confirm the rollback restored health');
  steps.push(
    `• Post what you learn with *Update* or \`/incident update ${id} &lt;text&gt;\``,
    '• Root cause analysis',
    '• Forward fix preparation',
    `• *Resolve* (or \`/incident resolve ${id} [summary]\`) once recovered; then schedule the post-mortem`,
  );
  return steps;
}

/** The value of the Escalate button: the incident and the severity the card showed. */
export function escalateValue(state: Pick<IncidentState, 'id' | 'severity'>): string {
  return `${state.id}:${state.severity}`;
}

/** The incident id and severity an Escalate button carried; undefined for anything else. */
export function escalateValueOf(value: string): { id: string; from: Severity } | undefined {
  const match = /^(inc-\d{1,9}):(sev[123])$/.exec(value);
  return match ? { id: match[1] as string, from: match[2] as Severity } : undefined;
}

function cardActions(state: IncidentState): SlackBlock {
  const button = (action_id: string, text: string, value: string, style?: 'primary' | 'danger'): Button => ({
    type: 'button',
    action_id,
    text: { type: 'plain_text', text, emoji: true },
    value,
    ...(style ? { style } : {}),
  });
  const elements: Button[] = [
    button(INCIDENT_UPDATE, '📝 Update', state.id),
    button(INCIDENT_RESOLVE, '✅ Resolve', state.id, 'primary'),
  ];
  const next = escalationOf(state.severity);
  if (next !== undefined) {
    elements.push({
      ...button(INCIDENT_ESCALATE, `⏫ Escalate to ${severityLabel(next)}`, escalateValue(state), 'danger'),
      confirm: {
        title: { type: 'plain_text', text: `Escalate to ${severityLabel(next)}?` },
        text: {
          type: 'mrkdwn',
          text: `Raise \`${inlineText(state.id, 20)}\` from ${severityLabel(state.severity)} to ${severityLabel(next)}. Greenlight pages PagerDuty if ${severityLabel(next)} pages.`,
        },
        confirm: { type: 'plain_text', text: 'Escalate' },
        deny: { type: 'plain_text', text: 'Cancel' },
        style: 'danger',
      },
    });
  }
  return { type: 'actions', block_id: INCIDENT_ACTIONS_BLOCK, elements };
}

/** The newest lines that fit in `maxSections` sections, oldest first, and how many older ones were left out. */
function newestThatFit(lines: readonly string[], maxSections: number): { texts: string[]; hidden: number } {
  const { texts, shown } = packLines([...lines].reverse(), maxSections);
  // Lines hold no newline (entries are put on one line), so each section's order can be turned back.
  const oldestFirst = texts.reverse().map((text) => text.split('\n').reverse().join('\n'));
  return { texts: oldestFirst, hidden: lines.length - shown };
}

function modalHeading(state: IncidentState): SlackBlock {
  return section(
    `\`${inlineText(state.id, 20)}\` · ${severityLabel(state.severity)} · ${inlineUserText(state.title, 300)}`,
  );
}

/** Asks for an update; `private_metadata` is the incident id, the text arrives in `INCIDENT_UPDATE_BLOCK`. */
export function updateModal(state: IncidentState): ModalView {
  return {
    type: 'modal',
    callback_id: INCIDENT_UPDATE_MODAL,
    private_metadata: state.id,
    title: { type: 'plain_text', text: 'Update incident' },
    submit: { type: 'plain_text', text: 'Post update' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      modalHeading(state),
      {
        type: 'input',
        block_id: INCIDENT_UPDATE_BLOCK,
        label: { type: 'plain_text', text: 'What changed?' },
        element: {
          type: 'plain_text_input',
          action_id: INCIDENT_UPDATE_INPUT,
          multiline: true,
          min_length: 1,
          max_length: MAX_NOTE,
          placeholder: { type: 'plain_text', text: 'e.g. error rate back under 1 % after the rollback' },
        },
      },
    ],
  };
}

/** Resolves with an optional summary; `private_metadata` is the incident id. */
export function resolveModal(state: IncidentState, now: number): ModalView {
  return {
    type: 'modal',
    callback_id: INCIDENT_RESOLVE_MODAL,
    private_metadata: state.id,
    title: { type: 'plain_text', text: 'Resolve incident' },
    submit: { type: 'plain_text', text: 'Resolve' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      modalHeading(state),
      context(
        `Open for ${formatDuration(Math.max(0, now - state.declaredAt))}. PagerDuty is resolved too if it was paged.`,
      ),
      {
        type: 'input',
        block_id: INCIDENT_SUMMARY_BLOCK,
        optional: true,
        label: { type: 'plain_text', text: 'Summary' },
        element: {
          type: 'plain_text_input',
          action_id: INCIDENT_SUMMARY_INPUT,
          multiline: true,
          max_length: MAX_NOTE,
          placeholder: { type: 'plain_text', text: 'What happened and what fixed it' },
        },
      },
    ],
  };
}

/** The declarer's private confirmation, with whatever did not work (paging, channel, card) spelled out. */
export function incidentDeclaredReply(
  state: IncidentState,
  where: { cardChannel?: string; warnings: readonly string[] },
): SlackMessage {
  const card = where.cardChannel ? ` The card is in <#${where.cardChannel}>.` : '';
  const blocks: SlackBlock[] = [
    section(
      `🚨 Declared \`${inlineText(state.id, 20)}\` (${severityLabel(state.severity)}): ${inlineUserText(state.title, 300)}.${card}`,
    ),
  ];
  const warnings = where.warnings.map((warning) => `⚠️ ${inlineText(warning, 400)}`);
  if (warnings.length > 0) blocks.push(context(...warnings));
  return { text: fallback(`Declared ${state.id} (${severityLabel(state.severity)})`), blocks };
}

/** A short confirmation of an update, escalation or resolution, plus any warning. */
export function incidentChangedReply(text: string, warnings: readonly string[] = []): SlackMessage {
  const blocks: SlackBlock[] = [section(text)];
  if (warnings.length > 0) blocks.push(context(...warnings.map((w) => `⚠️ ${inlineText(w, 400)}`)));
  return { text: fallback(text.replace(/[`*]/g, '')), blocks };
}

/** `/incident list`: the open incidents, most recent first. */
export function incidentListReply(incidents: readonly IncidentState[], now: number): SlackMessage {
  if (incidents.length === 0)
    return { text: 'No open incidents', blocks: [section('✅ No open incidents.')] };
  const lines = incidents.map((state) => {
    const env = state.env === undefined ? '' : ` · ${inlineText(state.env, 40)}`;
    const age = formatDuration(Math.max(0, now - state.declaredAt));
    return `🔴 \`${inlineText(state.id, 20)}\` *${severityLabel(state.severity)}* ${inlineUserText(clip(state.title, 200), 200)}${env} · open ${age} · by ${who(state.declaredBy)}`;
  });
  const { texts, shown } = packLines(lines, MAX_BLOCKS - 2);
  const blocks: SlackBlock[] = [
    section(`*Open incidents* (${incidents.length})`),
    ...texts.map((text) => section(text)),
  ];
  if (shown < lines.length) blocks.push(context(`…and ${lines.length - shown} more.`));
  return { text: plural(incidents.length, 'open incident'), blocks };
}
