import type { FileConfig } from '../../config.js';
import { noSuchName } from '../../domain/close-matches.js';
import {
  blockingChecks,
  type ChecksRequirement,
  type ChecksVerdict,
  type CommitCheck,
  type DryRunFacts,
  judgeChecks,
  type NotGreen,
  requiredContexts,
} from '../../domain/deploy/commit-checks.js';
import type { DeployRecord } from '../../domain/deploy/deploy-record.js';
import { deploymentName, isDeploymentName } from '../../domain/deploy/deployment-name.js';
import {
  createDeployment,
  type DeploymentEvent,
  type DeploymentState,
  isFinished,
  type Overridden,
  type RenderedFor,
  type TransitionResult,
} from '../../domain/deploy/deployment-state.js';
import type { DeployStatsResult } from '../../domain/deploy/dora.js';
import { runRepository } from '../../domain/deploy/next-step.js';
import { type DeploymentPlan, type PlanRequest, planDeployment } from '../../domain/deploy/plan.js';
import {
  type AccessAction,
  type AccessDecision,
  type AccessFacts,
  decideAccess,
} from '../../domain/policy/access.js';
import { checkDeployWindow } from '../../domain/policy/deploy-window.js';
import { accessFacts } from '../permissions.js';
import type { AuditLog, DocumentStore, Permissions } from '../ports.js';
import type { DeployStats } from './deploy-stats.js';
import type { DeploymentRecords } from './deployment-records.js';
import type {
  AnnouncementLedger,
  CommitChecks,
  DeployJobs,
  DeploymentNames,
  EnvironmentLanes,
  EnvironmentLock,
  ResolveRefResult,
  WorkflowRuns,
} from './ports.js';

export interface DeployRequest {
  user: string;
  env: string;
  ref?: string;
  services?: string[];
  dryRun: boolean;
  override?: string;
}

export type DeployRequestOutcome =
  | { ok: true; kind: 'plan'; plan: DeploymentPlan; facts: DryRunFacts }
  /** `queue.holder`: the name of the deployment holding the environment (`production-41`). */
  | { ok: true; kind: 'started'; state: DeploymentState; queue?: { position: number; holder: string } }
  | { ok: false; message: string; lock?: EnvironmentLock; notGreen?: NotGreen };

export type Outcome = { ok: true; message: string } | { ok: false; message: string };

/** A lock taken, or why not (with the lock that holds the environment when it is already locked). */
export type LockOutcome =
  | { ok: true; lock: EnvironmentLock }
  | { ok: false; message: string; lock?: EnvironmentLock };

export interface DeployServiceDeps {
  config: Pick<FileConfig, 'github' | 'environments' | 'services' | 'pipeline' | 'deploy' | 'rollback'>;
  records: DeploymentRecords;
  /** Listing an environment's index (`/deploy history`, `/deploy status`), which DeploymentRecords does not do. */
  store: DocumentStore<DeployRecord>;
  index: (env: string) => string;
  lanes: EnvironmentLanes;
  jobs: DeployJobs;
  /** Numbers deployments per environment (`production-42`) and finds them by that name. */
  names: DeploymentNames;
  permissions: Permissions;
  runs: Pick<WorkflowRuns, 'cancelRun'>;
  /** What a ref names and whether its checks are green, asked before anything is queued. */
  commits: CommitChecks;
  /** `/deploy stats`: the DORA figures from the registries. */
  stats?: Pick<DeployStats, 'compute'>;
  /** What Slack shows of each deployment: `/deploy status` offers a gate's buttons when the timeline does not. */
  shown?: Pick<AnnouncementLedger, 'read'>;
  audit: AuditLog;
  repo: { owner: string; repo: string };
  now: () => number;
  newId: () => string;
}

type Refusal = { ok: false; message: string; notGreen?: NotGreen };

/** The `/deploy` use cases: checks in the order a user wants to hear them, then one durable record and a job. */
export class DeployService {
  constructor(private readonly deps: DeployServiceDeps) {}

