import { parseDuration } from '../src/domain/duration.js';
import { shown } from '../src/domain/text.js';

/** What a parser makes of a command's text: the command, or one sentence saying what is wrong plus the usage. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string; usage: string };

/** The longest reason greenlight records for a flag flip, a lock, an override or a rollback. */
export const MAX_REASON_LENGTH = 500;

/** Slack escapes &, < and > in command text; store what the user typed. */
export function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The words of a command's text, as the user typed them. */
export function wordsOf(text: string): string[] {
  return unescapeSlack(text).trim().split(/\s+/).filter(Boolean);
}

/** Nothing at all, `help`, `--help` or `-h`: the user asks for the usage. */
export function asksForHelp(word: string | undefined): boolean {
  return word === undefined || ['help', '--help', '-h'].includes(word.toLowerCase());
}

/** A parser's refusals, each carrying the usage of its command. */
export function refusalsWith(usage: string) {
  return <T>(error: string): ParseResult<T> => ({ ok: false, error, usage });
}

/** What follows a command's target when it takes a reason. */
export interface ReasonWords {
  reason: string;
  /** `--for <duration>`, and the duration as typed (lower-cased). */
  forMs?: number;
  forText?: string;
  /** The on/off options given, of those the command knows. */
  flags: ReadonlySet<string>;
}

/**
 * Reads the rest of a command that takes a reason: free words, `--for <duration>` (or `--for=…`) at most once, and the
 * on/off options it knows (such as `--create`); any other `--option` is refused, and so is a reason over
 * MAX_REASON_LENGTH. `forExample` is the duration the refusals suggest.
 */
export function readReasonWords(
  words: readonly string[],
  options: { flags?: readonly string[]; forExample: string },
): { ok: true; value: ReasonWords } | { ok: false; error: string } {
  const refuse = (error: string) => ({ ok: false as const, error });
  let forMs: number | undefined;
  let forText: string | undefined;
  const flags = new Set<string>();
  const reason: string[] = [];
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i] ?? '';
    if (options.flags?.includes(word)) {
      flags.add(word);
    } else if (word === '--for' || word.startsWith('--for=')) {
      if (forMs !== undefined) return refuse('`--for` is given twice.');
      const value = word === '--for' ? words[++i] : word.slice('--for='.length);
      if (!value) return refuse(`\`--for\` needs a duration, e.g. \`--for ${options.forExample}\`.`);
      // Parse what was typed, but echo it through `shown` so a long or backticked value stays readable.
      const parsed = parseDuration(value);
      if (!parsed.ok) {
        const echoed = parseDuration(shown(value));
        return refuse(`${echoed.ok ? parsed.reason : echoed.reason}.`);
      }
      forMs = parsed.ms;
      forText = value.toLowerCase();
    } else if (word.startsWith('--') && word.length > 2) {
      return refuse(`Unknown option \`${shown(word)}\`.`);
    } else {
      reason.push(word);
    }
  }
  const text = reason.join(' ');
  if (text.length > MAX_REASON_LENGTH)
    return refuse(`The reason is too long (at most ${MAX_REASON_LENGTH} characters).`);
  return { ok: true, value: { reason: text, flags, ...(forMs === undefined ? {} : { forMs, forText }) } };
}
