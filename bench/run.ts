/**
 * `npm run bench`: ack latency of greenlight against a bare Bolt app, flag propagation to a flag client in
 * another process, then `/deploy` against a fake GitHub (Approve click → workflow dispatch, and what polling
 * running workflow runs costs), canary analysis (threshold breach → rollback dispatch), what a health probe
 * costs, `/rollback` (confirmation submitted → rollback dispatch), and N deployments at once under Slack's rate
 * limits (phase handoff, timelines, 429s); writes bench/results.md and
 * bench/results.json. `npm run bench -- --quick` is a smoke run (few samples, results not written).
 * `npm run bench -- --only ack,tracking` runs only the named sections and puts them into the existing results.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, platform, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startPrivateRedis } from '../playground/launcher/private-redis.js';
import { startGitHubSim } from '../playground/sim/github.js';
import { startSlackSim } from '../playground/sim/slack.js';
import { TEST_BOT_TOKEN, TEST_GITHUB_TOKEN, testConfig } from '../test/helpers/config.js';
import { type AckLevel, runAckLatency } from './ack-latency.js';
import { runCanaryRollback } from './canary-rollback.js';
import { runApproveToDispatch } from './deploy-approve.js';
import { runDeployFanout } from './deploy-fanout.js';
import { runFlagLookup } from './flag-lookup.js';
import { runFlagPropagation } from './flag-propagation.js';
import { runGitHubTracking, type TrackingScenario } from './github-tracking.js';
import { startFakeMetrics } from './lib/fake-metrics.js';
import {
  type BenchResults,
  type Machine,
  type SectionName,
  summaryLines,
  TARGETS,
  withVerdicts,
  writeResults,
} from './lib/report.js';
import { BENCH_SIGNING_SECRET } from './lib/slash-request.js';
import { runProbeOverhead } from './probe-overhead.js';
import { runRollbackConfirm } from './rollback-confirm.js';

const quick = process.argv.includes('--quick');
/**
 * `npm run bench -- --only ack,fanout`: only the named sections, put into the results of the last run (each
 * section says when and at which commit it was measured); the others stay as they were.
 */
const onlyArgument = process.argv.includes('--only')
  ? process.argv[process.argv.indexOf('--only') + 1]
  : process.argv.includes('--ack-only')
    ? 'ack'
    : undefined;
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
    plan: { kind: 'open', ratePerSecond: 200, total: quick ? 200 : 600 },
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

/** What every section may use: one private Redis, the simulators and a fake metrics source. */
interface Rig {
  redis: { url: string };
  slack: Awaited<ReturnType<typeof startSlackSim>>;
  github: Awaited<ReturnType<typeof startGitHubSim>>;
  metrics: Awaited<ReturnType<typeof startFakeMetrics>>;
}

/** The sections in the order a full run takes them; `--only` names them. */
const SECTIONS: { [Name in SectionName]: (rig: Rig) => Promise<NonNullable<BenchResults[Name]>> } = {
  ackLatency: (rig) =>
    runAckLatency({
      redisUrl: rig.redis.url,
      keyPrefix: KEY_PREFIX,
      slack: rig.slack,
      rounds: quick ? 1 : 6,
      levels: LEVELS,
      log,
    }),
  propagation: (rig) => {
    const flags = testConfig(rig.redis.url, KEY_PREFIX).file.flags;
    return runFlagPropagation({
      redisUrl: rig.redis.url,
      keyPrefix: KEY_PREFIX,
      flagPrefix: flags.prefix,
      channel: flags.channel,
      flag: FLAG,
      userId: 'U0ALICE',
      slack: rig.slack,
      samples: quick ? 20 : 200,
      warmup: quick ? 20 : 300,
      spacingMs: 20,
      log,
    });
  },
  approveToDispatch: (rig) =>
    runApproveToDispatch({
      redisUrl: rig.redis.url,
      keyPrefix: 'bench-approve-',
      slack: rig.slack,
      github: rig.github,
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
    }),
  githubTracking: (rig) =>
    runGitHubTracking({
      redisUrl: rig.redis.url,
      keyPrefix: 'bench-tracking:',
      slack: rig.slack,
      scenarios: trackingScenarios(quick),
      log,
    }),
  canaryRollback: (rig) =>
    runCanaryRollback({
      redisUrl: rig.redis.url,
      keyPrefix: 'bench-canary:',
      slack: rig.slack,
      github: rig.github,
      metrics: rig.metrics,
      samples: quick ? 3 : 24,
      concurrency: quick ? 3 : 6,
      interval: '5s',
      intervalMs: TARGETS.analysisIntervalMs,
      hold: '1s',
      breachErrorRate: 0.06,
      seed: 20_250_601,
      log,
    }),
  probeOverhead: () =>
    runProbeOverhead({
      rounds: quick ? 2 : 8,
      levels: [
        { targets: 1, callsPerRound: quick ? 100 : 500, warmupCalls: quick ? 50 : 300 },
        { targets: 10, callsPerRound: quick ? 20 : 100, warmupCalls: quick ? 10 : 50 },
      ],
      log,
    }),
  rollbackConfirm: (rig) =>
    runRollbackConfirm({
      redisUrl: rig.redis.url,
      keyPrefix: 'bench-rollback:',
      slack: rig.slack,
      github: rig.github,
      metrics: rig.metrics,
      warmup: quick ? 1 : 5,
      samples: quick ? 5 : 50,
      pauseMs: 50,
      log,
    }),
  flagLookup: () =>
    runFlagLookup({
      sizes: quick ? [1_000, 100_000] : [1_000, 1_000_000],
      samples: quick ? 50 : 500,
      oldSamples: quick ? 3 : 10,
      flags: 50,
      log,
    }),
  deployFanout: (rig) =>
    runDeployFanout({
      redisUrl: rig.redis.url,
      keyPrefix: 'bench-fanout:',
      levels: quick ? [1, 10] : [1, 10, 50, 100],
      latencyMs: 150,
      phases: 4,
      runMs: 500,
      settleTimeoutMs: 300_000,
      log,
    }),
};