  /**
   * Local refusals first (access, the plan, the window, a lock), then GitHub's facts, after the ack: the commit the
   * ref names and whether its checks are green. Nothing is recorded, queued or locked until all of them pass; an
   * approver's `--override` lets a closed window and red checks through, and the timeline says so.
   */
  async request(request: DeployRequest): Promise<DeployRequestOutcome> {
    const local = await this.localChecks(request);
    if (!local.ok) return local;
    const facts = await this.githubFacts(request, local);
    if (!facts.ok) return facts;
    const { plan, sha, verdict, requirement } = facts;
    if (request.dryRun)
      return {
        ok: true,
        kind: 'plan',
        plan,
        facts: { sha, ...(requirement === 'none' ? {} : { checks: verdict }) },
      };
    const override = await this.overrideOf(request, local.windowOpen, facts);
    if (!override.ok) return override;
    return this.start(request, plan, sha, verdict, override.overridden);
  }

  /** What greenlight can refuse without asking GitHub: who asks, what the config makes of it, the window, a lock. */
  private async localChecks(request: DeployRequest): Promise<
    | {
        ok: true;
        plan: DeploymentPlan;
        planRequest: PlanRequest;
        requirement: ChecksRequirement;
        windowOpen: boolean;
      }
    | { ok: false; message: string; lock?: EnvironmentLock }
  > {
    const { config, lanes, now } = this.deps;
    const environment = config.environments[request.env];
    if (!environment) return { ok: false, message: this.noEnvironment(request.env) };
    const deploying = decideAccess('deploy', await this.accessFacts('deploy', request.user, request.env));
    if (!deploying.ok) {
      await this.audit('deploy.refused', request.user, { env: request.env, refusal: deploying.reason });
      return deploying;
    }
    const planRequest: PlanRequest = {
      env: request.env,
      greenlightId: this.deps.newId(),
      ...(request.ref ? { ref: request.ref } : {}),
      ...(request.services ? { services: request.services } : {}),
    };
    const planned = planDeployment(config, planRequest);
    if (!planned.ok) return { ok: false, message: planned.message };
    const requirement = environment.requireChecks ?? config.deploy.requireChecks;
    const window = checkDeployWindow(environment.window, now());
    const checked = {
      ok: true as const,
      plan: planned.plan,
      planRequest,
      requirement,
      windowOpen: window.inside,
    };
    if (request.dryRun) return checked;
    if (!window.inside) {
      if (!request.override) return { ok: false, message: window.message };
      const overriding = await this.mayOverride(request);
      if (!overriding.ok) return { ok: false, message: `${window.wait} ${overriding.message}` };
    }
    const lock = await lanes.lockOf(request.env);
    if (lock) return { ok: false, lock, message: `${request.env} is locked.` };
    return checked;
  }

  /**
   * The commit the ref names (refused when GitHub has none), the plan at it, and its checks. GitHub dispatches a
   * workflow only at a branch or tag, so a commit SHA is deployed by the workflow as it is at `github.ref`, with the
   * full SHA in the `ref` input.
   */
  private async githubFacts(
    request: DeployRequest,
    local: { plan: DeploymentPlan; planRequest: PlanRequest; requirement: ChecksRequirement },
  ): Promise<
    | { ok: true; plan: DeploymentPlan; sha: string; verdict: ChecksVerdict; requirement: ChecksRequirement }
    | Refusal
  > {
    const { config } = this.deps;
    const ref = local.plan.ref;
    const commit = await this.deps.commits.resolveRef({ ...this.deps.repo, ref });
    if (!commit.ok) return this.refuse(request, commit.reason, this.refMessage(ref, commit));
    const planned = commit.isSha
      ? planDeployment(config, {
          ...local.planRequest,
          ref: commit.sha,
          dispatchRef: config.github?.ref ?? 'main',
        })
      : { ok: true as const, plan: local.plan };
    if (!planned.ok) return { ok: false, message: planned.message };
    const judged = await this.judge(local.requirement, commit.sha);
    if (!judged.ok) return this.refuse(request, 'checks_unreadable', judged.message);
    return {
      ok: true,
      plan: planned.plan,
      sha: commit.sha,
      verdict: judged.verdict,
      requirement: local.requirement,
    };
  }

