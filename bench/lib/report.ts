import { writeFileSync } from 'node:fs';
import type { AckLatencyResult } from '../ack-latency.js';
import type { CanaryRollbackResult } from '../canary-rollback.js';
import type { ApproveResult } from '../deploy-approve.js';
import type { FanoutResult } from '../deploy-fanout.js';
import type { FlagLookupResult } from '../flag-lookup.js';
import type { PropagationResult } from '../flag-propagation.js';
import type { TrackingResult, TrackingScenarioResult } from '../github-tracking.js';
import type { ProbeOverheadResult } from '../probe-overhead.js';
import type { RollbackConfirmResult } from '../rollback-confirm.js';
import type { Summary } from './percentiles.js';
import { flagLookupPasses, flagLookupTargetRow, renderFlagLookup } from './report-flag-lookup.js';

export const TARGETS = {
  /** Issue 14: greenlight / bare Bolt at the open-loop 200 req/s level: p99 and CPU per request. */
  ackRatioP99: 1.25,
  ackRatioCpu: 1.5,
  ackJudgedLevel: 'r200',
  propagationP99Ms: 20,
  /** Reported, not judged: Approve → dispatch must be well under this. */
  approveToDispatchWellUnderMs: 1_000,
  /** Canary threshold breach → rollback dispatch request, p99 and max, at this analysis interval. */
  breachToRollbackDispatchMs: 10_000,
  analysisIntervalMs: 5_000,
  /** `/rollback` confirmation submitted → rollback workflow dispatch request, p99. */
  rollbackConfirmToDispatchP99Ms: 1_000,
  /** Issue 14: GitHub requests GitHub counts, per tracked run-minute. */
  githubPerRunMinuteWebhooks: 1,
  githubPerRunMinutePolling: 2,
  /** Issue 14: a run's end → the next dispatch, with webhooks and 150 ms on every API call. */
  webhookHandoffP50N1Ms: 100,
  webhookHandoffP50N100Ms: 500,
  /** Slack's limit for acknowledging a request (reported against, not judged). */
  slackAckLimitMs: 3_000,
  /** N deployments at once (webhooks, Slack's rate limits, API latency): handoff p50 at N = 1 and at N = 100. */
  fanoutHandoffP50Ms: 100,
  fanoutHandoffP50N100Ms: 500,
  /** …and the share of Slack calls answered 429, at every N. */
  fanoutRateLimitedShare: 0.05,
} as const;

export interface Machine {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  platform: string;
  node: string;
  redis: string;
  commit: string;
}

/** Each section's result, under the key `--only` names it by (`npm run bench -- --only ackLatency` or `ack`). */
export interface Sections {
  ackLatency: AckLatencyResult;
  propagation: PropagationResult;
  approveToDispatch: ApproveResult;
  githubTracking: TrackingResult;
  canaryRollback: CanaryRollbackResult;
  probeOverhead: ProbeOverheadResult;
  rollbackConfirm: RollbackConfirmResult;
  flagLookup: FlagLookupResult;
  deployFanout: FanoutResult;
}

export type SectionName = keyof Sections;

export interface BenchResults extends Partial<Sections> {
  /** The whole run's date, machine and duration; a section measured alone later says so in `measuredAlone`. */
  date: string;
  machine: Machine;
  durationSeconds: number;
  targets: typeof TARGETS;
  measuredAlone?: Partial<Record<SectionName, { date: string; commit: string }>>;
  /** Judged targets; a section not measured has none. */
  verdict: Partial<Record<Verdict, boolean>>;
}

type Verdict =
  | 'ackP99'
  | 'ackCpu'
  | 'propagation'
  | 'breachToRollback'
  | 'rollbackConfirmToDispatch'
  | 'flagLookup'
  | 'deployFanout';

const verdict = (pass: boolean | undefined) => (pass === undefined ? 'not measured' : pass ? 'PASS' : 'FAIL');
const ms = (value: number) => value.toFixed(3);
const seconds = (milliseconds: number) => (milliseconds / 1_000).toFixed(2);

/** The ack level the issue's targets are judged at (200 req/s, open loop). */
export function judgedAckLevel(ack: AckLatencyResult): AckLatencyResult['levels'][number] | undefined {
  return ack.levels.find((level) => level.id === TARGETS.ackJudgedLevel);
}

export function ackCpuRatio(level: AckLatencyResult['levels'][number]): number {
  return (
    Math.round(
      (level.apps.greenlight.cpuMicrosPerRequest / level.apps['bare-bolt'].cpuMicrosPerRequest) * 100,
    ) / 100
  );
}

