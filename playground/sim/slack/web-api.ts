import { randomBytes } from 'node:crypto';
import { LIMITS, slackErrorMessages, validateMessageBlocks, validateView } from '../block-kit.js';
import type { Channel, Message, View, Workspace } from './workspace.js';

/** A Web API call's arguments as decoded from the form or the JSON body. */
export type Args = Record<string, unknown>;

export interface ApiContext {
  workspace: Workspace;
  scopes: ReadonlySet<string>;
  /** Which of the app's tokens made the call. */
  token: 'bot' | 'app';
  triggerTtlMs: number;
  socketModeUrl?: string;
}

type Result = Record<string, unknown>;
type Method = (args: Args, context: ApiContext) => Result;

/** The scopes a method needs (any one of them), as Slack's method reference lists them. */
export const METHOD_SCOPES: Record<string, string[]> = {
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.delete': ['chat:write'],
  'usergroups.list': ['usergroups:read'],
  'conversations.create': ['channels:manage'],
  'conversations.invite': ['channels:manage', 'channels:write.invites'],
  'conversations.join': ['channels:join'],
  'conversations.info': ['channels:read', 'groups:read', 'im:read'],
  'conversations.list': ['channels:read'],
  'users.info': ['users:read'],
  'users.list': ['users:read'],
};

const fail = (error: string, extra: Result = {}): Result => ({ ok: false, error, ...extra });

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function bool(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}

/** A JSON argument: form fields carry it as a string, JSON bodies as the value itself. */
function jsonArg(value: unknown): { ok: true; value: unknown } | { ok: false } {
  if (value === undefined) return { ok: true, value: undefined };
  if (typeof value !== 'string') return { ok: true, value };
  try {
    return { ok: true, value: JSON.parse(value) };
  } catch {
    return { ok: false };
  }
}

/** The args with their JSON fields decoded, as a test reads a recorded call. */
export function decodedArgs(args: Args): Args {
  const decoded: Args = { ...args };
  for (const field of ['blocks', 'attachments', 'view']) {
    const parsed = jsonArg(args[field]);
    if (parsed.ok && parsed.value !== undefined) decoded[field] = parsed.value;
  }
  return decoded;
}

/** The text and blocks of a message-posting call, checked as Slack checks them. */
function messageContent(
  args: Args,
): { ok: true; text: string; blocks: unknown[] | undefined } | { ok: false; result: Result } {
  const blocks = jsonArg(args.blocks);
  if (!blocks.ok || (blocks.value !== undefined && !Array.isArray(blocks.value)))
    return { ok: false, result: fail('invalid_blocks_format') };
  const attachments = jsonArg(args.attachments);
  if (!attachments.ok) return { ok: false, result: fail('invalid_attachments') };
  const text = str(args.text);
  const list = blocks.value as unknown[] | undefined;
  if (
    (text === undefined || text === '') &&
    (list === undefined || list.length === 0) &&
    attachments.value === undefined
  )
    return { ok: false, result: fail('no_text') };
  if ((text?.length ?? 0) > LIMITS.messageText) return { ok: false, result: fail('msg_too_long') };
  if (list !== undefined) {
    const problems = validateMessageBlocks(list);
    if (problems.length > 0) {
      const messages = slackErrorMessages(problems);
      return {
        ok: false,
        result: fail('invalid_blocks', { errors: messages, response_metadata: { messages } }),
      };
    }
  }
  return { ok: true, text: text ?? '', blocks: list };
}

export function messageJson(workspace: Workspace, message: Message): Result {
  const { bot, team } = workspace;
  const fromBot = message.user === bot.userId;
  return {
    user: message.user,
    type: 'message',
    ts: message.ts,
    ...(fromBot ? { bot_id: bot.botId, app_id: 'A0GREEN' } : {}),
    text: message.text,
    team: team.id,
    ...(fromBot
      ? {
          bot_profile: { id: bot.botId, app_id: 'A0GREEN', name: bot.name, deleted: false, team_id: team.id },
        }
      : {}),
    ...(message.blocks ? { blocks: message.blocks } : {}),
    ...(message.threadTs ? { thread_ts: message.threadTs, parent_user_id: message.user } : {}),
    ...(message.edited ? { edited: message.edited } : {}),
  };
}

export function channelJson(workspace: Workspace, channel: Channel): Result {
  return {
    id: channel.id,
    name: channel.name,
    is_channel: !channel.isIm && !channel.isPrivate,
    is_group: false,
    is_im: channel.isIm,
    is_mpim: false,
    is_private: channel.isPrivate,
    created: channel.created,
    is_archived: channel.archived,
    is_general: false,
    creator: workspace.bot.userId,
    is_member: channel.members.has(workspace.bot.userId),
    name_normalized: channel.name,
    num_members: channel.members.size,
    ...(channel.isIm ? { user: channel.user } : {}),
  };
}

