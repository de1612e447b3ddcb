import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { luaCommand } from './lua-script.js';

export interface Versioned<T> {
  value: T;
  version: number;
}

export type ReplaceResult = { ok: true; version: number } | { ok: false; currentVersion: number };

/** What a compare-and-set update did: wrote the changed document, left it as it was, or found none. */
export type CasUpdate<T> =
  | { status: 'written'; value: T; version: number }
  | { status: 'unchanged'; value: T; version: number }
  | { status: 'not-found' };

/** A document that kept changing under every attempt to update it: the caller retries later, as a whole. */
export class ConcurrentChangeError extends Error {
  constructor(
    readonly id: string,
    attempts: number,
  ) {
    super(`document ${id} kept changing under ${attempts} attempts to update it`);
    this.name = 'ConcurrentChangeError';
  }
}

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
  /**
   * Reads, changes and writes back by compare-and-set, re-reading and changing again when another writer got in
   * first (after a short random pause, so a crowd of writers drains instead of thrashing). `change` answers
   * undefined to leave the document as it is; it may run more than once, so it must not have effects. Throws
   * ConcurrentChangeError when every attempt lost.
   */
  casUpdate(id: string, change: (current: T) => T | undefined, attempts?: number): Promise<CasUpdate<T>>;
}

const CAS_ATTEMPTS = 8;

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
  const get = async (id: string) => parse(id, await redis.hgetall(keyOf(id)));
  const replace: DocumentStore<T>['replace'] = async (id, expectedVersion, value, index) => {
    const [ok, version] = await replaceDocument(
      keyOf(id),
      index?.key ?? '',
      expectedVersion,
      JSON.stringify(value),
      index?.score ?? 0,
      id,
    );
    return ok === 1 ? { ok: true, version } : { ok: false, currentVersion: version };
  };
  return {
    get,
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
    replace,
    async casUpdate(id, change, attempts = CAS_ATTEMPTS) {
      for (let attempt = 0; attempt < attempts; attempt += 1) {
        const current = await get(id);
        if (!current) return { status: 'not-found' };
        const next = change(current.value);
        if (next === undefined) return { status: 'unchanged', ...current };
        const written = await replace(id, current.version, next);
        if (written.ok) return { status: 'written', value: next, version: written.version };
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3 * (attempt + 1)));
      }
      throw new ConcurrentChangeError(id, attempts);
    },
  };
}
