import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Headers a simulator never keeps in its log: credentials and signatures. */
const SECRET_HEADERS = new Set(['authorization', 'cookie', 'x-hub-signature', 'x-hub-signature-256']);

/** A request's headers as a simulator records them: lower-case names, one string each, secrets left out. */
export function recordedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || SECRET_HEADERS.has(name)) continue;
    kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}

/** The answer a route gives; `delayMs` holds it after the effect happened (a slow server, not a slow network). */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** JSON-encoded unless it is a string (sent as is) or undefined (no body). */
  body?: unknown;
  delayMs?: number;
}

export type Handler = (req: IncomingMessage, raw: Buffer, arrivedAt: number) => Answer | Promise<Answer>;

export interface SimServer {
  origin: string;
  port: number;
  /** Answers held back right now (see `Answer.delayMs`). */
  held(): number;
  /** Stops listening, drops every connection and every held answer. */
  close(): Promise<void>;
}

/**
 * One loopback HTTP server for a simulator: reads each body whole, asks `handle` for the answer, and writes it
 * (after `delayMs` when asked, unless the client is gone by then). `performance.now()` of the arrival is passed
 * along so a bench can time against it.
 */
export async function startSimServer(handle: Handler, port = 0): Promise<SimServer> {
  const timers = new Set<NodeJS.Timeout>();
  const write = (res: ServerResponse, answer: Answer) => {
    if (res.destroyed || res.headersSent) return;
    const body =
      answer.body === undefined
        ? undefined
        : typeof answer.body === 'string'
          ? answer.body
          : JSON.stringify(answer.body);
    res.writeHead(answer.status, answer.headers ?? {});
    res.end(body);
  };
  const server = createServer((req, res) => {
    const arrivedAt = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      Promise.resolve()
        .then(() => handle(req, Buffer.concat(chunks), arrivedAt))
        .then(
          (answer) => {
            if (!answer.delayMs || answer.delayMs <= 0) return write(res, answer);
            const timer = setTimeout(() => {
              timers.delete(timer);
              write(res, answer);
            }, answer.delayMs);
            timers.add(timer);
            res.once('close', () => {
              if (timers.delete(timer)) clearTimeout(timer);
            });
          },
          (error: unknown) => write(res, { status: 500, body: { message: String(error) } }),
        );
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${bound}`,
    port: bound,
    held: () => timers.size,
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Resolves once `probe` returns something other than undefined (checked whenever `notify` fires), or rejects. */
export class Waiters {
  private readonly checks = new Set<() => void>();
  private readonly listeners = new Set<() => void>();

  notify(): void {
    for (const check of [...this.checks]) check();
    for (const listener of [...this.listeners]) listener();
  }

  /** Calls `listener` on every notify (a change a watcher may want to show); returns the unsubscribe. */
  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const value = probe();
        if (value === undefined) return;
        clearTimeout(timer);
        this.checks.delete(check);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.checks.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.checks.add(check);
      check();
    });
  }
}

/** A request body as a Web API reads it: JSON, or form-encoded (with JSON-looking fields left as strings). */
export function parseBody(raw: Buffer, contentType: string | undefined): Record<string, unknown> | undefined {
  const text = raw.toString('utf8');
  if (text.length === 0) return {};
  if ((contentType ?? '').includes('json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}

/** A fault that applies to the next `times` matching requests (Infinity: until cleared). */
export interface CountedFault<T> {
  remaining: number;
  matches(request: T): boolean;
}

/** Takes one use of the first fault matching `request`, if any. */
export function takeFault<T, F extends CountedFault<T>>(faults: F[], request: T): F | undefined {
  const index = faults.findIndex((fault) => fault.remaining > 0 && fault.matches(request));
  if (index < 0) return undefined;
  const fault = faults[index] as F;
  fault.remaining -= 1;
  if (fault.remaining <= 0) faults.splice(index, 1);
  return fault;
}

/** A fixed latency or one drawn uniformly from a range, in milliseconds. */
export type Latency = number | { minMs: number; maxMs: number };

/** Latencies added to the requests they match, each drawn anew per request. */
export class Latencies<T> {
  private readonly entries: { latency: Latency; matches: (request: T) => boolean }[] = [];

  add(latency: Latency, matches: (request: T) => boolean): void {
    this.entries.push({ latency, matches });
  }

  clear(): void {
    this.entries.length = 0;
  }

  async wait(request: T): Promise<void> {
    for (const { latency, matches } of this.entries) {
      if (!matches(request)) continue;
      const ms =
        typeof latency === 'number'
          ? latency
          : latency.minMs + Math.random() * (latency.maxMs - latency.minMs);
      if (ms > 0) await new Promise<void>((resolve) => setTimeout(resolve, ms));
    }
  }
}
