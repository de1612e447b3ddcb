import type { KnownBlock } from '@slack/types';
import { clip } from '../src/domain/text.js';

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Text a user typed, shown as-is but with user mentions (`<@U123>`) still working. */
export function userText(text: string): string {
  return escapeText(text).replace(/&lt;@([UW][A-Z0-9]+)(\|[^&]*)?&gt;/g, '<@$1>');
}

/** A time every reader sees in their own time zone, with a UTC fallback for clients that cannot. */
export function slackTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return escapeText(iso);
  const fallback = `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${Math.floor(ms / 1_000)}^{date_short_pretty} {time}|${fallback}>`;
}

/** The runbooks' status-line stamp: `[10:00]` in UTC. */
export function clockStamp(iso: string): string {
  return `[${new Date(iso).toISOString().slice(11, 16)}]`;
}

/** `1 open incident`, `2 open incidents`: a count with its noun agreeing (`many` for irregular plurals). */
export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

export function mention(userId: string): string {
  return userId === 'greenlight' ? 'greenlight' : `<@${userId}>`;
}

/** Slack rejects a section text over 3,000 characters; cut with a visible marker instead of failing. */
export function fitSection(text: string, max = 3_000): string {
  return clip(text, max);
}

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

export type SlackBlock = KnownBlock;

export const section = (text: string): SlackBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: fitSection(text) },
});
export const context = (...texts: string[]): SlackBlock => ({
  type: 'context',
  elements: texts.slice(0, 10).map((text) => ({ type: 'mrkdwn', text: fitSection(text) })),
});

/** A short private answer: one line of text, no decoration. */
export function noticeReply(text: string): SlackMessage {
  return { text: plain(text), blocks: [section(text)] };
}

/** A refusal or an input problem: one sentence, then what to do. */
export function problemReply(message: string, usage?: string): SlackMessage {
  const blocks = [section(`:no_entry_sign: ${message}`)];
  if (usage) blocks.push(context(usage));
  return { text: plain(message), blocks };
}

/** A command's usage, as `help` answers it. */
export function usageReply(usage: string): SlackMessage {
  return { text: usage.split('\n')[0]?.replace(/\*/g, '') ?? 'Usage', blocks: [section(usage)] };
}

/** A reply's notification text: the mrkdwn without its code and bold marks. */
function plain(text: string): string {
  return text.replace(/[`*]/g, '');
}
