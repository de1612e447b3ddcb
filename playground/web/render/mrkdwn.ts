import { emojiFor } from './emoji.js';

/** What mrkdwn needs to know to show mentions and dates as a Slack client shows them. */
export interface MrkdwnContext {
  /** User id → the name shown after `@`. */
  users: ReadonlyMap<string, string>;
  /** Channel id → name (without `#`). */
  channels: ReadonlyMap<string, string>;
  /** User group id → handle (without `@`). */
  usergroups: ReadonlyMap<string, string>;
  /** For `{date_pretty}` (today, yesterday) and `{ago}`. */
  now: number;
  /** IANA zone dates are shown in; the viewer's own when absent. */
  timeZone?: string;
}

const SAFE_LINK = /^(https?:\/\/|mailto:)/i;
/** Private-use characters around a finished piece of HTML while the rest is formatted; stripped from input first. */
const OPEN = '\uE000';
const CLOSE = '\uE001';

/** Escapes text for HTML, attribute values included. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Slack's three escaped characters back to themselves (mrkdwn text arrives with `&amp;`, `&lt;`, `&gt;`). */
function decodeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** `:rocket:` → 🚀 for the shortcodes known; others stay as typed. Runs on escaped HTML (no `:` is escaped). */
export function withEmoji(html: string): string {
  return html.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => emojiFor(name) ?? whole);
}

/** A `plain_text` object's text: literal, with emoji shortcodes unless `emoji: false`. */
export function plainTextToHtml(text: string, emoji = true): string {
  const escaped = escapeHtml(text).replace(/\n/g, '<br>');
  return emoji ? withEmoji(escaped) : escaped;
}

/**
 * Slack's mrkdwn as a client shows it: *bold*, _italic_, ~strike~, `code`, ```code blocks```, > quotes, links
 * (`<url|label>`), user, channel and group mentions, `<!here>`, `<!date^…>` in the viewer's zone, emoji
 * shortcodes, line breaks. Everything else is text, escaped; a link to anything but http(s) or mailto is text.
 */
export function mrkdwnToHtml(source: string, context: MrkdwnContext): string {
  const pieces: string[] = [];
  const keep = (html: string) => {
    pieces.push(html);
    return `${OPEN}${pieces.length - 1}${CLOSE}`;
  };
  let text = source.replaceAll(OPEN, '').replaceAll(CLOSE, '');
  text = text.replace(/```\n?([\s\S]*?)```/g, (_, code: string) =>
    keep(`<pre class="mk-pre">${escapeHtml(decodeSlack(code))}</pre>`),
  );
  text = text.replace(/`([^`\n]+)`/g, (_, code: string) =>
    keep(`<code class="mk-code">${escapeHtml(decodeSlack(code))}</code>`),
  );
  text = text.replace(/<([^<>\n]+)>/g, (_, inside: string) => keep(angleToken(inside, context)));
  let html = escapeHtml(decodeSlack(text));
  html = quoteLines(html);
  html = html
    .replace(inline('\\*'), '$1<b>$2</b>')
    .replace(inline('_'), '$1<i>$2</i>')
    .replace(inline('~'), '$1<s>$2</s>');
  html = withEmoji(html).replace(/\n/g, '<br>');
  // A link's label may hold code kept earlier: restore until nothing is left to restore.
  const kept = new RegExp(`${OPEN}(\\d+)${CLOSE}`, 'g');
  for (let depth = 0; depth < 3 && html.includes(OPEN); depth += 1)
    html = html.replace(kept, (_, index: string) => pieces[Number(index)] ?? '');
  return html;
}

/** A span between two `mark`s that starts and ends on a non-space and is not inside a word: Slack's rule. */
function inline(mark: string): RegExp {
  return new RegExp(
    `(^|[^\\p{L}\\p{N}${mark}])${mark}(?![\\s${mark}])([^\\n]*?[^\\s${mark}]|[^\\s${mark}])${mark}(?![\\p{L}\\p{N}${mark}])`,
    'gu',
  );
}

/** Lines starting with `>` (escaped by now) become one quote per run of lines. */
function quoteLines(html: string): string {
  const out: string[] = [];
  let quote: string[] = [];
  const flush = () => {
    if (quote.length > 0) out.push(`<blockquote class="mk-quote">${quote.join('\n')}</blockquote>`);
    quote = [];
  };
  for (const line of html.split('\n')) {
    const quoted = /^&gt;\s?(.*)$/.exec(line);
    if (quoted) quote.push(quoted[1] ?? '');
    else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out.join('\n').replace(/<\/blockquote>\n/g, '</blockquote>');
}

/** What is between `<` and `>`: a mention, a special, a date or a link. */
function angleToken(inside: string, context: MrkdwnContext): string {
  const [target = '', ...rest] = inside.split('|');
  const label = rest.length > 0 ? rest.join('|') : undefined;
  const mention = (kind: string, name: string) =>
    `<span class="mk-mention mk-${kind}">${withEmoji(escapeHtml(decodeSlack(name)))}</span>`;
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return mention('user', `@${label ?? context.users.get(id) ?? id}`);
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    return mention('channel', `#${label ?? context.channels.get(id) ?? id}`);
  }
  if (target.startsWith('!subteam^')) {
    const id = target.slice('!subteam^'.length);
    const handle = label?.replace(/^@/, '') ?? context.usergroups.get(id) ?? id;
    return mention('group', `@${handle}`);
  }
  if (target.startsWith('!date^')) return dateToken(target, label, context);
  if (/^!(here|channel|everyone)$/.test(target)) return mention('special', `@${target.slice(1)}`);
  if (target.startsWith('!')) return escapeHtml(decodeSlack(label ?? ''));
  const url = decodeSlack(target);
  const shown = withEmoji(escapeHtml(decodeSlack(label ?? target)));
  if (!SAFE_LINK.test(url)) return shown;
  return `<a class="mk-link" href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${shown}</a>`;
}

