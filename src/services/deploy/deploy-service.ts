import type { Logger } from 'pino';
import type { WorkflowRuns } from '../../adapters/github/workflow-runs.js';
import type { DeployJobs } from '../../adapters/queue/deploy-queue.js';
import type { AuditLog } from '../../adapters/redis/audit-log.js';
import type { DocumentStore } from '../../adapters/redis/document-store.js';
import type { EnvironmentLanes, EnvironmentLock } from '../../adapters/redis/environment-lanes.js';
import type { FileConfig } from '../../config.js';
import { closeMatches } from '../../domain/close-matches.js';
import { createDeployment, type DeploymentState, isFinished } from '../../domain/deploy/deployment-state.js';
import { type DeploymentPlan, planDeployment } from '../../domain/deploy/plan.js';
import { checkDeployWindow } from '../../domain/policy/deploy-window.js';
import type { Permissions } from '../permissions.js';
import type { DeployRecord } from './deploy-record.js';
import type { DeployAnnouncer, DeployOrchestrator } from './orchestrator.js';

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

export interface DeployServiceDeps {
  config: Pick<FileConfig, 'github' | 'environments' | 'services' | 'pipeline'>;
  records: DocumentStore<DeployRecord>;
  index: (env: string) => string;
  lanes: EnvironmentLanes;
  jobs: DeployJobs;
  orchestrator: DeployOrchestrator;
  announcer: DeployAnnouncer;
  permissions: Permissions;
  runs: Pick<WorkflowRuns, 'cancelRun'>;
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
    const { config, permissions, lanes, now } = this.deps;
    const environment = config.environments[request.env];
    if (!environment) {
      const known = Object.keys(config.environments);
      const close = closeMatches(request.env, known);
      return {
        ok: false,
        message: `There is no environment \`${request.env}\`.${close.length ? ` Did you mean \`${close[0]}\`?` : ''} Known: ${known.map((env) => `\`${env}\``).join(', ')}.`,
      };
    }
    if (
      environment.deployers.length > 0 &&
      !(await permissions.has(request.user, 'deployers', request.env))
    ) {
      await this.audit('deploy.refused', request.user, { env: request.env, refusal: 'not-deployer' });
      return {
        ok: false,
        message: `You are not among the deployers of ${request.env}; ask one of them, or an owner of greenlight.yml.`,
      };
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
      if (!(await permissions.has(request.user, 'approvers', request.env))) {
        return {
          ok: false,
          message: `${window.wait} Only an approver of ${request.env} may override the window.`,
        };
      }
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
    const created = await this.deps.records.replace(id, 0, record, {
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
    const record = await this.deps.records.get(id);
    if (!record) return { ok: false, message: `There is no deployment \`${id}\`.` };
    const isApprover = await this.deps.permissions.has(user, 'approvers', record.value.state.env);
    const result = await this.deps.orchestrator.apply(id, () => ({
      type: 'approve',
      user,
      isApprover,
      at: this.deps.now(),
    }));
    await this.audit(result.ok ? 'deploy.approved' : 'deploy.approve_refused', user, {
      deploymentId: id,
      ...(result.ok ? {} : { refusal: result.reason }),
    });
    return result.ok ? { ok: true, message: 'Approved.' } : { ok: false, message: result.message };
  }

  /** Abort (a gate's button, with a reason) or cancel (`/deploy cancel`): stops the running workflow run too. */
  async stop(id: string, user: string, reason: string | undefined): Promise<Outcome> {
    const record = await this.deps.records.get(id);
    if (!record) return { ok: false, message: `There is no deployment \`${id}\`.` };
    const { state } = record.value;
    const isApprover = await this.deps.permissions.has(user, 'approvers', state.env);
    const result = await this.deps.orchestrator.apply(id, () =>
      reason === undefined
        ? { type: 'cancel', user, isApprover, at: this.deps.now() }
        : { type: 'abort', user, isApprover, reason, at: this.deps.now() },
    );
    await this.audit(result.ok ? 'deploy.stopped' : 'deploy.stop_refused', user, {
      deploymentId: id,
      reason: reason ?? '',
      ...(result.ok ? {} : { refusal: result.reason }),
    });
    if (!result.ok) return { ok: false, message: result.message };
    const run = state.phases
      .flatMap((phase) => phase.runs)
      .find((candidate) => candidate.conclusion === undefined);
    if (run) await this.deps.runs.cancelRun({ ...this.deps.repo, runId: run.runId });
    return {
      ok: true,
      message: `Deployment \`${id}\` stopped${run ? '; its workflow run is being cancelled' : ''}.`,
    };
  }

  /**
   * Promote, Pause and Resume on the timeline. Who may: the environment's deployers and approvers (anyone, when it
   * lists no deployers), as for locks.
   */
  async steer(id: string, user: string, action: 'promote' | 'pause' | 'resume'): Promise<Outcome> {
    const record = await this.deps.records.get(id);
    if (!record) return { ok: false, message: `There is no deployment \`${id}\`.` };
    const allowed = await this.mayHold(record.value.state.env, user);
    const result = await this.deps.orchestrator.apply(id, () => ({
      type: action,
      user,
      allowed,
      at: this.deps.now(),
    }));
    await this.audit(result.ok ? `deploy.${action}d` : `deploy.${action}_refused`, user, {
      deploymentId: id,
      ...(result.ok ? {} : { refusal: result.reason }),
    });
    const done = {
      promote: 'Promoted: the remaining canary steps go out without holds.',
      pause: 'Paused.',
      resume: 'Resumed.',
    };
    return result.ok ? { ok: true, message: done[action] } : { ok: false, message: result.message };
  }

  /** Roll back now (the timeline's button): the rollback workflow is dispatched by the job this write starts. */
  async rollback(id: string, user: string): Promise<Outcome> {
    const record = await this.deps.records.get(id);
    if (!record) return { ok: false, message: `There is no deployment \`${id}\`.` };
    const allowed = await this.mayHold(record.value.state.env, user);
    const result = await this.deps.orchestrator.apply(id, () => ({
      type: 'rollback',
      user,
      allowed,
      reason: `rolled back by hand by <@${user}>`,
      at: this.deps.now(),
    }));
    await this.audit(result.ok ? 'deploy.rollback_requested' : 'deploy.rollback_refused', user, {
      deploymentId: id,
      ...(result.ok ? {} : { refusal: result.reason }),
    });
    return result.ok
      ? { ok: true, message: 'Rolling back: the rollback workflow is being dispatched.' }
      : { ok: false, message: result.message };
  }

  /** Deployers and approvers may lock and unlock (anyone, when the environment lists no deployers). */
  private async mayHold(env: string, user: string): Promise<boolean> {
    const environment = this.deps.config.environments[env];
    if (!environment) return false;
    if (environment.deployers.length === 0) return true;
    const { permissions } = this.deps;
    return (await permissions.has(user, 'deployers', env)) || (await permissions.has(user, 'approvers', env));
  }

  async lock(env: string, user: string, reason: string, forMs?: number): Promise<Outcome> {
    if (!this.deps.config.environments[env])
      return { ok: false, message: `There is no environment \`${env}\`.` };
    if (!(await this.mayHold(env, user))) {
      return { ok: false, message: `Only deployers and approvers of ${env} may lock it.` };
    }
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
    if (!this.deps.config.environments[env])
      return { ok: false, message: `There is no environment \`${env}\`.` };
    if (!(await this.mayHold(env, user))) {
      return { ok: false, message: `Only deployers and approvers of ${env} may unlock it.` };
    }
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
      for (const id of await this.deps.records.latest(this.deps.index(name), limit)) ids.add(id);
    }
    const records = await this.deps.records.getMany([...ids]);
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
    const unfinished = await this.deps.records.getMany(await this.deps.lanes.tracked());
    return Promise.all(
      envs.map(async (name) => {
        const [queue, lock] = await Promise.all([this.deps.lanes.queue(name), this.deps.lanes.lockOf(name)]);
        const queued = await this.deps.records.getMany([
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

  /** The channel of the deployment's timeline message, for private answers there. */
  async channelOf(id: string): Promise<string | undefined> {
    return (await this.deps.records.get(id))?.value.meta.message?.channel;
  }

  private async postTimeline(id: string, record: DeployRecord): Promise<void> {
    try {
      const message = await this.deps.announcer.post(record);
      await this.deps.orchestrator.setMessage(id, message);
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
