import type {
  ChangeFailure,
  DeployStatsResult,
  DoraBand,
  DoraReport,
  FailureCause,
} from '../../src/domain/deploy/dora.js';
import { context, plural, type SlackBlock, type SlackMessage, section } from '../format.js';
import { fallback, inlineText, MAX_BLOCKS, timeAt } from './deploy-text.js';

/** Failed changes listed under an environment; the rest are counted. */
export const FAILURES_SHOWN = 5;

const BAND: Readonly<Record<DoraBand, string>> = {
  elite: '🟢 Elite',
  high: '🔵 High',
  medium: '🟡 Medium',
  low: '🔴 Low',
};

const CAUSE: Readonly<Record<FailureCause, string>> = {
  rolled_back: 'rolled back',
  rollback_started: 'rollback started, did not complete',
  incident: 'incident',
};

const code = (text: string, max = 40) => `\`${inlineText(text, max).replace(/`/g, "'")}\``;

/** `45s`, `6m`, `2h 30m`, `1d`, `3d 2h`: a span the way people say it, to the minute under a day. */
export function spanText(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1_000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  if (minutes < 24 * 60) {
    const rest = minutes % 60;
    return rest === 0 ? `${Math.floor(minutes / 60)}h` : `${Math.floor(minutes / 60)}h ${rest}m`;
  }
  const hours = Math.round(minutes / 60);
  const rest = hours % 24;
  return rest === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d ${rest}h`;
}

/** `0.2`, `1.4`, `12`: a rate with at most two decimals. */
function rate(value: number): string {
  return value >= 10 ? String(Math.round(value)) : String(Number(value.toFixed(2)));
}

function percent(value: number): string {
  return `${Number((value * 100).toFixed(1))}%`;
}

function countsLine(report: DoraReport): string {
  const d = report.deployments;
  const total = d.succeeded + d.failed + d.rolledBack + d.cancelled + d.unfinished;
  const parts = [
    d.succeeded && `${d.succeeded} succeeded`,
    d.failed && `${d.failed} failed`,
    d.rolledBack && `${d.rolledBack} rolled back`,
    d.cancelled && `${d.cancelled} cancelled`,
    d.unfinished && `${d.unfinished} not finished`,
  ].filter(Boolean);
  const rollbacks = d.rollbacks ? ` · ${plural(d.rollbacks, '`/rollback`', '`/rollback`s')}` : '';
  return `${plural(total, 'deployment')}${parts.length ? `: ${parts.join(', ')}` : ''}${rollbacks}`;
}

function frequencyLine(report: DoraReport, windowText: string): string {
  const f = report.frequency;
  if (!f) return '🚀 *Deploy frequency*: no finished deployment in the window';
  return `🚀 *Deploy frequency*: ${plural(f.n, 'successful deployment')} in ${windowText} · ${rate(f.perDay)}/day · ${rate(f.perWeek)}/week — ${BAND[f.band]}`;
}

function failureLine(failure: ChangeFailure): string {
  const causes = failure.causes.map((cause) =>
    cause === 'incident'
      ? `${failure.incidents.length === 1 ? 'incident' : 'incidents'} ${failure.incidents
          .slice(0, 3)
          .map((id) => code(id, 20))
          .join(', ')}`
      : CAUSE[cause],
  );
  const when = failure.finishedAt === undefined ? '' : ` ${timeAt(failure.finishedAt)}`;
  const ref = /^[0-9a-f]{40}$/.test(failure.ref) ? failure.ref.slice(0, 7) : failure.ref;
  return `      • ${code(failure.name, 64)} of ${code(ref)}${when}: ${causes.join('; ')}`;
}

function changeFailureLines(report: DoraReport): string[] {
  const c = report.changeFailureRate;
  if (!c) return ['💥 *Change-failure rate*: no finished deployment in the window'];
  const target = c.meetsTarget ? 'under the 10% target ✅' : 'not under the 10% target ⚠️';
  const lines = [
    `💥 *Change-failure rate*: ${percent(c.rate)} (${c.failures} of ${plural(c.n, 'finished deployment')}) — ${BAND[c.band]} · ${target}`,
    ...c.failed.slice(0, FAILURES_SHOWN).map(failureLine),
  ];
  if (c.failed.length > FAILURES_SHOWN) lines.push(`      …and ${c.failed.length - FAILURES_SHOWN} more`);
  return lines;
}

function restoreLine(report: DoraReport): string {
  const r = report.timeToRestore;
  const gaps = [
    report.gaps.openIncidents && `${plural(report.gaps.openIncidents, 'incident')} still open`,
    report.gaps.unrestoredRollbacks &&
      `${plural(report.gaps.unrestoredRollbacks, 'rollback')} running or failed`,
  ].filter(Boolean);
  const after = gaps.length ? ` · not counted: ${gaps.join(', ')}` : '';
  if (!r) return `🩹 *Time to restore*: nothing restored in the window${after}`;
  const from = [
    r.fromIncidents && plural(r.fromIncidents, 'incident'),
    r.fromRollbacks && plural(r.fromRollbacks, 'rollback'),
  ].filter(Boolean);
  return `🩹 *Time to restore*: mean ${spanText(r.meanMs)}, median ${spanText(r.medianMs)} (${from.join(' + ')}) — ${BAND[r.band]}${after}`;
}

function leadTimeLine(report: DoraReport): string {
  const l = report.leadTime;
  const missing = report.gaps.leadTimeMissing;
  const without = missing ? ` · ${missing} without a commit time` : '';
  if (!l) {
    return missing
      ? `⏱️ *Lead time*: no commit time known for the ${plural(missing, 'successful deployment')}`
      : '⏱️ *Lead time*: no successful deployment in the window';
  }
  return `⏱️ *Lead time*: median ${spanText(l.medianMs)}, p90 ${spanText(l.p90Ms)} (${plural(l.n, 'deployment')})${without} — ${BAND[l.band]}`;
}

/**
 * One environment's four figures on one line, for the Home tab:
 * `*production* · 12 successful deployments · 0.4/day · change-failure 8 % · restore 42m · lead time 1d 2h`.
 */
export function doraSummaryLine(report: DoraReport): string {
  const parts = [`*${inlineText(report.env, 40)}*`];
  const f = report.frequency;
  parts.push(
    f
      ? `${plural(f.n, 'successful deployment')} · ${rate(f.perDay)}/day ${BAND[f.band]}`
      : 'no successful deployment',
  );
  const c = report.changeFailureRate;
  if (c) parts.push(`change-failure ${percent(c.rate)} ${BAND[c.band]}`);
  const r = report.timeToRestore;
  if (r) parts.push(`restore ${spanText(r.medianMs)} ${BAND[r.band]}`);
  const l = report.leadTime;
  if (l) parts.push(`lead time ${spanText(l.medianMs)} ${BAND[l.band]}`);
  return parts.join(' · ');
}

function environmentText(report: DoraReport, stats: DeployStatsResult, windowText: string): string {
  const cut =
    report.window.from > stats.window.from
      ? `\n_Only the newest records were read: these figures start ${timeAt(report.window.from)}._`
      : '';
  return [
    `*${inlineText(report.env, 40)}* · ${countsLine(report)}${cut}`,
    frequencyLine(report, windowText),
    ...changeFailureLines(report),
    restoreLine(report),
    leadTimeLine(report),
  ].join('\n');
}

function gapsText(stats: DeployStatsResult): string | undefined {
  const g = stats.commitTimeGaps;
  const commits = [
    g.not_found && `${g.not_found} not found on GitHub`,
    g.moved && `${g.moved} whose branch has moved on since`,
    g.unavailable && `${g.unavailable} not read (GitHub did not answer)`,
    g.not_looked_up && `${g.not_looked_up} not looked up yet (a call looks up 100; ask again)`,
  ].filter(Boolean);
  const notes = [
    commits.length ? `Commit times missing: ${commits.join(', ')}.` : '',
    stats.incidentsWithoutEnv
      ? `${plural(stats.incidentsWithoutEnv, 'incident')} name no environment or deployment and ${stats.incidentsWithoutEnv === 1 ? 'is' : 'are'} left out.`
      : '',
    stats.unreadable.deployments + stats.unreadable.incidents
      ? `${plural(stats.unreadable.deployments + stats.unreadable.incidents, 'record')} could not be read.`
      : '',
  ].filter(Boolean);
  return notes.length ? notes.join(' ') : undefined;
}

const DEFINITIONS =
  'Deployments requested in the window. Change-failure rate: rolled back or named by an incident, over succeeded + failed + rolled back (cancelled left out). Time to restore: incident declared → resolved, or rollback started → rolled back when no incident names it. Lead time: commit → deployment finished. Bands: DORA 2023 (lead time and time to restore by their median).';

/**
 * `/deploy stats`: per environment (production first) its deployments, the four DORA figures with what each is
 * computed from and its band, the failed changes briefly, then what was missing and how the figures are defined.
 * Within Slack's limits: one section per environment (each well under 3,000 characters), at most 50 blocks.
 */
export function deployStatsReply(stats: DeployStatsResult, windowText: string): SlackMessage {
  const period = inlineText(windowText, 20);
  const header = section(
    `*Deploy stats* · last ${period} (${timeAt(stats.window.from)} → ${timeAt(stats.window.to)})`,
  );
  const footer: SlackBlock[] = [];
  const gaps = gapsText(stats);
  if (gaps) footer.push(context(gaps));
  footer.push(context(DEFINITIONS));
  const room = MAX_BLOCKS - 2 - footer.length;
  const shown = stats.reports.slice(0, room);
  const blocks: SlackBlock[] = [
    header,
    ...shown.map((report) => section(environmentText(report, stats, period))),
  ];
  if (shown.length < stats.reports.length) {
    blocks.push(
      context(`…and ${stats.reports.length - shown.length} more environments: ask \`/deploy stats <env>\`.`),
    );
  }
  blocks.push(...footer);
  const first = stats.reports[0];
  const summary =
    first?.changeFailureRate && first.frequency
      ? `: ${first.env} ${first.frequency.n} successful deployments, change-failure rate ${percent(first.changeFailureRate.rate)}`
      : '';
  return { text: fallback(`Deploy stats for the last ${windowText}${summary}`), blocks };
}
