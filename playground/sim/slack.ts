import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LIMITS, slackErrorMessages, validateMessageBlocks } from './block-kit.js';
import {
  type Answer,
  type CountedFault,
  Latencies,
  type Latency,
  parseBody,
  recordedHeaders,
  startSimServer,
  takeFault,
  Waiters,
} from './http.js';
import { type MethodLimit, RateLimiter } from './slack/rate-limits.js';
import {
  payloadUser,
  redelivery,
  type SignedRequest,
  signedEvent,
  signedInteraction,
  signedSlashCommand,
} from './slack/requests.js';
import { type Args, decodedArgs, METHOD_SCOPES, METHODS, messageJson, viewJson } from './slack/web-api.js';
import {
  type Channel,
  type Ephemeral,
  type Message,
  type MessageVersion,
  type ResponseTarget,
  type View,
  Workspace,
  type WorkspaceSpec,
} from './slack/workspace.js';

export type { MethodLimit } from './slack/rate-limits.js';
export { METHOD_LIMITS, TIERS } from './slack/rate-limits.js';
export type { SignedRequest } from './slack/requests.js';
export { redelivery, sign, signedEvent, signedInteraction, signedSlashCommand } from './slack/requests.js';
export type {
  Channel,
  ChannelSpec,
  Ephemeral,
  Message,
  SlackUser,
  UserGroup,
  View,
  WorkspaceSpec,
} from './slack/workspace.js';
export { DEFAULT_CHANNELS, DEFAULT_USERGROUPS, DEFAULT_USERS } from './slack/workspace.js';

/** The bot scopes of greenlight's manifest.yml. */
export const GREENLIGHT_SCOPES = [
  'commands',
  'chat:write',
  'chat:write.public',
  'channels:read',
  'usergroups:read',
  'channels:manage',
];

export interface SlackSimOptions {
  port?: number;
  workspace?: WorkspaceSpec;
  botToken?: string;
  /** The app-level token (`xapp-…`) Socket Mode connects with. */
  appToken?: string;
  signingSecret?: string;
  /** The bot token's scopes, sent back in `x-oauth-scopes` (default: greenlight's manifest). */
  scopes?: string[];
  /** Slack's per-method rate limits: off by default; true for Slack's tiers, or limits per method. */
  rateLimits?: boolean | Record<string, MethodLimit>;
  /** How long a trigger_id may be used for views.open (Slack: 3 s). */
  triggerTtlMs?: number;
  /** What apps.connections.open answers (a WebSocket URL the test serves). */
  socketModeUrl?: string;
  /** Where Slack sends commands, interactions and events (`http://…/slack/events`); also `connectBot`. */
  requestUrl?: string;
}

/** One Web API call as the simulator received and answered it (the token left out). */
export interface WebApiCall {
  /** `performance.now()` when it arrived. */
  at: number;
  method: string;
  /** Arguments with `blocks`, `attachments` and `view` decoded from JSON. */
  args: Args;
  /** Which token authenticated it. */
  token: 'bot' | 'app' | 'invalid' | 'none';
  /** `Bearer` header, `token` argument, or none. */
  auth: 'bearer' | 'argument' | 'none';
  encoding: 'form' | 'json';
  headers: Record<string, string>;
  status: number;
  response: Record<string, unknown> | undefined;
}

/** A post the bot made to a response_url. */
export interface ResponsePost {
  at: number;
  /** The response_url's path. */
  path: string;
  url: string;
  kind: 'command' | 'action';
  user: string;
  channel: string;
  body: Record<string, unknown>;
  status: number;
}

/** A request built but not sent yet, with the trigger_id Slack gave it. */
export interface BuiltRequest {
  request: SignedRequest;
  triggerId: string;
}

/** What the bot answered a request Slack sent it. */
export interface Delivery {
  status: number;
  /** The HTTP body of the ack. */
  text: string;
  /** The ack parsed as JSON, when it is. */
  json: Record<string, unknown> | undefined;
  request: SignedRequest;
  /** Sends the same bytes again (a replay), or a re-delivery with `X-Slack-Retry-Num`. */
  resend(options?: { retryNum?: number; reason?: string }): Promise<Delivery>;
}

export interface CommandResult extends Delivery {
  responseUrl: string;
  triggerId: string;
  /** The first post to the command's response_url (waits up to `timeoutMs`). */
  reply(timeoutMs?: number): Promise<ResponsePost>;
  replies(): ResponsePost[];
  /**
   * The private answer the user sees first: the ack's own message when it carried one (Slack shows it at once),
   * otherwise the first post to the response_url (waits up to `timeoutMs`).
   */
  answer(timeoutMs?: number): Promise<CommandAnswer>;
}

