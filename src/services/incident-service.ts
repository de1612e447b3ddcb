import type { Logger } from 'pino';
import { noSuchName } from '../domain/close-matches.js';
import { formatDuration } from '../domain/duration.js';
import { incidentChannelName } from '../domain/incidents/channel-name.js';
import type { IncidentState, RollbackIncidentRequest, Severity } from '../domain/incidents/incident.js';
import type { IncidentRecord, PagingState } from '../domain/incidents/incident-record.js';
import {
  addNote,
  declareIncident,
  escalateIncident,
  type IncidentRefusal,
  type IncidentTransition,
  MAX_NOTE,
  MAX_TITLE,
  resolveIncident,
  timeToResolve,
  updateIncident,
} from '../domain/incidents/incident-rules.js';
import { pagerSeverityOf, type SeverityPolicy, severityLabel } from '../domain/incidents/severity-policy.js';
import { clip } from '../domain/text.js';
import { slackErrorOf } from '../errors.js';
import type {
  AuditLog,
  DocumentStore,
  IncidentCard,
  IncidentChannels,
  IncidentLinks,
  PagerEvent,
  PagerResult,
  SlackResult,
} from './ports.js';

export interface IncidentSettings {
  policy: SeverityPolicy;
  /** Severities that page PagerDuty (`incidents.page`). */
  page: readonly Severity[];
  createChannel: boolean;
  /** The environments greenlight.yml names; a declared `env` must be one of them. */
  environments: readonly string[];
  /** The environment a person's declaration concerns when they name none (`production` when configured). */
  defaultEnv?: string;
}

export interface IncidentServiceDeps {
  records: DocumentStore<IncidentRecord>;
  /** The index sorted set (incident ids by declare time). */
  index: string;
  /** The index by deployment. */
  links: IncidentLinks;
  /** The next short id, `inc-<n>` (INCR in Redis: unique across replicas). */
  nextId: () => Promise<string>;
  card: IncidentCard;
  channels: IncidentChannels;
  /** Absent without PAGERDUTY_ROUTING_KEY: the card then says paging is not set up. */
  pager?: { send(event: PagerEvent): Promise<PagerResult> };
  audit: AuditLog;
  settings: IncidentSettings;
  now: () => number;
  logger: Logger;
}

export interface DeclareRequest {
  /** A Slack user id, or `greenlight`. */
  by: string;
  severity: Severity;
  title: string;
  env?: string;
  deploymentId?: string;
  deploymentName?: string;
}

export type IncidentOutcome =
  | {
      ok: true;
      incident: IncidentState;
      /** Where the card is, when it could be posted. */
      card?: { channel: string; ts: string };
      /** What did not work but did not stop the incident: paging, the channel, the card. */
      warnings: string[];
      /** Set when `declareFromRollback` found the incident already declared for that deployment. */
      existing?: boolean;
    }
  | { ok: false; message: string };

type Change = (record: IncidentRecord) => { ok: true; record: IncidentRecord } | IncidentRefusal;
type Mutation = { ok: true; record: IncidentRecord } | IncidentRefusal | { ok: false; reason: 'unknown' };

const CAS_ATTEMPTS = 30;
const CHANNEL_NAME_ATTEMPTS = 5;
/** How far back `open()` looks in the index. */
const SCAN_LIMIT = 500;

/**
 * The `/incident` use cases, and the hooks other features use: `declareFromRollback` for an automatic rollback and
 * `appendToOpen` for anything worth a line on every open incident's timeline (a flag flip). Each change is a
 * compare-and-set on the incident's document, audited, then shown by re-rendering the card; paging, the channel
 * and the card are effects whose failures are recorded on the card and returned as warnings, never swallowed.
 */
export class IncidentService {
  constructor(private readonly deps: IncidentServiceDeps) {}