  /**
   * What an approver's `--override` lets through: a closed window (already allowed by `localChecks`) and checks that
   * are not green. Without it, or from someone who may not, a commit that is not green is refused with its checks.
   */
  private async overrideOf(
    request: DeployRequest,
    windowOpen: boolean,
    facts: { plan: DeploymentPlan; sha: string; verdict: ChecksVerdict },
  ): Promise<{ ok: true; overridden?: Overridden } | Refusal> {
    const blocking = facts.verdict.green ? undefined : blockingChecks(facts.verdict);
    if (blocking) {
      const access =
        request.override === undefined ? undefined : windowOpen ? await this.mayOverride(request) : undefined;
      const allowed = request.override !== undefined && (access === undefined || access.ok);
      if (!allowed) {
        const notGreen = this.notGreen(request, facts.plan.ref, facts.sha, blocking, access);
        return this.refuse(request, 'checks', this.notGreenMessage(notGreen), notGreen);
      }
    }
    if (request.override === undefined || (windowOpen && !blocking)) return { ok: true };
    return {
      ok: true,
      overridden: {
        ...(windowOpen ? {} : { window: true as const }),
        ...(blocking ? { checks: blocking.map((check) => `${check.name} (${check.detail})`) } : {}),
      },
    };
  }

  /** One durable record, audited, its timeline posted and its first job queued. */
  private async start(
    request: DeployRequest,
    plan: DeploymentPlan,
    sha: string,
    verdict: ChecksVerdict,
    overridden: Overridden | undefined,
  ): Promise<DeployRequestOutcome> {
    const { lanes, now } = this.deps;
    const id = plan.greenlightId;
    const state = createDeployment(
      {
        plan,
        number: await this.deps.names.assign(request.env, id),
        requestedBy: request.user,
        sha,
        requiredContexts: requiredContexts(verdict, overridden !== undefined),
        ...(overridden ? { override: request.override, overridden } : {}),
      },
      now(),
    );
    await this.deps.records.create(state, plan);
    await lanes.track(id);
    await this.audit('deploy.requested', request.user, {
      env: request.env,
      deploymentId: id,
      ref: state.ref,
      sha,
    });
    if (overridden)
      await this.audit('deploy.overridden', request.user, {
        env: request.env,
        deploymentId: id,
        reason: request.override ?? '',
        overridden: [...(overridden.window ? ['the deploy window'] : []), ...(overridden.checks ?? [])].join(
          ', ',
        ),
      });
    // The first step is queued before anything a person reads is sent: it never waits for Slack.
    await this.deps.jobs.advance(id, 'v1');
    await this.deps.records.announce(id);
    const queue = await lanes.queue(request.env);
    const position = queue.waiting.indexOf(id);
    const ahead =
      queue.active && queue.active !== id ? await this.deps.records.state(queue.active) : undefined;
    return {
      ok: true,
      kind: 'started',
      state,
      ...(ahead
        ? {
            queue: {
              position: position < 0 ? queue.waiting.length + 1 : position + 1,
              holder: deploymentName(ahead),
            },
          }
        : {}),
    };
  }

  /** The checks of `sha` judged by `requirement`; `none` asks GitHub nothing. */
  private async judge(
    requirement: ChecksRequirement,
    sha: string,
  ): Promise<{ ok: true; verdict: ChecksVerdict } | { ok: false; message: string }> {
    if (requirement === 'none') return { ok: true, verdict: judgeChecks('none', []) };
    const found = await this.deps.commits.checks({
      ...this.deps.repo,
      sha,
      ownWorkflows: this.ownWorkflows(),
    });
    return found.ok ? { ok: true, verdict: judgeChecks(requirement, found.checks) } : found;
  }

  /** The workflows greenlight dispatches: their runs on a commit are deployments, not checks of it. */
  private ownWorkflows(): string[] {
    const { github, pipeline, rollback } = this.deps.config;
    const named = [github?.workflow, rollback?.workflow, ...pipeline.map((phase) => phase.workflow)];
    return [...new Set(named.filter((workflow): workflow is string => workflow !== undefined))];
  }

  private mayOverride(request: DeployRequest): Promise<AccessDecision> {
    return this.accessFacts('override', request.user, request.env).then((facts) =>
      decideAccess('override', facts),
    );
  }

  private notGreen(
    request: DeployRequest,
    ref: string,
    sha: string,
    checks: CommitCheck[],
    refused: AccessDecision | undefined,
  ): NotGreen {
    const { owner, repo } = this.deps.repo;
    const again = ['/deploy', request.env, request.ref, '--override <reason>'].filter(Boolean).join(' ');
    const advice =
      refused && !refused.ok
        ? refused.message
        : `Deploy a green commit, or an approver can deploy it anyway: \`${again}\`.`;
    return { ref, sha, repo: `${owner}/${repo}`, checks, advice };
  }