/** `--only` takes the short names people type as well as the results' own keys. */
const ALIASES: Record<string, SectionName> = {
  ack: 'ackLatency',
  propagation: 'propagation',
  approve: 'approveToDispatch',
  tracking: 'githubTracking',
  canary: 'canaryRollback',
  probe: 'probeOverhead',
  rollback: 'rollbackConfirm',
  'flag-lookup': 'flagLookup',
  fanout: 'deployFanout',
};

function chosenSections(): SectionName[] {
  const all = Object.keys(SECTIONS) as SectionName[];
  if (onlyArgument === undefined) return all;
  return onlyArgument.split(',').map((given) => {
    const name = ALIASES[given] ?? all.find((section) => section === given);
    if (!name) throw new Error(`--only knows ${Object.keys(ALIASES).join(', ')}; not ${given}`);
    return name;
  });
}

async function main(): Promise<void> {
  const sections = chosenSections();
  const startedAt = performance.now();
  const redis = await startPrivateRedis();
  const slack = await startSlackSim({ botToken: TEST_BOT_TOKEN, signingSecret: BENCH_SIGNING_SECRET });
  const github = await startGitHubSim({ tokens: { [TEST_GITHUB_TOKEN]: { login: 'greenlight-bot' } } });
  const metrics = await startFakeMetrics();
  const measured: Partial<BenchResults> = {};
  try {
    log(
      `private redis at ${redis.url}; Slack simulator at ${slack.apiUrl}; GitHub simulator at ${github.apiUrl}`,
    );
    for (const name of sections) {
      const run = SECTIONS[name] as (rig: Rig) => Promise<unknown>;
      const result = await run({ redis, slack, github, metrics });
      Object.assign(measured, { [name]: result });
    }
  } finally {
    await metrics.close();
    await github.close();
    await slack.close();
    await redis.stop();
  }
  const alone = onlyArgument !== undefined;
  const previous = alone ? (JSON.parse(readFileSync(resultsJson, 'utf8')) as BenchResults) : undefined;
  const onMachine = machine();
  const now = new Date().toISOString();
  const results = withVerdicts({
    ...(previous ?? {}),
    ...measured,
    date: previous?.date ?? now,
    machine: previous?.machine ?? onMachine,
    durationSeconds: previous?.durationSeconds ?? Math.round((performance.now() - startedAt) / 1_000),
    targets: TARGETS,
    measuredAlone: {
      ...(previous?.measuredAlone ?? {}),
      ...Object.fromEntries(
        sections.map((name) => [name, alone ? { date: now, commit: onMachine.commit } : undefined]),
      ),
    },
  });
  for (const line of summaryLines(results, sections)) log(line);
  if (quick) return log('quick run: results not written');
  writeResults(results, resultsJson, resultsMd);
  log(`wrote bench/results.md and bench/results.json (${sections.join(', ')})`);
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