/** A command's private answer and how it came. */
export interface CommandAnswer {
  via: 'ack' | 'response_url';
  body: Record<string, unknown>;
}

export interface ClickResult extends Delivery {
  triggerId: string;
  responseUrl: string | undefined;
  reply(timeoutMs?: number): Promise<ResponsePost>;
  /** The same click again on the message as it was (a double click, or a screen that had not caught up). */
  again(): Promise<ClickResult>;
}

export interface SubmitResult extends Delivery {
  view: View;
}

/** Where a button is: a message in a channel (`ts`), an ephemeral message, or a view (modal or Home). */
export type ButtonPlace = { channel: string; ts: string } | { ephemeralTs: string } | { viewId: string };

export interface ClickSpec {
  actionId: string;
  user: string;
  /** The button's value, when several buttons share an action id. */
  value?: string;
  /** Where to look; default: the newest message, ephemeral or view the user can see with that button. */
  in?: ButtonPlace;
  /** Also look at earlier versions of messages (a client that had not caught up). */
  stale?: boolean;
}

export interface SubmitSpec {
  user: string;
  /** The open modal's callback_id (default: the user's top modal). */
  callbackId?: string;
  /** What the user typed, by block_id and action_id; other inputs keep their initial value. */
  values?: Record<string, Record<string, string | null>>;
  /**
   * Check what Slack's client checks before it sends (required inputs, min and max length); false builds the
   * payload anyway, as a forged or replayed request could.
   */
  clientChecks?: boolean;
}

export interface SlackSim {
  /** `SLACK_API_URL`: `http://127.0.0.1:<port>/api/`. */
  apiUrl: string;
  origin: string;
  botToken: string;
  appToken: string;
  signingSecret: string;
  /** The bot token's scopes; change them to see what a token without one gets. */
  scopes: Set<string>;
  workspace: Workspace;
  /** Every Web API call, in arrival order. */
  readonly calls: WebApiCall[];
  callsOf(method: string): WebApiCall[];
  /** Every post to a response_url, in arrival order. */
  readonly responses: ResponsePost[];
  channel(idOrName: string): Channel | undefined;
  /** A channel's top-level messages as they look now, oldest first. */
  messages(channel: string): Message[];
  /** A message's thread replies, oldest first. */
  thread(channel: string, ts: string): Message[];
  /** Ephemeral messages (to one user when named), oldest first. */
  ephemerals(user?: string): Ephemeral[];
  /** The modal a user has open on top, if any. */
  modal(user: string): View | undefined;
  home(user: string): View | undefined;
  /**
   * The next `times` calls of `method` (or `response_url`) fail: `ok:false` with `error`, or an HTTP status (429
   * with `Retry-After: retryAfterSeconds`). With `channel` (a name such as `#deployment-status`, or an id), only
   * calls to that channel fail.
   */
  failNext(
    method: string,
    options?: {
      times?: number;
      error?: string;
      status?: number;
      retryAfterSeconds?: number;
      channel?: string;
    },
  ): void;
  latency(latency: Latency, method?: string): void;
  setRateLimits(limits: boolean | Record<string, MethodLimit>): void;
  clearFaults(): void;
  connectBot(requestUrl: string): void;
  /** A slash command as Slack sends it, with a fresh response_url and trigger_id. */
  command(command: string, text: string, options: { user: string; channel?: string }): Promise<CommandResult>;
  /** Builds (without sending) a command's signed request; a wrong `secret` or old `timestampSec` forges one. */
  commandRequest(
    command: string,
    text: string,
    options: { user: string; channel?: string; secret?: string; timestampSec?: number; tag?: string },
  ): BuiltRequest & { responseUrl: string };
  /** Builds (without sending) a click on a button the bot rendered, as `click` sends it. */
  clickRequest(spec: ClickSpec & { tag?: string }): BuiltRequest & { responseUrl: string | undefined };
  /** Builds (without sending) the submission of the user's open modal, as `submit` sends it. */
  submitRequest(spec: SubmitSpec): BuiltRequest & { view: View };
  /**
   * A base for response_urls issued in bulk (a load generator appends `/<anything>` to it); replies to them are
   * counted under `tag`.
   */
  responseUrlBase(tag: string): string;
  /** Replies to response_urls under `tag` (see `responseUrlBase` and the `tag` of `commandRequest`). */
  tagged(tag: string): { count: number; last?: ResponsePost };
  /** Clicks a button the bot rendered (throws when there is no such button). */
  click(spec: ClickSpec): Promise<ClickResult>;
  /** Submits the user's open modal with the values typed in. */
  submit(spec: SubmitSpec): Promise<SubmitResult>;
  /** An Events API event (`app_home_opened`, …) in its envelope. */
  event(event: Record<string, unknown>): Promise<Delivery>;
  openHome(user: string): Promise<Delivery>;
  /** Sends a signed request to the bot's request URL. */
  send(request: SignedRequest): Promise<Delivery>;
  waitFor<T>(probe: () => T | undefined, timeoutMs?: number, what?: string): Promise<T>;
  /**
   * Calls `listener` after every change a client would show (a Web API call, a response_url post, an answer from
   * the bot); returns the unsubscribe.
   */
  onChange(listener: () => void): () => void;
  /**
   * The user closes their top modal (its close button): the modal below it, if any, shows again, and the app hears
   * `view_closed` when the view asked for it (`notify_on_close`).
   */
  closeModal(user: string): Promise<Delivery | undefined>;
  close(): Promise<void>;
}