/** The verdicts of every section present, computed from its figures (so a merged `--only` run is judged whole). */
export function withVerdicts(results: Omit<BenchResults, 'verdict'>): BenchResults {
  const judged: BenchResults['verdict'] = {};
  const ack = results.ackLatency ? judgedAckLevel(results.ackLatency) : undefined;
  if (ack) {
    judged.ackP99 = ack.ratioP99 <= TARGETS.ackRatioP99;
    judged.ackCpu = ackCpuRatio(ack) <= TARGETS.ackRatioCpu;
  }
  if (results.propagation)
    judged.propagation = results.propagation.propagation.p99 <= TARGETS.propagationP99Ms;
  if (results.canaryRollback) {
    const { p99, max } = results.canaryRollback.breachToDispatch;
    judged.breachToRollback =
      p99 <= TARGETS.breachToRollbackDispatchMs && max <= TARGETS.breachToRollbackDispatchMs;
  }
  if (results.rollbackConfirm)
    judged.rollbackConfirmToDispatch =
      results.rollbackConfirm.toDispatch.p99 <= TARGETS.rollbackConfirmToDispatchP99Ms;
  if (results.flagLookup) judged.flagLookup = flagLookupPasses(results.flagLookup);
  if (results.deployFanout) judged.deployFanout = fanoutPasses(results.deployFanout);
  return { ...results, verdict: judged };
}

/** What the console shows at the end: the judged figures of the sections just run. */
export function summaryLines(results: BenchResults, sections: SectionName[]): string[] {
  const lines: string[] = [];
  const { verdict: judged } = results;
  for (const name of sections) {
    if (name === 'ackLatency' && results.ackLatency)
      for (const level of results.ackLatency.levels)
        lines.push(
          `ack ${level.label}: p99 ratio ${level.ratioP99}, CPU/request ${level.apps.greenlight.cpuMicrosPerRequest} µs vs ${level.apps['bare-bolt'].cpuMicrosPerRequest} µs (ratio ${ackCpuRatio(level)})${level.id === TARGETS.ackJudgedLevel ? ` → p99 ${verdict(judged.ackP99)}, CPU ${verdict(judged.ackCpu)}` : ''}`,
        );
    if (name === 'githubTracking' && results.githubTracking)
      for (const row of trackingTargets(results.githubTracking)) lines.push(row.join(': '));
    if (name === 'deployFanout' && results.deployFanout)
      lines.push(
        `deploy fan-out: ${results.deployFanout.levels.map((level) => `N=${level.deployments} handoff p50 ${level.handoff.p50.toFixed(0)} ms, timelines final ${level.finalShown}/${level.deployments}, 429s ${(level.rateLimitedShare * 100).toFixed(1)} %`).join('; ')} → ${verdict(judged.deployFanout)}`,
      );
    if (name === 'flagLookup' && results.flagLookup)
      lines.push(flagLookupTargetRow(results.flagLookup).join(': '));
  }
  lines.push(`verdicts: ${JSON.stringify(judged)}`);
  return lines;
}

/** The tracking targets (issue 14), each judged on the scenario that measures it. */
function trackingTargets(tracking: TrackingResult): string[][] {
  const scenario = (id: string) => tracking.scenarios.find((each) => each.id.startsWith(id));
  const rows: string[][] = [];
  const judged = (
    label: string,
    found: TrackingScenarioResult | undefined,
    shown: (s: TrackingScenarioResult) => string,
    pass: (s: TrackingScenarioResult) => boolean,
  ) => {
    if (found) rows.push([label, shown(found), verdict(pass(found))]);
  };
  judged(
    `GitHub counted requests per tracked run-minute with webhooks ≤ ${TARGETS.githubPerRunMinuteWebhooks}`,
    scenario('budget-webhooks'),
    (s) =>
      `${s.perRunMinute.counted} (tracking ${s.perRunMinute.tracking}); ${s.deploymentsPer5000} deployments per 5,000/h`,
    (s) => s.perRunMinute.counted <= TARGETS.githubPerRunMinuteWebhooks,
  );
  judged(
    `GitHub counted requests per tracked run-minute, polling only, ≤ ${TARGETS.githubPerRunMinutePolling}`,
    scenario('budget-polling'),
    (s) =>
      `${s.perRunMinute.counted} (tracking ${s.perRunMinute.tracking}); ${s.deploymentsPer5000} deployments per 5,000/h`,
    (s) => s.perRunMinute.counted <= TARGETS.githubPerRunMinutePolling,
  );
  judged(
    'Polling only: mean handoff ≤ interval/2',
    scenario('handoff-polling'),
    (s) => `${ms(s.handoff.mean)} ms at ${s.pollIntervalMs} ms (×${s.handoffOverHalfInterval})`,
    (s) => (s.handoffOverHalfInterval ?? Number.POSITIVE_INFINITY) <= 1,
  );
  rows.push([
    'Overlapping sweeps = 0',
    String(tracking.scenarios.reduce((sum, s) => sum + s.overlappingSweeps, 0)),
    verdict(tracking.scenarios.every((s) => s.overlappingSweeps === 0)),
  ]);
  judged(
    `Webhook handoff p50 at N = 1, 150 ms latency, ≤ ${TARGETS.webhookHandoffP50N1Ms} ms`,
    scenario('handoff-webhooks-n1'),
    (s) => `${ms(s.handoff.p50)} ms`,
    (s) => s.handoff.p50 <= TARGETS.webhookHandoffP50N1Ms,
  );
  judged(
    `Webhook handoff p50 at N = 100, 150 ms latency, ≤ ${TARGETS.webhookHandoffP50N100Ms} ms`,
    tracking.scenarios.find(
      (s) => s.webhooks && s.runDetails === 'supported' && s.deployments > 1 && s.timeScale === 1,
    ),
    (s) => `${ms(s.handoff.p50)} ms (N = ${s.deployments})`,
    (s) => s.handoff.p50 <= TARGETS.webhookHandoffP50N100Ms,
  );
  const ghes = scenario('handoff-ghes');
  if (ghes)
    rows.push([
      'Enterprise Server without run details (runs looked for by delayed jobs), webhooks: handoff p50',
      `${ms(ghes.handoff.p50)} ms (N = ${ghes.deployments}), p99 ${ms(ghes.handoff.p99)} ms`,
      'reported',
    ]);
  return rows;
}

