import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { CachedCommit, CommitTimeCache } from '../../services/deploy/ports.js';

const cached = z.object({ sha: z.string().min(1), at: z.number().finite() });

/** One Redis hash (`keys.commitTimes()`) of JSON `{sha, at}` values. */
export function redisCommitTimeCache(redis: Redis, key: string): CommitTimeCache {
  return {
    async get(fields) {
      const found = new Map<string, CachedCommit>();
      if (fields.length === 0) return found;
      const values = await redis.hmget(key, ...fields);
      fields.forEach((field, index) => {
        const raw = values[index];
        if (raw === null || raw === undefined) return;
        try {
          const entry = cached.safeParse(JSON.parse(raw));
          if (entry.success) found.set(field, entry.data);
        } catch {
          // Not JSON: looked up again and overwritten.
        }
      });
      return found;
    },
    async set(entries) {
      if (entries.size === 0) return;
      const flat = [...entries].flatMap(([field, entry]) => [
        field,
        JSON.stringify({ sha: entry.sha, at: entry.at }),
      ]);
      await redis.hset(key, ...flat);
    },
  };
}
