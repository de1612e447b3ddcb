import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the sink keeps per tag: how many replies it accepted, how many it refused, and the last body. */
export interface SinkTally {
  count: number;
  refused: number;
  last?: unknown;
}

export interface ResponseSink {
  /** A response_url base for `tag`; each request gets its own URL under it, as from `SlackSim.responseUrlBase`. */
  base(tag: string): string;
  tally(tag: string): SinkTally;
  /** Resolves true once `tag` has `count` accepted replies, false after `timeoutMs`. */
  waitForCount(tag: string, count: number, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Where the ack bench's response_url replies go: an HTTP endpoint that answers as Slack does (200 `ok` to a JSON
 * POST with a `text` or `blocks`, 400 `invalid_payload` otherwise) and only counts. The playground's Slack
 * simulator also renders, validates Block Kit and keeps every post, which cost it 100–350 µs of CPU per reply on
 * the bench's 2 cores, during greenlight's runs only (the baseline sends no replies); Slack's servers do not run on
 * greenlight's cores, so neither should that work. The end-to-end tests check the replies' content.
 */
export async function startResponseSink(): Promise<ResponseSink> {
  const tallies = new Map<string, SinkTally>();
  const waiters = new Set<() => void>();
  const tallyOf = (tag: string) => {
    let tally = tallies.get(tag);
    if (!tally) {
      tally = { count: 0, refused: 0 };
      tallies.set(tag, tally);
    }
    return tally;
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const tag = decodeURIComponent(/^\/tagged\/([^/]+)\//.exec(request.url ?? '')?.[1] ?? '');
      const tally = tallyOf(tag);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      const message = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
      const usable =
        request.method === 'POST' &&
        (request.headers['content-type'] ?? '').includes('json') &&
        (typeof message.text === 'string' || Array.isArray(message.blocks));
      if (usable) {
        tally.count += 1;
        tally.last = body;
      } else {
        tally.refused += 1;
      }
      response.writeHead(usable ? 200 : 400, { 'content-type': 'text/plain' });
      response.end(usable ? 'ok' : 'invalid_payload');
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base: (tag) => `${origin}/tagged/${encodeURIComponent(tag)}`,
    tally: (tag) => ({ ...tallyOf(tag) }),
    waitForCount: (tag, count, timeoutMs) =>
      new Promise<boolean>((resolve) => {
        const check = () => {
          if (tallyOf(tag).count < count) return;
          finish(true);
        };
        const timer = setTimeout(() => finish(false), timeoutMs);
        const finish = (reached: boolean) => {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(reached);
        };
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