interface Failure extends CountedFault<{ method: string; channel?: string }> {
  error: string;
  status: number;
  retryAfterSeconds: number;
}

type Element = Record<string, unknown>;
type Block = {
  type?: string;
  block_id?: string;
  elements?: Element[];
  accessory?: Element;
  element?: Element;
};

/** Every button in a list of blocks, with its block_id. */
function buttonsOf(blocks: unknown[] | undefined): { element: Element; blockId: string | undefined }[] {
  const found: { element: Element; blockId: string | undefined }[] = [];
  for (const block of (blocks ?? []) as Block[]) {
    const elements =
      block.type === 'actions' ? (block.elements ?? []) : block.accessory ? [block.accessory] : [];
    for (const element of elements)
      if (element.type === 'button') found.push({ element, blockId: block.block_id });
  }
  return found;
}

let blockIds = 0;

/** Slack gives every block a block_id when the app did not (a short one of its own making). */
function withBlockIds(blocks: unknown[] | undefined): unknown[] | undefined {
  return blocks?.map((block) => {
    if (block === null || typeof block !== 'object' || 'block_id' in block) return block;
    blockIds += 1;
    return { ...block, block_id: blockIds.toString(36).padStart(4, '0') };
  });
}

/**
 * A loopback Slack for one app in one workspace. The Web API answers as Slack does (`ok:false` errors, Block Kit
 * validation with `response_metadata.messages`, per-method rate limits when on, the token checked, scopes in
 * `x-oauth-scopes`) and keeps what it is asked to: channels with their messages (updated in place), threads,
 * ephemerals, modals and Home tabs. response_urls and trigger_ids are handed out with each request Slack sends the
 * bot, and those requests (commands, button clicks on the messages the bot actually posted, modal submissions,
 * events) are signed with the app's signing secret, exactly as Slack sends them.
 */