/** `bench/results.json` (everything) and `bench/results.md` (the table people read). */
export function writeResults(results: BenchResults, jsonPath: string, markdownPath: string): void {
  writeFileSync(jsonPath, formatJson(results));
  writeFileSync(markdownPath, renderMarkdown(results));
}

/** JSON as the repository's formatter writes it (short arrays of numbers on one line), so `biome check` stays clean. */
export function formatJson(value: unknown): string {
  const text = JSON.stringify(value, null, 2).replace(
    /\[\n\s+([^[\]{}]*?)\n\s*\]/g,
    (_match, items: string) => `[${items.split(/,\n\s+/).join(', ')}]`,
  );
  return `${text}\n`;
}

/** The targets table's rows of the sections present. */
function targetRows(results: BenchResults): string[][] {
  const judged = results.verdict;
  const rows: string[][] = [];
  const ack = results.ackLatency ? judgedAckLevel(results.ackLatency) : undefined;
  if (ack)
    rows.push(
      [
        `Ack latency p99, greenlight / bare Bolt ≤ ${TARGETS.ackRatioP99} at ${ack.label}`,
        `${ack.ratioP99.toFixed(2)} (per round ${ack.ratioP99PerRound.map((ratio) => ratio.toFixed(2)).join(', ')})`,
        verdict(judged.ackP99),
      ],
      [
        `Ack CPU per request, greenlight / bare Bolt ≤ ${TARGETS.ackRatioCpu} at ${ack.label}`,
        `${ackCpuRatio(ack).toFixed(2)} (${ack.apps.greenlight.cpuMicrosPerRequest} µs / ${ack.apps['bare-bolt'].cpuMicrosPerRequest} µs)`,
        verdict(judged.ackCpu),
      ],
    );
  if (results.propagation)
    rows.push([
      `Flag propagation p99 ≤ ${TARGETS.propagationP99Ms} ms`,
      `${ms(results.propagation.propagation.p99)} ms`,
      verdict(judged.propagation),
    ]);
  for (const mode of results.approveToDispatch?.modes ?? [])
    rows.push([
      `Approve → workflow dispatch p99 (${mode.label}), well under ${TARGETS.approveToDispatchWellUnderMs} ms`,
      `${ms(mode.toDispatch.p99)} ms`,
      mode.toDispatch.p99 < TARGETS.approveToDispatchWellUnderMs
        ? 'reported (under 1 s)'
        : 'reported (OVER 1 s)',
    ]);
  if (results.githubTracking) rows.push(...trackingTargets(results.githubTracking));
  if (results.deployFanout) rows.push(fanoutTargetRow(results.deployFanout, judged.deployFanout));
  if (results.canaryRollback) {
    const { intervalMs, breachToDispatch: breach } = results.canaryRollback;
    rows.push([
      `Canary threshold breach → rollback dispatch request at a ${intervalMs / 1_000} s analysis interval, p99 and max ≤ ${TARGETS.breachToRollbackDispatchMs / 1_000} s`,
      `p50 ${seconds(breach.p50)} s, p99 ${seconds(breach.p99)} s, max ${seconds(breach.max)} s`,
      verdict(judged.breachToRollback),
    ]);
  }
  if (results.rollbackConfirm) {
    const { toDispatch, ack: confirmAck } = results.rollbackConfirm;
    rows.push(
      [
        `\`/rollback\` confirm (signed \`view_submission\`) → rollback workflow dispatch request, p99 ≤ ${TARGETS.rollbackConfirmToDispatchP99Ms / 1_000} s`,
        `p50 ${ms(toDispatch.p50)} ms, p99 ${ms(toDispatch.p99)} ms, max ${ms(toDispatch.max)} ms`,
        verdict(judged.rollbackConfirmToDispatch),
      ],
      [
        `\`/rollback\` confirmation ack (HTTP 200 to the \`view_submission\`), well under Slack's ${TARGETS.slackAckLimitMs / 1_000} s`,
        `p50 ${ms(confirmAck.p50)} ms, p99 ${ms(confirmAck.p99)} ms, max ${ms(confirmAck.max)} ms`,
        confirmAck.max < TARGETS.slackAckLimitMs ? 'reported (under 3 s)' : 'reported (OVER 3 s)',
      ],
    );
  }
  if (results.probeOverhead)
    rows.push([
      'Health probe overhead against a bare `undici.request` (ratio of p50 / p99 / CPU per probe)',
      results.probeOverhead.levels
        .map(
          (level) =>
            `${level.targets} target${level.targets === 1 ? '' : 's'}: ${level.ratioP50.toFixed(2)} / ${level.ratioP99.toFixed(2)} / ${level.ratioCpu.toFixed(2)}`,
        )
        .join('; '),
      'reported',
    ]);
  if (results.flagLookup) rows.push(flagLookupTargetRow(results.flagLookup));
  return rows;
}

