import { formatDuration } from '../duration.js';
import type { IncidentEntry, IncidentState, Severity } from './incident.js';
import { escalationOf, severityLabel } from './severity-policy.js';

/** Longest title (it becomes the card's Impact line, the page's summary and the channel's slug). */
export const MAX_TITLE = 150;
/** Longest update, summary or note on the timeline. */
export const MAX_NOTE = 1_000;

export type IncidentRefusal =
  | { ok: false; reason: 'resolved'; message: string }
  | { ok: false; reason: 'top-severity'; message: string }
  | { ok: false; reason: 'stale-severity'; message: string };

export type IncidentTransition = { ok: true; state: IncidentState; entry: IncidentEntry } | IncidentRefusal;

const INCIDENT_ID = /^inc-[1-9]\d{0,8}$/;

/** `inc-7` for what a user types as `inc-7`, `INC-7`, `#7` or `7`; undefined for anything else. */
export function normalizeIncidentId(text: string): string | undefined {
  const lower = text.trim().toLowerCase().replace(/^#/, '');
  const id = /^\d+$/.test(lower) ? `inc-${lower}` : lower;
  return INCIDENT_ID.test(id) ? id : undefined;
}

/**
 * How a timeline names who did something: a Slack user mention for a user id (rendered by Slack, escaped nowhere
 * else), `greenlight` for the bot, the text otherwise.
 */
export function actorOf(by: string): string {
  return /^[UW][A-Z0-9]{1,30}$/.test(by) ? `<@${by}>` : by;
}

export interface DeclareFacts {
  id: string;
  severity: Severity;
  title: string;
  by: string;
  at: number;
  env?: string;
  deploymentId?: string;
  deploymentName?: string;
  /** Added to the first timeline entry, e.g. what an automatic rollback saw. */
  detail?: string;
}

/** A new open incident whose timeline starts at T+0 with its declaration. */
export function declareIncident(facts: DeclareFacts): IncidentState {
  const text = `Declared ${severityLabel(facts.severity)} by ${actorOf(facts.by)}${facts.detail ? `: ${facts.detail}` : ''}`;
  return {
    id: facts.id,
    severity: facts.severity,
    title: facts.title,
    status: 'open',
    declaredBy: facts.by,
    declaredAt: facts.at,
    ...(facts.env === undefined ? {} : { env: facts.env }),
    ...(facts.deploymentId === undefined ? {} : { deploymentId: facts.deploymentId }),
    ...(facts.deploymentName === undefined ? {} : { deploymentName: facts.deploymentName }),
    timeline: [{ at: facts.at, by: facts.by, text }],
  };
}

/** Adds a line to the timeline. Resolved incidents take no more updates: a relapse is a new incident. */
export function addNote(state: IncidentState, entry: IncidentEntry): IncidentTransition {
  if (state.status === 'resolved') return resolvedRefusal(state);
  return { ok: true, state: { ...state, timeline: [...state.timeline, entry] }, entry };
}

/** A person's update: `<@U…>: text`. */
export function updateIncident(
  state: IncidentState,
  by: string,
  text: string,
  at: number,
): IncidentTransition {
  return addNote(state, { at, by, text: `${actorOf(by)}: ${text}` });
}

export function resolveIncident(
  state: IncidentState,
  change: { by: string; at: number; summary?: string },
): IncidentTransition {
  if (state.status === 'resolved') return resolvedRefusal(state);
  const took = formatDuration(Math.max(0, change.at - state.declaredAt));
  const summary = change.summary?.trim();
  const entry: IncidentEntry = {
    at: change.at,
    by: change.by,
    text: `Resolved by ${actorOf(change.by)} after ${took}${summary ? `: ${summary}` : ''}`,
  };
  return {
    ok: true,
    entry,
    state: {
      ...state,
      status: 'resolved',
      resolvedAt: change.at,
      resolvedBy: change.by,
      ...(summary ? { summary } : {}),
      timeline: [...state.timeline, entry],
    },
  };
}

/**
 * One step up. `from` is the severity the person saw when they clicked: a second click on a card that has not
 * caught up yet is refused instead of escalating twice.
 */
export function escalateIncident(
  state: IncidentState,
  change: { by: string; at: number; from?: Severity },
): IncidentTransition {
  if (state.status === 'resolved') return resolvedRefusal(state);
  if (change.from !== undefined && change.from !== state.severity) {
    return {
      ok: false,
      reason: 'stale-severity',
      message: `${state.id} is already ${severityLabel(state.severity)}; nothing was changed.`,
    };
  }
  const next = escalationOf(state.severity);
  if (next === undefined) {
    return {
      ok: false,
      reason: 'top-severity',
      message: `${state.id} is already SEV1, the highest severity.`,
    };
  }
  const entry: IncidentEntry = {
    at: change.at,
    by: change.by,
    text: `Escalated ${severityLabel(state.severity)} → ${severityLabel(next)} by ${actorOf(change.by)}`,
  };
  return { ok: true, entry, state: { ...state, severity: next, timeline: [...state.timeline, entry] } };
}

/** How long it took from declaration to resolution; undefined while open. */
export function timeToResolve(state: IncidentState): number | undefined {
  return state.resolvedAt === undefined ? undefined : Math.max(0, state.resolvedAt - state.declaredAt);
}

function resolvedRefusal(state: IncidentState): IncidentRefusal {
  return {
    ok: false,
    reason: 'resolved',
    message: `${state.id} is already resolved${state.resolvedBy ? ` (by ${actorOf(state.resolvedBy)})` : ''}; declare a new incident if the problem is back.`,
  };
}
