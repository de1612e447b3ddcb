import type { FileConfig } from '../../config.js';
import { noSuchName } from '../../domain/close-matches.js';
import { deploymentName } from '../../domain/deploy/deployment-name.js';
import { createDeployment, type DeploymentState, isFinished } from '../../domain/deploy/deployment-state.js';
import { planRollback } from '../../domain/deploy/rollback-plan.js';
import { type AccessDecision, decideAccess } from '../../domain/policy/access.js';
import { accessFacts } from '../permissions.js';
import type { AuditLog, Permissions } from '../ports.js';
import type { DeployRegistry } from './deploy-registry.js';
import type { DeployService, Outcome } from './deploy-service.js';
import { confirmedRollback, type DeploymentIncidents } from './deployment-incidents.js';
import type { DeploymentRecords } from './deployment-records.js';
import type { DeployJobs, DeploymentNames, EnvironmentLanes, RollbackClaims } from './ports.js';

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

export type RollbackStartOutcome =
  /** `stopped`: the name of the deployment the rollback stopped (`production-41`). */
  { ok: true; state: DeploymentState; stopped?: string } | { ok: false; message: string };

export interface RollbackServiceDeps {
  config: Pick<FileConfig, 'github' | 'environments' | 'services' | 'pipeline' | 'rollback'>;
  records: DeploymentRecords;
  lanes: Pick<EnvironmentLanes, 'track' | 'queue'>;
  jobs: Pick<DeployJobs, 'advance'>;
  /** A rollback is a deployment of its environment, numbered like the others (`production-43`). */
  names: Pick<DeploymentNames, 'assign'>;
  permissions: Permissions;
  /** One `/rollback` per service and environment at a time. */
  guard: Pick<RollbackClaims, 'claimRollback' | 'rollbackHolder'>;
  /** Where the good versions to go back to are found. */
  registry: Pick<DeployRegistry, 'recent'>;
  /** Stops the deployment a rollback undoes, as `/deploy cancel` would. */
  deploys: Pick<DeployService, 'stop'>;
  incidents: Pick<DeploymentIncidents, 'declareForDeployment'>;
  audit: AuditLog;
  now: () => number;
  newId: () => string;
}

/**
 * `/rollback`: the confirmation's preview (who may, whether one is under way, what is live and what it goes back
 * to), the confirmed rollback itself, and the incident its confirmer may declare.
 */
export class RollbackService {
  constructor(private readonly deps: RollbackServiceDeps) {}

  /**
   * Before the confirmation: the newest good version before the live one, or `--to` if the registry saw it succeed
   * in this environment; refused to people who may not roll back there, and while a rollback of the service runs.
   */
  async previewRollback(request: RollbackRequest): Promise<RollbackPreviewOutcome> {
    const checked = await this.check(request);
    if (!checked.ok) return checked;
    const registry = await this.deps.registry.recent(request.env);
    // Either a /rollback (claimed in Redis) or a rollout rolling itself back.
    const running =
      (await this.runningRollback(request.env, request.service)) ??
      registry.find((state) => state.status === 'rolling_back' && this.touches(state, request.service));
    if (running) return { ok: false, running, message: underWay(request, running) };
    const good = registry.filter(
      (state) => state.status === 'succeeded' && this.touches(state, request.service),
    );
    const live = good[0];
    const target =
      request.to === undefined
        ? good.find((state) => state.ref !== live?.ref)
        : good.find((state) => state.ref === request.to);
    if (!target) return { ok: false, message: noTarget(request, good, live) };
    return {
      ok: true,
      preview: {
        service: request.service,
        env: request.env,
        ...(live ? { live } : {}),
        target: { version: target.ref, deployment: target },
      },
    };
  }

