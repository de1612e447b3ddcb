import { type Decision, ms, percent, readingSummary } from '../../src/domain/analysis/decide.js';
import type { ProbeResult } from '../../src/domain/analysis/reading.js';
import type {
  AnalysisState,
  DeploymentState,
  RollbackRun,
  RollbackState,
} from '../../src/domain/deploy/deployment-state.js';
import { repositoryName } from '../../src/domain/deploy/workflow-inputs.js';
import {
  formatDuration,
  inlineText,
  inlineUserText,
  rollbackRun,
  runLink,
  timeAt,
  who,
} from './deploy-text.js';

const SOURCE_LABEL: Readonly<Record<AnalysisState['source'], string>> = {
  prometheus: 'Prometheus',
  datadog: 'Datadog',
  'redis-counters': 'Redis counters',
  health: 'health checks',
  none: 'health checks only (no `analysis` in greenlight.yml)',
};

const VERDICT_EMOJI: Readonly<Record<Decision['verdict'], string>> = {
  pass: '🟢',
  warn: '🟡',
  'no-data': '⚪',
  failing: '🟠',
  rollback: '🔴',
};

const MAX_REASONS = 4;
const MAX_PROBES = 8;

/**
 * The rollout's analysis under the phases: where readings come from, the last one against its thresholds, and
 * why it is paused. Within one section's budget whatever the readings say.
 */
export function analysisText(state: DeploymentState, analysis: AnalysisState): string {
  const { thresholds } = analysis;
  const head = [
    `📈 *Analysis* · ${SOURCE_LABEL[analysis.source]} every ${formatDuration(analysis.intervalMs)}`,
  ];
  if (analysis.lastAt !== undefined) head.push(`reading ${analysis.ticks} ${timeAt(analysis.lastAt)}`);
  const lines = [head.join(' · ')];
  const last = analysis.last;
  if (last) {
    const reading = last.reading;
    const facts = [`${VERDICT_EMOJI[last.verdict]} *${last.verdict}*`];
    if (reading.errorRate !== undefined) {
      facts.push(
        `error rate ${percent(reading.errorRate)} (warn over ${percent(thresholds.errorRate.warn)}, roll back over ${percent(thresholds.errorRate.rollback)})`,
      );
    }
    if (reading.p95Ms !== undefined) {
      const limit =
        last.p95LimitMs === undefined
          ? 'no baseline'
          : `baseline ${ms(last.baselineP95Ms)}, roll back over ${ms(last.p95LimitMs)}`;
      facts.push(`p95 ${ms(reading.p95Ms)} (${limit})`);
    }
    if (reading.probes.length > 0)
      facts.push(healthSummary(reading.probes, last, thresholds.healthFailuresToRollback));
    lines.push(facts.join(' · '));
    for (const reason of last.reasons.slice(0, MAX_REASONS)) lines.push(`• ${inlineUserText(reason, 300)}`);
  } else if (analysis.baseline) {
    lines.push(`Baseline ${baselineText(analysis.baseline)}; first reading due shortly.`);
  }
  if (analysis.baseline && last) lines.push(`Baseline ${baselineText(analysis.baseline)}`);
  if (analysis.paused) {
    const by = analysis.paused.by === undefined ? '' : ` by ${who(analysis.paused.by)}`;
    lines.push(
      `⏸️ *Paused*${by} ${timeAt(analysis.paused.at)} — ${inlineUserText(analysis.paused.reason, 300)}. Press *Resume* to go on or *Roll back*.`,
    );
  }
  if (state.status === 'awaiting_approval' && analysis.paused === undefined) {
    lines.push('Readings go on while the go/no-go gate waits: a breach still rolls back.');
  }
  return lines.join('\n');
}

function healthSummary(probes: readonly ProbeResult[], last: Decision, toRollback: number): string {
  const healthy = probes.filter((probe) => probe.ok).length;
  const streak = last.healthFailuresInARow > 0 ? `, failing ${last.healthFailuresInARow}/${toRollback}` : '';
  return `health ${healthy}/${probes.length} ok${streak}`;
}

export function baselineText(baseline: NonNullable<AnalysisState['baseline']>): string {
  const facts: string[] = [];
  if (baseline.p95Ms !== undefined) facts.push(`p95 ${ms(baseline.p95Ms)}`);
  if (baseline.errorRate !== undefined) facts.push(`error rate ${percent(baseline.errorRate)}`);
  if (facts.length === 0) {
    return `unavailable (${inlineUserText(baseline.noData ?? 'no data', 200)}): the p95 check compares with nothing`;
  }
  return `${facts.join(', ')} (read ${timeAt(baseline.at)})`;
}

