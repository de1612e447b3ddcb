import type { Logger } from 'pino';
import type { WorkflowRuns } from '../../adapters/github/workflow-runs.js';
import type { DeployJobs } from '../../adapters/queue/deploy-queue.js';
import type { AuditLog } from '../../adapters/redis/audit-log.js';
import type { DispatchGuard } from '../../adapters/redis/dispatch-guard.js';
import type { DocumentStore } from '../../adapters/redis/document-store.js';
import type { EnvironmentLanes, EnvironmentLock } from '../../adapters/redis/environment-lanes.js';
import type { FileConfig } from '../../config.js';
import { noSuchName } from '../../domain/close-matches.js';
import {
  createDeployment,
  type DeploymentEvent,
  type DeploymentState,
  isFinished,
  type TransitionResult,
} from '../../domain/deploy/deployment-state.js';
import { type DeploymentPlan, planDeployment } from '../../domain/deploy/plan.js';
import { planRollback } from '../../domain/deploy/rollback-plan.js';
import {
  type AccessAction,
  type AccessDecision,
  type AccessFacts,
  decideAccess,
} from '../../domain/policy/access.js';
import { checkDeployWindow } from '../../domain/policy/deploy-window.js';
import { accessFacts, type Permissions } from '../permissions.js';
import type { DeployRecord } from './deploy-record.js';
import type { DeployRegistry } from './deploy-registry.js';
import type { DeployStats, DeployStatsResult } from './deploy-stats.js';
import type { DeployAnnouncer, DeploymentRecords } from './deployment-records.js';

export interface DeployRequest {
  user: string;
  env: string;
  ref?: string;
  services?: string[];
  dryRun: boolean;
  override?: string;
}

export type DeployRequestOutcome =
  | { ok: true; kind: 'plan'; plan: DeploymentPlan }
  | { ok: true; kind: 'started'; state: DeploymentState; queue?: { position: number; holder: string } }
  | { ok: false; message: string; lock?: EnvironmentLock };

export type Outcome = { ok: true; message: string } | { ok: false; message: string };

export interface RollbackRequest {
  user: string;
  service: string;
  env: string;
  /** `--to`: must be a version the registry saw succeed in this environment. */
  to?: string;
}

/** What the confirmation shows: what is live now and the version the rollback goes back to. */
export interface RollbackPreview {
  service: string;
  env: string;
  live?: DeploymentState;
  target: { version: string; deployment?: DeploymentState };
}

export type RollbackPreviewOutcome =
  | { ok: true; preview: RollbackPreview }
  | { ok: false; message: string; running?: DeploymentState };

export interface DeployServiceDeps {
  config: Pick<FileConfig, 'github' | 'environments' | 'services' | 'pipeline' | 'rollback'>;
  records: DeploymentRecords;
  /** Creating a record and listing an environment's index, which DeploymentRecords does not do. */
  store: DocumentStore<DeployRecord>;
  index: (env: string) => string;
  lanes: EnvironmentLanes;
  jobs: DeployJobs;
  announcer: DeployAnnouncer;
  permissions: Permissions;
  runs: Pick<WorkflowRuns, 'cancelRun'>;
  guard: Pick<DispatchGuard, 'claimRollback' | 'rollbackHolder'>;
  registry: Pick<DeployRegistry, 'recent'>;
  /** `/deploy stats`: the DORA figures from the registries. */
  stats?: Pick<DeployStats, 'compute'>;
  audit: AuditLog;
  repo: { owner: string; repo: string };
  now: () => number;
  newId: () => string;
  logger: Logger;
}

/** The `/deploy` use cases: checks in the order a user wants to hear them, then one durable record and a job. */
export class DeployService {
  constructor(private readonly deps: DeployServiceDeps) {}

