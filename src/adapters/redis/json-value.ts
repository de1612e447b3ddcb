import type { Redis } from 'ioredis';
import type { z } from 'zod';

/**
 * One JSON value per key, expiring `ttlSeconds` after it was written. A value that is missing, not JSON or not of
 * `schema`'s shape reads as undefined: what these keys hold is worth having, never worth failing over.
 */
export function jsonValues<T>(redis: Redis, schema: z.ZodType<T>, ttlSeconds: number) {
  return {
    async get(key: string): Promise<T | undefined> {
      const raw = await redis.get(key);
      if (raw === null) return undefined;
      try {
        const parsed = schema.safeParse(JSON.parse(raw));
        return parsed.success ? parsed.data : undefined;
      } catch {
        return undefined;
      }
    },
    async set(key: string, value: T): Promise<void> {
      await redis.set(key, JSON.stringify(value), 'EX', ttlSeconds);
    },
  };
}
