import nock, { type ReplyFnContext } from 'nock';
import { createLogger } from '../../src/logger.js';
import { type Greenlight, startGreenlight } from '../../src/runtime.js';
import { testConfig } from './config.js';
import { RESPONSE_HOST, type SignedRequest, SLACK_API } from './slack.js';

export interface TestBot {
  url: string;
  bot: Greenlight;
  stop(): Promise<void>;
}

/** Starts the real bot (Bolt HTTP receiver, real Redis) on a free loopback port. */
export async function startTestBot(
  redisUrl: string,
  prefix: string,
  overrides: Record<string, unknown> = {},
  options: { now?: () => number; redisWaitMs?: number } = {},
): Promise<TestBot> {
  const config = testConfig(redisUrl, prefix, overrides);
  const bot = await startGreenlight(config, {
    logger: createLogger('silent'),
    botIdentity: { botId: 'B0BOT', botUserId: 'U0BOT' },
    ...options,
  });
  return { url: `http://127.0.0.1:${bot.port}`, bot, stop: () => bot.stop() };
}

/** Only loopback traffic (the bot, Redis) is real; Slack's Web API and response_url are nock scopes. */
export function isolateNetwork(): void {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
}

export async function post(url: string, request: SignedRequest): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}/slack/events`, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
  });
  return { status: response.status, text: await response.text() };
}

export interface Capture<T> {
  calls: T[];
  next(): Promise<T>;
}

function capture<T>(): Capture<T> & { push(value: T): void } {
  const calls: T[] = [];
  const waiters: ((value: T) => void)[] = [];
  let read = 0;
  return {
    calls,
    push(value) {
      calls.push(value);
      waiters.shift()?.(value);
    },
    next() {
      const index = read++;
      if (index < calls.length) return Promise.resolve(calls[index] as T);
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

/** Every message greenlight posts back through a response_url, as parsed JSON. */
export function captureResponses(): Capture<{ path: string; body: Record<string, unknown> }> {
  const sink = capture<{ path: string; body: Record<string, unknown> }>();
  nock(RESPONSE_HOST)
    .persist()
    .post(/.*/)
    .reply((path: string, body: unknown) => {
      sink.push({
        path,
        body: typeof body === 'string' ? JSON.parse(body) : (body as Record<string, unknown>),
      });
      return [200, 'ok'];
    });
  return sink;
}

export type SlackCall = { method: string; args: Record<string, unknown>; authorization: string | undefined };

/**
 * A Slack Web API that answers as Slack does, for the methods greenlight calls. `answers` may override a method's
 * reply (for example `{ ok: false, error: 'channel_not_found' }`).
 */
export function fakeSlackApi(
  answers: Record<string, (args: Record<string, unknown>) => Record<string, unknown>> = {},
): Capture<SlackCall> {
  const sink = capture<SlackCall>();
  const defaults: Record<string, (args: Record<string, unknown>) => Record<string, unknown>> = {
    'chat.postMessage': (args) => ({
      ok: true,
      channel: 'C0STATUS',
      ts: `${Date.now() / 1000}`,
      message: { text: args.text, type: 'message' },
    }),
    'chat.update': (args) => ({ ok: true, channel: args.channel, ts: args.ts, text: args.text }),
    'chat.postEphemeral': () => ({ ok: true, message_ts: `${Date.now() / 1000}` }),
    'views.open': () => ({ ok: true, view: { id: 'V0MODAL' } }),
    'usergroups.list': () => ({
      ok: true,
      usergroups: [
        {
          id: 'S0REL',
          team_id: 'T0TEST',
          handle: 'release-managers',
          name: 'Release managers',
          users: ['U0DAVE'],
          user_count: 1,
        },
        {
          id: 'S0ENG',
          team_id: 'T0TEST',
          handle: 'eng',
          name: 'Engineering',
          users: ['U0ALICE', 'U0BOB'],
          user_count: 2,
        },
      ],
    }),
  };
  nock(SLACK_API)
    .persist()
    .post(/^\/api\/[a-zA-Z.]+$/)
    .reply(function (this: ReplyFnContext, path: string, body: unknown) {
      const method = path.replace('/api/', '');
      const args = parseArgs(body);
      sink.push({ method, args, authorization: this.req.headers.authorization as string | undefined });
      const answer = answers[method] ?? defaults[method];
      return [200, answer ? answer(args) : { ok: false, error: 'unknown_method' }];
    });
  return sink;
}

function parseArgs(body: unknown): Record<string, unknown> {
  if (typeof body !== 'string') return (body ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    try {
      out[key] = key === 'blocks' || key === 'attachments' ? JSON.parse(value) : value;
    } catch {
      out[key] = value;
    }
  }
  return out;
}