/** A section's lines, with a line saying so when it was measured alone after the whole run. */
function section(results: BenchResults, name: SectionName, render: () => string[]): string[] {
  if (results[name] === undefined) return [];
  const [title = '', ...rest] = render();
  const alone = results.measuredAlone?.[name];
  if (!alone) return [title, ...rest];
  return [
    title,
    '',
    `_Measured alone (\`npm run bench -- --only ${name}\`) on ${alone.date}, commit ${alone.commit}; the date and commit above are the whole run's._`,
    ...rest,
  ];
}

export function renderMarkdown(results: BenchResults): string {
  const { machine } = results;
  const lines = [
    '# greenlight benchmark results',
    '',
    'Generated by `npm run bench` (see `bench/README.md`); figures are measured, not estimated.',
    '',
    `- Date: ${results.date}`,
    `- Machine: ${machine.nproc} CPUs (nproc), ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.platform}`,
    `- Node ${machine.node}, ${machine.redis}, commit ${machine.commit}`,
    `- Whole run: ${results.durationSeconds} s`,
    '',
    '## Targets',
    '',
    ...table(['Target', 'Measured', 'Verdict'], targetRows(results)),
    '',
    ...section(results, 'ackLatency', () => renderAckLatency(results.ackLatency as AckLatencyResult)),
    ...section(results, 'propagation', () => renderPropagation(results.propagation as PropagationResult)),
    ...section(results, 'approveToDispatch', () => renderApprove(results.approveToDispatch as ApproveResult)),
    ...section(results, 'githubTracking', () => renderTracking(results.githubTracking as TrackingResult)),
    ...section(results, 'canaryRollback', () =>
      renderCanaryRollback(results.canaryRollback as CanaryRollbackResult),
    ),
    ...section(results, 'probeOverhead', () =>
      renderProbeOverhead(results.probeOverhead as ProbeOverheadResult),
    ),
    ...section(results, 'rollbackConfirm', () =>
      renderRollbackConfirm(results.rollbackConfirm as RollbackConfirmResult),
    ),
    ...section(results, 'deployFanout', () => renderFanout(results.deployFanout as FanoutResult)),
    ...section(results, 'flagLookup', () => renderFlagLookup(results.flagLookup as FlagLookupResult, table)),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}

function renderPropagation(prop: PropagationResult): string[] {
  return [
    '## (b) Flag propagation: `/flag disable|enable email_automation` → flag client in another process',
    '',
    `Milliseconds from the signed request leaving the bench to the other process's \`onChange\` listener running (with \`peek\` already returning the new value), ${prop.samples} sequential changes alternating disable/enable.`,
    '',
    ...table(
      ['', 'n', 'p50', 'p90', 'p99', 'max'],
      [
        ['propagation', prop.propagation],
        ['request → PUBLISH seen by a subscriber in the bench process', prop.toPublish],
        ['request → its ack (HTTP 200)', prop.ack],
      ].map(([label, summary]) => {
        const { n, p50, p90, p99, max } = summary as Summary;
        return [label as string, String(n), ms(p50), ms(p90), ms(p99), ms(max)];
      }),
    ),
    '',
    `Cross-process clock offset (watcher − bench, from the fastest of 50 IPC round trips): ${ms(prop.clockOffsetMs)} ms (round trip ${ms(prop.clockOffsetRttMs)} ms); not subtracted. \`peek\` lagging the event: ${prop.peekMismatches}. Status-channel announcements: ${prop.announcements}; response_url replies: ${prop.replies}.`,
    '',
  ];
}

function renderApprove(approve: ApproveResult): string[] {
  return [
    '## (c) Approve click → workflow dispatch request',
    '',
    "Milliseconds from the approver's signed Approve click (`block_actions`) leaving the bench to the GitHub simulator receiving `POST /api/v3/repos/acme/platform/actions/workflows/production-deployment.yml/dispatches` for that deployment. One deployment at a time, each in its own environment (`approvals: 1`), one-phase pipeline. greenlight dispatches first, then creates the GitHub Deployment and sets its status to `in_progress`.",
    '',
    ...table(
      [
        'GitHub client',
        'n',
        'p50',
        'p90',
        'p99',
        'max',
        '→ POST deployments p50',
        '→ status in_progress p50',
        'ack p99',
      ],
      approve.modes.map((mode) => [
        mode.label,
        String(mode.toDispatch.n),
        ms(mode.toDispatch.p50),
        ms(mode.toDispatch.p90),
        ms(mode.toDispatch.p99),
        ms(mode.toDispatch.max),
        ms(mode.toDeployment.p50),
        ms(mode.toInProgressStatus.p50),
        ms(mode.ack.p99),
      ]),
    ),
    '',
    "greenlight dispatches before it writes the GitHub Deployment and its statuses. With the optional write spacing (`spaceWrites: true`: at least 1 s between any two mutating GitHub requests of the process, the throttling plugin's write queue) the previous deployment's Deployment writes still queue ahead of the next dispatch; that is why spacing is off by default (secondary rate limits are still waited out when GitHub signals one).",
    '',
    ...approve.modes.map(
      (mode) =>
        `- ${mode.label}: ${mode.warmup} unmeasured warm-up deployment(s); at most ${mode.writesUntilDispatch} POSTs per deployment up to its dispatch; deployments dispatched twice: ${mode.doubleDispatches}; GitHub Deployments created twice: ${mode.doubleDeployments}; Approve clicks refused: ${mode.refusals}.`,
    ),
    '',
  ];
}

function renderTracking(tracking: TrackingResult): string[] {
  const rows = tracking.scenarios.map((scenario) => [
    scenario.label,
    String(scenario.deployments),
    `${scenario.timeScale === 1 ? '' : `×${scenario.timeScale} `}${scenario.pollIntervalMs} / ${scenario.webhooks ? scenario.webhookPollIntervalMs : '–'}`,
    scenario.trackedRunMinutes.toFixed(1),
    `${scenario.requests.counted} (${scenario.requests.free} free)`,
    scenario.perRunMinute.counted.toFixed(2),
    scenario.perRunMinute.tracking.toFixed(3),
    String(scenario.deploymentsPer5000),
    `${ms(scenario.handoff.p50)} / ${ms(scenario.handoff.mean)} / ${ms(scenario.handoff.p99)}`,
    scenario.handoffOverHalfInterval === undefined ? '–' : scenario.handoffOverHalfInterval.toFixed(2),
    String(scenario.overlappingSweeps),
  ]);
  return [
    '## (d) Tracking workflow runs: GitHub requests per run-minute, handoffs',
    '',
    "Each scenario starts its deployments together on a GitHub simulator of its own (ETags and 304s as GitHub answers them; a 304 does not count against the rate limit), one environment each, every phase a workflow run of random length; the next phase is dispatched when greenlight learns the run ended. The budget scenarios are played 20 times faster than production (a 5 s `deploy.pollInterval`, a 60 s `deploy.webhookPollInterval` and runs of 2–6 min, with GitHub's hourly limit scaled alike): requests per run-minute are in production minutes. The handoff scenarios run at real time with 150 ms added to every GitHub request and Slack call. *Counted*: every request GitHub counts (the commit checks, the Deployment and its statuses, the dispatches, the tracking); *tracking*: the run-list reads and the looks at single runs. A handoff: a run ending on GitHub → the next phase's dispatch arriving. Polling only, greenlight reads the run lists twice per `deploy.pollInterval`; the handoff is still judged against half the interval. An overlapping sweep: two reads of a repository's run list (the same page) in flight at GitHub at the same time.",
    '',
    ...table(
      [
        'scenario',
        'N',
        'poll / webhook interval (ms)',
        'run-minutes',
        'counted requests',
        'counted / run-minute',
        'tracking / run-minute',
        'deployments per 5,000/h',
        'handoff p50 / mean / p99 (ms)',
        'mean handoff / (interval/2)',
        'overlapping sweeps',
      ],
      rows,
    ),
    '',
    ...tracking.scenarios.map(
      (scenario) =>
        `- ${scenario.label}: ${Object.entries(scenario.requests.byRoute)
          .map(([route, count]) => `${route} ${count}`)
          .join(', ')}.`,
    ),
    '',
  ];
}

function renderCanaryRollback(canary: CanaryRollbackResult): string[] {
  const rows: [string, Summary][] = [
    ['breach → rollback dispatch request', canary.breachToDispatch],
    ['  breach → next reading (waiting for the reading)', canary.waitForReading],
    ['  reading → rollback dispatch request', canary.readingToDispatch],
    ['reading started late (vs previous reading + interval)', canary.readingLate],
    ['breach, after the start of the last reading', canary.breachOffset],
  ];
  return [
    '## (e) Canary threshold breach → rollback dispatch request',
    '',
    `${canary.samples} canary deployments (steps 5, 25, 50, 100 %, \`hold: ${canary.hold}\`, Prometheus analysis every ${canary.intervalMs / 1_000} s, error-rate rollback threshold ${canary.rollbackThreshold * 100} %), ${canary.concurrency} at a time, each in an environment of its own (\`staging-<i>\`, no approvals). Once a deployment's 25 % step was dispatched, the fake app's error rate for its environment went to ${canary.breachErrorRate * 100} % at a uniformly random moment of the reading cycle (the breach). Milliseconds from the breach to the GitHub simulator receiving the workflow dispatch with \`deployment_phase: rollback\`, split at the arrival of the first error-rate query after the breach (the reading that saw it).`,
    '',
    ...table(
      ['', 'n', 'p50', 'p90', 'p99', 'max', 'mean'],
      rows.map(([label, summary]) => [
        label,
        String(summary.n),
        ms(summary.p50),
        ms(summary.p90),
        ms(summary.p99),
        ms(summary.max),
        ms(summary.mean),
      ]),
    ),
    '',
    `Waiting for the next reading is at most one interval by design (readings are taken every \`analysis.interval\`, and the breach can only be seen by the next one); the rest is greenlight's own work. Deployments rolled back twice: ${canary.doubleRollbacks}; promoted past 25 %: ${canary.promotedPast25}; not \`rolled_back\` at the end: ${canary.notRolledBack}; breaches seen only by the second reading after the 25 % step: ${canary.lateBadReadings}. Rollback reason(s) recorded: ${canary.reasons.map((reason) => `“${reason}”`).join(', ')}.`,
    '',
  ];
}

function renderProbeOverhead(probe: ProbeOverheadResult): string[] {
  return [
    '## (f) Health probe overhead per check',
    '',
    `One call of \`undiciHealthProber().probe(targets)\` against the same number of bare \`undici.request(url, { dispatcher })\` + \`body.dump()\` on a kept-alive Agent with the prober's settings, all at once, against a loopback server in another process that answers at once. A third way, "bare + timeout", adds only an \`AbortSignal.timeout\` per request (passed to the request and the body read, as the prober does). Calls one after another; ${probe.rounds} rounds (${probe.order}), samples pooled. Latency is per call (all of its targets answered), in ms; CPU is the bench process's user + system time per health check, in µs. Ratios are prober / bare, measured in this run; only ratios from one run mean anything on a shared machine.`,
    '',
    ...table(
      [
        'targets per call',
        'calls per way',
        'prober p50',
        'bare p50',
        'prober p99',
        'bare p99',
        'ratio p50',
        'ratio p99',
        'prober CPU/probe',
        'bare CPU/probe',
        'bare + timeout CPU/probe',
        'ratio CPU',
        'p50 ratio per round',
        'CPU ratio per round',
      ],
      probe.levels.map((level) => [
        String(level.targets),
        String(level.calls),
        ms(level.ways.prober.latency.p50),
        ms(level.ways.bare.latency.p50),
        ms(level.ways.prober.latency.p99),
        ms(level.ways.bare.latency.p99),
        level.ratioP50.toFixed(2),
        level.ratioP99.toFixed(2),
        level.ways.prober.cpuMicrosPerProbe.toFixed(1),
        level.ways.bare.cpuMicrosPerProbe.toFixed(1),
        level.ways['bare-timeout'].cpuMicrosPerProbe.toFixed(1),
        level.ratioCpu.toFixed(2),
        level.ratioP50PerRound.map((ratio) => ratio.toFixed(2)).join(', '),
        level.ratioCpuPerRound.map((ratio) => ratio.toFixed(2)).join(', '),
      ]),
    ),
    '',
    `The timeout signal alone costs ${probe.levels.map((level) => `×${level.ratioCpuTimeoutOnly.toFixed(2)} (${level.targets} target${level.targets === 1 ? '' : 's'})`).join(', ')} of the bare CPU per probe. The prober's extra latency at p50 is ${probe.levels.map((level) => `${level.extraMicrosP50} µs per call of ${level.targets}`).join(' and ')}; at one reading per analysis interval (seconds) that is negligible. The target server used ${probe.serverCpuMicrosPerProbe} µs of CPU per check (the same server for every way). Failed checks: ${probe.levels.reduce((sum, level) => sum + level.failures, 0)}.`,
    '',
  ];
}

function renderRollbackConfirm(rollback: RollbackConfirmResult): string[] {
  const rows: [string, Summary][] = [
    ['confirm → rollback dispatch request', rollback.toDispatch],
    ['  confirm → its ack (HTTP 200)', rollback.ack],
    ['  ack → rollback dispatch request', rollback.ackToDispatch],
    ['confirm → GitHub Deployment created (`POST …/deployments`)', rollback.toDeployment],
    ['confirm → direct message to the confirmer (`chat.postMessage`)', rollback.toDirectMessage],
    ['`/rollback` sent → confirmation opened (`views.open` received)', rollback.slashToModal],
  ];
  const inputs = Object.entries(rollback.dispatchInputs)
    .map(([name, value]) => `\`${name}: ${value}\``)
    .join(', ');
  return [
    '## (g) `/rollback` confirm → rollback workflow dispatch request',
    '',
    `${rollback.samples} rollbacks (after ${rollback.warmup} unmeasured), one at a time, of service \`${rollback.service}\` (one health check) in environment \`${rollback.env}\` (no approvals), GitHub client as shipped. Before each, a new version is deployed and succeeds; then \`/rollback ${rollback.service} ${rollback.env} <reason>\` opens the confirmation (\`views.open\` on the Slack simulator), and ${rollback.pauseMs} ms later the bench submits it as Slack does: a signed \`view_submission\` (\`callback_id: rollback_confirm\`) with the modal's \`private_metadata\` and the reason in the input's state. Milliseconds from that request leaving the bench to the GitHub simulator receiving \`POST …/actions/workflows/production-deployment.yml/dispatches\` with \`deployment_phase: rollback\`. Each rollback then runs to its end (run completed, health verified, environment locked) and \`/deploy unlock\` opens the environment for the next sample.`,
    '',
    ...table(
      ['', 'n', 'p50', 'p90', 'p99', 'max', 'mean'],
      rows.map(([label, summary]) => [
        label,
        String(summary.n),
        ms(summary.p50),
        ms(summary.p90),
        ms(summary.p99),
        ms(summary.max),
        ms(summary.mean),
      ]),
    ),
    '',
    `greenlight acks the submission first (the modal closes), then checks again who may and whether a rollback is under way, claims the rollback for the service, writes the rollback deployment and queues it; greenlight's BullMQ worker (same process) starts it and dispatches in a second job, while the confirm handler posts the timeline and then the direct message on the same event loop (the dispatch does not wait for Slack). The direct message reached Slack before the dispatch reached GitHub in ${rollback.messageBeforeDispatch} of ${rollback.samples} samples. Dispatch inputs (\`greenlight_id\` aside): ${inputs}. Rollbacks dispatched twice: ${rollback.doubleDispatches}; with unexpected inputs or record: ${rollback.wrongInputs}; not \`succeeded\` at the end: ${rollback.notSucceeded}; environment not locked afterwards: ${rollback.notLocked}; direct messages that were a refusal: ${rollback.refusals}; health checks answered during the measured rollbacks: ${rollback.healthChecks}.`,
    '',
  ];
}

/** Whether the fan-out met its targets: every timeline final, 429s rare, a quick handoff with one deployment. */
/** Issue 14's fan-out target: handoff p50 at N = 1 and at the largest N (100), every timeline final, few 429s. */
export function fanoutPasses(fanout: FanoutResult): boolean {
  const largest = fanout.levels.at(-1);
  return (
    largest !== undefined &&
    largest.deployments >= 100 &&
    largest.handoff.p50 <= TARGETS.fanoutHandoffP50N100Ms &&
    fanout.levels.every(
      (level) =>
        level.finalShown === level.deployments &&
        level.withTimeline === level.deployments &&
        level.doubleDispatches === 0 &&
        level.rateLimitedShare <= TARGETS.fanoutRateLimitedShare &&
        (level.deployments !== 1 || level.handoff.p50 <= TARGETS.fanoutHandoffP50Ms),
    )
  );
}

function fanoutTargetRow(fanout: FanoutResult, pass: boolean | undefined): string[] {
  const at = (n: number) => fanout.levels.find((level) => level.deployments === n);
  const p50 = (n: number) => {
    const level = at(n);
    return level ? `${level.handoff.p50.toFixed(0)} ms` : 'not run';
  };
  const worst429 = Math.max(...fanout.levels.map((level) => level.rateLimitedShare));
  const final = fanout.levels.every((level) => level.finalShown === level.deployments);
  return [
    `With webhooks, Slack's rate limits and ${fanout.latencyMs} ms on both APIs: handoff p50 ≤ ${TARGETS.fanoutHandoffP50Ms} ms at N = 1 and ≤ ${TARGETS.fanoutHandoffP50N100Ms} ms at N = 100; every timeline final; 429s ≤ ${TARGETS.fanoutRateLimitedShare * 100} %`,
    `N = 1: ${p50(1)}; N = 100: ${p50(100)}; timelines final at every N: ${final ? 'yes' : 'NO'}; worst 429 share ${(worst429 * 100).toFixed(1)} %`,
    verdict(pass),
  ];
}

function renderFanout(fanout: FanoutResult): string[] {
  return [
    '## (h) N deployments at once under Slack’s rate limits',
    '',
    `N deployments requested at once (signed \`/deploy f<i> main\`, each its own environment, no approvals), each of ${fanout.phases} phases whose workflow runs take ${fanout.runMs} ms. The Slack simulator enforces Slack’s per-method rate limits (\`chat.postMessage\` one a second per channel, \`chat.update\` Tier 3, 429 with \`Retry-After\`), and both simulators answer every request ${fanout.latencyMs} ms late. GitHub sends signed \`workflow_run\` webhooks (polling every 60 s as the safety net); GitHub's write spacing is off. Handoff: a run completing on the fake GitHub → the next phase's dispatch arriving there, per phase handed over. Each level runs its own greenlight and its own pair of simulators (rate-limit buckets full at the start).`,
    '',
    ...table(
      [
        'N',
        'handoff p50 / p90 / p99 / max (ms)',
        'all finished',
        'all timelines final',
        'timelines / final',
        'Slack calls (per deployment)',
        'posts / updates',
        '429s',
        'double dispatches',
      ],
      fanout.levels.map((level) => [
        String(level.deployments),
        `${level.handoff.p50.toFixed(0)} / ${level.handoff.p90.toFixed(0)} / ${level.handoff.p99.toFixed(0)} / ${level.handoff.max.toFixed(0)} (n=${level.handoff.n})`,
        `${seconds(level.allFinishedMs)} s`,
        `${seconds(level.allTimelinesFinalMs)} s`,
        `${level.withTimeline}/${level.deployments} / ${level.finalShown}/${level.deployments}`,
        `${level.slackCalls} (${level.slackCallsPerDeployment})`,
        `${level.posts} / ${level.updates}`,
        `${level.rateLimited} (${(level.rateLimitedShare * 100).toFixed(1)} %)`,
        String(level.doubleDispatches),
      ]),
    ),
    '',
    'A handoff never waits for Slack: the next step is queued before the announcement, and each deployment’s announcement is one job that renders its newest state, paced per channel within Slack’s tiers and delayed (not retried at once) after a 429. The timelines therefore catch up after the deployments finish when Slack’s limits, not greenlight, are the bottleneck: one message a second in the status channel carries N timelines and their thread replies.',
    '',
  ];
}

/** A Markdown table with padded columns, as the repository's formatter lays it out. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((cell, column) =>
    Math.max(3, cell.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    `| ${widths.map((width, column) => (cells[column] ?? '').padEnd(width)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}

/** Section (a): ack latency and CPU per request, greenlight against bare Bolt. */
export function renderAckLatency(ack: AckLatencyResult): string[] {
  const errors = ack.levels.reduce(
    (sum, level) => sum + level.apps.greenlight.errors + level.apps['bare-bolt'].errors,
    0,
  );
  const open = ack.levels.filter((level) => level.plan.kind === 'open');
  const lines = [
    '## (a) Slash-command ack latency: `/flag status email_automation`',
    '',
    `Milliseconds from sending the signed request to the end of the HTTP 200. ${ack.rounds} rounds, ${ack.order}; samples pooled over the rounds. Fixed-rate rows are open-loop and timed from each request's scheduled send time (or its actual send, when the timer fired early).`,
    '',
    ...table(
      [
        'Load',
        'n per app',
        'greenlight p50',
        'greenlight p99',
        'bare Bolt p50',
        'bare Bolt p99',
        'ratio p50',
        'ratio p99',
        'p99 ratio per round',
        `≤ ${TARGETS.ackRatioP99} (judged at 200 req/s)`,
      ],
      ack.levels.map((level) => {
        const green = level.apps.greenlight.latency;
        const bare = level.apps['bare-bolt'].latency;
        return [
          level.label,
          String(green.n),
          ms(green.p50),
          ms(green.p99),
          ms(bare.p50),
          ms(bare.p99),
          level.ratioP50.toFixed(2),
          level.ratioP99.toFixed(2),
          level.ratioP99PerRound.map((ratio) => ratio.toFixed(2)).join(', '),
          level.id === TARGETS.ackJudgedLevel ? verdict(level.ratioP99 <= TARGETS.ackRatioP99) : '–',
        ];
      }),
    ),
    '',
  ];
  if (open.length > 0) {
    lines.push(
      'Open-loop detail (ms): service time is timed from the actual send; send lag is how late the generator fired against its schedule (negative: early; the same generator serves both apps).',
      '',
      ...table(
        [
          'Load',
          'app',
          'achieved req/s',
          'service p50',
          'service p99',
          'send lag p50',
          'send lag p99',
          'errors',
        ],
        open.flatMap((level) =>
          Object.entries(level.apps).map(([name, app]) => [
            level.label,
            name,
            String(app.achievedRatePerSecond ?? ''),
            ms(app.serviceTime?.p50 ?? Number.NaN),
            ms(app.serviceTime?.p99 ?? Number.NaN),
            ms(app.sendLag?.p50 ?? Number.NaN),
            ms(app.sendLag?.p99 ?? Number.NaN),
            String(app.errors),
          ]),
        ),
      ),
      '',
    );
  }
  lines.push(
    "CPU time per request (µs, user + system) of each app's process, including whatever greenlight does after the ack (a read that missed the in-ack deadline and its response_url reply), and of the bench process, which hosts the counting response_url sink (and the Slack simulator, idle here) on the same 2 cores:",
    '',
    ...table(
      [
        'Load',
        'greenlight',
        'bare Bolt',
        'ratio',
        'ratio per round',
        `≤ ${TARGETS.ackRatioCpu} (judged at 200 req/s)`,
        'bench process, greenlight runs',
        'bench process, bare Bolt runs',
      ],
      ack.levels.map((level) => {
        const green = level.apps.greenlight;
        const bare = level.apps['bare-bolt'];
        return [
          level.label,
          String(green.cpuMicrosPerRequest),
          String(bare.cpuMicrosPerRequest),
          ackCpuRatio(level).toFixed(2),
          (level.ratioCpuPerRound ?? []).map((ratio) => ratio.toFixed(2)).join(', '),
          level.id === TARGETS.ackJudgedLevel ? verdict(ackCpuRatio(level) <= TARGETS.ackRatioCpu) : '–',
          String(green.benchCpuMicrosPerRequest),
          String(bare.benchCpuMicrosPerRequest),
        ];
      }),
    ),
    '',
    `Failed requests (non-200 or connection error) across all levels: ${errors}. greenlight answered ${ack.greenlightReplies.received} of ${ack.greenlightReplies.expected} acked \`/flag status\` requests (warm-up included): ${ack.greenlightReplies.inAck ?? 0} in the ack itself, ${ack.greenlightReplies.received - (ack.greenlightReplies.inAck ?? 0)} on response_url (${ack.greenlightReplies.refused ?? 0} refused as not JSON with a text or blocks).`,
    '',
  );
  if (ack.idleCpuMillisPerSecond)
    lines.push(
      `Idle CPU (ms per second, both apps idle side by side for 10 s before the warm-up): greenlight ${ack.idleCpuMillisPerSecond.greenlight}, bare Bolt ${ack.idleCpuMillisPerSecond['bare-bolt']}. At 200 req/s every 1 ms/s of it is 5 µs per request.`,
      '',
    );
  return lines;
}
