import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { ReadMemory } from '../github/conditional-reads.js';
import { jsonValues } from './json-value.js';
import type { RedisKeys } from './keys.js';

/** A commit's checks and what a ref names are asked about again within hours, not weeks. */
const READ_TTL_SECONDS = 24 * 3_600;

const remembered = z.object({ etag: z.string().min(1), data: z.unknown() });

/** The last answer to each conditional GitHub read (`keys.githubRead`), a day at most, for whichever replica asks next. */
export function redisReadMemory(redis: Redis, keys: Pick<RedisKeys, 'githubRead'>): ReadMemory {
  const values = jsonValues(redis, remembered, READ_TTL_SECONDS);
  // Hashed: a key names a URL (owner, repo, ref, page), which may be long or hold characters Redis tools mangle.
  const key = (name: string) => keys.githubRead(createHash('sha256').update(name).digest('hex').slice(0, 32));
  return {
    async get(name) {
      const read = await values.get(key(name));
      return read ? { etag: read.etag, data: read.data } : undefined;
    },
    set: (name, read) => values.set(key(name), read),
  };
}
