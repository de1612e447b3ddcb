import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { DocumentStore, Versioned } from '../../services/ports.js';
import { luaCommand } from './lua-script.js';

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

const CAS_ATTEMPTS = 8;

/**
 * Each document is a Redis hash (JSON and version) replaced by a Lua compare-and-set. Documents are parsed with
 * their zod schema on the way out, so a hand-edited or older document fails loudly instead of half-working; a
 * losing `casUpdate` pauses a short random while before it tries again, so a crowd of writers drains instead of
 * thrashing, and throws ConcurrentChangeError once every attempt lost.
 */
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