  /**
   * Confirmed: one rollback per service (a claim in Redis), the deployment it undoes stopped, and a one-phase
   * deployment of the earlier version started at once, skipping the queue, gates and holds.
   */
  async startRollback(request: RollbackRequest & { reason: string }): Promise<RollbackStartOutcome> {
    const { config, records, lanes, now } = this.deps;
    const preview = await this.previewRollback(request);
    if (!preview.ok) return preview;
    const { target, live } = preview.preview;
    const id = this.deps.newId();
    // Atomic with the claim a rollout rolling itself back takes: whichever claims first rolls the service back.
    const holder = await this.deps.guard.claimRollback(request.env, [request.service], id);
    if (holder) {
      const running = await this.deps.records.state(holder);
      return {
        ok: false,
        message: running
          ? underWay(request, running)
          : `A rollback of \`${request.service}\` in ${request.env} is already under way: \`${holder}\`.`,
      };
    }
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
        number: await this.deps.names.assign(request.env, id),
        requestedBy: request.user,
        rollbackOf: {
          service: request.service,
          reason: request.reason,
          ...(live ? { from: live.ref, fromId: live.id } : {}),
        },
      },
      now(),
    );
    await records.create(state, planned.plan);
    await lanes.track(id);
    // Queued before anything a person reads is sent: the dispatch never waits for Slack.
    await this.deps.jobs.advance(id, 'v1');
    const active = (await lanes.queue(request.env)).active;
    const stopped =
      active && active !== id ? await this.stopFor(active, request.user, deploymentName(state)) : undefined;
    await this.audit('rollback.requested', request.user, {
      env: request.env,
      service: request.service,
      deploymentId: id,
      version: target.version,
      reason: request.reason,
    });
    await records.announce(id);
    return { ok: true, state, ...(stopped ? { stopped } : {}) };
  }

  /** The confirmation's "Declare incident": the incident this rollback belongs to, declared once whoever clicks. */
  async declareIncident(id: string, user: string): Promise<Outcome> {
    const result = await this.deps.incidents.declareForDeployment(id, confirmedRollback(user));
    const name = await this.nameOf(id);
    switch (result.status) {
      case 'nothing':
        return { ok: false, message: 'That rollback is no longer on record.' };
      case 'declaring':
        return { ok: false, message: `An incident for ${name} is being declared right now.` };
      case 'existing':
        return { ok: true, message: `Already declared: ${linked(result.incident, name)}.` };
      case 'declared': {
        const { outcome } = result;
        if (!outcome.ok) return outcome;
        const { incident } = outcome;
        return {
          ok: true,
          message: `${outcome.existing ? 'Already declared' : 'Declared'}: ${linked(incident, name)}. Update it with /incident update ${incident.id} <text>.`,
        };
      }
    }
  }

  /** What people call a deployment, for a sentence; its id when the record is gone. */
  private async nameOf(id: string): Promise<string> {
    const state = await this.deps.records.state(id);
    return state ? deploymentName(state) : id;
  }

  /** A known environment and service, and someone who may roll back there. */
  private async check(request: RollbackRequest): Promise<AccessDecision | { ok: false; message: string }> {
    const { environments, services } = this.deps.config;
    if (!environments[request.env])
      return { ok: false, message: noSuchName('environment', request.env, Object.keys(environments)) };
    if (!services[request.service])
      return { ok: false, message: noSuchName('service', request.service, Object.keys(services)) };
    const facts = await accessFacts(this.deps.permissions, environments, { ...request, action: 'rollback' });
    const access = decideAccess('rollback', facts);
    if (!access.ok) {
      await this.audit('rollback.refused', request.user, {
        env: request.env,
        service: request.service,
        refusal: access.reason,
      });
    }
    return access;
  }

  /** The deployment a rollback undoes must not go on deploying underneath it; confirming the rollback allows that. */
  /** Answers the name of the deployment it stopped. */
  private async stopFor(active: string, user: string, rollback: string): Promise<string | undefined> {
    const result = await this.deps.deploys.stop(active, user, `superseded by rollback ${rollback}`, {
      ok: true,
    });
    return result.ok ? this.nameOf(active) : undefined;
  }

  private async runningRollback(env: string, service: string): Promise<DeploymentState | undefined> {
    const holder = await this.deps.guard.rollbackHolder(env, service);
    if (!holder) return undefined;
    const state = await this.deps.records.state(holder);
    return state && !isFinished(state.status) ? state : undefined;
  }

  /** Whether a deployment deployed the service: a phase names it, or no phase names any service. */
  private touches(state: DeploymentState, service: string): boolean {
    if (state.rollbackOf) return state.rollbackOf.service === service;
    const phases = state.phases.map((phase) => this.deps.config.pipeline.find((p) => p.id === phase.id));
    const named = phases.flatMap((phase) => phase?.services ?? []);
    return named.length === 0 || named.includes(service);
  }

  private async audit(action: string, by: string, fields: Record<string, string>): Promise<void> {
    await this.deps.audit.record({ action, by, at: new Date(this.deps.now()).toISOString(), ...fields });
  }
}

/** The refusal of a second rollback: which one is under way, a `/rollback` or a rollout rolling itself back. */
function underWay(request: RollbackRequest, running: DeploymentState): string {
  const what = running.rollbackOf
    ? `\`${deploymentName(running)}\` to \`${running.ref}\`, by <@${running.requestedBy}>`
    : `\`${deploymentName(running)}\` is rolling itself back (${running.rollback?.reason ?? 'rollback requested'})`;
  return `A rollback of \`${request.service}\` in ${request.env} is already under way: ${what}. Nothing was started; follow it on its timeline.`;
}

/** Why there is nothing to go back to: `--to` never succeeded here, or no earlier good version is on record. */
function noTarget(
  request: RollbackRequest,
  good: readonly DeploymentState[],
  live: DeploymentState | undefined,
) {
  if (request.to !== undefined) {
    const versions = [...new Set(good.map((state) => state.ref))].slice(0, 5);
    return `\`${request.to}\` never deployed successfully to ${request.env}, so greenlight will not roll back to it. ${versions.length ? `Good versions on record: ${versions.map((v) => `\`${v}\``).join(', ')}.` : 'No good version is on record yet.'}`;
  }
  return `No earlier good version of \`${request.service}\` in ${request.env} is on record${live ? ` (live: \`${live.ref}\`)` : ''}; name one with \`--to <version>\`.`;
}

function linked(incident: { id: string; severity: string }, deployment: string): string {
  return `${incident.id} (${incident.severity.toUpperCase()}), linked to ${deployment}`;
}