  async declare(request: DeclareRequest): Promise<IncidentOutcome> {
    const { settings } = this.deps;
    const title = request.title.replace(/\s+/g, ' ').trim();
    const at = new Date(this.deps.now()).toISOString();
    const refuse = async (message: string, refusal: string): Promise<IncidentOutcome> => {
      await this.deps.audit.record({
        action: 'incident.refused',
        requested: 'declare',
        refusal,
        by: request.by,
        at,
        title,
      });
      return { ok: false, message };
    };
    if (title.length === 0) return refuse('Give the incident a title: what is broken, for whom.', 'no-title');
    if (title.length > MAX_TITLE)
      return refuse(`The title is too long (at most ${MAX_TITLE} characters).`, 'title-too-long');
    const env = request.env ?? settings.defaultEnv;
    if (request.env !== undefined && !settings.environments.includes(request.env)) {
      return refuse(noSuchName('environment', request.env, settings.environments), 'unknown-env');
    }
    return this.start({
      by: request.by,
      severity: request.severity,
      title,
      ...(env === undefined ? {} : { env }),
      ...(request.deploymentId === undefined ? {} : { deploymentId: request.deploymentId }),
    });
  }

  /**
   * Declares the incident an automatic rollback calls for (SEV2 by default), linked to the deployment. Calling it
   * again for the same deployment returns the incident already declared (`existing: true`), so a retried job does
   * not declare twice.
   */
  async declareFromRollback(request: RollbackIncidentRequest): Promise<IncidentOutcome> {
    const existing = await this.forDeployment(request.deploymentId);
    if (existing) return { ok: true, incident: existing, warnings: [], existing: true };
    const by = request.by ?? 'greenlight';
    const reason = request.reason.replace(/\s+/g, ' ').trim() || 'rollback';
    const kind = by === 'greenlight' ? 'Automatic rollback' : 'Rollback';
    const title = clip(`${kind} of ${request.env}: ${reason}`, MAX_TITLE);
    return this.start(
      {
        by,
        severity: request.severity ?? 'sev2',
        title,
        env: request.env,
        deploymentId: request.deploymentId,
        ...(request.deploymentName === undefined ? {} : { deploymentName: request.deploymentName }),
        detail: `${kind.toLowerCase()} of deployment ${request.deploymentName ?? request.deploymentId}`,
      },
      {
        reason: clip(reason, 300),
        ...(request.readings ? { readings: clip(request.readings, 500) } : {}),
        ...(request.rollbackRunUrl ? { runUrl: request.rollbackRunUrl } : {}),
        ...(request.version ? { version: request.version } : {}),
        ...(request.rollbackRuns && request.rollbackRuns.length > 1
          ? { runs: request.rollbackRuns.slice(0, 20) }
          : {}),
      },
    );
  }

  /** A person's update on the timeline. */
  async update(id: string, by: string, text: string): Promise<IncidentOutcome> {
    const note = text.trim();
    if (note.length === 0 || note.length > MAX_NOTE)
      return this.refuse(id, by, 'update', `Say what changed, in 1 to ${MAX_NOTE} characters.`, 'bad-text');
    return this.transition(id, by, 'update', (state, at) => updateIncident(state, by, note, at), {
      action: 'incident.updated',
      text: note,
    });
  }

  /** Resolves: records who, when, the summary and the time to resolve; resolves the page if one was sent. */
  async resolve(id: string, by: string, summary?: string): Promise<IncidentOutcome> {
    const text = summary?.trim() ?? '';
    if (text.length > MAX_NOTE)
      return this.refuse(
        id,
        by,
        'resolve',
        `The summary is too long (at most ${MAX_NOTE} characters).`,
        'bad-text',
      );
    return this.transition(
      id,
      by,
      'resolve',
      (state, at) => resolveIncident(state, { by, at, ...(text ? { summary: text } : {}) }),
      { action: 'incident.resolved', summary: text },
      async (record) => {
        if (record.meta.paging) await this.page(record.state.id, 'resolve');
      },
    );
  }

  /** One severity up (SEV3 → SEV2 → SEV1); pages when the new severity does. `from` guards a stale card. */
  async escalate(id: string, by: string, from?: Severity): Promise<IncidentOutcome> {
    return this.transition(
      id,
      by,
      'escalate',
      (state, at) => escalateIncident(state, { by, at, ...(from ? { from } : {}) }),
      { action: 'incident.escalated' },
      async (record) => {
        if (this.deps.settings.page.includes(record.state.severity))
          await this.page(record.state.id, 'trigger');
      },
      (record) => this.deps.settings.page.includes(record.state.severity) && !this.deps.pager,
    );
  }

