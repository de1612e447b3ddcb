import type { FlagChangeNotice, FlagView } from '../src/domain/flags/flag-state.js';
import {
  context,
  escapeText,
  mention,
  plural,
  type SlackBlock,
  type SlackMessage,
  section,
  slackTime,
  userText,
} from './format.js';

const MAX_BLOCKS = 50;

/** How a raw value reads to users, next to how the apps read it. */
export function describeValue(raw: string | null): string {
  if (raw === 'true') return '`true` (enabled)';
  if (raw === 'false') return '`false` (disabled)';
  if (raw === null) return 'not set (apps read it as disabled)';
  return `\`${escapeText(raw.slice(0, 40))}\` (apps read it as disabled)`;
}

const emojiOf = (enabled: boolean) => (enabled ? ':large_green_circle:' : ':red_circle:');
const verbOf = (enabled: boolean) => (enabled ? 'enabled' : 'disabled');

function untilLine(notice: FlagChangeNotice): string {
  return notice.until ? ` until ${slackTime(notice.until)}, then ${verbOf(!notice.enabled)} again` : '';
}

/** The ephemeral confirmation for the person who flipped the flag: old and new value, and what happens next. */
export function flagChangedReply(notice: FlagChangeNotice, announceError?: string): SlackMessage {
  const lines = [
    `${emojiOf(notice.enabled)} \`${notice.name}\` is now *${verbOf(notice.enabled)}*${notice.until ? ` until ${slackTime(notice.until)}` : ''}.`,
    `Was ${describeValue(notice.old)} → now ${describeValue(notice.enabled ? 'true' : 'false')}.`,
  ];
  if (notice.until)
    lines.push(`It will be ${verbOf(!notice.enabled)} again automatically at ${slackTime(notice.until)}.`);
  if (notice.old === (notice.enabled ? 'true' : 'false'))
    lines.push('_It already had this value; the change is recorded anyway._');
  const blocks = [section(lines.join('\n'))];
  if (announceError) {
    blocks.push(
      context(
        `:warning: The status channel could not be told (${escapeText(announceError)}); tell your team yourself.`,
      ),
    );
  }
  return { text: `${notice.name} is now ${verbOf(notice.enabled)}`, blocks };
}

/** The status channel's record of a flip: who, what, why, until when. */
export function flagAnnouncement(notice: FlagChangeNotice): SlackMessage {
  const who = notice.source === 'auto-revert' ? 'greenlight (automatic)' : mention(notice.by);
  const head = `${emojiOf(notice.enabled)} *Feature flag \`${notice.name}\` ${verbOf(notice.enabled)}* by ${who}${untilLine(notice)}`;
  const details = [
    `*Was:* ${describeValue(notice.old)}`,
    `*Reason:* ${notice.reason ? userText(notice.reason) : '_none given_'}`,
  ];
  return {
    text: `Feature flag ${notice.name} ${verbOf(notice.enabled)} by ${notice.source === 'auto-revert' ? 'greenlight' : notice.by}`,
    blocks: [section(head), context(...details, `*At:* ${slackTime(notice.at)}`)],
  };
}

export function flagStatusReply(flag: FlagView): SlackMessage {
  const lines = [
    `*\`${flag.name}\`* is ${describeValue(flag.raw)}${flag.isProtected ? '  :lock: protected' : ''}`,
  ];
  const change = flag.lastChange;
  if (change) {
    const who = change.source === 'auto-revert' ? 'greenlight (automatic)' : mention(change.by);
    lines.push(
      `Last changed by ${who} ${slackTime(change.at)}${change.reason ? `: ${userText(change.reason)}` : ''}`,
    );
    if (change.until) lines.push(`:hourglass_flowing_sand: Reverts automatically ${slackTime(change.until)}`);
  } else {
    lines.push('_Never changed through greenlight._');
  }
  return { text: `${flag.name}: ${flag.raw ?? 'not set'}`, blocks: [section(lines.join('\n'))] };
}

/** Every flag on one line each, packed into as few sections as Slack's limits allow. */
export function flagListReply(flags: readonly FlagView[]): SlackMessage {
  if (flags.length === 0) {
    return {
      text: 'No flags yet',
      blocks: [
        section(
          'No flags yet. Name them under `flags.known` in greenlight.yml, or create one with `/flag disable <name> --create`.',
        ),
      ],
    };
  }
  const lines = flags.map((flag) => {
    const value = flag.raw === 'true' ? ':large_green_circle: on' : ':red_circle: off';
    const lock = flag.isProtected ? ' :lock:' : '';
    const change = flag.lastChange;
    const last = change
      ? ` · ${change.source === 'auto-revert' ? 'greenlight' : mention(change.by)} ${slackTime(change.at)}${change.until ? ` · reverts ${slackTime(change.until)}` : ''}`
      : flag.raw === null
        ? ' · not set'
        : '';
    return `${value}  \`${flag.name}\`${lock}${last}`;
  });
  const sections: string[] = [];
  let current = '';
  let shown = 0;
  for (const line of lines) {
    if (current && current.length + 1 + line.length > 2_900) {
      sections.push(current);
      current = '';
      if (sections.length === MAX_BLOCKS - 2) break;
    }
    current = current ? `${current}\n${line}` : line;
    shown += 1;
  }
  if (current) sections.push(current);
  const blocks: SlackBlock[] = [
    section(`*Feature flags* (${flags.length})`),
    ...sections.map((text) => section(text)),
  ];
  if (shown < flags.length)
    blocks.push(context(`…and ${flags.length - shown} more; use \`/flag status <name>\`.`));
  return { text: plural(flags.length, 'feature flag'), blocks };
}