export function viewJson(workspace: Workspace, view: View): Result {
  const sent = view.view;
  return {
    id: view.id,
    team_id: workspace.team.id,
    type: view.type,
    blocks: sent.blocks ?? [],
    private_metadata: sent.private_metadata ?? '',
    callback_id: sent.callback_id ?? '',
    state: { values: {} },
    hash: view.hash,
    ...(view.type === 'modal'
      ? {
          title: sent.title,
          clear_on_close: Boolean(sent.clear_on_close),
          notify_on_close: Boolean(sent.notify_on_close),
          close: sent.close ?? null,
          submit: sent.submit ?? null,
        }
      : {}),
    previous_view_id: view.previousViewId,
    root_view_id: view.rootViewId,
    app_id: 'A0GREEN',
    external_id: view.externalId ?? '',
    app_installed_team_id: workspace.team.id,
    bot_id: workspace.bot.botId,
  };
}

/** A view argument, parsed and checked; `invalid_arguments` with Slack's messages when it breaks a rule. */
function viewArg(
  args: Args,
  expected: 'modal' | 'home',
): { ok: true; view: Record<string, unknown> } | { ok: false; result: Result } {
  const parsed = jsonArg(args.view);
  if (!parsed.ok || parsed.value === undefined)
    return {
      ok: false,
      result: fail('invalid_arguments', {
        response_metadata: { messages: ['[ERROR] missing required field: view'] },
      }),
    };
  const problems = validateView(parsed.value, expected);
  if (problems.length > 0)
    return {
      ok: false,
      result: fail('invalid_arguments', { response_metadata: { messages: slackErrorMessages(problems) } }),
    };
  return { ok: true, view: parsed.value as Record<string, unknown> };
}

const newHash = () => `${Math.floor(Date.now() / 1_000)}.${randomBytes(4).toString('hex')}`;

/** Checks a trigger_id as views.open/views.push do: issued by Slack, not used yet, at most `ttl` old. */
function useTrigger(
  context: ApiContext,
  triggerId: string | undefined,
): { ok: true; user: string } | { ok: false; result: Result } {
  if (!triggerId)
    return {
      ok: false,
      result: fail('invalid_arguments', {
        response_metadata: { messages: ['[ERROR] missing required field: trigger_id'] },
      }),
    };
  const trigger = context.workspace.triggers.get(triggerId);
  if (!trigger) return { ok: false, result: fail('invalid_trigger_id') };
  if (trigger.used) return { ok: false, result: fail('exchanged_trigger_id') };
  if (Date.now() - trigger.issuedAt > context.triggerTtlMs)
    return { ok: false, result: fail('expired_trigger_id') };
  trigger.used = true;
  return { ok: true, user: trigger.user };
}

/** A modal on the user's screen: a new stack, or pushed on top of `below`. */
function openModal(workspace: Workspace, user: string, view: Record<string, unknown>, below?: View): Result {
  const id = workspace.newId('V');
  const stored: View = {
    id,
    type: 'modal',
    user,
    view,
    hash: newHash(),
    rootViewId: below?.rootViewId ?? id,
    previousViewId: below?.id ?? null,
    ...(typeof view.external_id === 'string' ? { externalId: view.external_id } : {}),
    open: true,
    stackIndex: below ? below.stackIndex + 1 : 0,
    openedAt: Date.now(),
  };
  workspace.views.set(id, stored);
  return { ok: true, view: viewJson(workspace, stored) };
}

const CHANNEL_NAME = /^[a-z0-9_-]+$/;