  /**
   * Adds `entry` to the timeline of every open incident and re-renders their cards; answers the ids it reached.
   * For what happens elsewhere during an incident (a flag flip); `at` defaults to now.
   */
  async appendToOpen(entry: { by: string; text: string; at?: number }): Promise<string[]> {
    const at = entry.at ?? this.deps.now();
    const text = clip(entry.text.replace(/\s+/g, ' ').trim(), MAX_NOTE);
    const reached: string[] = [];
    for (const state of await this.open()) {
      const outcome = await this.transition(
        state.id,
        entry.by,
        'note',
        (current) => addNote(current, { at, by: entry.by, text }),
        { action: 'incident.noted', text },
      );
      if (outcome.ok) reached.push(state.id);
    }
    return reached;
  }

  async get(id: string): Promise<IncidentState | undefined> {
    return (await this.deps.records.get(id))?.value.state;
  }

  /** The card's channel, for telling a clicker privately why nothing happened. */
  async cardChannelOf(id: string): Promise<string | undefined> {
    return (await this.deps.records.get(id))?.value.meta.message?.channel;
  }

  /** The incident declared for a deployment, if any. */
  async forDeployment(deploymentId: string): Promise<IncidentState | undefined> {
    const id = await this.deps.links.incidentOf(deploymentId);
    return id === undefined ? undefined : this.get(id);
  }

  /** Open incidents, most recently declared first. */
  async open(): Promise<IncidentState[]> {
    return (await this.recent(SCAN_LIMIT)).filter((state) => state.status === 'open');
  }

  /** The latest `limit` incidents, open or resolved, most recently declared first (for `/deploy stats`). */
  async recent(limit: number): Promise<IncidentState[]> {
    const { records, index } = this.deps;
    const ids = await records.latest(index, limit);
    return (await records.getMany(ids)).map((record) => record.value.state);
  }

  private async start(
    facts: DeclareRequest & { detail?: string },
    rollback?: IncidentRecord['meta']['rollback'],
  ): Promise<IncidentOutcome> {
    const { records, index, audit, now } = this.deps;
    const id = await this.deps.nextId();
    const at = now();
    const state = declareIncident({ id, at, ...facts });
    const record: IncidentRecord = { state, meta: rollback ? { rollback } : {} };
    const written = await records.replace(id, 0, record, { key: index, score: at });
    if (!written.ok) throw new Error(`incident ${id} already exists: the id sequence is behind the index`);
    if (state.deploymentId !== undefined) await this.deps.links.link(state.deploymentId, id);
    const logger = this.deps.logger.child({ incident: id, user: facts.by });
    logger.info(
      { event: 'incident.declared', severity: state.severity, env: state.env },
      'incident declared',
    );
    await audit.record({
      action: 'incident.declared',
      incident: id,
      severity: state.severity,
      title: state.title,
      by: facts.by,
      at: new Date(at).toISOString(),
      source: rollback ? 'rollback' : 'slack',
      ...(state.env === undefined ? {} : { env: state.env }),
      ...(state.deploymentId === undefined ? {} : { deploymentId: state.deploymentId }),
    });
    const pages = this.deps.settings.page.includes(state.severity);
    await Promise.all([
      this.postCard(id),
      pages ? this.page(id, 'trigger') : undefined,
      this.deps.settings.createChannel ? this.createChannel(id) : undefined,
    ]);
    await this.render(id);
    const latest = await records.get(id);
    const final = latest?.value ?? record;
    return {
      ok: true,
      incident: final.state,
      warnings: warningsOf(final, pages && !this.deps.pager),
      ...(final.meta.message ? { card: final.meta.message } : {}),
    };
  }

