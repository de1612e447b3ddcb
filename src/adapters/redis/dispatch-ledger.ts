import type { Redis } from 'ioredis';
import type { DispatchLedger } from '../../services/deploy/ports.js';
import type { RedisKeys } from './keys.js';
import { type Replication, waitForReplicas } from './replication.js';

const LEDGER_TTL_SECONDS = 30 * 24 * 3_600;

/**
 * What greenlight sent to GitHub, kept a month: a mark set before a dispatch tells any later process to look for
 * the run instead of dispatching again, a run's owner lets a webhook find its deployment, and a run's last ETag
 * makes the next poll a free 304. With `replication`, the mark reaches the replicas before the dispatch is sent, so
 * a failover right after cannot forget it and dispatch again.
 */
export function redisDispatchLedger(
  redis: Redis,
  keys: RedisKeys,
  replication?: Replication,
): DispatchLedger {
  return {
    async markAttempt(correlationId) {
      const set = await redis.set(keys.dispatchAttempted(correlationId), '1', 'EX', LEDGER_TTL_SECONDS, 'NX');
      await waitForReplicas(redis, replication);
      return set !== 'OK';
    },
    async rememberRun(runId, deploymentId) {
      await redis.set(keys.runOwner(runId), deploymentId, 'EX', LEDGER_TTL_SECONDS);
    },
    async ownerOfRun(runId) {
      return (await redis.get(keys.runOwner(runId))) ?? undefined;
    },
    async etagOf(runId) {
      return (await redis.get(`${keys.runOwner(runId)}:etag`)) ?? undefined;
    },
    async saveEtag(runId, etag) {
      await redis.set(`${keys.runOwner(runId)}:etag`, etag, 'EX', LEDGER_TTL_SECONDS);
    },
  };
}
