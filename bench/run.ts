/**
 * `npm run bench`: ack latency of greenlight against a bare Bolt app, flag propagation to a flag client in
 * another process, then `/deploy` against a fake GitHub (Approve click → workflow dispatch, and what polling
 * running workflow runs costs), canary analysis (threshold breach → rollback dispatch), what a health probe
 * costs, `/rollback` (confirmation submitted → rollback dispatch), and N deployments at once under Slack's rate
 * limits (phase handoff, timelines, 429s); writes bench/results.md and
 * bench/results.json. `npm run bench -- --quick` is a smoke run (few samples, results not written).
 * `npm run bench -- --only flag-lookup` runs only what `/flag status <unknown>` costs against 1k and 1M keys and
 * puts it into the existing results.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, platform, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startPrivateRedis } from '../playground/launcher/private-redis.js';
import { startGitHubSim } from '../playground/sim/github.js';
import { startSlackSim } from '../playground/sim/slack.js';
import { TEST_BOT_TOKEN, TEST_GITHUB_TOKEN, testConfig } from '../test/helpers/config.js';
import { type AckLatencyResult, type AckLevel, runAckLatency } from './ack-latency.js';
import { runCanaryRollback } from './canary-rollback.js';
import { runApproveToDispatch } from './deploy-approve.js';
import { runDeployFanout } from './deploy-fanout.js';
import { type FlagLookupOptions, runFlagLookup } from './flag-lookup.js';
import { runFlagPropagation } from './flag-propagation.js';
import { runGitHubTracking, type TrackingScenario } from './github-tracking.js';
import { startFakeMetrics } from './lib/fake-metrics.js';
import {
  ackVerdict,
  type BenchResults,
  cpuRatio,
  fanoutPasses,
  formatJson,
  type Machine,
  spliceAckSection,
  TARGETS,
  table,
  writeResults,
} from './lib/report.js';
import { flagLookupPasses, spliceFlagLookup } from './lib/report-flag-lookup.js';
import { BENCH_SIGNING_SECRET } from './lib/slash-request.js';
import { runProbeOverhead } from './probe-overhead.js';
import { runRollbackConfirm } from './rollback-confirm.js';

const quick = process.argv.includes('--quick');
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
/**
 * `npm run bench -- --ack-only`: only (a), for working on the ack path; it rewrites section (a) of results.md (and
 * `ackLatency` in results.json), saying when and at which commit, and leaves the other sections as they were.
 */
const ackOnly = process.argv.includes('--ack-only');
const KEY_PREFIX = 'bench:';
const FLAG = 'email_automation';

const LEVELS: AckLevel[] = [
  { id: 'c1', label: 'concurrency 1', plan: { kind: 'closed', concurrency: 1, total: quick ? 100 : 400 } },
  {
    id: 'c10',
    label: 'concurrency 10',
    plan: { kind: 'closed', concurrency: 10, total: quick ? 300 : 1_500 },
  },
  {
    id: 'c100',
    label: 'concurrency 100',
    plan: { kind: 'closed', concurrency: 100, total: quick ? 500 : 3_000 },
  },
  {
    id: 'r200',
    label: '200 req/s (open)',
    // Issue 14's targets are judged here: 6 s a round, so each round's p99 is not just its 6th-slowest request.
    plan: { kind: 'open', ratePerSecond: 200, total: quick ? 200 : 1_200 },
  },
  {
    id: 'r500',
    label: '500 req/s (open)',
    plan: { kind: 'open', ratePerSecond: 500, total: quick ? 500 : 1_000 },
  },
];

/**
 * GitHub's budget (time scaled ×20: a 5 s poll interval, a 60 s webhook safety net and runs of 2–6 min, played 20
 * times faster, GitHub's hourly limit scaled alike) and the handoff at real time, with 150 ms added to every GitHub
 * and Slack call: polling only, webhooks at N = 1 and N = 100, and Enterprise Server without run details.
 */
