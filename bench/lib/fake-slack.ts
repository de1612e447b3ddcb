import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const USERGROUPS = {
  ok: true,
  usergroups: [{ id: 'S0REL', handle: 'release-managers', users: ['U0CAROL'] }],
};

export interface FakeSlack {
  /** Base URL of the fake Web API, ending in `/api/` (for `SLACK_API_URL`). */
  apiUrl: string;
  /** Prefix for `response_url`s; the bot's replies to them are counted per tag. */
  responseUrl(tag: string): string;
  /** Replies received on response_urls under `tag`. */
  replies(tag: string): number;
  /** The last reply body received under `tag`, for a sanity check of what the bot said. */
  lastReply(tag: string): string | undefined;
  /** Web API calls received, by method (`chat.postMessage`: one per flag change). */
  apiCalls(method: string): number;
  /** Resolves once `count` replies arrived under `tag`; false if `timeoutMs` passed first. */
  waitForReplies(tag: string, count: number, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * The Slack edges on one loopback server: the Web API the bot calls (`chat.postMessage`, `usergroups.list`,
 * anything else answers `{ ok: true }`) and the sink for `response_url` replies. It answers at once and keeps
 * only counters, so it costs the machine as little CPU as possible while the bot is being measured.
 */
export async function startFakeSlack(): Promise<FakeSlack> {
  const replyCounts = new Map<string, number>();
  const lastReplies = new Map<string, string>();
  const apiCounts = new Map<string, number>();
  const waiters = new Set<() => void>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      if (path.startsWith('/api/')) {
        const method = path.slice('/api/'.length).split('?')[0] ?? '';
        apiCounts.set(method, (apiCounts.get(method) ?? 0) + 1);
        const body =
          method === 'usergroups.list'
            ? USERGROUPS
            : method === 'chat.postMessage'
              ? { ok: true, channel: 'C0STATUS', ts: `${Date.now() / 1000}` }
              : { ok: true };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
        return;
      }
      if (path.startsWith('/response/')) {
        const tag = path.split('/')[2] ?? '';
        replyCounts.set(tag, (replyCounts.get(tag) ?? 0) + 1);
        lastReplies.set(tag, Buffer.concat(chunks).toString());
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
        for (const wake of waiters) wake();
        return;
      }
      res.writeHead(404);
      res.end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  let sequence = 0;

  return {
    apiUrl: `${origin}/api/`,
    responseUrl(tag) {
      sequence += 1;
      return `${origin}/response/${tag}/${sequence}`;
    },
    replies: (tag) => replyCounts.get(tag) ?? 0,
    lastReply: (tag) => lastReplies.get(tag),
    apiCalls: (method) => apiCounts.get(method) ?? 0,
    waitForReplies(tag, count, timeoutMs) {
      return new Promise((resolve) => {
        const check = () => {
          if ((replyCounts.get(tag) ?? 0) >= count) finish(true);
        };
        const timer = setTimeout(() => finish(false), timeoutMs);
        const finish = (ok: boolean) => {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(ok);
        };
        waiters.add(check);
        check();
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
