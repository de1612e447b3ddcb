import { randomBytes } from 'node:crypto';
import { DEFAULT_TEAM, type Team } from './requests.js';

export interface SlackUser {
  id: string;
  name: string;
  realName: string;
  isBot?: boolean;
}

export interface UserGroup {
  id: string;
  handle: string;
  name: string;
  users: string[];
  disabled?: boolean;
}

export interface ChannelSpec {
  id: string;
  name: string;
  isPrivate?: boolean;
  /** Members (user ids); default: every user, the bot included. */
  members?: string[];
  archived?: boolean;
}

export interface WorkspaceSpec {
  team?: Team & { name?: string };
  users?: SlackUser[];
  usergroups?: UserGroup[];
  channels?: ChannelSpec[];
  /** The app's bot user. */
  bot?: { userId: string; botId: string; name: string };
}

/** One version of a message: what a client showed at one time. */
export interface MessageVersion {
  text: string;
  blocks?: unknown[];
  at: number;
}

export interface Message {
  channel: string;
  ts: string;
  /** The poster (the bot's user id for the bot's messages). */
  user: string;
  botId?: string;
  text: string;
  blocks?: unknown[];
  threadTs?: string;
  /** Earlier versions, oldest first (chat.update and replace_original keep them here). */
  history: MessageVersion[];
  edited?: { user: string; ts: string };
  deleted?: boolean;
}

export interface Ephemeral {
  channel: string;
  user: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  /** How it came: chat.postEphemeral, or a post to a response_url. */
  via: 'chat.postEphemeral' | 'response_url';
  history: MessageVersion[];
  deleted?: boolean;
}

export interface Channel {
  id: string;
  name: string;
  isPrivate: boolean;
  isIm: boolean;
  /** For a direct message: the other user. */
  user?: string;
  members: Set<string>;
  archived: boolean;
  created: number;
  messages: Message[];
}

export interface View {
  id: string;
  type: 'modal' | 'home';
  user: string;
  /** The view as the app sent it (parsed JSON). */
  view: Record<string, unknown>;
  hash: string;
  rootViewId: string;
  previousViewId: string | null;
  externalId?: string;
  open: boolean;
  /** Modals above this one on the user's stack (views.push), newest last. */
  stackIndex: number;
  openedAt: number;
}

/** Where a response_url leads: the command's channel, or the message an action was taken on. */
export interface ResponseTarget {
  id: string;
  url: string;
  user: string;
  channel: string;
  kind: 'command' | 'action';
  /** For an action on a message: that message (`ts`), ephemeral or not. */
  message?: { ts: string; ephemeral: boolean };
  createdAt: number;
  uses: number;
  /** The last message this response_url posted, for replace_original on a command's reply. */
  last?: { ts: string; ephemeral: boolean };
  /** Issued in bulk under a tag (see `SlackSim.responseUrlBase`). */
  tag?: string;
}

export interface Trigger {
  id: string;
  user: string;
  issuedAt: number;
  used: boolean;
}

const BOT = { userId: 'U0BOT', botId: 'B0BOT', name: 'greenlight' };

export const DEFAULT_USERS: SlackUser[] = [
  { id: 'U0ALICE', name: 'alice', realName: 'Alice Adams' },
  { id: 'U0BOB', name: 'bob', realName: 'Bob Brown' },
  { id: 'U0CAROL', name: 'carol', realName: 'Carol Chen' },
  { id: 'U0DAVE', name: 'dave', realName: 'Dave Diaz' },
  { id: 'U0EVE', name: 'eve', realName: 'Eve Evans' },
  { id: 'U0MALLORY', name: 'mallory', realName: 'Mallory Moss' },
];

export const DEFAULT_USERGROUPS: UserGroup[] = [
  { id: 'S0REL', handle: 'release-managers', name: 'Release managers', users: ['U0DAVE'] },
  { id: 'S0ENG', handle: 'eng', name: 'Engineering', users: ['U0ALICE', 'U0BOB'] },
];

export const DEFAULT_CHANNELS: ChannelSpec[] = [
  { id: 'C0STATUS', name: 'deployment-status' },
  { id: 'C0INCIDENTS', name: 'incidents' },
  { id: 'C0OPS', name: 'ops' },
];

/**
 * The workspace Slack keeps for an app: people, user groups, channels with their messages (updated in place,
 * earlier versions kept), threads, ephemeral messages, views (modals per user, Home tabs), the response_urls and
 * trigger_ids it handed out. The Web API and the interaction builder read and change it.
 */
export class Workspace {
  readonly team: Team & { name: string };
  readonly bot: { userId: string; botId: string; name: string };
  readonly users = new Map<string, SlackUser>();
  readonly usergroups: UserGroup[];
  readonly channels = new Map<string, Channel>();
  readonly ephemerals: Ephemeral[] = [];
  readonly views = new Map<string, View>();
  readonly responseTargets = new Map<string, ResponseTarget>();
  readonly triggers = new Map<string, Trigger>();
  private lastTs = 0;
  private sequence = 0;

