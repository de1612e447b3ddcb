import type { Logger } from 'pino';
import type { FlagsConfig } from '../config.js';
import { closeMatches, didYouMean } from '../domain/close-matches.js';
import { decideFlagChange, type FlagChangeRefusal } from '../domain/flags/decide-flag-change.js';
import {
  type FlagChangeNotice,
  type FlagView,
  revertValueOf,
  type StoredFlag,
  toStoredValue,
} from '../domain/flags/flag-state.js';
import { slackErrorOf } from '../errors.js';
import type {
  AuditLog,
  FlagAnnouncer,
  FlagRevertJob,
  FlagRevertScheduler,
  FlagStore,
  Permissions,
} from './ports.js';

export interface Actor {
  id: string;
  name: string;
}

/** One request object for a flip, as typed by a user. */
export interface FlagChangeRequest {
  actor: Actor;
  name: string;
  enabled: boolean;
  forMs?: number;
  forText?: string;
  reason: string;
  create: boolean;
}

export type FlagChangeOutcome =
  | {
      ok: true;
      notice: FlagChangeNotice;
      /** Set when the flip happened but the status channel could not be told. */
      announceError?: string;
    }
  | FlagChangeRefusal;

export type FlagStatusOutcome =
  | { ok: true; flag: FlagView }
  | { ok: false; message: string; suggestions: string[] };

export interface FlagServiceDeps {
  config: FlagsConfig;
  store: FlagStore;
  audit: AuditLog;
  reverts: FlagRevertScheduler;
  permissions: Permissions;
  announcer: FlagAnnouncer;
  now: () => number;
  newId: () => string;
  logger: Logger;
  /** Told after every flip that happened (e.g. to put it on open incidents' timelines); its failure is only logged. */
  onFlagChanged?: (notice: FlagChangeNotice) => Promise<unknown>;
}

const MAX_LISTED_KEYS = 1_000;

/** The `/flag` use cases: load state, apply the domain rules, write atomically, then tell people. */
export class FlagService {
  constructor(private readonly deps: FlagServiceDeps) {}

  async change(request: FlagChangeRequest): Promise<FlagChangeOutcome> {
    const { config, store, audit, reverts, now, newId } = this.deps;
    const logger = this.deps.logger.child({ flag: request.name, user: request.actor.id });
    const isProtected = config.protected.includes(request.name);
    const current = await store.read(request.name);
    const configured = this.configuredNames();
    const decision = decideFlagChange(request, {
      isProtected,
      actorIsApprover: isProtected
        ? await this.deps.permissions.has(request.actor.id, 'approvers', config.approverEnvironment)
        : false,
      exists: configured.includes(request.name) || current.raw !== null,
      knownNames: current.raw === null ? [...configured, ...(await store.names(MAX_LISTED_KEYS))] : [],
      maxForMs: config.maxFor,
      approverEnvironment: config.approverEnvironment,
    });
    const at = new Date(now()).toISOString();
    if (!decision.ok) {
      logger.info({ event: 'flag.refused', reason: decision.reason }, 'flag change refused');
      await audit.record({
        action: 'flag.refused',
        flag: request.name,
        by: request.actor.id,
        at,
        refusal: decision.reason,
        requested: toStoredValue(request.enabled),
        reason: request.reason,
      });
      return decision;
    }

    const changeId = newId();
    const until = request.forMs === undefined ? undefined : new Date(now() + request.forMs).toISOString();
    if (request.forMs !== undefined) {
      // Scheduled before the write: if we die in between, the job finds a different latest change and does nothing.
      await reverts.schedule(
        {
          name: request.name,
          enabled: revertValueOf(request.enabled),
          changeId,
          setBy: request.actor.id,
          setReason: request.reason,
          forText: request.forText ?? '',
        },
        request.forMs,
      );
    }
    const written = await store
      .write({
        name: request.name,
        value: toStoredValue(request.enabled),
        changeId,
        by: request.actor.id,
        reason: request.reason,
        at,
        source: 'slack',
        ...(until ? { until } : {}),
      })
      .catch(async (error: unknown) => {
        if (request.forMs !== undefined) await reverts.cancel(changeId).catch(() => {});
        throw error;
      });
    if (written.status !== 'written') throw new Error('an unconditional flag write reported superseded');
    if (current.lastChange?.until) await this.cancelQuietly(current.lastChange.changeId);
    logger.info({ event: 'flag.changed', old: written.old, enabled: request.enabled, until }, 'flag changed');

    const notice: FlagChangeNotice = {
      name: request.name,
      enabled: request.enabled,
      old: written.old,
      by: request.actor.id,
      reason: request.reason,
      at,
      source: 'slack',
      ...(until ? { until } : {}),
    };
    const announceError = await this.announce(notice);
    await this.changed(notice);
    return { ok: true, notice, ...(announceError ? { announceError } : {}) };
  }

