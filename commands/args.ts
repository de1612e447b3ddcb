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
