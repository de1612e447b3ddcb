import type { Redis } from 'ioredis';
import type { Deliveries } from '../../../commands/ports.js';
import type { RedisKeys } from './keys.js';

/** Longer than Slack's 5-minute replay window and its retries (within minutes), with room for a slow proxy. */
export const REQUEST_CLAIM_TTL_MS = 15 * 60_000;

/**
 * The first delivery of a trigger_id claims `request:<trigger_id>` with one `SET NX PX`: atomic across replicas, and
 * gone on its own once no re-delivery or replay can come.
 */
export function redisDeliveries(redis: Redis, keys: RedisKeys, ttlMs = REQUEST_CLAIM_TTL_MS): Deliveries {
  return {
    async first(triggerId) {
      return (await redis.set(keys.request(triggerId), '1', 'PX', ttlMs, 'NX')) === 'OK';
    },
  };
}