  constructor(spec: WorkspaceSpec = {}) {
    this.team = { name: 'Acme', ...DEFAULT_TEAM, ...spec.team };
    this.bot = spec.bot ?? BOT;
    for (const user of spec.users ?? DEFAULT_USERS) this.users.set(user.id, user);
    this.users.set(this.bot.userId, {
      id: this.bot.userId,
      name: this.bot.name,
      realName: this.bot.name,
      isBot: true,
    });
    this.usergroups = (spec.usergroups ?? DEFAULT_USERGROUPS).map((group) => ({
      ...group,
      users: [...group.users],
    }));
    for (const channel of spec.channels ?? DEFAULT_CHANNELS) this.addChannel(channel);
  }

  addChannel(spec: ChannelSpec): Channel {
    const channel: Channel = {
      id: spec.id,
      name: spec.name,
      isPrivate: spec.isPrivate ?? false,
      isIm: false,
      members: new Set(spec.members ?? [...this.users.keys()]),
      archived: spec.archived ?? false,
      created: Math.floor(Date.now() / 1_000),
      messages: [],
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** A new id Slack-style: the prefix and upper-case letters and digits, unique in this workspace. */
  newId(prefix: string): string {
    this.sequence += 1;
    return `${prefix}${this.sequence.toString(36).toUpperCase().padStart(9, '0')}`;
  }

  /** Message timestamps as Slack makes them: seconds with six digits, unique and increasing. */
  nextTs(): string {
    const micros = Math.max(Date.now() * 1_000, this.lastTs + 1);
    this.lastTs = micros;
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  channelByName(name: string): Channel | undefined {
    return [...this.channels.values()].find((channel) => !channel.isIm && channel.name === name);
  }

  /** The bot's direct-message channel with a user, opened on first use. */
  imWith(userId: string): Channel {
    const existing = [...this.channels.values()].find((channel) => channel.isIm && channel.user === userId);
    if (existing) return existing;
    const channel: Channel = {
      id: this.newId('D'),
      name: userId,
      isPrivate: true,
      isIm: true,
      user: userId,
      members: new Set([userId, this.bot.userId]),
      archived: false,
      created: Math.floor(Date.now() / 1_000),
      messages: [],
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** `C…`, `G…` or `D…` ids, `#name` or `name`, or a user id (the bot's DM with them), as chat.postMessage takes. */
  resolveChannel(reference: string): Channel | undefined {
    if (/^[CGD][A-Z0-9]+$/.test(reference)) return this.channels.get(reference);
    if (/^[UW][A-Z0-9]+$/.test(reference))
      return this.users.has(reference) ? this.imWith(reference) : undefined;
    return this.channelByName(reference.replace(/^#/, ''));
  }

  findMessage(channel: string, ts: string): Message | undefined {
    return this.channels.get(channel)?.messages.find((message) => message.ts === ts && !message.deleted);
  }

  findEphemeral(ts: string): Ephemeral | undefined {
    return this.ephemerals.find((message) => message.ts === ts && !message.deleted);
  }

  issueTrigger(user: string): string {
    const id = `${Date.now()}.${this.sequence + 1}.${randomBytes(16).toString('hex')}`;
    this.sequence += 1;
    this.triggers.set(id, { id, user, issuedAt: Date.now(), used: false });
    return id;
  }

  /**
   * A response_url: under `${origin}/commands|actions/<team>/<id>/<secret>` as Slack makes them, or at `url` (a
   * tagged one, issued in bulk).
   */
  issueResponseUrl(
    origin: string,
    target: Omit<ResponseTarget, 'id' | 'url' | 'createdAt' | 'uses'>,
    url?: string,
  ): ResponseTarget {
    const id = this.newId('R');
    const path = target.kind === 'command' ? 'commands' : 'actions';
    const stored: ResponseTarget = {
      ...target,
      id,
      url: url ?? `${origin}/${path}/${this.team.id}/${id}/${randomBytes(12).toString('hex')}`,
      createdAt: Date.now(),
      uses: 0,
    };
    this.responseTargets.set(new URL(stored.url).pathname, stored);
    return stored;
  }

  /** The modal a user has on top of their stack, if any. */
  topModal(user: string): View | undefined {
    return [...this.views.values()]
      .filter((view) => view.type === 'modal' && view.user === user && view.open)
      .sort((a, b) => b.stackIndex - a.stackIndex || b.openedAt - a.openedAt)[0];
  }

  home(user: string): View | undefined {
    return [...this.views.values()].find((view) => view.type === 'home' && view.user === user);
  }
}
