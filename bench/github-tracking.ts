import { type GitHubRequest, type GitHubSim, type Run, startGitHubSim } from '../playground/sim/github.js';
import type { SlackSim } from '../playground/sim/slack.js';
import { TEST_GITHUB_TOKEN } from '../test/helpers/credentials.js';
import { DeployDriver } from './lib/deploy-driver.js';
import { deploymentOf, ROUTES } from './lib/github-view.js';
import { round, type Summary, summarize } from './lib/percentiles.js';

const WEBHOOK_SECRET = 'bench-webhook-secret';
/** GitHub's run list of a repository: what the sweep reads, one request per repository. */
const LIST_RUNS = 'actions/list-workflow-runs-for-repo';
/** Requests that track runs: the run list, a look at one run, a look for a run by its greenlight_id. */
const TRACKING = new Set([LIST_RUNS, ROUTES.getRun, 'actions/list-workflow-runs']);

export interface TrackingScenario {
  id: string;
  label: string;
  /** Deployments started together, one environment each, no approval. */
  deployments: number;
  /** Phases per deployment: every phase but the first starts at a handoff. */
  phases: number;
  webhooks: boolean;
  /** `supported` (github.com), `ignored` (Enterprise Server without run details: runs are looked for). */
  runDetails: 'supported' | 'ignored';
  /** Added to every GitHub request and every Slack Web API call. */
  latencyMs: number;
  /** Each run takes a uniformly drawn time in [min, max] ms (bench time). */
  runMs: { min: number; max: number };
  /** `deploy.pollInterval` and `deploy.webhookPollInterval`, bench time. */
  pollIntervalMs: number;
  webhookPollIntervalMs: number;
  /** One bench second stands for this many seconds in production (intervals and runs scaled alike); 1 = real. */
  timeScale: number;
}

export interface TrackingScenarioResult {
  id: string;
  label: string;
  deployments: number;
  phases: number;
  webhooks: boolean;
  runDetails: string;
  latencyMs: number;
  timeScale: number;
  pollIntervalMs: number;
  webhookPollIntervalMs: number;
  /** Run-minutes tracked, in production time (bench time × timeScale). */
  trackedRunMinutes: number;
  /** Every request GitHub received, those it counts against the rate limit (not 304s), and the tracking ones. */
  requests: {
    total: number;
    counted: number;
    free: number;
    trackingCounted: number;
    byRoute: Record<string, number>;
  };
  /** Counted requests per tracked run-minute: all of them, and those that track runs. */
  perRunMinute: { counted: number; tracking: number };
  /** Concurrently running deployments one token's 5,000 requests an hour sustain at this rate. */
  deploymentsPer5000: number;
  /** A run ending on GitHub → the next phase's dispatch arriving (bench ms). */
  handoff: Summary;
  /** Mean handoff over half the poll interval (polling only: ≤ 1 is the target). */
  handoffOverHalfInterval?: number;
  /** Reads of one repository's run list in flight at the same time: a sweep overlapping another (must be 0). */
  overlappingSweeps: number;
}

export interface TrackingResult {
  scenarios: TrackingScenarioResult[];
}

/**
 * GitHub's budget and the handoff: for each scenario, `deployments` deployments start at once on a GitHub simulator
 * of their own (its ETags and 304s as GitHub's, its rate-limit counting), each running `phases` workflow runs of
 * random length one after the other. Every request the simulator receives is counted; a handoff is the time from a
 * run ending on GitHub to the next phase's dispatch arriving there.
 */
export async function runGitHubTracking(options: {
  redisUrl: string;
  keyPrefix: string;
  slack: SlackSim;
  scenarios: TrackingScenario[];
  log: (line: string) => void;
}): Promise<TrackingResult> {
  const scenarios: TrackingScenarioResult[] = [];
  for (const [index, scenario] of options.scenarios.entries())
    scenarios.push(await runScenario({ ...options, keyPrefix: `${options.keyPrefix}${index}-` }, scenario));
  return { scenarios };
}

