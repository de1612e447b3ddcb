import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { luaCommand } from './lua-script.js';

export interface Versioned<T> {
  value: T;
  version: number;
}

export type ReplaceResult = { ok: true; version: number } | { ok: false; currentVersion: number };

/**
 * JSON documents replaced only by compare-and-set on a version: the way two replicas (or a double-clicked
 * button and a poller) race on one deployment and exactly one transition wins. Documents are parsed with their
 * zod schema on the way out, so a hand-edited or older document fails loudly instead of half-working.
 */
export interface DocumentStore<T> {
  get(id: string): Promise<Versioned<T> | undefined>;
  getMany(ids: readonly string[]): Promise<Versioned<T>[]>;
  /** The ids of an index, highest score (newest) first. */
  latest(indexKey: string, limit: number): Promise<string[]>;
  /** `expectedVersion` 0 creates the document; `indexScore` also adds it to the index sorted set. */
  replace(
    id: string,
    expectedVersion: number,
    value: T,
    index?: { key: string; score: number },
  ): Promise<ReplaceResult>;
}

export function redisDocumentStore<T>(
  redis: Redis,
  keyOf: (id: string) => string,
  schema: z.ZodType<T>,
): DocumentStore<T> {
  const replaceDocument = luaCommand<[number, number]>(redis, 'replace-document', 2);
  const parse = (id: string, fields: Record<string, string>): Versioned<T> | undefined => {
    if (!fields.doc || !fields.version) return undefined;
    const value = schema.safeParse(JSON.parse(fields.doc));
    if (!value.success)
      throw new Error(`stored document ${keyOf(id)} does not match its schema: ${value.error.message}`);
    return { value: value.data, version: Number(fields.version) };
  };
  return {
    async get(id) {
      return parse(id, await redis.hgetall(keyOf(id)));
    },
    async getMany(ids) {
      if (ids.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hgetall(keyOf(id));
      const replies = (await pipeline.exec()) ?? [];
      return ids.flatMap((id, index) => {
        const [error, fields] = replies[index] ?? [];
        if (error) throw error;
        const document = parse(id, (fields ?? {}) as Record<string, string>);
        return document ? [document] : [];
      });
    },
    latest: (indexKey, limit) => redis.zrevrange(indexKey, '0', String(Math.max(0, limit - 1))),
    async replace(id, expectedVersion, value, index) {
      const [ok, version] = await replaceDocument(
        keyOf(id),
        index?.key ?? '',
        expectedVersion,
        JSON.stringify(value),
        index?.score ?? 0,
        id,
      );
      return ok === 1 ? { ok: true, version } : { ok: false, currentVersion: version };
    },
  };
}
