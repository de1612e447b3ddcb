import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { SlackSim } from '../sim/slack.js';
import type { ApiAnswer } from '../web/protocol.js';
import type { PageFiles } from './bundle.js';
import type { SimulatedServices } from './services.js';
import { type SnapshotParts, snapshotOf } from './snapshot.js';
import type { TrafficFeeder } from './traffic.js';

export interface PlaygroundServerOptions
  extends Pick<SnapshotParts, 'slack' | 'github' | 'repo' | 'commands' | 'roles' | 'lifecycle'> {
  /** 0 for any free port. */
  port: number;
  page: PageFiles;
  traffic: TrafficFeeder;
  services: SimulatedServices;
  /** The feature flags as the apps read them now. */
  flags(): SnapshotParts['flags'];
}

export interface PlaygroundServer {
  url: string;
  port: number;
  /** Something the page shows changed outside the simulators (a flag, say): send a fresh snapshot. */
  changed(): void;
  close(): Promise<void>;
}

/** Slack's client gives up on an app that has not acknowledged a command within 3 seconds. */
const ACK_TIMEOUT_MS = 3_000;
const SNAPSHOT_DEBOUNCE_MS = 60;
const HEARTBEAT_MS = 15_000;
const MAX_BODY_BYTES = 1_000_000;

const id = z.string().min(1).max(64);
const commandBody = z.object({ user: id, channel: id, text: z.string().max(4_000) });
const clickBody = z.object({
  user: id,
  actionId: z.string().min(1).max(255),
  value: z.string().max(2_000).optional(),
  place: z.union([
    z.object({ channel: id, ts: id }),
    z.object({ ephemeralTs: id }),
    z.object({ viewId: id }),
  ]),
});
const submitBody = z.object({
  user: id,
  viewId: id,
  values: z.record(z.string(), z.record(z.string(), z.string().max(3_000).nullable())),
});
const userBody = z.object({ user: id });
const lifecycleBody = z.object({
  queuedMs: z.number().int().min(0).max(600_000),
  runMs: z.number().int().min(0).max(600_000),
  conclusion: z.enum(['success', 'failure']),
});
const trafficBody = z.object({
  errorRate: z.number().min(0).max(1).optional(),
  latencyMs: z.number().min(1).max(60_000).optional(),
  requestsPerSecond: z.number().min(1).max(2_000).optional(),
});
const serviceBody = z.object({ name: id, healthy: z.boolean() });

/**
 * The playground's web server, on loopback only: the page (HTML, CSS, the bundled script), a Server-Sent Events
 * stream of snapshots (`GET /events`), the page's actions (`POST /api/…`: each becomes what Slack or GitHub would
 * do, through the simulators: a signed command or click to the bot, a run failed or cancelled, a slider moved) and
 * the simulated services the config's health checks probe (`/services/…`). The API takes JSON only, so a web page
 * elsewhere cannot post to it without the browser asking first (a CORS preflight nobody answers).
 */
