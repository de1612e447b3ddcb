import type { Logger } from 'pino';
import type { DeployRecord } from '../../domain/deploy/deploy-record.js';
import { repliesInThread } from '../../domain/deploy/thread-replies.js';
import type { DocumentStore } from '../ports.js';
import type {
  AnnouncementLedger,
  AnnounceRun,
  ApproverDirectory,
  DeployAnnouncer,
  SlackOutcome,
} from './ports.js';

export interface TimelineAnnouncementsDeps {
  store: DocumentStore<DeployRecord>;
  announcer: DeployAnnouncer;
  ledger: AnnouncementLedger;
  approvers: ApproverDirectory;
  logger: Logger;
}

/**
 * One run of a deployment's announcement job: it reads the NEWEST record and makes the status channel show it —
 * the timeline message posted when it does not exist yet (retried until it does), re-rendered when what it shows
 * is older, then a thread reply for each decision not replied to yet. Every step is recorded in the ledger as it
 * succeeds, so a run that Slack stops half way (a 429, a 5xx, pacing) resumes where it stopped and repeats nothing.
 * Many transitions between two runs cost one `chat.update`.
 *
 * While a gate is open and Slack has not shown its buttons (the post or update failed), each approver gets them
 * in a direct message, once per gate: a deployment must never wait for an approval nobody can give.
 */
export class TimelineAnnouncements {
  constructor(private readonly deps: TimelineAnnouncementsDeps) {}

  async run(id: string): Promise<AnnounceRun> {
    const found = await this.deps.store.get(id);
    if (!found) return { done: true };
    let record = found.value;
    const seen = await this.deps.ledger.read(id);
    let message = record.meta.message;
    if (!message) {
      const posted = await this.deps.announcer.post(record);
      if (!posted.ok) return this.notShown(record, seen.gateShown, 'post', posted);
      message = posted.value;
      await this.setMessage(id, message);
      record = { ...record, meta: { ...record.meta, message } };
      await this.deps.ledger.shown(id, record.state);
    } else if (!seen.shows(record.state)) {
      const updated = await this.deps.announcer.update(record, message);
      if (!updated.ok) return this.notShown(record, seen.gateShown, 'update', updated);
      await this.deps.ledger.shown(id, record.state);
    }
    const { timeline } = record.state;
    for (let index = seen.replied ?? record.meta.repliesPosted ?? 0; index < timeline.length; index += 1) {
      const entry = timeline[index];
      if (!entry || !repliesInThread(entry)) continue;
      const replied = await this.deps.announcer.reply(record, message, entry);
      if (!replied.ok) {
        await this.deps.ledger.replied(id, index);
        return this.retry(record, 'reply', replied);
      }
      await this.deps.ledger.replied(id, index + 1);
    }
    await this.deps.ledger.replied(id, timeline.length);
    return { done: true };
  }

  /** Remembers where the timeline is; a write that finds the record gone leaves it gone. */
  private async setMessage(id: string, message: { channel: string; ts: string }): Promise<void> {
    await this.deps.store.casUpdate(id, (record) => ({ ...record, meta: { ...record.meta, message } }));
  }

  /** The timeline could not show the newest state: when that hides an open gate from its approvers, ask them. */
  private async notShown(
    record: DeployRecord,
    gateShown: number | undefined,
    what: 'post' | 'update',
    outcome: Extract<SlackOutcome<unknown>, { ok: false }>,
  ): Promise<AnnounceRun> {
    const gate = record.state.gate;
    if (
      gate &&
      record.state.status === 'awaiting_approval' &&
      gateShown !== gate.seq &&
      outcome.reason !== 'paced'
    )
      await this.askApprovers(record, gate.seq);
    return this.retry(record, what, outcome);
  }

  private async askApprovers(record: DeployRecord, seq: number): Promise<void> {
    const { id } = record.state;
    const { ledger, announcer, logger } = this.deps;
    let users: string[];
    try {
      users = await this.deps.approvers.usersOf(record.plan.approvers);
    } catch (error) {
      logger.warn({ event: 'deploy.approvers_unknown', deploymentId: id, err: error }, 'approvers not asked');
      return;
    }
    for (const user of users) {
      if (await ledger.askedApprover(id, seq, user)) continue;
      const asked = await announcer.askApprover(record, user);
      if (asked.ok) {
        logger.info({ event: 'deploy.approver_asked', deploymentId: id, user, gate: seq }, 'approver asked');
      } else {
        await ledger.forgetApprover(id, seq, user);
      }
    }
  }

  private retry(
    record: DeployRecord,
    what: 'post' | 'update' | 'reply',
    outcome: Extract<SlackOutcome<unknown>, { ok: false }>,
  ): AnnounceRun {
    if (outcome.reason !== 'paced')
      this.deps.logger.warn(
        {
          event: 'deploy.announce_deferred',
          deploymentId: record.state.id,
          call: what,
          reason: outcome.reason,
          retryInMs: outcome.retryInMs,
          err: outcome.message,
        },
        'slack did not take the timeline; retrying',
      );
    return {
      done: false,
      retryInMs: outcome.retryInMs,
      ...(outcome.reason === 'refused' ? { refused: `${what}: ${outcome.message}` } : {}),
    };
  }
}
