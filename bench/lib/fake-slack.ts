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
  /**
   * Calls of a Web API method from the `from`th on (0-based, arrival order): when each arrived
   * (`performance.now()` of the bench process) and its arguments (form-encoded or JSON, as the Web API client sent
   * them; `view` and `blocks` stay JSON strings).
   */
  apiCallsOf(method: string, from?: number): { at: number; args: Record<string, unknown> }[];
  /** Resolves once `count` calls of `method` arrived; false if `timeoutMs` passed first. */
  waitForApiCalls(method: string, count: number, timeoutMs: number): Promise<boolean>;
  /** Resolves once `count` replies arrived under `tag`; false if `timeoutMs` passed first. */
  waitForReplies(tag: string, count: number, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * The Slack edges on one loopback server: the Web API the bot calls (`chat.postMessage`, `usergroups.list`,
 * anything else answers `{ ok: true }`) and the sink for `response_url` replies. It answers at once (or, for a
 * one-off comparison, the Web API after `apiDelayMs`, as the real Slack takes a round trip) and keeps only counters
 * and raw bodies, so it costs the machine as little CPU as possible while the bot is being measured.
 */
export async function startFakeSlack(options: { apiDelayMs?: number } = {}): Promise<FakeSlack> {
  const apiDelayMs = options.apiDelayMs ?? 0;
  const replyCounts = new Map<string, number>();
  const lastReplies = new Map<string, string>();
  const apiCounts = new Map<string, number>();
  // Raw bodies only, parsed when asked for, so keeping them costs the measured runs next to nothing.
  const apiLog = new Map<string, { at: number; body: Buffer; json: boolean }[]>();
  const waiters = new Set<() => void>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      if (path.startsWith('/api/')) {
        const method = path.slice('/api/'.length).split('?')[0] ?? '';
        apiCounts.set(method, (apiCounts.get(method) ?? 0) + 1);
        const log = apiLog.get(method) ?? [];
        log.push({
          at,
          body: Buffer.concat(chunks),
          json: (req.headers['content-type'] ?? '').includes('json'),
        });
        apiLog.set(method, log);
        const body =
          method === 'usergroups.list'
            ? USERGROUPS
            : method === 'chat.postMessage'
              ? { ok: true, channel: 'C0STATUS', ts: `${Date.now() / 1000}` }
              : { ok: true };
        const answer = () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
          for (const wake of waiters) wake();
        };
        if (apiDelayMs > 0) setTimeout(answer, apiDelayMs);
        else answer();
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
    apiCallsOf: (method, from = 0) =>
      (apiLog.get(method) ?? []).slice(from).map((call) => {
        const text = call.body.toString();
        const args = call.json
          ? (JSON.parse(text) as Record<string, unknown>)
          : Object.fromEntries(new URLSearchParams(text));
        return { at: call.at, args };
      }),
    waitForReplies: (tag, count, timeoutMs) =>
      waitUntil(() => (replyCounts.get(tag) ?? 0) >= count, timeoutMs),
    waitForApiCalls: (method, count, timeoutMs) =>
      waitUntil(() => (apiCounts.get(method) ?? 0) >= count, timeoutMs),
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };

  function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (done()) finish(true);
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
  }
}