async function runScenario(
  options: { redisUrl: string; keyPrefix: string; slack: SlackSim; log: (line: string) => void },
  scenario: TrackingScenario,
): Promise<TrackingScenarioResult> {
  const { slack, log } = options;
  const github = await startGitHubSim({
    tokens: { [TEST_GITHUB_TOKEN]: { login: 'greenlight-bot' } },
    runDetails: scenario.runDetails,
    lifecycle: { mode: 'manual' },
    // GitHub's hour scaled like the rest: an hour of production is 3,600 / timeScale bench seconds.
    rateLimit: 5_000 * scenario.timeScale,
  });
  if (scenario.latencyMs > 0) {
    github.faults.latency(scenario.latencyMs);
    slack.latency(scenario.latencyMs);
  }
  const finishing = finishRunsAtRandom(github, scenario.runMs);
  const envs = Array.from({ length: scenario.deployments }, (_, index) => `t${index}`);
  const driver = await DeployDriver.start({
    redisUrl: options.redisUrl,
    keyPrefix: options.keyPrefix,
    slack,
    github,
    environments: Object.fromEntries(envs.map((env) => [env, 0])),
    pollInterval: `${scenario.pollIntervalMs}ms`,
    spaceWrites: false,
    ...(scenario.webhooks ? { webhookSecret: WEBHOOK_SECRET } : {}),
    config: {
      pipeline: Array.from({ length: scenario.phases }, (_, index) => ({
        id: `phase${index + 1}`,
        title: `Phase ${index + 1}`,
        inputs: { deployment_phase: `phase${index + 1}` },
      })),
      deploy: {
        pollInterval: `${scenario.pollIntervalMs}ms`,
        webhookPollInterval: `${scenario.webhookPollIntervalMs}ms`,
        gateTimeout: '1h',
        lockOnFailure: true,
      },
    },
  });
  if (scenario.webhooks)
    github.addWebhook({ url: `${driver.app.origin}/github/webhooks`, secret: WEBHOOK_SECRET });
  log(
    `github tracking ${scenario.id}: ${scenario.deployments} deployment(s) × ${scenario.phases} phases, ${scenario.webhooks ? 'webhooks' : 'polling only'}, run details ${scenario.runDetails}, ${scenario.latencyMs} ms latency`,
  );
  const ids: string[] = [];
  try {
    ids.push(...(await Promise.all(envs.map((env) => driver.requestDeploy(env)))));
    const runsMs = scenario.runMs.max * scenario.phases;
    const timeoutMs = runsMs * 4 + scenario.webhookPollIntervalMs * 2 + 60_000;
    for (const id of ids)
      await driver.deploymentWhere(
        id,
        (doc) => doc.meta.finalized === true,
        timeoutMs,
        `${id} never finished`,
      );
  } finally {
    finishing.stop();
    await driver.stop();
    slack.clearFaults();
    await github.close();
  }
  const result = measure(github, scenario, new Set(ids), finishing.completedAt);
  log(
    `  ${result.requests.counted} counted requests (${result.requests.free} free 304s) over ${result.trackedRunMinutes} run-minutes: ${result.perRunMinute.counted} counted per run-minute (tracking ${result.perRunMinute.tracking}), ${result.deploymentsPer5000} deployments per 5,000/h; handoff p50 ${result.handoff.p50.toFixed(0)} ms mean ${result.handoff.mean.toFixed(0)} ms p99 ${result.handoff.p99.toFixed(0)} ms${result.handoffOverHalfInterval === undefined ? '' : ` (×${result.handoffOverHalfInterval} of interval/2)`}; overlapping sweeps ${result.overlappingSweeps}`,
  );
  return result;
}

/** Ends every run a uniformly drawn time after it starts; remembers when (wall-clock ms) each ended. */
function finishRunsAtRandom(
  github: GitHubSim,
  runMs: { min: number; max: number },
): { completedAt: Map<number, number>; stop(): void } {
  const scheduled = new Set<number>();
  const timers: NodeJS.Timeout[] = [];
  const completedAt = new Map<number, number>();
  const unsubscribe = github.onChange(() => {
    for (const run of github.runs()) {
      if (scheduled.has(run.id)) continue;
      scheduled.add(run.id);
      const after = runMs.min + Math.random() * (runMs.max - runMs.min);
      timers.push(
        setTimeout(() => {
          if (github.finish(run.id) === 1) completedAt.set(run.id, performance.now());
        }, after),
      );
    }
  });
  return {
    completedAt,
    stop() {
      unsubscribe();
      for (const timer of timers) clearTimeout(timer);
    },
  };
}

