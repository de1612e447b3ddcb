import type { TestProject } from 'vitest/node';
import { startPrivateRedis } from '../../playground/launcher/private-redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/**
 * Gives every test run a Redis it may write to. With REDIS_URL set, that server is used and the tests only
 * touch keys under their own random prefixes; otherwise a private `redis-server` is started on a free port
 * and killed at the end, so a developer's or CI's Redis is never touched.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.REDIS_URL;
  if (given) {
    project.provide('redisUrl', given);
    return async () => {};
  }
  const redis = await startPrivateRedis();
  project.provide('redisUrl', redis.url);
  return redis.stop;
}
