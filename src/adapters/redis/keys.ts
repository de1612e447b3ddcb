/**
 * Every Redis key greenlight uses, built in one place (as BullMQ's QueueKeys does) so a shared Redis stays tidy:
 * everything the bot keeps is under `keyPrefix` (`greenlight:`), except the flag keys the apps read, whose prefix
 * (`feature:`) is part of the contract with them.
 */
export interface RedisKeys {
  /** The key apps read: `feature:<name>` = "true" | "false". */
  flag(name: string): string;
  /** SCAN pattern matching every flag key. */
  flagPattern(): string;
  /** The flag name from a flag key, or undefined for a key that is not one. */
  flagNameOf(key: string): string | undefined;
  /** Hash with greenlight's last change to a flag (who, why, when, until). */
  flagMeta(name: string): string;
  /** Stream of every audited action, append-only. */
  audit(): string;
  /** BullMQ's prefix for greenlight's queues. */
  queuePrefix(): string;
}

export function redisKeys(keyPrefix: string, flagPrefix: string): RedisKeys {
  return {
    flag: (name) => `${flagPrefix}${name}`,
    flagPattern: () => `${escapeGlob(flagPrefix)}*`,
    flagNameOf: (key) => (key.startsWith(flagPrefix) ? key.slice(flagPrefix.length) : undefined),
    flagMeta: (name) => `${keyPrefix}flag:${name}`,
    audit: () => `${keyPrefix}audit`,
    queuePrefix: () => `${keyPrefix}bull`,
  };
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
