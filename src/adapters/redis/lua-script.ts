import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * Registers a script from `lua/<name>.lua` as a command on the connection (EVALSHA with a fallback to EVAL),
 * once per connection, and returns a typed caller.
 */
export function luaCommand<Reply>(
  redis: Redis,
  name: string,
  numberOfKeys: number,
): (...args: (string | number)[]) => Promise<Reply> {
  const command = `greenlight_${name.replace(/-/g, '_')}`;
  const target = redis as unknown as Record<string, (...args: (string | number)[]) => Promise<Reply>>;
  if (typeof target[command] !== 'function') {
    const lua = readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
    redis.defineCommand(command, { numberOfKeys, lua });
  }
  return (...args) => (target[command] as (...a: (string | number)[]) => Promise<Reply>).apply(redis, args);
}