  /** Load, apply a domain transition, compare-and-set, audit, run its effect, re-render. */
  private async transition(
    id: string,
    by: string,
    requested: string,
    apply: (state: IncidentState, at: number) => IncidentTransition,
    audited: { action: string; [field: string]: string },
    effect?: (record: IncidentRecord) => Promise<void>,
    pagerMissing?: (record: IncidentRecord) => boolean,
  ): Promise<IncidentOutcome> {
    let before: Severity | undefined;
    const changed = await this.mutate(id, (record) => {
      const result = apply(record.state, this.deps.now());
      if (!result.ok) return result;
      before = record.state.severity;
      return { ok: true, record: { ...record, state: result.state } };
    });
    if (!changed.ok) {
      const message =
        changed.reason === 'unknown'
          ? `There is no incident \`${id}\`. \`/incident list\` shows the open ones.`
          : changed.message;
      return this.refuse(id, by, requested, message, changed.reason);
    }
    const { state } = changed.record;
    const { action, ...fields } = audited;
    await this.deps.audit.record({
      action,
      incident: id,
      by,
      at: new Date(this.deps.now()).toISOString(),
      severity: state.severity,
      ...fields,
      ...(action === 'incident.escalated' && before ? { from: before } : {}),
      ...(action === 'incident.resolved' ? { timeToResolveMs: String(timeToResolve(state) ?? 0) } : {}),
    });
    this.deps.logger.info({ event: action, incident: id, user: by, severity: state.severity }, action);
    if (effect) await effect(changed.record);
    const renderError = await this.render(id);
    const latest = (await this.deps.records.get(id))?.value ?? changed.record;
    const warnings = [
      ...(latest.meta.paging?.status === 'failed' && effect ? [pagingWarning(latest.meta.paging)] : []),
      ...(pagerMissing?.(latest) ? ['not paged: PAGERDUTY_ROUTING_KEY is not set'] : []),
      ...(renderError ? [`the card could not be updated: ${renderError}`] : []),
    ];
    return {
      ok: true,
      incident: latest.state,
      warnings,
      ...(latest.meta.message ? { card: latest.meta.message } : {}),
    };
  }

  private async refuse(
    id: string,
    by: string,
    requested: string,
    message: string,
    refusal: string,
  ): Promise<IncidentOutcome> {
    await this.deps.audit.record({
      action: 'incident.refused',
      incident: id,
      requested,
      refusal,
      by,
      at: new Date(this.deps.now()).toISOString(),
    });
    this.deps.logger.info(
      { event: 'incident.refused', incident: id, user: by, refusal },
      'incident change refused',
    );
    return { ok: false, message };
  }

  /** Compare-and-set with retries: concurrent changes (two clicks, a flag flip) all land, none is lost. */
  private async mutate(id: string, change: Change): Promise<Mutation> {
    let outcome: ReturnType<Change> | undefined;
    const written = await this.deps.records.casUpdate(
      id,
      (record) => {
        outcome = change(record);
        return outcome.ok ? outcome.record : undefined;
      },
      CAS_ATTEMPTS,
    );
    if (written.status === 'not-found' || !outcome) return { ok: false, reason: 'unknown' };
    return outcome;
  }

  private async setMeta(id: string, meta: Partial<IncidentRecord['meta']>): Promise<void> {
    await this.mutate(id, (record) => ({
      ok: true,
      record: { ...record, meta: { ...record.meta, ...meta } },
    }));
  }

  private async postCard(id: string): Promise<void> {
    const current = await this.deps.records.get(id);
    if (!current) return;
    try {
      const where = await this.deps.card.post(current.value);
      await this.setMeta(id, { message: where });
    } catch (error) {
      const detail = slackErrorOf(error);
      this.deps.logger.warn(
        { event: 'incident.card_failed', incident: id, err: error },
        'incident card not posted',
      );
      await this.setMeta(id, { cardError: `card not posted: ${detail}` });
      await this.deps.audit.record({
        action: 'incident.card_failed',
        incident: id,
        by: 'greenlight',
        at: new Date(this.deps.now()).toISOString(),
        error: detail,
      });
    }
  }

