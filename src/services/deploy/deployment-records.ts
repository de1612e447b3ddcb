import type { Logger } from 'pino';
import { type DeployRecord, unpostedEntries } from '../../domain/deploy/deploy-record.js';
import {
  applyDeploymentEvent,
  type DeploymentEvent,
  type DeploymentState,
  type TransitionResult,
} from '../../domain/deploy/deployment-state.js';
import { dispatchIsUrgent } from '../../domain/deploy/next-step.js';
import type { DeploymentPlan } from '../../domain/deploy/plan.js';
import type { DocumentStore, Versioned } from '../ports.js';
import type { DeployAnnouncer, DeployJobs } from './ports.js';

export type ApplyResult = TransitionResult | { ok: false; reason: 'not-found'; message: string };

export interface DeploymentRecordsDeps {
  store: DocumentStore<DeployRecord>;
  /** The registry's index of an environment's deployments, by request time. */
  index: (env: string) => string;
  jobs: Pick<DeployJobs, 'advance'>;
  announcer: DeployAnnouncer;
  logger: Logger;
}

/**
 * The one way a deployment's record changes, for the commands and for the orchestrator alike: a transition is
 * written by compare-and-set, then announced (timeline and the thread replies it claimed) and followed by the
 * job that takes the next step. Facts that are not transitions (where the timeline was posted, the incident
 * claim) are written without announcing or scheduling anything.
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
   * Applies one event, retrying on a concurrent change; then tells the channel and schedules the next step. A
   * refusal (not an approver, already finished…) comes back as a result, with nothing written.
   */
  async apply(id: string, makeEvent: (state: DeploymentState) => DeploymentEvent): Promise<ApplyResult> {
    let result: TransitionResult | undefined;
    let entries: DeployRecord['state']['timeline'] = [];
    const written = await this.deps.store.casUpdate(id, (record) => {
      result = applyDeploymentEvent(record.state, makeEvent(record.state));
      if (!result.ok) return undefined;
      const next = { ...record, state: result.state };
      entries = unpostedEntries(next);
      // The replies are claimed in the same write, so a reply is posted once whoever writes next.
      return { ...next, meta: { ...next.meta, repliesPosted: next.state.timeline.length } };
    });
    if (written.status === 'not-found')
      return { ok: false, reason: 'not-found', message: `There is no deployment \`${id}\`.` };
    if (!result) throw new Error(`deployment ${id}: no transition computed`);
    if (written.status === 'written') await this.afterWrite(id, written.version, written.value, entries);
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

  /** Posts a new deployment's timeline and remembers where; without it the deployment goes on, and it is logged. */
  async postTimeline(record: DeployRecord): Promise<void> {
    const { id } = record.state;
    try {
      await this.setMessage(id, await this.deps.announcer.post(record));
    } catch (error) {
      this.deps.logger.warn(
        { event: 'deploy.timeline_post_failed', deploymentId: id, err: error },
        'no timeline message',
      );
    }
  }

  /** Where the timeline message was posted, so every later change updates it in place. */
  async setMessage(id: string, message: { channel: string; ts: string }): Promise<void> {
    await this.changeMeta(id, (meta) => ({ ...meta, message }));
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

  /** A rollback must not wait for Slack: its dispatch goes first, the timeline follows. */
  private async afterWrite(
    id: string,
    version: number,
    record: DeployRecord,
    entries: DeployRecord['state']['timeline'],
  ): Promise<void> {
    const urgent = dispatchIsUrgent(record.state);
    if (urgent) await this.deps.jobs.advance(id, `v${version}`);
    await this.announce(id, version, record, entries);
    if (!urgent) await this.deps.jobs.advance(id, `v${version}`);
  }

  /**
   * Updates the timeline, then posts the thread replies this write claimed. An update can land after a newer one
   * sent by another step or replica; whoever finds the record moved on meanwhile renders the latest again, so the
   * message always ends on the newest state.
   */
  private async announce(
    id: string,
    version: number,
    record: DeployRecord,
    entries: DeployRecord['state']['timeline'],
  ): Promise<void> {
    const { announcer, logger } = this.deps;
    try {
      if (record.meta.message) {
        await announcer.update(record);
        const latest = await this.deps.store.get(id);
        if (latest && latest.version !== version) await announcer.update(latest.value);
      }
      if (entries.length > 0) await announcer.reply(record, entries);
    } catch (error) {
      logger.warn(
        { event: 'deploy.announce_failed', deploymentId: record.state.id, err: error },
        'slack update failed',
      );
    }
  }
}