  /** The refusal in one line, for the audit log and a notification's text. */
  private notGreenMessage(notGreen: NotGreen): string {
    const checks = notGreen.checks.map((check) => `${check.name} (${check.detail})`).join(', ');
    return `\`${notGreen.ref}\` (${notGreen.sha.slice(0, 7)}) is not green in ${notGreen.repo}: ${checks}. ${notGreen.advice}`;
  }

  private refMessage(ref: string, failure: Exclude<ResolveRefResult, { ok: true }>): string {
    const { owner, repo } = this.deps.repo;
    if (failure.reason === 'not_found')
      return `There is no branch, tag or commit \`${ref}\` in ${owner}/${repo}: check the ref (nothing was started).`;
    return failure.message;
  }

  private async refuse(
    request: DeployRequest,
    refusal: string,
    message: string,
    notGreen?: NotGreen,
  ): Promise<Refusal> {
    await this.audit('deploy.refused', request.user, {
      env: request.env,
      refusal,
      ...(request.ref ? { ref: request.ref } : {}),
    });
    return { ok: false, message, ...(notGreen ? { notGreen } : {}) };
  }

  /** `renderedFor`: the gate the clicked Approve was rendered for; a click meant for an earlier gate is refused. */
  async approve(id: string, user: string, renderedFor?: RenderedFor): Promise<Outcome> {
    const result = await this.act(
      id,
      user,
      'approve',
      (access, at) => ({ type: 'approve', user, access, at, ...(renderedFor ? { renderedFor } : {}) }),
      {
        done: 'deploy.approved',
        refused: 'deploy.approve_refused',
      },
    );
    return result.ok ? { ok: true, message: 'Approved.' } : result;
  }

  /**
   * Abort (a gate's button, with a reason) or cancel (`/deploy cancel`): stops the running workflow run too.
   * `granted`: a rollback confirmed by someone allowed to roll back (see RollbackService), which is enough to stop
   * what it undoes.
   */
  async stop(
    id: string,
    user: string,
    reason: string | undefined,
    granted?: AccessDecision,
  ): Promise<Outcome> {
    const result = await this.act(
      id,
      user,
      reason === undefined ? 'cancel' : 'abort',
      (access, at) => {
        const decided = granted ?? access;
        return reason === undefined
          ? { type: 'cancel', user, access: decided, at }
          : { type: 'abort', user, access: decided, reason, at };
      },
      { done: 'deploy.stopped', refused: 'deploy.stop_refused', fields: { reason: reason ?? '' } },
    );
    if (!result.ok) return result;
    const run = result.state.phases
      .flatMap((phase) => phase.runs)
      .find((candidate) => candidate.conclusion === undefined);
    const name = deploymentName(result.state);
    if (!run) return { ok: true, message: `Deployment \`${name}\` stopped.` };
    // `id` may be the name people type (`production-42`); the state has the record's own.
    const stored = await this.deps.records.get(result.state.id);
    const where = (stored && runRepository(stored.value, run.runId)) ?? this.deps.repo;
    // One try now, to tell the truth at once; the job the write queued asks again until GitHub confirms the run
    // ended, and only then hands the environment on.
    const asked = await this.deps.runs
      .cancelRun({ owner: where.owner, repo: where.repo, runId: run.runId })
      .catch(() => undefined);
    if (asked?.ok)
      return { ok: true, message: `Deployment \`${name}\` stopped; its workflow run is being cancelled.` };
    const which = run.number === undefined ? `run ${run.runId}` : `run #${run.number}`;
    return {
      ok: true,
      message: `Deployment \`${name}\` cancelled; run cancel pending: GitHub did not take the cancel of its workflow ${which} yet. greenlight keeps asking until GitHub confirms the run ended, and holds *${result.state.env}* until then.`,
    };
  }

  /** Promote, Pause and Resume on the timeline, refused when clicked on an earlier step's buttons (`renderedFor`). */
  async steer(
    id: string,
    user: string,
    action: 'promote' | 'pause' | 'resume',
    renderedFor?: RenderedFor,
  ): Promise<Outcome> {
    const result = await this.act(
      id,
      user,
      action,
      (access, at) => ({ type: action, user, access, at, ...(renderedFor ? { renderedFor } : {}) }),
      { done: `deploy.${action}d`, refused: `deploy.${action}_refused` },
    );
    const done = {
      promote: 'Promoted: the remaining canary steps go out without holds.',
      pause: 'Paused.',
      resume: 'Resumed.',
    };
    return result.ok ? { ok: true, message: done[action] } : result;
  }