  /** Undoes a `--for` change when its time is up, unless someone changed the flag since. */
  async revert(job: FlagRevertJob): Promise<'reverted' | 'superseded'> {
    const at = new Date(this.deps.now()).toISOString();
    const reason = `--for ${job.forText} ended (set by <@${job.setBy}>${job.setReason ? `: ${job.setReason}` : ''})`;
    const written = await this.deps.store.write({
      name: job.name,
      value: toStoredValue(job.enabled),
      changeId: this.deps.newId(),
      expectedChangeId: job.changeId,
      by: 'greenlight',
      reason,
      at,
      source: 'auto-revert',
    });
    const logger = this.deps.logger.child({ flag: job.name, changeId: job.changeId });
    if (written.status === 'superseded') {
      logger.info(
        { event: 'flag.revert_superseded' },
        'a newer change replaced this --for; nothing reverted',
      );
      return 'superseded';
    }
    logger.info({ event: 'flag.reverted', enabled: job.enabled }, 'flag reverted after --for');
    const notice: FlagChangeNotice = {
      name: job.name,
      enabled: job.enabled,
      old: written.old,
      by: 'greenlight',
      reason,
      at,
      source: 'auto-revert',
    };
    await this.announce(notice);
    await this.changed(notice);
    return 'reverted';
  }

  async status(name: string): Promise<FlagStatusOutcome> {
    const flag = await this.deps.store.read(name);
    const configured = this.configuredNames();
    if (flag.raw === null && !configured.includes(name)) {
      const suggestions = closeMatches(name, [
        ...configured,
        ...(await this.deps.store.names(MAX_LISTED_KEYS)),
      ]);
      return { ok: false, message: `There is no flag \`${name}\`.${didYouMean(suggestions)}`, suggestions };
    }
    return { ok: true, flag: this.view(flag) };
  }

  /** Every flag named in the config plus every flag greenlight knows in Redis, sorted by name. */
  async list(): Promise<FlagView[]> {
    const names = new Set([...this.configuredNames(), ...(await this.deps.store.names(MAX_LISTED_KEYS))]);
    const flags = await this.deps.store.readMany([...names].sort((a, b) => a.localeCompare(b)));
    const configured = this.configuredNames();
    // A name whose key someone deleted by hand stays in the set; the list shows what the apps can read.
    return flags
      .filter((flag) => flag.raw !== null || configured.includes(flag.name))
      .map((flag) => this.view(flag));
  }

  private view(flag: StoredFlag): FlagView {
    return {
      ...flag,
      isProtected: this.deps.config.protected.includes(flag.name),
      isKnown: this.configuredNames().includes(flag.name),
    };
  }

  private configuredNames(): string[] {
    return [...new Set([...this.deps.config.known, ...this.deps.config.protected])];
  }

  private async announce(notice: FlagChangeNotice): Promise<string | undefined> {
    try {
      await this.deps.announcer.announce(notice);
      return undefined;
    } catch (error) {
      this.deps.logger.warn(
        { event: 'flag.announce_failed', flag: notice.name, err: error },
        'announcement failed',
      );
      return slackErrorOf(error);
    }
  }

  private async changed(notice: FlagChangeNotice): Promise<void> {
    await this.deps.onFlagChanged?.(notice).catch((error: unknown) => {
      this.deps.logger.warn(
        { event: 'flag.change_hook_failed', flag: notice.name, err: error },
        'flag change not passed on',
      );
    });
  }

  private async cancelQuietly(changeId: string): Promise<void> {
    await this.deps.reverts.cancel(changeId).catch((error: unknown) => {
      this.deps.logger.warn(
        { event: 'flag.revert_cancel_failed', changeId, err: error },
        'stale revert left',
      );
    });
  }
}