export async function startPlaygroundServer(options: PlaygroundServerOptions): Promise<PlaygroundServer> {
  const { slack, github, page } = options;
  let lifecycle = options.lifecycle;
  const streams = new Set<ServerResponse>();
  let last = '';
  let timer: NodeJS.Timeout | undefined;

  const snapshotJson = () =>
    JSON.stringify(
      snapshotOf({
        slack,
        github,
        repo: options.repo,
        commands: options.commands,
        roles: options.roles,
        lifecycle,
        traffic: options.traffic.settings(),
        services: options.services.list(),
        flags: options.flags(),
      }),
    );
  const broadcast = () => {
    timer = undefined;
    if (streams.size === 0) return;
    const json = snapshotJson();
    if (json === last) return;
    last = json;
    for (const stream of streams) stream.write(`data: ${json}\n\n`);
  };
  const changed = () => {
    timer ??= setTimeout(broadcast, SNAPSHOT_DEBOUNCE_MS);
  };
  const unsubscribe = [slack.onChange(changed), github.onChange(changed)];
  const heartbeat = setInterval(() => {
    for (const stream of streams) stream.write(': keep-alive\n\n');
  }, HEARTBEAT_MS);

  const api: Record<string, (body: unknown) => Promise<ApiAnswer>> = {
    async command(body) {
      const { user, channel, text } = commandBody.parse(body);
      const typed = text.trim();
      if (!typed.startsWith('/')) return postMessage(slack, user, channel, typed, changed);
      const name = typed.split(/\s+/, 1)[0] ?? '';
      if (!options.commands.includes(name))
        return {
          ok: false,
          error: `${name} is not a valid command. In Slack, all messages that start with "/" are interpreted as commands.`,
        };
      const sent = slack.command(name, typed.slice(name.length).trim(), {
        user,
        channel: channelId(slack, channel, user),
      });
      const answered = await Promise.race([sent, sleep(ACK_TIMEOUT_MS).then(() => undefined)]);
      if (answered === undefined) return failed(name, 'operation_timeout');
      if (answered.status !== 200) return failed(name, 'dispatch_failed');
      return { ok: true };
    },
    async click(body) {
      const { user, actionId, value, place } = clickBody.parse(body);
      const delivery = await slack.click({
        user,
        actionId,
        ...(value === undefined ? {} : { value }),
        in: place,
      });
      return delivery.status === 200
        ? { ok: true }
        : { ok: false, error: `The app answered ${delivery.status}.` };
    },
    async submit(body) {
      const { user, viewId, values } = submitBody.parse(body);
      const view = slack.modal(user);
      if (!view || view.id !== viewId) return { ok: false, error: 'This modal is no longer open.' };
      const callbackId = typeof view.view.callback_id === 'string' ? view.view.callback_id : undefined;
      const delivery = await slack.submit({ user, values, ...(callbackId ? { callbackId } : {}) });
      if (delivery.status !== 200) return { ok: false, error: 'We had some trouble connecting. Try again?' };
      const errors = z
        .object({ response_action: z.literal('errors'), errors: z.record(z.string(), z.string()) })
        .safeParse(delivery.json);
      return errors.success ? { ok: true, errors: errors.data.errors } : { ok: true };
    },
    async 'close-modal'(body) {
      await slack.closeModal(userBody.parse(body).user);
      return { ok: true };
    },
    async home(body) {
      const delivery = await slack.openHome(userBody.parse(body).user);
      return delivery.status === 200
        ? { ok: true }
        : { ok: false, error: `The app answered ${delivery.status}.` };
    },
    async lifecycle(body) {
      lifecycle = lifecycleBody.parse(body);
      github.setLifecycle({ mode: 'auto', ...lifecycle });
      return { ok: true };
    },
    async traffic(body) {
      const change = trafficBody.parse(body);
      options.traffic.set(Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)));
      changed();
      return { ok: true };
    },
    async service(body) {
      const { name, healthy } = serviceBody.parse(body);
      if (!options.services.setHealthy(name, healthy)) return { ok: false, error: `No service ${name}.` };
      changed();
      return { ok: true };
    },
  };

  const runAction = (runId: number, action: string): ApiAnswer => {
    const moved =
      action === 'fail'
        ? github.fail(runId)
        : action === 'cancel'
          ? github.cancel(runId)
          : action === 'succeed'
            ? github.finish(runId)
            : undefined;
    if (moved === undefined) return { ok: false, error: `No such run action: ${action}.` };
    return moved > 0 ? { ok: true } : { ok: false, error: 'That run has already completed.' };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://playground');
    const path = url.pathname;
    if (req.method === 'GET') {
      if (path === '/') return send(res, 200, page.html, 'text/html; charset=utf-8');
      if (path === '/app.js') return send(res, 200, page.js, 'text/javascript; charset=utf-8');
      if (path === '/style.css') return send(res, 200, page.css, 'text/css; charset=utf-8');
      if (path === '/events') return openStream(req, res);
    }
    const service = options.services.answer(path);
    if (service !== undefined) return send(res, service, service < 400 ? 'ok' : 'unavailable', 'text/plain');
    if (req.method !== 'POST') return send(res, 404, 'not found', 'text/plain');
    if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
      return send(res, 415, 'JSON only', 'text/plain');
    const body = await readJson(req);
    if (body === undefined) return json(res, 400, { ok: false, error: 'Not JSON.' });
    const run = /^\/api\/runs\/(\d+)\/([a-z]+)$/.exec(path);
    if (run) {
      const answer = runAction(Number(run[1]), run[2] ?? '');
      return json(res, answer.ok ? 200 : 409, answer);
    }
    const handler = /^\/api\/([a-z-]+)$/.exec(path)?.[1];
    const call = handler === undefined ? undefined : api[handler];
    if (!call) return json(res, 404, { ok: false, error: 'No such action.' });
    try {
      const answer = await call(body);
      return json(res, 200, answer);
    } catch (error) {
      const message = error instanceof z.ZodError ? 'That request is malformed.' : errorMessage(error);
      return json(res, error instanceof z.ZodError ? 400 : 422, { ok: false, error: message });
    }
  };

  const openStream = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(`retry: 1000\ndata: ${snapshotJson()}\n\n`);
    streams.add(res);
    req.once('close', () => streams.delete(res));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { ok: false, error: errorMessage(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    changed,
    async close() {
      clearInterval(heartbeat);
      clearTimeout(timer);
      for (const off of unsubscribe) off();
      for (const stream of streams) stream.end();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** A message typed without a slash: posted to the channel as the person, as Slack would. */
function postMessage(
  slack: SlackSim,
  user: string,
  channel: string,
  text: string,
  changed: () => void,
): ApiAnswer {
  if (text === '') return { ok: true };
  const target = slack.workspace.channels.get(channelId(slack, channel, user));
  if (!target) return { ok: false, error: 'No such channel.' };
  target.messages.push({ channel: target.id, ts: slack.workspace.nextTs(), user, text, history: [] });
  changed();
  return { ok: true };
}

/** `dm` is the person's direct messages with the bot (opened on first use); anything else a channel id. */
function channelId(slack: SlackSim, channel: string, user: string): string {
  return channel === 'dm' ? slack.workspace.imWith(user).id : channel;
}

/** What Slack's client says when an app fails a command. */
function failed(command: string, error: string): ApiAnswer {
  return { ok: false, error: `${command} failed with the error "${error}"` };
}

function send(res: ServerResponse, status: number, body: string, type: string) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}

function json(res: ServerResponse, status: number, body: ApiAnswer) {
  send(res, status, JSON.stringify(body), 'application/json; charset=utf-8');
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