/** `!date^<seconds>^<format>[^<link>]` with its fallback label. */
function dateToken(target: string, fallback: string | undefined, context: MrkdwnContext): string {
  const [, seconds = '', format = '', link] = target.split('^');
  const epoch = Number(seconds);
  if (!/^\d+$/.test(seconds) || !Number.isSafeInteger(epoch)) return escapeHtml(decodeSlack(fallback ?? ''));
  const shown = escapeHtml(formatSlackDate(epoch, decodeSlack(format), context));
  const time = `<time class="mk-date" datetime="${new Date(epoch * 1_000).toISOString()}">${shown}</time>`;
  return link && SAFE_LINK.test(link)
    ? `<a class="mk-link" href="${escapeHtml(link)}" target="_blank" rel="noopener noreferrer">${time}</a>`
    : time;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

interface Parts {
  year: number;
  month: number;
  day: number;
  weekday: number;
  hour: number;
  minute: number;
  second: number;
}

/** The calendar fields of an instant in a zone. */
function partsOf(ms: number, timeZone: string | undefined): Parts {
  const formatter = new Intl.DateTimeFormat('en-US', {
    ...(timeZone ? { timeZone } : {}),
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    weekday: 'short',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
  });
  const get = (type: string) => formatter.formatToParts(ms).find((part) => part.type === type)?.value ?? '';
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday')),
    hour: Number(get('hour')),
    minute: Number(get('minute')),
    second: Number(get('second')),
  };
}

function ordinal(day: number): string {
  const tens = day % 100;
  if (tens >= 11 && tens <= 13) return `${day}th`;
  return `${day}${['th', 'st', 'nd', 'rd'][day % 10] ?? 'th'}`;
}

const pad = (value: number) => String(value).padStart(2, '0');

/** How long ago (or until), as Slack's `{ago}` words it. */
function ago(ms: number, now: number): string {
  const seconds = Math.round((now - ms) / 1_000);
  const size = Math.abs(seconds);
  const [amount, unit] =
    size < 60
      ? [size, 'second']
      : size < 3_600
        ? [Math.round(size / 60), 'minute']
        : size < 86_400
          ? [Math.round(size / 3_600), 'hour']
          : [Math.round(size / 86_400), 'day'];
  const phrase = `${amount} ${unit}${amount === 1 ? '' : 's'}`;
  return seconds >= 0 ? `${phrase} ago` : `in ${phrase}`;
}

/**
 * Slack's date tokens (`{date_num}`, `{date}`, `{date_short}`, `{date_long}`, their `_pretty` forms, `{time}`,
 * `{time_secs}`, `{ago}`) for an epoch in seconds, in the context's zone; other text is kept.
 */
export function formatSlackDate(epochSeconds: number, format: string, context: MrkdwnContext): string {
  const ms = epochSeconds * 1_000;
  const at = partsOf(ms, context.timeZone);
  const dayNumber = (parts: Parts) => Date.UTC(parts.year, parts.month - 1, parts.day) / 86_400_000;
  const offset = dayNumber(at) - dayNumber(partsOf(context.now, context.timeZone));
  const month = MONTHS[at.month - 1] ?? '';
  const forms: Record<string, string> = {
    date_num: `${at.year}-${pad(at.month)}-${pad(at.day)}`,
    date: `${month} ${ordinal(at.day)}, ${at.year}`,
    date_short: `${month.slice(0, 3)} ${at.day}, ${at.year}`,
    date_long: `${DAYS[at.weekday] ?? ''}, ${month} ${ordinal(at.day)}, ${at.year}`,
  };
  const pretty = offset === 0 ? 'Today' : offset === -1 ? 'Yesterday' : offset === 1 ? 'Tomorrow' : undefined;
  const hour12 = at.hour % 12 === 0 ? 12 : at.hour % 12;
  const meridiem = at.hour < 12 ? 'AM' : 'PM';
  const tokens: Record<string, string> = {
    ...forms,
    date_pretty: pretty ?? forms.date ?? '',
    date_short_pretty: pretty ?? forms.date_short ?? '',
    date_long_pretty: pretty ?? forms.date_long ?? '',
    time: `${hour12}:${pad(at.minute)} ${meridiem}`,
    time_secs: `${hour12}:${pad(at.minute)}:${pad(at.second)} ${meridiem}`,
    ago: ago(ms, context.now),
  };
  return format.replace(/\{([a-z_]+)\}/g, (whole, name: string) => tokens[name] ?? whole);
}