function measure(
  github: GitHubSim,
  scenario: TrackingScenario,
  mine: Set<string>,
  completedAt: Map<number, number>,
): TrackingScenarioResult {
  const runs = github.runs().filter((run) => mine.has(deploymentOf(run.inputs.greenlight_id) ?? ''));
  if (runs.length !== mine.size * scenario.phases)
    throw new Error(`expected ${mine.size * scenario.phases} runs, GitHub saw ${runs.length} dispatches`);
  const dispatches = github.requestsTo(ROUTES.dispatch).filter((request) => request.status < 300);
  const dispatchOf = (run: Run) =>
    dispatches.find(
      (request) =>
        (request.body as { inputs?: { greenlight_id?: string } }).inputs?.greenlight_id ===
        run.inputs.greenlight_id,
    )?.at;
  // A handoff: phase k's run ended → phase k+1's dispatch arrived.
  const handoffs: number[] = [];
  const byDeployment = new Map<string, Run[]>();
  for (const run of runs) {
    const id = deploymentOf(run.inputs.greenlight_id) ?? '';
    byDeployment.set(id, [...(byDeployment.get(id) ?? []), run]);
  }
  for (const phases of byDeployment.values()) {
    const ordered = phases.sort((a, b) => a.id - b.id);
    for (let index = 0; index + 1 < ordered.length; index += 1) {
      const ended = completedAt.get((ordered[index] as Run).id);
      const next = dispatchOf(ordered[index + 1] as Run);
      if (ended !== undefined && next !== undefined) handoffs.push(next - ended);
    }
  }
  const runMinutes =
    (runs.reduce((sum, run) => sum + Math.max(0, run.updatedAt - run.createdAt), 0) / 60_000) *
    scenario.timeScale;
  const requests = github.requests;
  const counted = requests.filter((request) => request.status !== 304);
  const byRoute: Record<string, number> = {};
  for (const request of requests) byRoute[request.route] = (byRoute[request.route] ?? 0) + 1;
  const trackingCounted = counted.filter((request) => TRACKING.has(request.route)).length;
  const handoff = summarize(handoffs);
  const overlapping = overlappingReads(requests.filter((each) => each.route === LIST_RUNS));
  const countedPerRunMinute = counted.length / runMinutes;
  return {
    id: scenario.id,
    label: scenario.label,
    deployments: scenario.deployments,
    phases: scenario.phases,
    webhooks: scenario.webhooks,
    runDetails: scenario.runDetails,
    latencyMs: scenario.latencyMs,
    timeScale: scenario.timeScale,
    pollIntervalMs: scenario.pollIntervalMs,
    webhookPollIntervalMs: scenario.webhookPollIntervalMs,
    trackedRunMinutes: round(runMinutes, 2),
    requests: {
      total: requests.length,
      counted: counted.length,
      free: requests.length - counted.length,
      trackingCounted,
      byRoute,
    },
    perRunMinute: {
      counted: round(countedPerRunMinute, 2),
      tracking: round(trackingCounted / runMinutes, 3),
    },
    deploymentsPer5000: Math.floor(5_000 / 60 / countedPerRunMinute),
    handoff,
    ...(scenario.webhooks
      ? {}
      : { handoffOverHalfInterval: round(handoff.mean / (scenario.pollIntervalMs / 2), 2) }),
    overlappingSweeps: overlapping,
  };
}

/**
 * Reads of one repository's run list (the same page) in flight at the same time, from arriving at GitHub to being
 * answered: two sweeps at once. Reads that follow each other closely are not overlap (greenlight reads the lists
 * more often than the poll interval by design); one read of a long list asks for pages 1, 2… at once.
 */
function overlappingReads(reads: readonly GitHubRequest[]): number {
  let overlapping = 0;
  const latest = new Map<string, GitHubRequest>();
  for (const read of [...reads].sort((a, b) => a.at - b.at)) {
    const key = `${read.repo ?? ''} ${read.query.page ?? '1'}`;
    const previous = latest.get(key);
    if (previous !== undefined && read.at < previous.answeredAt) overlapping += 1;
    if (previous === undefined || read.answeredAt > previous.answeredAt) latest.set(key, read);
  }
  return overlapping;
}