  async request(request: DeployRequest): Promise<DeployRequestOutcome> {
    const { config, lanes, now } = this.deps;
    const environment = config.environments[request.env];
    if (!environment) return { ok: false, message: this.noEnvironment(request.env) };
    const deploying = decideAccess('deploy', await this.accessFacts('deploy', request.user, request.env));
    if (!deploying.ok) {
      await this.audit('deploy.refused', request.user, { env: request.env, refusal: deploying.reason });
      return deploying;
    }
    const id = this.deps.newId();
    const planned = planDeployment(config, {
      env: request.env,
      greenlightId: id,
      ...(request.ref ? { ref: request.ref } : {}),
      ...(request.services ? { services: request.services } : {}),
    });
    if (!planned.ok) return { ok: false, message: planned.message };
    if (request.dryRun) return { ok: true, kind: 'plan', plan: planned.plan };

    const window = checkDeployWindow(environment.window, now());
    if (!window.inside) {
      if (!request.override) return { ok: false, message: window.message };
      const facts = await this.accessFacts('override-window', request.user, request.env);
      const overriding = decideAccess('override-window', facts);
      if (!overriding.ok) return { ok: false, message: `${window.wait} ${overriding.message}` };
    }
    const lock = await lanes.lockOf(request.env);
    if (lock) {
      return {
        ok: false,
        lock,
        message: `${request.env} is locked by ${lock.by === 'greenlight' ? 'greenlight' : `<@${lock.by}>`}: ${lock.reason}. \`/deploy unlock ${request.env}\` when it is safe.`,
      };
    }

    const state = createDeployment(
      {
        plan: planned.plan,
        requestedBy: request.user,
        ...(request.override && !window.inside ? { override: request.override } : {}),
      },
      now(),
    );
    const record: DeployRecord = {
      state,
      plan: planned.plan,
      meta: { repliesPosted: state.timeline.length },
    };
    const created = await this.deps.store.replace(id, 0, record, {
      key: this.deps.index(request.env),
      score: now(),
    });
    if (!created.ok) throw new Error(`deployment id ${id} already exists`);
    await lanes.track(id);
    await this.audit('deploy.requested', request.user, {
      env: request.env,
      deploymentId: id,
      ref: state.ref,
    });
    await this.postTimeline(id, record);
    await this.deps.jobs.advance(id, 'v1');
    const queue = await lanes.queue(request.env);
    const position = queue.waiting.indexOf(id);
    const ahead = queue.active && queue.active !== id ? queue.active : undefined;
    return {
      ok: true,
      kind: 'started',
      state,
      ...(ahead
        ? { queue: { position: position < 0 ? queue.waiting.length + 1 : position + 1, holder: ahead } }
        : {}),
    };
  }

  async approve(id: string, user: string): Promise<Outcome> {
    const result = await this.act(
      id,
      user,
      'approve',
      (access, at) => ({ type: 'approve', user, access, at }),
      {
        done: 'deploy.approved',
        refused: 'deploy.approve_refused',
      },
    );
    return result.ok ? { ok: true, message: 'Approved.' } : result;
  }

  /**
   * Abort (a gate's button, with a reason) or cancel (`/deploy cancel`): stops the running workflow run too.
   * `granted`: a rollback confirmed by someone allowed to roll back, which is enough to stop what it undoes.
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
    if (run) await this.deps.runs.cancelRun({ ...this.deps.repo, runId: run.runId });
    return {
      ok: true,
      message: `Deployment \`${id}\` stopped${run ? '; its workflow run is being cancelled' : ''}.`,
    };
  }

  /** Promote, Pause and Resume on the timeline. */
  async steer(id: string, user: string, action: 'promote' | 'pause' | 'resume'): Promise<Outcome> {
    const result = await this.act(id, user, action, (access, at) => ({ type: action, user, access, at }), {
      done: `deploy.${action}d`,
      refused: `deploy.${action}_refused`,
    });
    const done = {
      promote: 'Promoted: the remaining canary steps go out without holds.',
      pause: 'Paused.',
      resume: 'Resumed.',
    };
    return result.ok ? { ok: true, message: done[action] } : result;
  }

