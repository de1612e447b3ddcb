import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

/** The URL of the run's test Redis (see global-redis.ts). */
export function testRedisUrl(): string {
  return inject('redisUrl');
}

/** A unique key prefix so concurrent test files never see each other's keys. */
export function uniquePrefix(label = 't'): string {
  return `gltest-${label}-${randomBytes(4).toString('hex')}:`;
}

export function testRedis(): Redis {
  return new Redis(testRedisUrl(), { lazyConnect: false, maxRetriesPerRequest: 1 });
}

/** Deletes only the keys under `prefix`: a test never flushes a database it did not create. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