function trackingScenarios(quick: boolean): TrackingScenario[] {
  const budget = {
    phases: 3,
    runDetails: 'supported',
    latencyMs: 0,
    runMs: quick ? { min: 3_000, max: 6_000 } : { min: 6_000, max: 18_000 },
    pollIntervalMs: 250,
    webhookPollIntervalMs: 3_000,
    timeScale: 20,
  } as const;
  const live = {
    latencyMs: 150,
    runMs: { min: 1_000, max: 3_000 },
    webhookPollIntervalMs: 60_000,
    timeScale: 1,
  } as const;
  return [
    { id: 'budget-polling', label: 'budget, polling only', deployments: 10, webhooks: false, ...budget },
    { id: 'budget-webhooks', label: 'budget, webhooks', deployments: 10, webhooks: true, ...budget },
    {
      id: 'handoff-polling',
      label: 'handoff, polling only (pollInterval 2 s)',
      deployments: 10,
      phases: 3,
      webhooks: false,
      runDetails: 'supported',
      pollIntervalMs: 2_000,
      ...live,
    },
    ...[1, quick ? 10 : 100].map(
      (deployments): TrackingScenario => ({
        id: `handoff-webhooks-n${deployments}`,
        label: `handoff, webhooks, N = ${deployments}`,
        deployments,
        phases: deployments === 1 ? 4 : 2,
        webhooks: true,
        runDetails: 'supported',
        pollIntervalMs: 5_000,
        ...live,
      }),
    ),
    {
      id: `handoff-ghes-n${quick ? 10 : 100}`,
      label: `handoff, Enterprise Server without run details, webhooks, N = ${quick ? 10 : 100}`,
      deployments: quick ? 10 : 100,
      phases: 2,
      webhooks: true,
      runDetails: 'ignored',
      pollIntervalMs: 5_000,
      ...live,
    },
  ];
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Section (a) of results.md and `ackLatency` in results.json replaced by a run of (a) alone. */
function writeAckSection(ack: AckLatencyResult, measuredOn: Machine): void {
  const markdownPath = fileURLToPath(new URL('./results.md', import.meta.url));
  const jsonPath = fileURLToPath(new URL('./results.json', import.meta.url));
  const pass = ackVerdict(ack);
  const provenance = `Measured alone (\`npm run bench -- --ack-only\`) on ${new Date().toISOString()}, commit ${measuredOn.commit}, ${measuredOn.nproc} CPUs; the other sections are from the whole run above.`;
  const updated = spliceAckSection(readFileSync(markdownPath, 'utf8'), ack, provenance);
  writeFileSync(markdownPath, updated);
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as Record<string, unknown>;
  json.ackLatency = ack;
  json.verdict = {
    ...(json.verdict as Record<string, unknown>),
    ackLatency: pass.latency,
    ackCpu: pass.cpu,
  };
  writeFileSync(jsonPath, formatJson(json));
}

function machine(): Machine {
  const quiet = (command: string, args: string[]) => {
    try {
      return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${platform()} ${release()}`,
    node: process.version,
    redis: quiet('redis-server', ['--version']).split(' sha=')[0] ?? 'unknown',
    commit: quiet('git', ['rev-parse', '--short', 'HEAD']),
  };
}

const resultsJson = fileURLToPath(new URL('./results.json', import.meta.url));
const resultsMd = fileURLToPath(new URL('./results.md', import.meta.url));

const flagLookupOptions = (): FlagLookupOptions => ({
  sizes: quick ? [1_000, 100_000] : [1_000, 1_000_000],
  samples: quick ? 50 : 500,
  oldSamples: quick ? 3 : 10,
  flags: 50,
  log,
});

/** `--only flag-lookup`: this one bench, merged into the results of the last full run. */
async function mainFlagLookupOnly(): Promise<void> {
  const flagLookup = await runFlagLookup(flagLookupOptions());
  if (quick) return log('quick run: results not written');
  const previous = JSON.parse(readFileSync(resultsJson, 'utf8')) as BenchResults;
  const verdict = { ...previous.verdict, flagLookup: flagLookupPasses(flagLookup) };
  writeFileSync(resultsJson, formatJson({ ...previous, verdict, flagLookup }));
  writeFileSync(resultsMd, spliceFlagLookup(readFileSync(resultsMd, 'utf8'), flagLookup, table));
  log('put the flag lookup into bench/results.md and bench/results.json');
}

async function main(): Promise<void> {
  if (only === 'flag-lookup') return mainFlagLookupOnly();
  if (only) throw new Error(`--only knows flag-lookup, not ${only}`);
  const startedAt = performance.now();
  const redis = await startPrivateRedis();
  const slack = await startSlackSim({ botToken: TEST_BOT_TOKEN, signingSecret: BENCH_SIGNING_SECRET });
  const github = await startGitHubSim({ tokens: { [TEST_GITHUB_TOKEN]: { login: 'greenlight-bot' } } });
  const metrics = await startFakeMetrics();
  try {
    const flags = testConfig(redis.url, KEY_PREFIX).file.flags;
    log(
      `private redis at ${redis.url}; Slack simulator at ${slack.apiUrl}; GitHub simulator at ${github.apiUrl}`,
    );
    const ackLatency = await runAckLatency({
      redisUrl: redis.url,
      keyPrefix: KEY_PREFIX,
      slack,
      rounds: quick ? 1 : 6,
      levels: LEVELS,
      log,
    });
    if (ackOnly) {
      if (!quick) {
        writeAckSection(ackLatency, machine());
        log('wrote section (a) of bench/results.md and ackLatency of bench/results.json');
      }
      for (const level of ackLatency.levels) {
        const [greenlight, bare] = [level.apps.greenlight, level.apps['bare-bolt']];
        log(
          `${level.label}: p99 ratio ${level.ratioP99} (per round ${level.ratioP99PerRound.join(', ')}), CPU/request ${greenlight.cpuMicrosPerRequest} µs vs ${bare.cpuMicrosPerRequest} µs (ratio ${cpuRatio(level)}, per round ${level.ratioCpuPerRound.join(', ')})`,
        );
      }
      const pass = ackVerdict(ackLatency);
      log(
        `issue 14 at 200 req/s open loop: CPU per request ≤ ${TARGETS.ackRatioCpu}× → ${pass.cpu ? 'PASS' : 'FAIL'}; p99 ≤ ${TARGETS.ackRatioP99}× → ${pass.latency ? 'PASS' : 'FAIL'}`,
      );
      return;
    }
    const propagation = await runFlagPropagation({
      redisUrl: redis.url,
      keyPrefix: KEY_PREFIX,
      flagPrefix: flags.prefix,
      channel: flags.channel,
      flag: FLAG,
      userId: 'U0ALICE',
      slack,
      samples: quick ? 20 : 200,
      warmup: quick ? 20 : 300,
      spacingMs: 20,
      log,
    });
    const approveToDispatch = await runApproveToDispatch({
      redisUrl: redis.url,
      keyPrefix: 'bench-approve-',
      slack,
      github,
      spacingMs: 50,
      modes: [
        {
          id: 'unspaced',
          label: 'as shipped (no write spacing)',
          spaceWrites: false,
          warmup: quick ? 3 : 10,
          samples: quick ? 10 : 100,
        },
        {
          id: 'production',
          label: 'optional 1 s write spacing',
          spaceWrites: true,
          warmup: 1,
          samples: quick ? 2 : 10,
        },
      ],
      log,
    });
    const githubTracking = await runGitHubTracking({
      redisUrl: redis.url,
      keyPrefix: 'bench-tracking:',
      slack,
      scenarios: trackingScenarios(quick),
      log,
    });
    const canaryRollback = await runCanaryRollback({
      redisUrl: redis.url,
      keyPrefix: 'bench-canary:',
      slack,
      github,
      metrics,
      samples: quick ? 3 : 24,
      concurrency: quick ? 3 : 6,
      interval: '5s',
      intervalMs: TARGETS.analysisIntervalMs,
      hold: '1s',
      breachErrorRate: 0.06,
      seed: 20_250_601,
      log,
    });
    const probeOverhead = await runProbeOverhead({
      rounds: quick ? 2 : 8,
      levels: [
        { targets: 1, callsPerRound: quick ? 100 : 500, warmupCalls: quick ? 50 : 300 },
        { targets: 10, callsPerRound: quick ? 20 : 100, warmupCalls: quick ? 10 : 50 },
      ],
      log,
    });
    const rollbackConfirm = await runRollbackConfirm({
      redisUrl: redis.url,
      keyPrefix: 'bench-rollback:',
      slack,
      github,
      metrics,
      warmup: quick ? 1 : 5,
      samples: quick ? 5 : 50,
      pauseMs: 50,
      log,
    });
    const flagLookup = await runFlagLookup(flagLookupOptions());
    const deployFanout = await runDeployFanout({
      redisUrl: redis.url,
      keyPrefix: 'bench-fanout:',
      levels: quick ? [1, 10] : [1, 10, 50],
      latencyMs: 150,
      phases: 4,
      runMs: 500,
      settleTimeoutMs: 300_000,
      log,
    });

    const results: BenchResults = {
      date: new Date().toISOString(),
      machine: machine(),
      durationSeconds: Math.round((performance.now() - startedAt) / 1_000),
      targets: TARGETS,
      verdict: {
        ackLatency: ackVerdict(ackLatency).latency,
        ackCpu: ackVerdict(ackLatency).cpu,
        propagation: propagation.propagation.p99 <= TARGETS.propagationP99Ms,
        breachToRollback:
          canaryRollback.breachToDispatch.p99 <= TARGETS.breachToRollbackDispatchMs &&
          canaryRollback.breachToDispatch.max <= TARGETS.breachToRollbackDispatchMs,
        rollbackConfirmToDispatch: rollbackConfirm.toDispatch.p99 <= TARGETS.rollbackConfirmToDispatchP99Ms,
        flagLookup: flagLookupPasses(flagLookup),
        deployFanout: fanoutPasses(deployFanout),
      },
      ackLatency,
      propagation,
      approveToDispatch,
      githubTracking,
      canaryRollback,
      probeOverhead,
      rollbackConfirm,
      flagLookup,
      deployFanout,
    };
    if (quick) {
      log('quick run: results not written');
    } else {
      writeResults(results, resultsJson, resultsMd);
      log('wrote bench/results.md and bench/results.json');
    }
    log(
      `ack at 200 req/s open loop: p99 ratio ${ackLatency.levels.find((level) => level.id === TARGETS.ackJudgedLevel)?.ratioP99} → ${results.verdict.ackLatency ? 'PASS' : 'FAIL'}, CPU ratio → ${results.verdict.ackCpu ? 'PASS' : 'FAIL'} (p99 ratio at every level ${ackLatency.levels.map((level) => `${level.id}=${level.ratioP99}`).join(' ')}); propagation p99 ${propagation.propagation.p99} ms → ${results.verdict.propagation ? 'PASS' : 'FAIL'}`,
    );
    log(
      `approve → dispatch p99 ${approveToDispatch.modes.map((mode) => `${mode.id}=${mode.toDispatch.p99}`).join(' ')} ms; GitHub tracking ${githubTracking.scenarios.map((scenario) => `${scenario.id}: ${scenario.perRunMinute.counted} counted/run-minute (${scenario.perRunMinute.tracking} tracking), handoff p50 ${scenario.handoff.p50.toFixed(0)} ms`).join('; ')}`,
    );
    log(
      `breach → rollback dispatch p50 ${canaryRollback.breachToDispatch.p50.toFixed(0)} ms p99 ${canaryRollback.breachToDispatch.p99.toFixed(0)} ms max ${canaryRollback.breachToDispatch.max.toFixed(0)} ms → ${results.verdict.breachToRollback ? 'PASS' : 'FAIL'}; probe overhead p50/p99/CPU ratio ${probeOverhead.levels.map((level) => `${level.targets} target(s) ${level.ratioP50}/${level.ratioP99}/${level.ratioCpu}`).join(', ')}`,
    );
    log(
      `rollback confirm → dispatch p50 ${rollbackConfirm.toDispatch.p50.toFixed(1)} ms p99 ${rollbackConfirm.toDispatch.p99.toFixed(1)} ms max ${rollbackConfirm.toDispatch.max.toFixed(1)} ms → ${results.verdict.rollbackConfirmToDispatch ? 'PASS' : 'FAIL'}; its ack p99 ${rollbackConfirm.ack.p99.toFixed(1)} ms max ${rollbackConfirm.ack.max.toFixed(1)} ms`,
    );
    log(
      `deploy fan-out (webhooks, Slack rate limits, 150 ms latency): ${deployFanout.levels.map((level) => `N=${level.deployments} handoff p50 ${level.handoff.p50.toFixed(0)} ms, timelines final ${level.finalShown}/${level.deployments}, 429s ${(level.rateLimitedShare * 100).toFixed(1)} %`).join('; ')} → ${results.verdict.deployFanout ? 'PASS' : 'FAIL'}`,
    );
  } finally {
    await metrics.close();
    await github.close();
    await slack.close();
    await redis.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
