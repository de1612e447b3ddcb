/** Names that are safe as a Redis key suffix and readable in Slack: no spaces, globs or colons. */
export const FLAG_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function isValidFlagName(name: string): boolean {
  return FLAG_NAME_PATTERN.test(name);
}
