import type { Logger } from 'pino';
import type { DeployRecord } from '../../domain/deploy/deploy-record.js';
import {
  applyDeploymentEvent,
  type DeploymentEvent,
  type DeploymentState,
  type TransitionResult,
} from '../../domain/deploy/deployment-state.js';
import type { DeploymentPlan } from '../../domain/deploy/plan.js';
import type { DocumentStore, Versioned } from '../ports.js';
import type { AnnounceJobs, DeployJobs } from './ports.js';

export interface ApplyOptions {
  /**
   * The caller takes the next step itself, in the job that wrote the transition, instead of queuing an `advance`
   * job for it: one hop less from a run's end to the next dispatch. That job must fail (and be retried) when it
   * cannot take the step, and a retry that finds the transition written already must queue the advance, so a crash
   * between the write and the step loses nothing.
   */
  nextStepHere?: boolean;
}

export type ApplyResult = TransitionResult | { ok: false; reason: 'not-found'; message: string };

export interface DeploymentRecordsDeps {
  store: DocumentStore<DeployRecord>;
  /** The registry's index of an environment's deployments, by request time. */
  index: (env: string) => string;
  jobs: Pick<DeployJobs, 'advance'>;
  announcements: AnnounceJobs;
  logger: Logger;
}

/**
 * The one way a deployment's record changes, for the commands and for the orchestrator alike: a transition is
 * written by compare-and-set, then the job that takes the next step is queued, then its announcement (a job of
 * its own, `TimelineAnnouncements`): Slack is never on the path from one step to the next. Facts that are not
 * transitions (where the timeline was posted, the incident claim) are written without announcing or scheduling
 * anything.
 */
export class DeploymentRecords {
  constructor(private readonly deps: DeploymentRecordsDeps) {}

  get(id: string): Promise<Versioned<DeployRecord> | undefined> {
    return this.deps.store.get(id);
  }

  async state(id: string): Promise<DeploymentState | undefined> {
    return (await this.deps.store.get(id))?.value.state;
  }

  /**
   * Applies one event, retrying on a concurrent change; then schedules the next step and tells the channel. A
   * refusal (not an approver, already finished…) comes back as a result, with nothing written.
   */
  async apply(
    id: string,
    makeEvent: (state: DeploymentState) => DeploymentEvent,
    options: ApplyOptions = {},
  ): Promise<ApplyResult> {
    let result: TransitionResult | undefined;
    const written = await this.deps.store.casUpdate(id, (record) => {
      result = applyDeploymentEvent(record.state, makeEvent(record.state));
      return result.ok ? { ...record, state: result.state } : undefined;
    });
    if (written.status === 'not-found')
      return { ok: false, reason: 'not-found', message: `There is no deployment \`${id}\`.` };
    if (!result) throw new Error(`deployment ${id}: no transition computed`);
    if (written.status === 'written') {
      if (!options.nextStepHere) await this.deps.jobs.advance(id, `v${written.version}`);
      await this.announce(id);
    }
    return result;
  }

  /** Writes the record of a deployment just requested, in its environment's index; its id must be new. */
  async create(state: DeploymentState, plan: DeploymentPlan): Promise<DeployRecord> {
    const record: DeployRecord = { state, plan, meta: { repliesPosted: state.timeline.length } };
    const index = { key: this.deps.index(state.env), score: state.requestedAt };
    const created = await this.deps.store.replace(state.id, 0, record, index);
    if (!created.ok) throw new Error(`deployment id ${state.id} already exists`);
    return record;
  }

  /**
   * Queues the deployment's announcement (its timeline posted or brought up to date, its decisions replied to),
   * after its next step: the job retries until Slack shows the newest state. Not queued (Redis down): logged, and the
   * next transition's announcement shows this one too.
   */
  async announce(id: string): Promise<void> {
    try {
      await this.deps.announcements.announce(id);
    } catch (error) {
      this.deps.logger.warn(
        { event: 'deploy.announce_not_queued', deploymentId: id, err: error },
        'timeline announcement not queued',
      );
    }
  }

  /**
   * Claims the one incident a deployment may declare, answering the record as claimed; undefined when it was claimed
   * already (by a job or a click).
   */
  async claimIncident(id: string): Promise<DeployRecord | undefined> {
    let claimed: DeployRecord | undefined;
    await this.changeMeta(id, (meta, record) => {
      claimed = undefined;
      if (meta.incidentPosted) return undefined;
      claimed = record;
      return { ...meta, incidentPosted: true };
    });
    return claimed;
  }

  /** A compare-and-set of the record's meta; `change` may answer undefined to leave the record as it is. */
  async changeMeta(
    id: string,
    change: (meta: DeployRecord['meta'], record: DeployRecord) => DeployRecord['meta'] | undefined,
  ): Promise<void> {
    await this.changeRecord(id, (record) => {
      const meta = change(record.meta, record);
      return meta === undefined ? undefined : { ...record, meta };
    });
  }

  /** A compare-and-set write that is not a transition: no thread reply, no timeline update, no next job. */
  async changeRecord(id: string, change: (record: DeployRecord) => DeployRecord | undefined): Promise<void> {
    await this.deps.store.casUpdate(id, change);
  }
}
