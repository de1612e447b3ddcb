/**
 * Cuts text to at most `max` characters (UTF-16 units, as Slack and GitHub count them) with a visible `…`, never
 * inside a surrogate pair, so an emoji is never split. Apply before escaping, so the cut can never fall inside
 * `&amp;` or a `<url|link>`.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, Math.max(0, max - 1));
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}

/**
 * What a user typed, echoed inside backticks in a reply: `max` characters at most before a `…`, control characters
 * made visible and no backtick that would end the quoting.
 */
export function shown(text: string, max = 40): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: they are replaced so Slack shows something visible
  return clip(text.replace(/[\u0000-\u001f\u007f]/g, '\uFFFD').replace(/`/g, "'"), max + 1);
}