  /** Roll back now (the timeline's button): the rollback workflow is dispatched by the job this write starts. */
  async rollback(id: string, user: string, renderedFor?: RenderedFor): Promise<Outcome> {
    const reason = `rolled back by hand by <@${user}>`;
    const result = await this.act(
      id,
      user,
      'roll-back',
      (access, at) => ({
        type: 'rollback',
        user,
        access,
        reason,
        at,
        ...(renderedFor ? { renderedFor } : {}),
      }),
      { done: 'deploy.rollback_requested', refused: 'deploy.rollback_refused' },
    );
    return result.ok
      ? { ok: true, message: 'Rolling back: the rollback workflow is being dispatched.' }
      : result;
  }

  /**
   * A person's transition of a deployment: who they are in its environment looked up, access decided against the
   * newest state (who requested it), the event applied by compare-and-set, and the outcome audited.
   */
  private async act(
    idOrName: string,
    user: string,
    action: AccessAction,
    event: (access: AccessDecision, at: number) => DeploymentEvent,
    audited: { done: string; refused: string; fields?: Record<string, string> },
  ): Promise<TransitionResult | { ok: false; message: string }> {
    const found = await this.find(idOrName);
    if (found === undefined)
      return {
        ok: false,
        message: `There is no deployment \`${idOrName}\`; \`/deploy status\` shows the running ones.`,
      };
    const { id, env } = found;
    const facts = await this.accessFacts(action, user, env);
    const result = await this.deps.records.apply(id, (state) =>
      event(decideAccess(action, { ...facts, requestedBy: state.requestedBy }), this.deps.now()),
    );
    await this.audit(result.ok ? audited.done : audited.refused, user, {
      deploymentId: id,
      ...audited.fields,
      ...(result.ok ? {} : { refusal: result.reason }),
    });
    return result;
  }

  private accessFacts(action: AccessAction, user: string, env: string): Promise<AccessFacts> {
    return accessFacts(this.deps.permissions, this.deps.config.environments, { action, user, env });
  }

  /** `/deploy stats [env] [30d]`: DORA figures over [now − windowMs, now), every environment when none is named. */
  async stats(
    env: string | undefined,
    windowMs: number,
  ): Promise<{ ok: true; stats: DeployStatsResult } | { ok: false; message: string }> {
    if (env !== undefined && !this.deps.config.environments[env])
      return { ok: false, message: this.noEnvironment(env) };
    if (!this.deps.stats) return { ok: false, message: '`/deploy stats` is not set up in this process.' };
    return { ok: true, stats: await this.deps.stats.compute(env, windowMs) };
  }

  /** `/deploy lock`: holds the environment (who, why, until when); the lock already there wins. */
  async lock(env: string, user: string, reason: string, forMs?: number): Promise<LockOutcome> {
    if (!this.deps.config.environments[env]) return { ok: false, message: this.noEnvironment(env) };
    const access = decideAccess('lock', await this.accessFacts('lock', user, env));
    if (!access.ok) return access;
    const at = this.deps.now();
    const lock: EnvironmentLock = {
      by: user,
      reason,
      at: new Date(at).toISOString(),
      ...(forMs ? { until: new Date(at + forMs).toISOString() } : {}),
    };
    const result = await this.deps.lanes.lock(env, lock, forMs);
    await this.audit(result.locked ? 'env.locked' : 'env.lock_refused', user, { env, reason });
    return result.locked
      ? { ok: true, lock }
      : { ok: false, message: `${env} is already locked.`, lock: result.lock };
  }

  /** Whether `user` may lift a lock on `env` (the rule `unlock` applies), to offer the button only to them. */
  async mayUnlock(user: string, env: string): Promise<boolean> {
    if (!this.deps.config.environments[env]) return false;
    return decideAccess('unlock', await this.accessFacts('unlock', user, env)).ok;
  }

