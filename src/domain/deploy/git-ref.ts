import { shown } from '../text.js';

/** What a user asked to deploy: a commit SHA or a branch/tag name, exactly as GitHub will receive it. */
export type GitRef = { kind: 'sha' | 'name'; value: string };

export type RefResult = { ok: true; ref: GitRef } | { ok: false; reason: string };

export const MAX_REF_LENGTH = 255;

/** Lower-case only, as git prints them; an upper-case hex word is kept as a name, so a branch `CAFE123` works. */
const SHA_PATTERN = /^[0-9a-f]{7,40}$/;

/** Stricter than git: a ref lands in workflow inputs, URLs and Slack text, where `$`, quotes or `;` could mean more. */
const SAFE_CHARACTER = /^[A-Za-z0-9._/-]$/;

/**
 * Reads the ref a user typed. Applies git's check-ref-format rules (no `..`, `@{`, `//`, control characters,
 * spaces, `~ ^ : ? * [ \`, no leading `-` or `/`, no trailing `/`, `.` or `.lock`, no part starting with `.`,
 * at most 255 characters), then accepts only letters, digits, `.`, `_`, `-` and `/`. Whatever it accepts is
 * therefore inert in a shell step, a URL path segment list or a Slack message.
 * The reason is a sentence without its final period, like `parseDuration`'s.
 */
export function parseRef(text: string): RefResult {
  const refuse = (why: string): RefResult => ({
    ok: false,
    reason: `\`${shown(text)}\` is not a usable git ref: ${why}`,
  });
  if (text.length === 0) return refuse('it is empty');
  if (text.length > MAX_REF_LENGTH) return refuse(`it is longer than ${MAX_REF_LENGTH} characters`);
  if (CONTROL.test(text)) return refuse('it contains a control character');
  if (text.includes(' ')) return refuse('it contains a space');
  const special = /[~^:?*[\\]/.exec(text);
  if (special) return refuse(`git does not allow "${special[0]}" in a ref`);
  if (text.includes('..')) return refuse('git does not allow ".." in a ref');
  if (text.includes('@{')) return refuse('git does not allow "@{" in a ref');
  if (text === '@') return refuse('git does not allow "@" alone as a ref');
  if (text.startsWith('-')) return refuse('it starts with "-"');
  if (text.startsWith('/') || text.endsWith('/')) return refuse('it starts or ends with "/"');
  if (text.includes('//')) return refuse('it contains "//"');
  if (text.endsWith('.')) return refuse('it ends with "."');
  for (const part of text.split('/')) {
    if (part.startsWith('.')) return refuse('a part of it starts with "."');
    if (part.endsWith('.lock')) return refuse('a part of it ends with ".lock"');
  }
  const unsafe = [...text].find((character) => !SAFE_CHARACTER.test(character));
  if (unsafe !== undefined) {
    const named = unsafe === '`' ? 'a backtick' : `"${unsafe}"`;
    return refuse(`greenlight accepts only letters, digits, ".", "_", "-" and "/" in a ref, not ${named}`);
  }
  return { ok: true, ref: { kind: SHA_PATTERN.test(text) ? 'sha' : 'name', value: text } };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
