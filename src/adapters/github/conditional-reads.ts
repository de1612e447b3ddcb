import type { z } from 'zod';
import { GitHubUnexpectedResponseError, githubStatus } from './github-errors.js';

/** What GitHub last answered to one read: its ETag and the part of the answer greenlight keeps (parsed). */
export interface RememberedRead {
  etag: string;
  data: unknown;
}

/** Where answers are remembered between reads, shared by the replicas (Redis): a miss only costs a counted read. */
export interface ReadMemory {
  get(key: string): Promise<RememberedRead | undefined>;
  set(key: string, read: RememberedRead): Promise<void>;
}

export interface ConditionalRead<T> {
  /** Names the read for the memory: the same key must mean the same URL. */
  key: string;
  /** The part of the answer to keep; what is remembered is this, parsed, never GitHub's whole answer. */
  schema: z.ZodType<T>;
  /** For errors: `GET /repos/{owner}/{repo}/commits/{ref}/status`. */
  endpoint: string;
  /** The request, sent with `If-None-Match` when an ETag is remembered; Octokit throws a 304 like any non-2xx. */
  fetch: (etag: string | undefined) => Promise<{ data: unknown; headers: { etag?: string | undefined } }>;
}

/** The request options that make a read conditional on `etag` (none without one): GitHub then answers 304 if unchanged. */
export function ifNoneMatch(etag: string | undefined): { headers?: { 'if-none-match': string } } {
  return etag ? { headers: { 'if-none-match': etag } } : {};
}

/** No memory: every read is a plain (counted) one; identical reads at the same moment still share one request. */
export const UNREMEMBERED: ReadMemory = { get: async () => undefined, set: async () => {} };

export type Reads = <T>(read: ConditionalRead<T>) => Promise<T>;

/**
 * GitHub reads asked again with the ETag of their last answer: GitHub answers 304 while nothing changed, which does
 * not count against the rate limit, and the remembered answer is used. So `/deploy` of a commit whose checks were
 * read before costs no counted request until they change (a new status, a re-run), and is never answered from a
 * stale copy: GitHub itself says whether anything changed. Identical reads at the same moment in one process (ten
 * environments deployed at once) share one request. The memory failing only costs the request a 304 would have
 * saved.
 */
export function conditionalReads(memory: ReadMemory): Reads {
  const inFlight = new Map<string, Promise<unknown>>();
  const readOnce = async <T>({ key, schema, endpoint, fetch }: ConditionalRead<T>): Promise<T> => {
    const remembered = await memory.get(key).catch(() => undefined);
    const kept = remembered && schema.safeParse(remembered.data);
    let response: Awaited<ReturnType<typeof fetch>>;
    try {
      response = await fetch(kept?.success ? remembered?.etag : undefined);
    } catch (error) {
      if (githubStatus(error) === 304 && kept?.success) return kept.data;
      throw error;
    }
    const parsed = schema.safeParse(response.data);
    if (!parsed.success) throw new GitHubUnexpectedResponseError(endpoint, parsed.error);
    const etag = response.headers.etag;
    if (etag) await memory.set(key, { etag, data: parsed.data }).catch(() => undefined);
    return parsed.data;
  };
  return <T>(read: ConditionalRead<T>): Promise<T> => {
    const running = inFlight.get(read.key);
    if (running) return running as Promise<T>;
    const started = readOnce(read).finally(() => inFlight.delete(read.key));
    inFlight.set(read.key, started);
    return started;
  };
}