  async unlock(env: string, user: string): Promise<Outcome> {
    if (!this.deps.config.environments[env]) return { ok: false, message: this.noEnvironment(env) };
    const access = decideAccess('unlock', await this.accessFacts('unlock', user, env));
    if (!access.ok) return access;
    const previous = await this.deps.lanes.unlock(env);
    await this.audit('env.unlocked', user, { env });
    return previous
      ? { ok: true, message: `:unlock: ${env} is unlocked.` }
      : { ok: false, message: `${env} was not locked.` };
  }

  async history(env: string | undefined, limit: number): Promise<DeploymentState[]> {
    const envs = env ? [env] : Object.keys(this.deps.config.environments);
    const ids = new Set<string>();
    for (const name of envs) {
      for (const id of await this.deps.store.latest(this.deps.index(name), limit)) ids.add(id);
    }
    const records = await this.deps.store.getMany([...ids]);
    return records
      .map((record) => record.value.state)
      .sort((a, b) => b.requestedAt - a.requestedAt)
      .slice(0, limit);
  }

  /**
   * Per environment: the deployment holding it, those waiting (for it, or for approval to start) and its lock.
   * `unshownGates`: the deployments whose open gate the status channel does not show (its post or update failed),
   * whose Approve and Abort buttons `/deploy status` offers instead.
   */
  async status(env?: string): Promise<
    {
      env: string;
      active?: DeploymentState;
      waiting: DeploymentState[];
      lock?: EnvironmentLock;
      unshownGates?: string[];
    }[]
  > {
    const envs = env ? [env] : Object.keys(this.deps.config.environments);
    // Waiting for approval to start is waiting too, though such a deployment has not joined the queue yet.
    const unfinished = await this.deps.store.getMany(await this.deps.lanes.tracked());
    return Promise.all(
      envs.map(async (name) => {
        const [queue, lock] = await Promise.all([this.deps.lanes.queue(name), this.deps.lanes.lockOf(name)]);
        const queued = await this.deps.store.getMany([
          ...(queue.active ? [queue.active] : []),
          ...queue.waiting,
        ]);
        const beforeStart = unfinished.filter(
          (record) =>
            record.value.state.env === name &&
            record.value.state.status === 'awaiting_approval' &&
            record.value.state.id !== queue.active &&
            !queue.waiting.includes(record.value.state.id),
        );
        const records = [
          ...queued,
          ...beforeStart.sort((a, b) => a.value.state.requestedAt - b.value.state.requestedAt),
        ];
        const states = records
          .map((record) => record.value.state)
          .filter((state) => !isFinished(state.status));
        const active = states.find((state) => state.id === queue.active);
        const unshownGates = await this.unshownGates(records.map((record) => record.value));
        return {
          env: name,
          ...(active ? { active } : {}),
          waiting: states.filter((state) => state.id !== queue.active),
          ...(lock ? { lock } : {}),
          ...(unshownGates.length > 0 ? { unshownGates } : {}),
        };
      }),
    );
  }

  /** The deployments among `records` with an open gate that no timeline message shows yet. */
  private async unshownGates(records: readonly DeployRecord[]): Promise<string[]> {
    const ids: string[] = [];
    for (const { state, meta } of records) {
      if (state.status !== 'awaiting_approval' || state.gate === undefined) continue;
      const shown = meta.message ? (await this.deps.shown?.read(state.id))?.gateShown : undefined;
      if (shown !== state.gate.seq) ids.push(state.id);
    }
    return ids;
  }

  async state(id: string): Promise<DeploymentState | undefined> {
    return (await this.deps.records.get(id))?.value.state;
  }

  /** A deployment by its id (what buttons carry) or by the name people type (`production-42`). */
  async find(idOrName: string): Promise<DeploymentState | undefined> {
    const direct = await this.deps.records.state(idOrName);
    if (direct !== undefined || !isDeploymentName(idOrName)) return direct;
    const id = await this.deps.names.idOf(idOrName);
    return id === undefined ? undefined : this.deps.records.state(id);
  }

  /** The channel of the deployment's timeline message, for private answers there. */
  async channelOf(id: string): Promise<string | undefined> {
    return (await this.deps.records.get(id))?.value.meta.message?.channel;
  }

  private noEnvironment(env: string): string {
    return noSuchName('environment', env, Object.keys(this.deps.config.environments));
  }

  private async audit(action: string, by: string, fields: Record<string, string>): Promise<void> {
    await this.deps.audit.record({ action, by, at: new Date(this.deps.now()).toISOString(), ...fields });
  }
}