export async function startSlackSim(options: SlackSimOptions = {}): Promise<SlackSim> {
  const workspace = new Workspace(options.workspace);
  const botToken = options.botToken ?? `xoxb-${randomBytes(6).toString('hex')}-simulated`;
  const appToken = options.appToken ?? `xapp-1-A0GREEN-${randomBytes(6).toString('hex')}`;
  const signingSecret = options.signingSecret ?? randomBytes(16).toString('hex');
  const scopes = new Set(options.scopes ?? GREENLIGHT_SCOPES);
  const calls: WebApiCall[] = [];
  const responses: ResponsePost[] = [];
  const waiters = new Waiters();
  const failures: Failure[] = [];
  const latencies = new Latencies<string>();
  const tagged = new Map<string, { count: number; last?: ResponsePost }>();
  let limiter: RateLimiter | undefined;
  let requestUrl = options.requestUrl;
  let origin = '';

  const setRateLimits = (limits: boolean | Record<string, MethodLimit>) => {
    limiter = limits === false ? undefined : new RateLimiter(limits === true ? {} : limits);
  };
  setRateLimits(options.rateLimits ?? false);

  const answer = (
    status: number,
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Answer => ({
    status,
    body,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });

  const webApi = async (req: IncomingMessage, raw: Buffer, at: number, method: string): Promise<Answer> => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const contentType = req.headers['content-type'];
    const encoding = (contentType ?? '').includes('json') ? 'json' : 'form';
    const args: Args = { ...Object.fromEntries(url.searchParams), ...(parseBody(raw, contentType) ?? {}) };
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    // A JSON body cannot carry the token: Slack reads it only from the header then.
    const given =
      bearer ?? (encoding === 'form' ? (typeof args.token === 'string' ? args.token : undefined) : undefined);
    delete args.token;
    const token =
      given === undefined ? 'none' : given === botToken ? 'bot' : given === appToken ? 'app' : 'invalid';
    const call: WebApiCall = {
      at,
      method,
      args: decodedArgs(args),
      token,
      auth: bearer ? 'bearer' : given ? 'argument' : 'none',
      encoding,
      headers: recordedHeaders(req.headers),
      status: 200,
      response: undefined,
    };
    const done = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      call.status = status;
      call.response = body;
      calls.push(call);
      waiters.notify();
      return answer(status, body, {
        ...(token === 'bot'
          ? {
              'x-oauth-scopes': [...scopes].join(','),
              'x-accepted-oauth-scopes': (METHOD_SCOPES[method] ?? []).join(','),
            }
          : {}),
        ...headers,
      });
    };
    await latencies.wait(method);
    if (token === 'none') return done(200, { ok: false, error: 'not_authed' });
    if (token === 'invalid') return done(200, { ok: false, error: 'invalid_auth' });
    const handler = METHODS[method];
    if (!handler) return done(200, { ok: false, error: 'unknown_method', req_method: method });
    if (token === 'app' && method !== 'apps.connections.open')
      return done(200, { ok: false, error: 'not_allowed_token_type' });
    const needed = METHOD_SCOPES[method];
    if (token === 'bot' && needed && !needed.some((scope) => scopes.has(scope)))
      return done(200, {
        ok: false,
        error: 'missing_scope',
        needed: needed.join(','),
        provided: [...scopes].join(','),
      });
    const failure = takeFault(failures, {
      method,
      ...(typeof args.channel === 'string' ? { channel: args.channel } : {}),
    });
    if (failure) {
      if (failure.status === 429)
        return done(
          429,
          { ok: false, error: 'ratelimited' },
          { 'retry-after': String(failure.retryAfterSeconds) },
        );
      return done(failure.status, { ok: false, error: failure.error });
    }
    if (limiter) {
      const channel = typeof args.channel === 'string' ? args.channel : undefined;
      const taken = limiter.take(method, channel);
      if (!taken.ok)
        return done(
          429,
          { ok: false, error: 'ratelimited' },
          { 'retry-after': String(taken.retryAfterSeconds) },
        );
    }
    const result = handler(args, {
      workspace,
      scopes,
      token,
      triggerTtlMs: options.triggerTtlMs ?? 3_000,
      ...(options.socketModeUrl ? { socketModeUrl: options.socketModeUrl } : {}),
    });
    if (method === 'chat.postMessage' && result.ok === true) {
      const message = workspace.findMessage(String(result.channel), String(result.ts));
      if (message) message.blocks = withBlockIds(message.blocks);
    }
    return done(200, result);
  };

  /** A post to a response_url: checked like a message, then shown as Slack would show it. */
  const responseUrl = async (
    req: IncomingMessage,
    raw: Buffer,
    at: number,
    target: ResponseTarget,
  ): Promise<Answer> => {
    const text = (status: number, body: string): Answer => ({
      status,
      body,
      headers: { 'content-type': 'text/plain' },
    });
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      body = {};
    }
    const post: ResponsePost = {
      at,
      path: new URL(req.url ?? '/', 'http://sim').pathname,
      url: target.url,
      kind: target.kind,
      user: target.user,
      channel: target.channel,
      body,
      status: 200,
    };
    const done = (answer: Answer) => {
      post.status = answer.status;
      responses.push(post);
      if (target.tag !== undefined) {
        const counted = tagged.get(target.tag) ?? { count: 0 };
        counted.count += 1;
        counted.last = post;
        tagged.set(target.tag, counted);
      }
      waiters.notify();
      return answer;
    };
    await latencies.wait('response_url');
    const failure = takeFault(failures, { method: 'response_url' });
    if (failure) return done(text(failure.status === 200 ? 500 : failure.status, failure.error));
    if (Date.now() - target.createdAt > 30 * 60_000) return done(text(404, 'expired_url'));
    if (target.uses >= 5) return done(text(404, 'used_url'));
    if (!(req.headers['content-type'] ?? '').includes('json') || Object.keys(body).length === 0)
      return done(text(400, 'invalid_payload'));
    const blocks = body.blocks;
    if (blocks !== undefined && validateMessageBlocks(blocks).length > 0) {
      return done({
        status: 400,
        body: {
          ok: false,
          error: 'invalid_blocks',
          response_metadata: { messages: slackErrorMessages(validateMessageBlocks(blocks)) },
        },
        headers: { 'content-type': 'application/json' },
      });
    }
    const shown = typeof body.text === 'string' ? body.text : '';
    if (shown.length > LIMITS.messageText) return done(text(400, 'msg_too_long'));
    if (shown === '' && !Array.isArray(blocks) && !body.delete_original) return done(text(400, 'no_text'));
    target.uses += 1;
    showResponse(target, body);
    return done(text(200, 'ok'));
  };

  /** What a response_url post does: replace or delete the original, or add a message (ephemeral or in channel). */
  const showResponse = (target: ResponseTarget, body: Record<string, unknown>) => {
    const version = {
      text: typeof body.text === 'string' ? body.text : '',
      ...(Array.isArray(body.blocks) ? { blocks: withBlockIds(body.blocks) as unknown[] } : {}),
    };
    const original = target.kind === 'action' ? target.message : target.last;
    if (original && (body.replace_original === true || body.delete_original === true)) {
      const message = original.ephemeral
        ? workspace.findEphemeral(original.ts)
        : workspace.findMessage(target.channel, original.ts);
      if (message) {
        if (body.delete_original === true) message.deleted = true;
        else {
          message.history.push({
            text: message.text,
            ...(message.blocks ? { blocks: message.blocks } : {}),
            at: Date.now(),
          });
          Object.assign(message, version);
        }
        return;
      }
    }
    if (body.delete_original === true) return;
    const ts = workspace.nextTs();
    if (body.response_type === 'in_channel') {
      workspace.channels.get(target.channel)?.messages.push({
        channel: target.channel,
        ts,
        user: workspace.bot.userId,
        botId: workspace.bot.botId,
        ...version,
        history: [],
      });
      target.last = { ts, ephemeral: false };
      return;
    }
    workspace.ephemerals.push({
      channel: target.channel,
      user: target.user,
      ts,
      ...version,
      via: 'response_url',
      history: [],
    });
    target.last = { ts, ephemeral: true };
  };

  /**
   * A slash command's acknowledgement with a body is a reply: JSON with text or blocks shows as a response_url post
   * would (ephemeral unless `in_channel`), plain text as an ephemeral message; an empty 200 shows nothing.
   */
  /** The message an ack carries, as Slack would show it (none for an empty ack or one Slack would refuse). */
  const ackMessage = (delivery: Delivery): Record<string, unknown> | undefined => {
    if (delivery.status !== 200 || delivery.text.trim() === '') return undefined;
    const body = delivery.json ?? { text: delivery.text };
    const blocks = body.blocks;
    if (blocks !== undefined && validateMessageBlocks(blocks).length > 0) return undefined;
    if (typeof body.text !== 'string' && !Array.isArray(blocks)) return undefined;
    return body;
  };

  const showAck = (responseUrl: string, delivery: Delivery) => {
    const body = ackMessage(delivery);
    const target = workspace.responseTargets.get(new URL(responseUrl).pathname);
    if (!body || !target) return;
    showResponse(target, body);
    waiters.notify();
  };

  const handle = async (req: IncomingMessage, raw: Buffer, at: number): Promise<Answer> => {
    const path = new URL(req.url ?? '/', 'http://sim').pathname;
    const method = /^\/api\/([\w.]+)$/.exec(path)?.[1];
    if (method && (req.method === 'POST' || req.method === 'GET')) return webApi(req, raw, at, method);
    let target = workspace.responseTargets.get(path);
    const tag = /^\/tagged\/([^/]+)\/[^/]+$/.exec(path)?.[1];
    // A tagged response_url made by a load generator: registered on first use.
    if (!target && tag !== undefined)
      target = workspace.issueResponseUrl(
        origin,
        { user: '', channel: 'C0OPS', kind: 'command', tag: decodeURIComponent(tag) },
        `${origin}${path}`,
      );
    if (target && req.method === 'POST') return responseUrl(req, raw, at, target);
    return { status: 404, body: 'not found', headers: { 'content-type': 'text/plain' } };
  };

  const server = await startSimServer(handle, options.port ?? 0);
  origin = server.origin;

  const send = async (request: SignedRequest): Promise<Delivery> => {
    if (!requestUrl) throw new Error('the Slack simulator has no request URL: call connectBot(url) first');
    const response = await fetch(requestUrl, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
    const text = await response.text();
    let json: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object') json = parsed as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    return {
      status: response.status,
      text,
      json,
      request,
      resend: ({ retryNum, reason } = {}) =>
        send(retryNum === undefined ? request : redelivery(request, retryNum, reason)),
    };
  };

  const firstReply = (url: string, timeoutMs: number) =>
    waiters.until(
      () => responses.find((post) => post.url === url),
      timeoutMs,
      `a reply to ${new URL(url).pathname}`,
    );

  const channelName = (id: string) => workspace.channels.get(id)?.name ?? id;

  const taggedBase = (tag: string) => `${origin}/tagged/${encodeURIComponent(tag)}`;
  const issueResponseUrl = (
    target: Omit<ResponseTarget, 'id' | 'url' | 'createdAt' | 'uses'>,
    tag?: string,
  ) =>
    tag === undefined
      ? workspace.issueResponseUrl(origin, target)
      : workspace.issueResponseUrl(origin, { ...target, tag }, `${taggedBase(tag)}/${workspace.newId('R')}`);

  const commandRequest: SlackSim['commandRequest'] = (
    command,
    text,
    { user, channel = 'C0OPS', secret, timestampSec, tag },
  ) => {
    const target = issueResponseUrl({ user, channel, kind: 'command' }, tag);
    const triggerId = workspace.issueTrigger(user);
    const request = signedSlashCommand(
      {
        command,
        text,
        userId: user,
        userName: workspace.users.get(user)?.name ?? user.toLowerCase(),
        channelId: channel,
        channelName: channelName(channel),
        responseUrl: target.url,
        triggerId,
        team: workspace.team,
      },
      secret ?? signingSecret,
      timestampSec === undefined ? {} : { timestampSec },
    );
    return { request, responseUrl: target.url, triggerId };
  };

  type Found = {
    element: Element;
    blockId: string | undefined;
    place: ButtonPlace;
    version: MessageVersion;
    channel?: string;
    view?: View;
  };

  const findButton = (spec: ClickSpec): Found | undefined => {
    const matches = (element: Element) =>
      element.action_id === spec.actionId && (spec.value === undefined || element.value === spec.value);
    const inVersions = (
      versions: MessageVersion[],
      make: () => Omit<Found, 'element' | 'blockId' | 'version'>,
    ) => {
      for (const version of versions) {
        const button = buttonsOf(version.blocks).find(({ element }) => matches(element));
        if (button) return { ...button, version, ...make() };
      }
      return undefined;
    };
    const versionsOf = (message: Message | Ephemeral): MessageVersion[] => [
      { text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}), at: Date.now() },
      ...(spec.stale ? [...message.history].reverse() : []),
    ];
    const place = spec.in;
    const candidates: Found[] = [];
    const visible = (channel: Channel) => channel.members.has(spec.user) || !channel.isPrivate;
    for (const channel of workspace.channels.values()) {
      if (!visible(channel)) continue;
      for (const message of channel.messages) {
        if (message.deleted) continue;
        if (place && !('channel' in place && place.channel === channel.id && place.ts === message.ts))
          continue;
        const found = inVersions(versionsOf(message), () => ({
          place: { channel: channel.id, ts: message.ts },
          channel: channel.id,
        }));
        if (found) candidates.push(found);
      }
    }
    for (const ephemeral of workspace.ephemerals) {
      if (ephemeral.user !== spec.user || ephemeral.deleted) continue;
      if (place && !('ephemeralTs' in place && place.ephemeralTs === ephemeral.ts)) continue;
      const found = inVersions(versionsOf(ephemeral), () => ({
        place: { ephemeralTs: ephemeral.ts },
        channel: ephemeral.channel,
      }));
      if (found) candidates.push(found);
    }
    for (const view of workspace.views.values()) {
      if (view.user !== spec.user || !view.open) continue;
      if (place && !('viewId' in place && place.viewId === view.id)) continue;
      const blocks = view.view.blocks as unknown[] | undefined;
      const button = buttonsOf(blocks).find(({ element }) => matches(element));
      if (button)
        candidates.push({
          ...button,
          version: { text: '', ...(blocks ? { blocks } : {}), at: view.openedAt },
          place: { viewId: view.id },
          view,
        });
    }
    return candidates.at(-1);
  };

  const clickPayload = (
    spec: ClickSpec,
    found: Found,
    triggerId: string,
    target: ResponseTarget | undefined,
  ) => {
    const { element } = found;
    const action = {
      type: 'button',
      action_id: element.action_id,
      block_id: found.blockId ?? '',
      text: element.text,
      ...(element.value !== undefined ? { value: element.value } : {}),
      ...(element.style !== undefined ? { style: element.style } : {}),
      action_ts: `${(Date.now() / 1_000).toFixed(6)}`,
    };
    const base = {
      type: 'block_actions',
      user: payloadUser(spec.user, workspace.team),
      api_app_id: 'A0GREEN',
      token: 'deprecated-verification-token',
      trigger_id: triggerId,
      team: { id: workspace.team.id, domain: workspace.team.domain },
      enterprise: null,
      is_enterprise_install: false,
      state: { values: {} },
      actions: [action],
    };
    if (found.view)
      return {
        ...base,
        container: { type: 'view', view_id: found.view.id },
        view: viewJson(workspace, found.view),
      };
    const place = found.place;
    const ephemeral = 'ephemeralTs' in place;
    const ts = 'ts' in place ? place.ts : 'ephemeralTs' in place ? place.ephemeralTs : '';
    const channel = found.channel ?? '';
    const message = workspace.findMessage(channel, ts);
    return {
      ...base,
      container: { type: 'message', message_ts: ts, channel_id: channel, is_ephemeral: ephemeral },
      channel: { id: channel, name: channelName(channel) },
      ...(message && !ephemeral
        ? {
            message: {
              ...messageJson(workspace, message),
              text: found.version.text,
              blocks: found.version.blocks,
            },
          }
        : {}),
      ...(target ? { response_url: target.url } : {}),
    };
  };

  const clickRequest = (
    spec: ClickSpec & { tag?: string },
  ): BuiltRequest & { responseUrl: string | undefined } => {
    const found = findButton(spec);
    if (!found)
      throw new Error(
        `no button ${spec.actionId}${spec.value === undefined ? '' : ` with value ${spec.value}`} that ${spec.user} can see`,
      );
    const triggerId = workspace.issueTrigger(spec.user);
    const place = found.place;
    const target = found.view
      ? undefined
      : issueResponseUrl(
          {
            user: spec.user,
            channel: found.channel ?? '',
            kind: 'action',
            message:
              'ephemeralTs' in place
                ? { ts: place.ephemeralTs, ephemeral: true }
                : { ts: 'ts' in place ? place.ts : '', ephemeral: false },
          },
          spec.tag,
        );
    return {
      request: signedInteraction(clickPayload(spec, found, triggerId, target), signingSecret),
      triggerId,
      responseUrl: target?.url,
    };
  };

  const click = async (spec: ClickSpec): Promise<ClickResult> => {
    // Found once: a second click is on the message as the user saw it then.
    const found = findButton(spec);
    const clickOn = async (): Promise<ClickResult> => {
      const built = clickRequest({ ...spec, ...(found ? { in: found.place, stale: true } : {}) });
      const delivery = await send(built.request);
      return {
        ...delivery,
        triggerId: built.triggerId,
        responseUrl: built.responseUrl,
        reply: (timeoutMs = 5_000) => {
          if (!built.responseUrl) throw new Error('a click in a view has no response_url');
          return firstReply(built.responseUrl, timeoutMs);
        },
        again: clickOn,
      };
    };
    return clickOn();
  };

  const submitRequest = (spec: SubmitSpec): BuiltRequest & { view: View } => {
    const modals = [...workspace.views.values()].filter(
      (view) =>
        view.type === 'modal' &&
        view.user === spec.user &&
        view.open &&
        (spec.callbackId === undefined || view.view.callback_id === spec.callbackId),
    );
    const view = modals.sort((a, b) => b.stackIndex - a.stackIndex || b.openedAt - a.openedAt)[0];
    if (!view)
      throw new Error(`${spec.user} has no open modal${spec.callbackId ? ` ${spec.callbackId}` : ''}`);
    const values: Record<string, Record<string, Record<string, unknown>>> = {};
    for (const block of (view.view.blocks ?? []) as (Block & { optional?: boolean })[]) {
      if (block.type !== 'input' || !block.element) continue;
      const blockId = block.block_id ?? '';
      const actionId = String(block.element.action_id ?? '');
      const typed = spec.values?.[blockId]?.[actionId];
      const value =
        typed === undefined ? ((block.element.initial_value as string | undefined) ?? null) : typed;
      if (spec.clientChecks !== false) {
        const min = block.element.min_length as number | undefined;
        const max = block.element.max_length as number | undefined;
        if ((value === null || value === '') && !block.optional)
          throw new Error(`Slack would not submit: ${blockId} is required`);
        if (value && min !== undefined && value.length < min)
          throw new Error(`Slack would not submit: ${blockId} is shorter than ${min}`);
        if (value && max !== undefined && value.length > max)
          throw new Error(`Slack would not submit: ${blockId} is longer than ${max}`);
      }
      values[blockId] = { [actionId]: { type: block.element.type, value } };
    }
    const payload = {
      type: 'view_submission',
      team: { id: workspace.team.id, domain: workspace.team.domain },
      user: payloadUser(spec.user, workspace.team),
      api_app_id: 'A0GREEN',
      token: 'deprecated-verification-token',
      trigger_id: workspace.issueTrigger(spec.user),
      view: { ...viewJson(workspace, view), state: { values } },
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
    return { request: signedInteraction(payload, signingSecret), triggerId: payload.trigger_id, view };
  };

  const submit = async (spec: SubmitSpec): Promise<SubmitResult> => {
    const { request, view } = submitRequest(spec);
    const delivery = await send(request);
    const action = delivery.json?.response_action;
    if (delivery.status === 200 && action !== 'errors') {
      if (action === 'update' && delivery.json?.view)
        view.view = delivery.json.view as Record<string, unknown>;
      else if (action === 'clear')
        for (const open of workspace.views.values()) {
          if (open.user === spec.user && open.type === 'modal') open.open = false;
        }
      else if (action !== 'push') view.open = false;
    }
    waiters.notify();
    return { ...delivery, view };
  };

  const closeModal = async (user: string): Promise<Delivery | undefined> => {
    const view = workspace.topModal(user);
    if (!view) return undefined;
    view.open = false;
    waiters.notify();
    if (view.view.notify_on_close !== true) return undefined;
    return send(
      signedInteraction(
        {
          type: 'view_closed',
          team: { id: workspace.team.id, domain: workspace.team.domain },
          user: payloadUser(user, workspace.team),
          api_app_id: 'A0GREEN',
          token: 'deprecated-verification-token',
          view: viewJson(workspace, view),
          is_cleared: false,
          is_enterprise_install: false,
          enterprise: null,
        },
        signingSecret,
      ),
    );
  };

  const event = (inner: Record<string, unknown>) =>
    send(
      signedEvent(
        {
          token: 'deprecated-verification-token',
          team_id: workspace.team.id,
          api_app_id: 'A0GREEN',
          event: { ...inner, event_ts: `${(Date.now() / 1_000).toFixed(6)}` },
          type: 'event_callback',
          event_id: workspace.newId('Ev'),
          event_time: Math.floor(Date.now() / 1_000),
          authorizations: [
            {
              enterprise_id: null,
              team_id: workspace.team.id,
              user_id: workspace.bot.userId,
              is_bot: true,
              is_enterprise_install: false,
            },
          ],
          is_ext_shared_channel: false,
          event_context: `4-${randomBytes(12).toString('base64url')}`,
        },
        signingSecret,
      ),
    );

  const sim: SlackSim = {
    apiUrl: `${origin}/api/`,
    origin,
    botToken,
    appToken,
    signingSecret,
    scopes,
    workspace,
    calls,
    callsOf: (method) => calls.filter((call) => call.method === method),
    responses,
    channel: (reference) =>
      workspace.channels.get(reference) ?? workspace.channelByName(reference.replace(/^#/, '')),
    messages: (reference) =>
      (sim.channel(reference)?.messages ?? []).filter(
        (message) => !message.deleted && message.threadTs === undefined,
      ),
    thread: (reference, ts) =>
      (sim.channel(reference)?.messages ?? []).filter(
        (message) => !message.deleted && message.threadTs === ts,
      ),
    ephemerals: (user) =>
      workspace.ephemerals.filter(
        (message) => !message.deleted && (user === undefined || message.user === user),
      ),
    modal: (user) => workspace.topModal(user),
    home: (user) => workspace.home(user),
    failNext(
      method,
      { times = 1, error = 'internal_error', status = 200, retryAfterSeconds = 1, channel } = {},
    ) {
      const inChannel = (called: string | undefined) => {
        if (channel === undefined || called === channel) return true;
        const target = workspace.resolveChannel(channel)?.id;
        return (
          target !== undefined && called !== undefined && workspace.resolveChannel(called)?.id === target
        );
      };
      failures.push({
        remaining: times,
        matches: (called) => called.method === method && inChannel(called.channel),
        error,
        status,
        retryAfterSeconds,
      });
    },
    latency(latency, method) {
      latencies.add(latency, (called) => method === undefined || called === method);
    },
    setRateLimits,
    clearFaults() {
      failures.length = 0;
      latencies.clear();
      limiter?.reset();
    },
    connectBot(url) {
      requestUrl = url;
    },
    async command(command, text, { user, channel }) {
      const built = commandRequest(command, text, { user, ...(channel ? { channel } : {}) });
      const delivery = await send(built.request);
      showAck(built.responseUrl, delivery);
      return {
        ...delivery,
        responseUrl: built.responseUrl,
        triggerId: built.triggerId,
        reply: (timeoutMs = 5_000) => firstReply(built.responseUrl, timeoutMs),
        replies: () => responses.filter((post) => post.url === built.responseUrl),
        answer: async (timeoutMs = 5_000) => {
          const acked = ackMessage(delivery);
          if (acked) return { via: 'ack', body: acked };
          return { via: 'response_url', body: (await firstReply(built.responseUrl, timeoutMs)).body };
        },
      };
    },
    commandRequest,
    clickRequest,
    submitRequest,
    responseUrlBase: taggedBase,
    tagged: (tag) => tagged.get(tag) ?? { count: 0 },
    click,
    submit,
    event,
    openHome(user) {
      const home = workspace.home(user);
      return event({
        type: 'app_home_opened',
        user,
        channel: workspace.imWith(user).id,
        tab: 'home',
        ...(home ? { view: viewJson(workspace, home) } : {}),
      });
    },
    send,
    waitFor: (probe, timeoutMs = 10_000, what = 'a condition on the Slack simulator') =>
      waiters.until(probe, timeoutMs, what),
    onChange: (listener) => waiters.listen(listener),
    closeModal,
    close: () => server.close(),
  };
  return sim;
}
