import type { RollbackTrigger, Verdict } from '../analysis/decide.js';
import type { DeploymentState, DeploymentStatus, OpenGate, PhaseState } from './deployment-state.js';
import { isFinished } from './deployment-state.js';

/** A `/rollback` or a deployment: the two are counted apart, a rollback is not a change. */
export type DeploymentKind = 'deploy' | 'rollback';

/** How a rollback was asked for: by the analysis, by a person on the timeline, or by `/rollback`. */
export type RollbackOrigin = 'automatic' | 'manual' | 'command';

/** What one write of a deployment's record made happen, for whoever measures deployments. */
export type Milestone =
  | { kind: 'started'; env: string; deployment: DeploymentKind }
  | {
      kind: 'finished';
      env: string;
      deployment: DeploymentKind;
      outcome: Extract<DeploymentStatus, 'succeeded' | 'failed' | 'cancelled' | 'rolled_back'>;
      /** From its start (or its request, when it never started) to its end. */
      durationMs: number;
    }
  | {
      kind: 'phase-ended';
      env: string;
      phase: string;
      outcome: 'succeeded' | 'failed' | 'cancelled';
      durationMs: number;
    }
  | { kind: 'reading'; env: string; verdict: Verdict }
  | { kind: 'automatic-rollback'; env: string; reason: RollbackTrigger | 'other' }
  /** The rollback's run went out: how long after it was decided (or confirmed). */
  | { kind: 'rollback-dispatched'; env: string; origin: RollbackOrigin; latencyMs: number }
  | { kind: 'gate-closed'; env: string; outcome: 'approved' | 'expired' | 'stopped'; waitMs: number };

const PHASE_ENDS: ReadonlySet<PhaseState['status']> = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * What changed between two versions of a deployment (`before` is undefined for a new one), as milestones. Pure, and
 * exact for any two consecutive versions: every write is a compare-and-set, so each milestone is seen by exactly
 * one writer, in whichever process made the write.
 */
export function milestones(before: DeploymentState | undefined, after: DeploymentState): Milestone[] {
  const { env } = after;
  const deployment: DeploymentKind = after.rollbackOf ? 'rollback' : 'deploy';
  const found: Milestone[] = [];
  const newEntries = after.timeline.slice(before?.timeline.length ?? 0);
  const started = newEntries.find((entry) => entry.kind === 'started');
  if (started) found.push({ kind: 'started', env, deployment });
  const ticked = (after.analysis?.ticks ?? 0) > (before?.analysis?.ticks ?? 0);
  // When this write happened: its newest entry, or the reading it recorded (a reading may add no entry).
  const writtenAt = Math.max(newEntries.at(-1)?.at ?? 0, ticked ? (after.analysis?.lastAt ?? 0) : 0);

  for (const phase of after.phases) {
    const was = before?.phases.find((candidate) => candidate.id === phase.id)?.status;
    if (!PHASE_ENDS.has(phase.status) || was === phase.status || was === undefined || PHASE_ENDS.has(was))
      continue;
    const first = phase.runs[0];
    if (first === undefined) continue;
    const end = Math.max(phase.runs.at(-1)?.completedAt ?? first.dispatchedAt, writtenAt);
    found.push({
      kind: 'phase-ended',
      env,
      phase: phase.id,
      outcome: phase.status as 'succeeded' | 'failed' | 'cancelled',
      durationMs: Math.max(0, end - first.dispatchedAt),
    });
  }

  const ticks = after.analysis?.ticks ?? 0;
  const last = after.analysis?.last;
  if (last && ticks > (before?.analysis?.ticks ?? 0))
    found.push({ kind: 'reading', env, verdict: last.verdict });

  const rollback = after.rollback;
  if (rollback && before?.rollback === undefined && rollback.by === undefined) {
    found.push({ kind: 'automatic-rollback', env, reason: rollback.decision?.trippedBy ?? 'other' });
  }
  if (rollback?.dispatchedAt !== undefined && before?.rollback?.dispatchedAt === undefined) {
    found.push({
      kind: 'rollback-dispatched',
      env,
      origin: rollback.by === undefined ? 'automatic' : 'manual',
      latencyMs: Math.max(0, rollback.dispatchedAt - rollback.requestedAt),
    });
  }
  const firstRun = after.phases[0]?.runs[0];
  if (after.rollbackOf && firstRun && (before?.phases[0]?.runs.length ?? 0) === 0) {
    found.push({
      kind: 'rollback-dispatched',
      env,
      origin: 'command',
      latencyMs: Math.max(0, firstRun.dispatchedAt - after.requestedAt),
    });
  }

  const gate = before?.gate;
  if (gate && after.gate?.seq !== gate.seq) found.push(gateClosed(env, gate, newEntries));

  if (isFinished(after.status) && (before === undefined || !isFinished(before.status))) {
    const from =
      started?.at ?? after.timeline.find((entry) => entry.kind === 'started')?.at ?? after.requestedAt;
    found.push({
      kind: 'finished',
      env,
      deployment,
      outcome: after.status as 'succeeded' | 'failed' | 'cancelled' | 'rolled_back',
      durationMs: Math.max(0, (after.finishedAt ?? from) - from),
    });
  }
  return found;
}

function gateClosed(
  env: string,
  gate: OpenGate,
  entries: readonly DeploymentState['timeline'][number][],
): Milestone {
  const closing = entries.find(
    (entry) => entry.kind === 'gate_passed' || entry.kind === 'gate_expired' || entry.kind === 'cancelled',
  );
  const outcome =
    closing?.kind === 'gate_passed' ? 'approved' : closing?.kind === 'gate_expired' ? 'expired' : 'stopped';
  const at = (closing ?? entries.at(-1))?.at ?? gate.openedAt;
  return { kind: 'gate-closed', env, outcome, waitMs: Math.max(0, at - gate.openedAt) };
}
