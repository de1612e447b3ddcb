import type { GitHubSim, Run } from '../sim/github.js';
import type { Message, SlackSim } from '../sim/slack.js';
import type {
  Lifecycle,
  Role,
  ServiceHealth,
  SlackRefusal,
  Snapshot,
  SnapshotChannel,
  SnapshotMessage,
  SnapshotRun,
  TrafficSettings,
} from '../web/protocol.js';

/** What a page shows of a busy channel: its latest messages (a playground runs for minutes, not months). */
const MESSAGES_KEPT = 200;
const EPHEMERALS_KEPT = 100;
const RUNS_KEPT = 60;
const REFUSALS_KEPT = 20;

export interface SnapshotParts {
  slack: SlackSim;
  github: GitHubSim;
  /** `owner/name` of the deployed repository. */
  repo: string;
  /** The slash commands the app declares (manifest.yml). */
  commands: readonly string[];
  roles: ReadonlyMap<string, Role>;
  lifecycle: Lifecycle;
  traffic: TrafficSettings;
  services: ServiceHealth[];
  flags: { name: string; enabled: boolean | null }[];
}

/** Everything the page shows, read from the simulators as they are now. */
export function snapshotOf(parts: SnapshotParts): Snapshot {
  const { slack, github } = parts;
  const { workspace } = slack;
  const groups = workspace.usergroups.filter((group) => !group.disabled);
  const channels: SnapshotChannel[] = [...workspace.channels.values()]
    .filter((channel) => !channel.archived)
    .map((channel) => ({
      id: channel.id,
      name: channel.name,
      im: channel.isIm,
      ...(channel.user ? { user: channel.user } : {}),
      members: [...channel.members],
      messages: threaded(channel.messages.filter((message) => !message.deleted)).slice(-MESSAGES_KEPT),
    }));
  const views = [...workspace.views.values()];
  return {
    team: { name: workspace.team.name, domain: workspace.team.domain },
    bot: { userId: workspace.bot.userId, name: workspace.bot.name },
    users: [...workspace.users.values()]
      .filter((user) => !user.isBot)
      .map((user) => ({
        id: user.id,
        name: user.name,
        realName: user.realName,
        role: parts.roles.get(user.id) ?? 'outsider',
        groups: groups.filter((group) => group.users.includes(user.id)).map((group) => group.handle),
      })),
    usergroups: groups.map((group) => ({ id: group.id, handle: group.handle })),
    channels,
    ephemerals: workspace.ephemerals
      .filter((ephemeral) => !ephemeral.deleted)
      .slice(-EPHEMERALS_KEPT)
      .map((ephemeral) => ({
        channel: ephemeral.channel,
        user: ephemeral.user,
        ts: ephemeral.ts,
        text: ephemeral.text,
        ...(ephemeral.blocks ? { blocks: ephemeral.blocks } : {}),
      })),
    modals: [...workspace.users.keys()].flatMap((user) => {
      const modal = workspace.topModal(user);
      return modal ? [{ id: modal.id, user, hash: modal.hash, view: modal.view }] : [];
    }),
    homes: views
      .filter((view) => view.type === 'home')
      .map((view) => ({ id: view.id, user: view.user, hash: view.hash, view: view.view })),
    commands: [...parts.commands],
    github: {
      repo: parts.repo,
      webUrl: github.webUrl,
      runs: github
        .runs(parts.repo)
        .slice(-RUNS_KEPT)
        .map((run) => runOf(run, github.webUrl)),
      deployments: github.deployments(parts.repo).map((deployment) => ({
        id: deployment.id,
        environment: deployment.environment,
        ref: deployment.ref,
        sha: deployment.sha,
        createdAt: deployment.createdAt,
        statuses: deployment.statuses.map((status) => ({
          state: status.state,
          description: status.description,
          at: status.createdAt,
        })),
      })),
      lifecycle: parts.lifecycle,
      webhooks: {
        delivered: github.deliveries.length,
        refused: github.deliveries.filter((delivery) => delivery.error || (delivery.status ?? 0) >= 400)
          .length,
      },
    },
    slackApi: {
      calls: slack.calls.length + slack.responses.length,
      refused: refusals(slack).slice(-REFUSALS_KEPT),
    },
    traffic: parts.traffic,
    services: parts.services,
    flags: parts.flags,
  };
}

/** Every `ok:false` answer of the Web API and every refused response_url post, oldest first. */
function refusals(slack: SlackSim): SlackRefusal[] {
  const messages = (response: Record<string, unknown> | undefined): string[] => {
    const metadata = response?.response_metadata as { messages?: unknown } | undefined;
    return Array.isArray(metadata?.messages) ? metadata.messages.map(String) : [];
  };
  return [
    ...slack.calls
      .filter((call) => call.response?.ok === false)
      .map((call) => ({
        at: call.at,
        method: call.method,
        error: String(call.response?.error ?? call.status),
        messages: messages(call.response),
      })),
    ...slack.responses
      .filter((post) => post.status >= 400)
      .map((post) => ({ at: post.at, method: 'response_url', error: `HTTP ${post.status}`, messages: [] })),
  ]
    .sort((a, b) => a.at - b.at)
    .map(({ method, error, messages: said }) => ({ method, error, messages: said }));
}

/** Top-level messages, each with its thread replies. */
function threaded(messages: readonly Message[]): SnapshotMessage[] {
  const replies = new Map<string, SnapshotMessage[]>();
  for (const message of messages) {
    if (message.threadTs === undefined || message.threadTs === message.ts) continue;
    replies.set(message.threadTs, [...(replies.get(message.threadTs) ?? []), messageOf(message, [])]);
  }
  return messages
    .filter((message) => message.threadTs === undefined || message.threadTs === message.ts)
    .map((message) => messageOf(message, replies.get(message.ts) ?? []));
}

function messageOf(message: Message, replies: SnapshotMessage[]): SnapshotMessage {
  return {
    ts: message.ts,
    user: message.user,
    text: message.text,
    ...(message.blocks ? { blocks: message.blocks } : {}),
    edited: message.edited !== undefined,
    replies,
  };
}

function runOf(run: Run, webUrl: string): SnapshotRun {
  return {
    id: run.id,
    number: run.runNumber,
    title: run.displayTitle,
    phase: run.inputs.deployment_phase ?? run.name,
    environment: run.inputs.environment ?? '',
    ...(run.inputs.traffic_percentage ? { traffic: run.inputs.traffic_percentage } : {}),
    status: run.status,
    conclusion: run.conclusion,
    url: `${webUrl}/${run.repo}/actions/runs/${run.id}`,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
  };
}
