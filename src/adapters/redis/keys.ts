/**
 * Every Redis key greenlight uses, built in one place (as BullMQ's QueueKeys does) so a shared Redis stays tidy:
 * everything the bot keeps is under `keyPrefix` (`greenlight:`), except the flag keys the apps read, whose prefix
 * (`feature:`) is part of the contract with them.
 */
export interface RedisKeys {
  /** The key apps read: `feature:<name>` = "true" | "false". */
  flag(name: string): string;
  /** SCAN pattern matching every flag key: only for the one-time migration into `flagNames` (never on a command). */
  flagPattern(): string;
  /** The flag name from a flag key, or undefined for a key that is not one. */
  flagNameOf(key: string): string | undefined;
  /** Hash with greenlight's last change to a flag (who, why, when, until). */
  flagMeta(name: string): string;
  /** Set of every flag name greenlight has written or found: what `/flag list` and "did you mean" read. */
  flagNames(): string;
  /** Progress of the one-time SCAN of existing flag keys into `flagNames`: a SCAN cursor, or "done". */
  flagNamesMigration(): string;
  /** Stream of every audited action, append-only. */
  audit(): string;
  /** BullMQ's prefix for greenlight's queues. */
  queuePrefix(): string;
  /** Hash {version, doc}: one deployment's state, replaced only by compare-and-set on its version. */
  deployment(id: string): string;
  /** Sorted set of deployment ids by request time, per environment: the registry's index. */
  deploymentsOf(env: string): string;
  /** Counter behind an environment's deployment numbers (`production-42`). */
  deploymentSeq(env: string): string;
  /** Hash of deployment names (`production-42`) → deployment ids, for commands that take a name. */
  deploymentNames(): string;
  /** The id of the one deployment running in an environment. */
  activeDeployment(env: string): string;
  /** List of deployment ids waiting for the environment, first in first out. */
  deployQueue(env: string): string;
  /** Hash {by, reason, at, until}: a manual lock on an environment (with a TTL when `until` is set). */
  envLock(env: string): string;
  /** Short lock held while one process dispatches one workflow run (value: the holder's token). */
  dispatchLock(correlationId: string): string;
  /** Set before a dispatch is sent: a later process must look for the run instead of dispatching again. */
  dispatchAttempted(correlationId: string): string;
  /** Set of deployments not finalized yet: what the sweeper re-drives after a lost trigger. */
  activeDeployments(): string;
  /** Which deployment a workflow run belongs to (for webhooks); `…:repo` its repository, `…:etag` its last ETag. */
  runOwner(runId: number): string;
  /** JSON: the sweep's last read of a repository's (`owner/name`) run list: when, each page's ETag and runs. */
  runList(repo: string): string;
  /** The `/rollback` under way for a service in an environment (value: its id), so a second one is not started. */
  rollbackClaim(env: string, service: string): string;
  /** Hash {version, doc}: one incident, replaced only by compare-and-set on its version. */
  incident(id: string): string;
  /** Sorted set of incident ids by declare time: the incident registry's index. */
  incidents(): string;
  /** Counter behind the short incident ids (`inc-7`). */
  incidentSeq(): string;
  /** The id of the incident declared for a deployment: the incident registry's index by deployment. */
  incidentOfDeployment(deploymentId: string): string;
  /** Sorted set of users by when they last opened the Home tab: who gets it re-published on changes. */
  homeViewers(): string;
  /** Hash of commit times for lead time: field = a deployed SHA, or `<ref>@<deploymentId>` for a branch or tag. */
  commitTimes(): string;
  /** JSON {etag, data}: GitHub's last answer to a conditional read (a commit, its statuses, its check runs), by hash. */
  githubRead(hash: string): string;
  /**
   * Claimed by the first delivery of a Slack request (its `trigger_id`, with a TTL), so a re-delivery or a replay of
   * the same request finds it taken and has no effect.
   */
  request(triggerId: string): string;
  /**
   * Hash of what Slack shows of a deployment: `shown` (a digest of the state the timeline shows), `gate` (the seq
   * of the gate whose buttons it shows), `replied` (timeline entries handled for thread replies), and
   * `asked:<seq>:<user>` per approver sent a gate's buttons directly.
   */
  announcement(deploymentId: string): string;
  /** When the next call of a Slack method (in a channel, or `*` for the workspace) may go: see `pace-slack.lua`. */
  slackPace(method: string, channel: string): string;
}

export function redisKeys(keyPrefix: string, flagPrefix: string): RedisKeys {
  return {
    flag: (name) => `${flagPrefix}${name}`,
    flagPattern: () => `${escapeGlob(flagPrefix)}*`,
    flagNameOf: (key) => (key.startsWith(flagPrefix) ? key.slice(flagPrefix.length) : undefined),
    flagMeta: (name) => `${keyPrefix}flag:${name}`,
    flagNames: () => `${keyPrefix}flag-names`,
    flagNamesMigration: () => `${keyPrefix}flag-names:migration`,
    audit: () => `${keyPrefix}audit`,
    queuePrefix: () => `${keyPrefix}bull`,
    deployment: (id) => `${keyPrefix}deploy:${id}`,
    deploymentsOf: (env) => `${keyPrefix}deploys:${env}`,
    deploymentSeq: (env) => `${keyPrefix}env:${env}:deploy-seq`,
    deploymentNames: () => `${keyPrefix}deploy-names`,
    activeDeployment: (env) => `${keyPrefix}env:${env}:active`,
    deployQueue: (env) => `${keyPrefix}env:${env}:queue`,
    envLock: (env) => `${keyPrefix}env:${env}:lock`,
    dispatchLock: (id) => `${keyPrefix}dispatch:${id}:lock`,
    dispatchAttempted: (id) => `${keyPrefix}dispatch:${id}:attempted`,
    runOwner: (runId) => `${keyPrefix}run:${runId}`,
    runList: (repo) => `${keyPrefix}runs:${repo}`,
    rollbackClaim: (env, service) => `${keyPrefix}env:${env}:rollback:${service}`,
    activeDeployments: () => `${keyPrefix}unfinished-deploys`,
    incident: (id) => `${keyPrefix}incident:${id}`,
    incidents: () => `${keyPrefix}incidents`,
    incidentSeq: () => `${keyPrefix}incident-seq`,
    incidentOfDeployment: (id) => `${keyPrefix}deploy:${id}:incident`,
    commitTimes: () => `${keyPrefix}commit-times`,
    githubRead: (hash) => `${keyPrefix}github-read:${hash}`,
    homeViewers: () => `${keyPrefix}home:viewers`,
    request: (triggerId) => `${keyPrefix}request:${triggerId}`,
    announcement: (id) => `${keyPrefix}deploy:${id}:announced`,
    slackPace: (method, channel) => `${keyPrefix}slack-pace:${method}:${channel}`,
  };
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
