import type { Redis } from 'ioredis';
import { z } from 'zod';
import { type DeployRecord, deployRecordSchema } from '../../domain/deploy/deploy-record.js';
import type { DoraIncident } from '../../domain/deploy/dora.js';
import type { RegistryWindow } from '../../services/deploy/ports.js';
import { redisDocumentStore } from './document-store.js';
import type { RedisKeys } from './keys.js';

/** Documents fetched per pipeline, so a year of deployments never becomes one huge reply. */
const BATCH = 200;

/**
 * The fields of an incident `/deploy stats` uses, read straight from the stored document: the incident service
 * stores either the bare `IncidentState` or a record `{ state, meta }`, and both are accepted.
 */
const incidentFacts = z.object({
  id: z.string().min(1),
  status: z.string(),
  declaredAt: z.number().finite(),
  resolvedAt: z.number().finite().optional(),
  env: z.string().min(1).optional(),
  deploymentId: z.string().min(1).optional(),
});

/** Any JSON object: the document store must hand over what it found, to be read (or skipped) field by field. */
const anyDocument = z.custom<object>((value) => typeof value === 'object' && value !== null, 'not an object');

export function toDoraIncident(document: object): DoraIncident | undefined {
  const state = 'state' in document && typeof document.state === 'object' ? document.state : document;
  const facts = incidentFacts.safeParse(state);
  if (!facts.success) return undefined;
  const { status, resolvedAt, env, deploymentId, ...rest } = facts.data;
  return {
    ...rest,
    status: status === 'resolved' ? 'resolved' : 'open',
    ...(resolvedAt === undefined ? {} : { resolvedAt }),
    ...(env === undefined ? {} : { env }),
    ...(deploymentId === undefined ? {} : { deploymentId }),
  };
}

/**
 * Reads the deployment and incident registries by window: ZREVRANGEBYSCORE on the index (deployments by request
 * time, incidents by declare time), newest first and capped at `limit`, then the documents in batches.
 */
export function redisRegistryWindow(redis: Redis, keys: RedisKeys): RegistryWindow {
  const deployments = redisDocumentStore<DeployRecord>(redis, keys.deployment, deployRecordSchema);
  const incidents = redisDocumentStore<object>(redis, keys.incident, anyDocument);

  async function idsBetween(
    index: string,
    from: number,
    to: number,
    limit: number,
  ): Promise<{ ids: string[]; truncatedAt?: number }> {
    const flat = await redis.zrevrangebyscore(index, `(${to}`, from, 'WITHSCORES', 'LIMIT', 0, limit + 1);
    const ids: string[] = [];
    const scores: number[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      ids.push(flat[i] ?? '');
      scores.push(Number(flat[i + 1]));
    }
    if (ids.length <= limit) return { ids };
    return { ids: ids.slice(0, limit), truncatedAt: scores[limit - 1] ?? from };
  }

  async function inBatches<T>(ids: readonly string[], read: (batch: string[]) => Promise<T[]>): Promise<T[]> {
    const out: T[] = [];
    for (let start = 0; start < ids.length; start += BATCH)
      out.push(...(await read(ids.slice(start, start + BATCH))));
    return out;
  }

  return {
    async deployments(env, from, to, limit) {
      const { ids, truncatedAt } = await idsBetween(keys.deploymentsOf(env), from, to, limit);
      const records = await inBatches(ids, (batch) => deployments.getMany(batch));
      const items = records.map((record) => record.value.state).sort((a, b) => b.requestedAt - a.requestedAt);
      return {
        items,
        unreadable: ids.length - items.length,
        ...(truncatedAt === undefined ? {} : { truncatedAt }),
      };
    },
    async incidents(from, to, limit) {
      const { ids, truncatedAt } = await idsBetween(keys.incidents(), from, to, limit);
      const documents = await inBatches(ids, (batch) => incidents.getMany(batch));
      const items = documents
        .flatMap((document) => toDoraIncident(document.value) ?? [])
        .sort((a, b) => b.declaredAt - a.declaredAt);
      return {
        items,
        unreadable: ids.length - items.length,
        ...(truncatedAt === undefined ? {} : { truncatedAt }),
      };
    },
  };
}
