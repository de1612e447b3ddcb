import { formatDuration } from '../duration.js';

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** The `window` of an environment in greenlight.yml (structurally the config's type, so either may be passed). */
export interface DeployWindow {
  days: readonly Weekday[];
  /** `HH:MM`, 24-hour, wall-clock time in `tz`. */
  from: string;
  to: string;
  /** IANA time zone, e.g. `UTC` or `Europe/Berlin`. */
  tz: string;
}

export type WindowCheck =
  | { inside: true }
  /** `message` ends with how to override; `wait` is the same sentence without it, for those who may not. */
  | { inside: false; message: string; wait: string; nextOpensAt: string };

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Indexed by `Date#getUTCDay()`. */
const WEEK: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Whether `nowMs` falls inside an environment's deploy window; no window means always inside.
 *
 * A listed day is the day the window opens: `{ days: [fri], from: "22:00", to: "02:00" }` runs from Friday
 * 22:00 to Saturday 02:00, and `from` equal to `to` means 24 hours. Times are wall-clock times in `tz`, and each
 * day's window is the span from the first instant the local clock reads `from` to the first instant it reads
 * `to`: across a spring-forward gap it opens when the clock jumps past `from` (02:00 in Berlin on the last
 * Sunday of March means 03:00 CEST), and a window lying wholly in the gap does not open that day; when the
 * clock falls back it does not reopen for the repeated hour.
 *
 * Outside, `nextOpensAt` is the exact instant (ISO, UTC) at which this function first answers `inside: true`
 * again, and `message` one sentence saying so. Pure: the clock is the `nowMs` argument.
 *
 * @throws RangeError for a window greenlight.yml's schema refuses (no days, a malformed time, unknown zone).
 */
export function checkDeployWindow(window: DeployWindow | undefined, nowMs: number): WindowCheck {
  if (window === undefined) return { inside: true };
  const rule = compile(window);
  const today = startOfLocalDay(wallClock(nowMs, rule.tz));
  let nextOpensMs: number | undefined;
  for (let offset = -2; offset <= 15; offset += 1) {
    const day = today + offset * DAY;
    if (!rule.days.has(new Date(day).getUTCDay())) continue;
    const opens = firstInstantAtOrAfter(day + rule.fromMinutes * MINUTE, rule.tz);
    const closesDay = rule.fromMinutes < rule.toMinutes ? day : day + DAY;
    const closes = firstInstantAtOrAfter(closesDay + rule.toMinutes * MINUTE, rule.tz);
    if (opens >= closes) continue;
    if (opens <= nowMs && nowMs < closes) return { inside: true };
    if (opens > nowMs && (nextOpensMs === undefined || opens < nextOpensMs)) nextOpensMs = opens;
  }
  if (nextOpensMs === undefined) throw new RangeError('The deploy window never opens: it lists no days.');
  const until = formatDuration(Math.ceil((nextOpensMs - nowMs) / MINUTE) * MINUTE);
  const wait =
    `This environment takes deploys only ${describeWindow(window)}: wait until ` +
    `${describeLocal(wallClock(nextOpensMs, rule.tz))} ${window.tz} (in ${until})`;
  return {
    inside: false,
    nextOpensAt: new Date(nextOpensMs).toISOString(),
    wait: `${wait}.`,
    message: `${wait}, or add \`--override <reason…>\` to deploy now.`,
  };
}

interface Rule {
  days: ReadonlySet<number>;
  fromMinutes: number;
  toMinutes: number;
  tz: string;
}

function compile(window: DeployWindow): Rule {
  if (window.days.length === 0) throw new RangeError('The deploy window never opens: it lists no days.');
  return {
    days: new Set(window.days.map((day) => WEEK.indexOf(day))),
    fromMinutes: minutesOf(window.from),
    toMinutes: minutesOf(window.to),
    tz: window.tz,
  };
}

function minutesOf(clock: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(clock);
  if (!match) throw new RangeError(`"${clock}" is not a 24-hour time like "02:00".`);
  return Number(match[1]) * 60 + Number(match[2]);
}

function describeWindow(window: DeployWindow): string {
  const days = WEEK.filter((day) => window.days.includes(day));
  // Monday first, as the config lists them.
  const ordered = [...days.filter((day) => day !== 'sun'), ...days.filter((day) => day === 'sun')];
  const names = ordered.map((day) => `${day.charAt(0).toUpperCase()}${day.slice(1)}`).join(', ');
  return `${names} ${window.from}–${window.to} ${window.tz}`;
}

/** `Mon 30 Mar 09:00` from a wall-clock instant expressed as UTC milliseconds. */
function describeLocal(wallMs: number): string {
  const date = new Date(wallMs);
  const weekday = WEEK[date.getUTCDay()] ?? '';
  const hh = String(date.getUTCHours()).padStart(2, '0');
  const mm = String(date.getUTCMinutes()).padStart(2, '0');
  return `${weekday.charAt(0).toUpperCase()}${weekday.slice(1)} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${hh}:${mm}`;
}

function startOfLocalDay(wallMs: number): number {
  return wallMs - (((wallMs % DAY) + DAY) % DAY);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The local wall-clock time of an instant in `tz`, as if that wall time were UTC (so UTC getters read it). */
function wallClock(ms: number, tz: string): number {
  let format = formatters.get(tz);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, format);
  }
  const part: Record<string, number> = {};
  for (const { type, value } of format.formatToParts(ms)) part[type] = Number(value);
  const wholeSeconds = Date.UTC(
    part.year ?? 1970,
    (part.month ?? 1) - 1,
    part.day ?? 1,
    part.hour ?? 0,
    part.minute ?? 0,
    part.second ?? 0,
  );
  return wholeSeconds + (((ms % 1_000) + 1_000) % 1_000);
}

/**
 * The first instant whose wall clock in `tz` reads `wallMs` or later: the earlier of two readings when the clock
 * falls back, the moment of the jump when `wallMs` lies in a spring-forward gap. Assumes at most one offset
 * change within a day of `wallMs`, which holds for every zone in the tz database.
 */
function firstInstantAtOrAfter(wallMs: number, tz: string): number {
  const offsetBefore = wallClock(wallMs - DAY, tz) - (wallMs - DAY);
  const offsetAfter = wallClock(wallMs + DAY, tz) - (wallMs + DAY);
  const candidates = [wallMs - offsetBefore, wallMs - offsetAfter];
  const exact = candidates.filter((ms) => wallClock(ms, tz) === wallMs);
  if (exact.length > 0) return Math.min(...exact);
  // In a gap: the clock reads less than wallMs at `low` and more at `high`; find the jump.
  let low = Math.min(...candidates);
  let high = Math.max(...candidates);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (wallClock(middle, tz) >= wallMs) high = middle;
    else low = middle;
  }
  return high;
}