export const METHODS: Record<string, Method> = {
  'auth.test'(_args, { workspace }) {
    return {
      ok: true,
      url: `https://${workspace.team.domain}.slack.com/`,
      team: workspace.team.name,
      user: workspace.bot.name,
      team_id: workspace.team.id,
      user_id: workspace.bot.userId,
      bot_id: workspace.bot.botId,
      is_enterprise_install: false,
    };
  },

  'apps.connections.open'(_args, context) {
    if (context.token !== 'app') return fail('not_allowed_token_type');
    if (!context.socketModeUrl) return fail('internal_error');
    return { ok: true, url: `${context.socketModeUrl}?ticket=${randomBytes(8).toString('hex')}` };
  },

  'chat.postMessage'(args, { workspace, scopes }) {
    const content = messageContent(args);
    if (!content.ok) return content.result;
    const channel = workspace.resolveChannel(str(args.channel) ?? '');
    if (!channel || (channel.isPrivate && !channel.members.has(workspace.bot.userId)))
      return fail('channel_not_found');
    if (channel.archived) return fail('is_archived');
    if (!channel.members.has(workspace.bot.userId) && !scopes.has('chat:write.public'))
      return fail('not_in_channel');
    const threadTs = str(args.thread_ts);
    const message: Message = {
      channel: channel.id,
      ts: workspace.nextTs(),
      user: workspace.bot.userId,
      botId: workspace.bot.botId,
      text: content.text,
      ...(content.blocks ? { blocks: content.blocks } : {}),
      ...(threadTs ? { threadTs } : {}),
      history: [],
    };
    channel.messages.push(message);
    return { ok: true, channel: channel.id, ts: message.ts, message: messageJson(workspace, message) };
  },

  'chat.update'(args, { workspace }) {
    const channelId = str(args.channel) ?? '';
    const channel = /^[CGD][A-Z0-9]+$/.test(channelId) ? workspace.channels.get(channelId) : undefined;
    if (!channel) return fail('channel_not_found');
    const message = workspace.findMessage(channel.id, str(args.ts) ?? '');
    if (!message) return fail('message_not_found');
    if (message.user !== workspace.bot.userId) return fail('cant_update_message');
    const content = messageContent(args);
    if (!content.ok) return content.result;
    message.history.push({
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
      at: Date.now(),
    });
    message.text = content.text;
    if (content.blocks) message.blocks = content.blocks;
    message.edited = { user: workspace.bot.userId, ts: workspace.nextTs() };
    return {
      ok: true,
      channel: channel.id,
      ts: message.ts,
      text: message.text,
      message: messageJson(workspace, message),
    };
  },

  'chat.delete'(args, { workspace }) {
    const message = workspace.findMessage(str(args.channel) ?? '', str(args.ts) ?? '');
    if (!message) return fail('message_not_found');
    if (message.user !== workspace.bot.userId) return fail('cant_delete_message');
    message.deleted = true;
    return { ok: true, channel: message.channel, ts: message.ts };
  },

  'chat.postEphemeral'(args, { workspace }) {
    const content = messageContent(args);
    if (!content.ok) return content.result;
    const channel = workspace.resolveChannel(str(args.channel) ?? '');
    if (!channel) return fail('channel_not_found');
    const user = str(args.user) ?? '';
    if (!workspace.users.has(user)) return fail('user_not_found');
    if (!channel.members.has(user)) return fail('user_not_in_channel');
    const ts = workspace.nextTs();
    workspace.ephemerals.push({
      channel: channel.id,
      user,
      ts,
      text: content.text,
      ...(content.blocks ? { blocks: content.blocks } : {}),
      via: 'chat.postEphemeral',
      history: [],
    });
    return { ok: true, message_ts: ts };
  },

  'views.open'(args, context) {
    const view = viewArg(args, 'modal');
    if (!view.ok) return view.result;
    const trigger = useTrigger(context, str(args.trigger_id));
    if (!trigger.ok) return trigger.result;
    const { workspace } = context;
    for (const open of workspace.views.values())
      if (open.type === 'modal' && open.user === trigger.user) open.open = false;
    return openModal(workspace, trigger.user, view.view);
  },

  'views.push'(args, context) {
    const view = viewArg(args, 'modal');
    if (!view.ok) return view.result;
    const trigger = useTrigger(context, str(args.trigger_id));
    if (!trigger.ok) return trigger.result;
    const { workspace } = context;
    const top = workspace.topModal(trigger.user);
    if (!top) return fail('not_found');
    if (top.stackIndex >= 2) return fail('push_limit_reached');
    return openModal(workspace, trigger.user, view.view, top);
  },

  'views.update'(args, { workspace }) {
    const viewId = str(args.view_id);
    const externalId = str(args.external_id);
    if (!viewId && !externalId)
      return fail('invalid_arguments', {
        response_metadata: { messages: ['[ERROR] either view_id or external_id is required'] },
      });
    const stored = viewId
      ? workspace.views.get(viewId)
      : [...workspace.views.values()].find((view) => view.externalId === externalId);
    if (!stored) return fail('not_found');
    const hash = str(args.hash);
    if (hash !== undefined && hash !== stored.hash) return fail('hash_conflict');
    const view = viewArg(args, stored.type);
    if (!view.ok) return view.result;
    stored.view = view.view;
    stored.hash = newHash();
    return { ok: true, view: viewJson(workspace, stored) };
  },

  'views.publish'(args, { workspace }) {
    const user = str(args.user_id) ?? '';
    if (!workspace.users.has(user)) return fail('user_not_found');
    const view = viewArg(args, 'home');
    if (!view.ok) return view.result;
    const existing = workspace.home(user);
    const hash = str(args.hash);
    if (existing && hash !== undefined && hash !== existing.hash) return fail('hash_conflict');
    const id = existing?.id ?? workspace.newId('V');
    const stored: View = {
      id,
      type: 'home',
      user,
      view: view.view,
      hash: newHash(),
      rootViewId: id,
      previousViewId: null,
      open: true,
      stackIndex: 0,
      openedAt: existing?.openedAt ?? Date.now(),
    };
    workspace.views.set(id, stored);
    return { ok: true, view: viewJson(workspace, stored) };
  },

  'usergroups.list'(args, { workspace }) {
    const withUsers = bool(args.include_users);
    const withDisabled = bool(args.include_disabled);
    return {
      ok: true,
      usergroups: workspace.usergroups
        .filter((group) => withDisabled || !group.disabled)
        .map((group) => ({
          id: group.id,
          team_id: workspace.team.id,
          is_usergroup: true,
          name: group.name,
          description: '',
          handle: group.handle,
          is_external: false,
          date_create: 1_700_000_000,
          date_update: 1_700_000_000,
          date_delete: group.disabled ? 1_700_000_100 : 0,
          auto_type: null,
          created_by: 'U0ALICE',
          updated_by: 'U0ALICE',
          deleted_by: null,
          prefs: { channels: [], groups: [] },
          ...(withUsers ? { users: [...group.users] } : {}),
          user_count: group.users.length,
        })),
    };
  },

  'conversations.create'(args, { workspace }) {
    const name = str(args.name) ?? '';
    if (name === '') return fail('invalid_name_required');
    if (name.length > 80) return fail('invalid_name_maxlength');
    if (!CHANNEL_NAME.test(name)) return fail('invalid_name_specials');
    if (workspace.channelByName(name)) return fail('name_taken');
    const channel = workspace.addChannel({
      id: workspace.newId(bool(args.is_private) ? 'G' : 'C'),
      name,
      isPrivate: bool(args.is_private),
      members: [workspace.bot.userId],
    });
    return { ok: true, channel: channelJson(workspace, channel) };
  },

  'conversations.invite'(args, { workspace }) {
    const channel = workspace.channels.get(str(args.channel) ?? '');
    if (!channel) return fail('channel_not_found');
    if (!channel.members.has(workspace.bot.userId)) return fail('not_in_channel');
    const users = (str(args.users) ?? '')
      .split(',')
      .map((user) => user.trim())
      .filter(Boolean);
    if (users.length === 0) return fail('no_user');
    if (users.includes(workspace.bot.userId)) return fail('cant_invite_self');
    const unknown = users.find((user) => !workspace.users.has(user));
    if (unknown) return fail('user_not_found');
    if (users.every((user) => channel.members.has(user))) return fail('already_in_channel');
    for (const user of users) channel.members.add(user);
    return { ok: true, channel: channelJson(workspace, channel) };
  },

  'conversations.join'(args, { workspace }) {
    const channel = workspace.channels.get(str(args.channel) ?? '');
    if (!channel || channel.isPrivate) return fail('channel_not_found');
    if (channel.archived) return fail('is_archived');
    const already = channel.members.has(workspace.bot.userId);
    channel.members.add(workspace.bot.userId);
    return {
      ok: true,
      channel: channelJson(workspace, channel),
      ...(already
        ? { warning: 'already_in_channel', response_metadata: { warnings: ['already_in_channel'] } }
        : {}),
    };
  },

  'conversations.info'(args, { workspace }) {
    const channel = workspace.channels.get(str(args.channel) ?? '');
    if (!channel || (channel.isPrivate && !channel.members.has(workspace.bot.userId)))
      return fail('channel_not_found');
    return { ok: true, channel: channelJson(workspace, channel) };
  },

  'conversations.list'(_args, { workspace }) {
    const channels = [...workspace.channels.values()].filter(
      (channel) => !channel.isIm && !channel.isPrivate,
    );
    return {
      ok: true,
      channels: channels.map((channel) => channelJson(workspace, channel)),
      response_metadata: { next_cursor: '' },
    };
  },

  'users.info'(args, { workspace }) {
    const user = workspace.users.get(str(args.user) ?? '');
    if (!user) return fail('user_not_found');
    return {
      ok: true,
      user: {
        id: user.id,
        team_id: workspace.team.id,
        name: user.name,
        deleted: false,
        real_name: user.realName,
        tz: 'Europe/Berlin',
        is_bot: Boolean(user.isBot),
        profile: { real_name: user.realName, display_name: user.name },
      },
    };
  },
};
