import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisKeys } from './keys.js';

export interface FlagNamesMigrationOptions {
  logger: Logger;
  /** Keys SCAN may visit in one start (default 2,000,000): the one-time cost is bounded even on a huge Redis. */
  maxKeysPerStart?: number;
  /** Keys per SCAN call (default 1,000): each call is a short Redis command, never one long one. */
  batch?: number;
}

export type FlagNamesMigrationResult = 'already-done' | 'done' | 'partial' | 'busy';

const MARKER_DONE = 'done';
const LOCK_TTL_MS = 5 * 60_000;

/**
 * Fills the set of flag names from the flag keys already in Redis, once: flags written before the set existed (or
 * by hand) are found by one SCAN, resumed across starts from the cursor kept in the marker key when a start visits
 * more than `maxKeysPerStart` keys, and never run again once the marker says done. Every later flag write adds its
 * name itself (`set-flag.lua`), so no command ever scans. Two replicas starting together do not both scan: a short
 * lock decides, and the other returns 'busy'.
 */
export async function migrateFlagNames(
  redis: Redis,
  keys: RedisKeys,
  options: FlagNamesMigrationOptions,
): Promise<FlagNamesMigrationResult> {
  const marker = keys.flagNamesMigration();
  const lock = `${marker}:lock`;
  const saved = await redis.get(marker);
  if (saved === MARKER_DONE) return 'already-done';
  if ((await redis.set(lock, String(process.pid), 'PX', LOCK_TTL_MS, 'NX')) !== 'OK') return 'busy';
  const maxKeys = options.maxKeysPerStart ?? 2_000_000;
  const batch = options.batch ?? 1_000;
  try {
    let cursor = saved ?? '0';
    let visited = 0;
    let found = 0;
    do {
      const [next, flagKeys] = await redis.scan(cursor, 'MATCH', keys.flagPattern(), 'COUNT', batch);
      cursor = next;
      visited += batch;
      const names = flagKeys.flatMap((key) => keys.flagNameOf(key) ?? []);
      if (names.length > 0) found += await redis.sadd(keys.flagNames(), ...names);
      // Saved as it goes, so a crash or a restart resumes instead of starting over.
      await redis.set(marker, cursor === '0' ? MARKER_DONE : cursor);
    } while (cursor !== '0' && visited < maxKeys);
    const done = cursor === '0';
    options.logger.info(
      { event: done ? 'flags.names_migrated' : 'flags.names_migration_partial', added: found, visited },
      done
        ? `found ${found} flag name(s) among the existing keys; flag names are read from ${keys.flagNames()} from now on`
        : `visited ${visited} keys looking for flags; the next start continues where this one stopped`,
    );
    return done ? 'done' : 'partial';
  } finally {
    await redis.del(lock);
  }
}
