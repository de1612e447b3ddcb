import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { startPrivateRedis } from './private-redis.js';

export type PlaygroundRedis =
  | { ok: true; url: string; private: boolean; stop(): Promise<void> }
  | { ok: false; message: string };

export const NO_REDIS =
  'The playground needs Redis: set REDIS_URL, or install redis-server (apt-get install redis-server, brew install redis), or start one with docker compose up redis.';

/** True when `command` is an executable file in one of PATH's directories. */
export function onPath(command: string, path: string | undefined): boolean {
  return (path ?? '').split(delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The playground's Redis: `REDIS_URL` when given (left running at the end), else a private `redis-server` on a free
 * port in a temporary directory (stopped at the end), else the one sentence that says how to get one.
 */
export async function playgroundRedis(env: {
  REDIS_URL?: string | undefined;
  PATH?: string | undefined;
}): Promise<PlaygroundRedis> {
  const given = env.REDIS_URL?.trim();
  if (given) return { ok: true, url: given, private: false, stop: async () => {} };
  if (!onPath('redis-server', env.PATH)) return { ok: false, message: NO_REDIS };
  const redis = await startPrivateRedis();
  return { ok: true, url: redis.url, private: true, stop: redis.stop };
}