/** `api 200 in 42 ms ✅, gateway 401 in 12 ms ✅`: each probe, the failing ones first. */
export function probesText(probes: readonly ProbeResult[]): string {
  const ordered = [...probes].sort((a, b) => Number(a.ok) - Number(b.ok));
  const shown = ordered.slice(0, MAX_PROBES).map((probe) => {
    const answer = probe.status === undefined ? '' : ` ${probe.status}`;
    const problem = probe.ok ? '' : ` — ${inlineUserText(probe.problem ?? 'failed', 80)}`;
    return `${probe.ok ? '✅' : '❌'} ${inlineText(probe.service, 30)}${answer} in ${ms(probe.latencyMs)}${problem}`;
  });
  const more = probes.length > MAX_PROBES ? `, +${probes.length - MAX_PROBES} more` : '';
  return `${shown.join(', ')}${more}`;
}

/** The rollback, prominent: what triggered it, by whom, its run and the version it goes back to. */
export function rollbackText(state: DeploymentState, rollback: RollbackState): string {
  const head =
    state.status === 'rolling_back'
      ? '🚨 *Rolling back*'
      : state.status === 'rolled_back'
        ? '↩️ *Rolled back*'
        : '🔥 *Rollback failed*';
  const trigger = rollback.by === undefined ? 'automatically' : `by ${who(rollback.by)}`;
  const lines = [
    `${head} ${trigger} ${timeAt(rollback.requestedAt)} — ${inlineUserText(rollback.reason, 500)}`,
  ];
  const facts: string[] = [];
  const runs = rollback.runs ?? [];
  const several = runs.length > 1;
  if (!several) {
    const [run] = runs;
    if (run?.runId !== undefined && run.url !== undefined)
      facts.push(`rollback ${runLink(rollbackRun({ ...run, url: run.url }))}`);
    else if (run?.refused !== undefined) facts.push(`not dispatched: ${inlineUserText(run.refused, 200)}`);
    else if (state.status === 'rolling_back') facts.push('dispatching the rollback workflow…');
  }
  facts.push(
    rollback.version === undefined
      ? 'to the version the workflow chooses (no earlier successful deployment on record)'
      : `to \`${inlineText(rollback.version, 60)}\``,
  );
  const conclusion = runs[0]?.conclusion;
  if (!several && conclusion !== undefined) facts.push(`run ended \`${inlineText(conclusion, 40)}\``);
  lines.push(facts.join(' · '));
  if (several)
    lines.push(...runs.slice(0, MAX_ROLLBACK_RUNS).map((run) => `• ${rollbackRunText(run, state)}`));
  if (runs.length > MAX_ROLLBACK_RUNS) lines.push(`• +${runs.length - MAX_ROLLBACK_RUNS} more repositories`);
  const reading = rollback.decision?.reading;
  if (reading) lines.push(`Readings: ${readingFacts(rollback.decision)}`);
  if (state.status === 'failed') {
    lines.push(
      `*Act now:* the rollback did not complete. ${state.env ? `\`${inlineText(state.env, 40)}\`` : 'The environment'} is locked; roll back by hand (\`gh workflow run\`) or fix forward, then \`/deploy unlock ${inlineText(state.env, 40)}\`.`,
    );
  }
  return lines.join('\n');
}

/** Repositories listed one per line under a rollback; Slack's section text is bounded. */
const MAX_ROLLBACK_RUNS = 10;

/** One repository's rollback: `acme/web` · its run · where it stands. */
function rollbackRunText(run: RollbackRun, state: DeploymentState): string {
  const where = `\`${inlineText(run.repository ? repositoryName(run.repository) : 'github.repo', 100)}\``;
  if (run.refused !== undefined) return `${where} not dispatched: ${inlineUserText(run.refused, 200)}`;
  if (run.runId === undefined || run.url === undefined)
    return `${where} ${state.status === 'rolling_back' ? 'dispatching…' : 'not dispatched'}`;
  const link = runLink(rollbackRun({ ...run, url: run.url }));
  return run.conclusion === undefined
    ? `${where} ${link} running`
    : `${where} ${link} ended \`${inlineText(run.conclusion, 40)}\``;
}

/** The numbers behind a decision, on one line, escaped for mrkdwn. */
export function readingFacts(decision: Decision | undefined): string {
  return decision === undefined ? 'none' : inlineUserText(readingSummary(decision), 250);
}