  /** Roll back now (the timeline's button): the rollback workflow is dispatched by the job this write starts. */
  async rollback(id: string, user: string): Promise<Outcome> {
    const reason = `rolled back by hand by <@${user}>`;
    const result = await this.act(
      id,
      user,
      'roll-back',
      (access, at) => ({ type: 'rollback', user, access, reason, at }),
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
    id: string,
    user: string,
    action: AccessAction,
    event: (access: AccessDecision, at: number) => DeploymentEvent,
    audited: { done: string; refused: string; fields?: Record<string, string> },
  ): Promise<TransitionResult | { ok: false; message: string }> {
    const env = (await this.deps.records.state(id))?.env;
    if (env === undefined) return { ok: false, message: `There is no deployment \`${id}\`.` };
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

  /**
   * `/rollback`, before the confirmation: who may, whether one is already under way, what is live and what it goes
   * back to (the newest good version before the live one, or `--to` if the registry saw it succeed here).
   */
  async previewRollback(request: RollbackRequest): Promise<RollbackPreviewOutcome> {
    const { config } = this.deps;
    if (!config.environments[request.env]) return { ok: false, message: this.noEnvironment(request.env) };
    if (!config.services[request.service])
      return { ok: false, message: noSuchName('service', request.service, Object.keys(config.services)) };
    const access = decideAccess('rollback', await this.accessFacts('rollback', request.user, request.env));
    if (!access.ok) {
      await this.audit('rollback.refused', request.user, {
        env: request.env,
        service: request.service,
        refusal: access.reason,
      });
      return access;
    }
    const registry = await this.deps.registry.recent(request.env);
    // Either a /rollback (claimed in Redis) or a rollout rolling itself back.
    const running =
      (await this.runningRollback(request.env, request.service)) ??
      registry.find((state) => state.status === 'rolling_back' && this.touches(state, request.service));
    if (running) {
      return {
        ok: false,
        running,
        message: `A rollback of \`${request.service}\` in ${request.env} is already under way: \`${running.id}\` to \`${running.ref}\`, by <@${running.requestedBy}>. Follow it on its timeline.`,
      };
    }
    const good = registry.filter(
      (state) => state.status === 'succeeded' && this.touches(state, request.service),
    );
    const live = good[0];
    if (request.to !== undefined) {
      const deployment = good.find((state) => state.ref === request.to);
      if (!deployment) {
        const versions = [...new Set(good.map((state) => state.ref))].slice(0, 5);
        return {
          ok: false,
          message: `\`${request.to}\` never deployed successfully to ${request.env}, so greenlight will not roll back to it. ${versions.length ? `Good versions on record: ${versions.map((v) => `\`${v}\``).join(', ')}.` : 'No good version is on record yet.'}`,
        };
      }
      return {
        ok: true,
        preview: {
          service: request.service,
          env: request.env,
          ...(live ? { live } : {}),
          target: { version: deployment.ref, deployment },
        },
      };
    }
    const previous = good.find((state) => state.ref !== live?.ref);
    if (!previous) {
      return {
        ok: false,
        message: `No earlier good version of \`${request.service}\` in ${request.env} is on record${live ? ` (live: \`${live.ref}\`)` : ''}; name one with \`--to <version>\`.`,
      };
    }
    return {
      ok: true,
      preview: {
        service: request.service,
        env: request.env,
        ...(live ? { live } : {}),
        target: { version: previous.ref, deployment: previous },
      },
    };
  }

  /**
   * `/rollback`, confirmed: one rollback per service (a claim in Redis), the deployment it undoes stopped, and a
   * one-phase deployment of the earlier version started at once, skipping the queue, gates and holds.
   */
  async startRollback(
    request: RollbackRequest & { reason: string },
  ): Promise<{ ok: true; state: DeploymentState; stopped?: string } | { ok: false; message: string }> {
    const { config, now } = this.deps;
    const preview = await this.previewRollback(request);
    if (!preview.ok) return preview;
    const { target, live } = preview.preview;
    const id = this.deps.newId();
    const holder = await this.deps.guard.claimRollback(request.env, request.service, id);
    if (holder)
      return {
        ok: false,
        message: `A rollback of \`${request.service}\` in ${request.env} is already under way: \`${holder}\`.`,
      };
    const planned = planRollback(config, {
      service: request.service,
      env: request.env,
      version: target.version,
      greenlightId: id,
    });
    if (!planned.ok) return planned;
    const state = createDeployment(
      {
        plan: planned.plan,
        requestedBy: request.user,
        rollbackOf: {
          service: request.service,
          reason: request.reason,
          ...(live ? { from: live.ref, fromId: live.id } : {}),
        },
      },
      now(),
    );
    const record: DeployRecord = {
      state,
      plan: planned.plan,
      meta: { repliesPosted: state.timeline.length },
    };
    const created = await this.deps.store.replace(id, 0, record, {
      key: this.deps.index(request.env),
      score: now(),
    });
    if (!created.ok) throw new Error(`deployment id ${id} already exists`);
    await this.deps.lanes.track(id);
    // Queued before anything a person reads is sent: the dispatch never waits for Slack.
    await this.deps.jobs.advance(id, 'v1');
    const active = (await this.deps.lanes.queue(request.env)).active;
    const stopped = active && active !== id ? await this.stopFor(active, request.user, id) : undefined;
    await this.audit('rollback.requested', request.user, {
      env: request.env,
      service: request.service,
      deploymentId: id,
      version: target.version,
      reason: request.reason,
    });
    await this.postTimeline(id, record);
    return { ok: true, state, ...(stopped ? { stopped } : {}) };
  }

  /** The deployment a rollback undoes must not go on deploying underneath it. */
  private async stopFor(active: string, user: string, rollbackId: string): Promise<string | undefined> {
    const result = await this.stop(active, user, `superseded by rollback ${rollbackId}`, { ok: true });
    return result.ok ? active : undefined;
  }

  private async runningRollback(env: string, service: string): Promise<DeploymentState | undefined> {
    const holder = await this.deps.guard.rollbackHolder(env, service);
    if (!holder) return undefined;
    const state = (await this.deps.records.get(holder))?.value.state;
    return state && !isFinished(state.status) ? state : undefined;
  }

  private touches(state: DeploymentState, service: string): boolean {
    if (state.rollbackOf) return state.rollbackOf.service === service;
    const phases = state.phases.map((phase) => this.deps.config.pipeline.find((p) => p.id === phase.id));
    const named = phases.flatMap((phase) => phase?.services ?? []);
    return named.length === 0 || named.includes(service);
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

  async lock(env: string, user: string, reason: string, forMs?: number): Promise<Outcome> {
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
      ? { ok: true, message: `:lock: ${env} is locked${lock.until ? ` until ${lock.until}` : ''}: ${reason}` }
      : { ok: false, message: `${env} is already locked by <@${result.lock.by}>: ${result.lock.reason}` };
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

  async status(
    env?: string,
  ): Promise<
    { env: string; active?: DeploymentState; waiting: DeploymentState[]; lock?: EnvironmentLock }[]
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
        return {
          env: name,
          ...(active ? { active } : {}),
          waiting: states.filter((state) => state.id !== queue.active),
          ...(lock ? { lock } : {}),
        };
      }),
    );
  }

  async state(id: string): Promise<DeploymentState | undefined> {
    return (await this.deps.records.get(id))?.value.state;
  }

  /** Whether this caller is the one to declare the deployment's incident (see the orchestrator's claim). */
  async claimIncident(id: string): Promise<boolean> {
    return (await this.deps.records.claimIncident(id)) !== undefined;
  }

  /** The channel of the deployment's timeline message, for private answers there. */
  async channelOf(id: string): Promise<string | undefined> {
    return (await this.deps.records.get(id))?.value.meta.message?.channel;
  }

  private noEnvironment(env: string): string {
    return noSuchName('environment', env, Object.keys(this.deps.config.environments));
  }

  private async postTimeline(id: string, record: DeployRecord): Promise<void> {
    try {
      const message = await this.deps.announcer.post(record);
      await this.deps.records.setMessage(id, message);
    } catch (error) {
      this.deps.logger.warn(
        { event: 'deploy.timeline_post_failed', deploymentId: id, err: error },
        'no timeline message',
      );
    }
  }

  private async audit(action: string, by: string, fields: Record<string, string>): Promise<void> {
    await this.deps.audit.record({ action, by, at: new Date(this.deps.now()).toISOString(), ...fields });
  }
}