  /**
   * Re-renders the card from the newest record; renders again if the record changed meanwhile, so an update that
   * lands late never leaves an older state on screen. Answers why the card could not be updated, if it could not.
   */
  private async render(id: string): Promise<string | undefined> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const current = await this.deps.records.get(id);
      const where = current?.value.meta.message;
      if (!current || !where) return undefined;
      try {
        await this.deps.card.update(current.value, where);
      } catch (error) {
        this.deps.logger.warn(
          { event: 'incident.card_update_failed', incident: id, err: error },
          'card not updated',
        );
        return slackErrorOf(error);
      }
      const after = await this.deps.records.get(id);
      if (after?.version === current.version) return undefined;
    }
    return undefined;
  }

  private async page(id: string, action: 'trigger' | 'resolve'): Promise<void> {
    const pager = this.deps.pager;
    const current = await this.deps.records.get(id);
    if (!pager || !current) return;
    const { state, meta } = current.value;
    const dedupKey = `greenlight-${id}`;
    const rule = this.deps.settings.policy[state.severity];
    const event: PagerEvent =
      action === 'resolve'
        ? { action, dedupKey }
        : {
            action,
            dedupKey,
            summary: `[${severityLabel(state.severity)}] ${id}: ${state.title}${state.env ? ` (${state.env})` : ''}`,
            severity: pagerSeverityOf(state.severity),
            details: {
              incident: id,
              severity: severityLabel(state.severity),
              title: state.title,
              declared_by: state.declaredBy,
              declared_at: new Date(state.declaredAt).toISOString(),
              respond_within: formatDuration(rule.respondWithin),
              action: rule.action,
              ...(state.env === undefined ? {} : { environment: state.env }),
              ...(state.deploymentId === undefined
                ? {}
                : { deployment: state.deploymentName ?? state.deploymentId }),
              ...(meta.rollback?.readings ? { readings: meta.rollback.readings } : {}),
            },
            ...(meta.rollback?.runs
              ? {
                  links: meta.rollback.runs.flatMap((run) =>
                    run.url ? [{ href: run.url, text: `Rollback run in ${run.repository}` }] : [],
                  ),
                }
              : meta.rollback?.runUrl
                ? { links: [{ href: meta.rollback.runUrl, text: 'Rollback run' }] }
                : {}),
          };
    const result = await pager.send(event);
    const at = this.deps.now();
    const paging: PagingState = {
      dedupKey,
      action,
      status: result.ok ? 'sent' : 'failed',
      at,
      ...(result.ok ? {} : { error: result.error }),
    };
    await this.setMeta(id, { paging });
    const outcome = result.ok ? 'incident.paged' : 'incident.page_failed';
    await this.deps.audit.record({
      action: outcome,
      incident: id,
      pagerAction: action,
      dedupKey,
      by: 'greenlight',
      at: new Date(at).toISOString(),
      ...(result.ok ? {} : { error: result.error }),
    });
    if (result.ok)
      this.deps.logger.info({ event: outcome, incident: id, pagerAction: action, dedupKey }, outcome);
    else
      this.deps.logger.warn(
        { event: outcome, incident: id, pagerAction: action, dedupKey, error: result.error },
        'paging failed',
      );
  }

  private async createChannel(id: string): Promise<void> {
    const current = await this.deps.records.get(id);
    if (!current) return;
    const { state } = current.value;
    let created: SlackResult<{ id: string; name: string }> = { ok: false, error: 'not attempted' };
    for (let attempt = 0; attempt < CHANNEL_NAME_ATTEMPTS; attempt += 1) {
      created = await this.deps.channels.create(
        incidentChannelName(state.declaredAt, state.title, id, attempt),
      );
      if (created.ok || created.error !== 'name_taken') break;
    }
    const at = new Date(this.deps.now()).toISOString();
    if (!created.ok) {
      const error = created.error;
      this.deps.logger.warn({ event: 'incident.channel_failed', incident: id, error }, 'channel not created');
      await this.setMeta(id, { channel: { error } });
      await this.deps.audit.record({
        action: 'incident.channel_failed',
        incident: id,
        by: 'greenlight',
        at,
        error,
      });
      return;
    }
    const channel = { id: created.id, name: created.name };
    const invited = /^[UW][A-Z0-9]+$/.test(state.declaredBy)
      ? await this.deps.channels.invite(channel.id, state.declaredBy)
      : ({ ok: true } as const);
    await this.setMeta(id, { channel, ...(invited.ok ? {} : { inviteError: invited.error }) });
    await this.deps.audit.record({
      action: 'incident.channel_created',
      incident: id,
      by: 'greenlight',
      at,
      channel: channel.name,
      ...(invited.ok ? {} : { inviteError: invited.error }),
    });
  }
}

function warningsOf(record: IncidentRecord, pagerMissing: boolean): string[] {
  const { meta } = record;
  const warnings: string[] = [];
  if (meta.paging?.status === 'failed') warnings.push(pagingWarning(meta.paging));
  if (pagerMissing) warnings.push('not paged: PAGERDUTY_ROUTING_KEY is not set');
  if (meta.channel && 'error' in meta.channel) warnings.push(`channel not created: ${meta.channel.error}`);
  if (meta.inviteError) warnings.push(`could not invite you to the incident channel: ${meta.inviteError}`);
  if (meta.cardError) warnings.push(meta.cardError);
  return warnings;
}

function pagingWarning(paging: PagingState): string {
  return `paging failed: ${paging.action === 'resolve' ? 'could not resolve the PagerDuty incident: ' : ''}${paging.error ?? 'unknown error'}`;
}
