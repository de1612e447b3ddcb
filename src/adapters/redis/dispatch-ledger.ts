import type { Redis } from 'ioredis';
import type { DispatchLedger, RepoRef } from '../../services/deploy/ports.js';
import type { RedisKeys } from './keys.js';
import { type Replication, waitForReplicas } from './replication.js';

const LEDGER_TTL_SECONDS = 30 * 24 * 3_600;

/**
 * What greenlight sent to GitHub, kept a month: a mark set before a dispatch (with its time) tells any later process
 * to look for the run instead of dispatching again, a run's owner lets a webhook find its deployment, a run's
 * repository tells the sweep which run list it is in, and a run's last ETag makes a look at it a free 304. With `replication`, the mark reaches the replicas before the
 * dispatch is sent, so a failover right after cannot forget it and dispatch again.
 */
export function redisDispatchLedger(
  redis: Redis,
  keys: RedisKeys,
  replication?: Replication,
): DispatchLedger {
  const time = (value: string | null) => {
    // A mark written before marks carried their time ("1") reads as long ago: look, then decide.
    if (value === null) return undefined;
    const at = Number(value);
    return Number.isFinite(at) && at > 1 ? at : 0;
  };
  return {
    async markAttempt(correlationId, at) {
      const key = keys.dispatchAttempted(correlationId);
      const set = await redis.set(key, String(at), 'EX', LEDGER_TTL_SECONDS, 'NX');
      await waitForReplicas(redis, replication);
      return set === 'OK' ? undefined : (time(await redis.get(key)) ?? 0);
    },
    async markAccepted(correlationId, at) {
      await redis.set(
        `${keys.dispatchAttempted(correlationId)}:accepted`,
        String(at),
        'EX',
        LEDGER_TTL_SECONDS,
      );
    },
    async acceptedAt(correlationId) {
      return time(await redis.get(`${keys.dispatchAttempted(correlationId)}:accepted`));
    },
    async rememberRun(runId, deploymentId, repo) {
      await redis
        .multi()
        .set(keys.runOwner(runId), deploymentId, 'EX', LEDGER_TTL_SECONDS)
        .set(`${keys.runOwner(runId)}:repo`, `${repo.owner}/${repo.repo}`, 'EX', LEDGER_TTL_SECONDS)
        .exec();
    },
    async ownerOfRun(runId) {
      return (await redis.get(keys.runOwner(runId))) ?? undefined;
    },
    async reposOf(runIds) {
      const repos = new Map<number, RepoRef>();
      if (runIds.length === 0) return repos;
      const values = await redis.mget(runIds.map((runId) => `${keys.runOwner(runId)}:repo`));
      runIds.forEach((runId, index) => {
        const [owner, repo] = (values[index] ?? '').split('/');
        if (owner && repo) repos.set(runId, { owner, repo });
      });
      return repos;
    },
    async etagOf(runId) {
      return (await redis.get(`${keys.runOwner(runId)}:etag`)) ?? undefined;
    },
    async saveEtag(runId, etag) {
      await redis.set(`${keys.runOwner(runId)}:etag`, etag, 'EX', LEDGER_TTL_SECONDS);
    },
  };
}
