import { startGitHubSim } from '../playground/sim/github.js';
import { startSlackSim } from '../playground/sim/slack.js';
import { TEST_BOT_TOKEN, TEST_GITHUB_TOKEN } from '../test/helpers/config.js';
import { sleep } from './lib/clock.js';
import { DeployDriver } from './lib/deploy-driver.js';
import { deploymentOf, ROUTES } from './lib/github-view.js';
import { type Summary, summarize } from './lib/percentiles.js';
import { BENCH_SIGNING_SECRET } from './lib/slash-request.js';

const STATUS_CHANNEL = '#deployment-status';
const WEBHOOK_SECRET = 'bench-webhook-secret';

export interface FanoutOptions {
  redisUrl: string;
  /** Each level's greenlight gets `<keyPrefix>n<deployments>:`. */
  keyPrefix: string;
  /** How many deployments start at once, one level each (1, 10, 50). */
  levels: number[];
  /** Added to every answer of both fakes (Slack's Web API and response_urls; GitHub's REST API), ms. */
  latencyMs: number;
  /** Phases per deployment, each one workflow run. */
  phases: number;
  /** How long each workflow run takes, ms. */
  runMs: number;
  /** How long to wait for every timeline to show its deployment's end, ms. */
  settleTimeoutMs: number;
  log: (line: string) => void;
}

export interface FanoutLevel {
  deployments: number;
  /**
   * A run completing (on the fake GitHub) → the next phase's dispatch arriving there, ms: greenlight's whole handoff
   * (webhook, job, compare-and-set, GitHub's answers with their latency), per phase handed over.
   */
  handoff: Summary;
  /** How long greenlight took to answer GitHub's `workflow_run` deliveries, ms (GitHub gives up after 10 s). */
  webhookAnswer: Summary;
  /** The first `/deploy` sent → the last deployment finalized, ms. */
  allFinishedMs: number;
  /** The first `/deploy` sent → every timeline message shows its deployment succeeded, ms. */
  allTimelinesFinalMs: number;
  /** Deployments with a timeline message, and whose timeline shows the final state (both must equal `deployments`). */
  withTimeline: number;
  finalShown: number;
  /** Phases dispatched more than once (must be 0). */
  doubleDispatches: number;
  /** Web API calls Slack received, per deployment, and how many Slack answered 429. */
  slackCalls: number;
  slackCallsPerDeployment: number;
  posts: number;
  updates: number;
  rateLimited: number;
  /** rateLimited / slackCalls. */
  rateLimitedShare: number;
}

export interface FanoutResult {
  latencyMs: number;
  phases: number;
  runMs: number;
  levels: FanoutLevel[];
}

/**
 * N deployments at once, each of its own environment and `phases` phases, against a fake Slack that enforces its
 * per-method rate limits (chat.postMessage about one a second per channel, chat.update Tier 3) and a fake GitHub
 * that sends `workflow_run` webhooks, both answering `latencyMs` late. What it shows: a phase handoff does not wait
 * for Slack, every deployment ends with its timeline showing how it ended, and greenlight's own pacing keeps 429s
 * rare. Each level runs its own greenlight and its own pair of fakes, so rate-limit buckets start full.
 */
export async function runDeployFanout(options: FanoutOptions): Promise<FanoutResult> {
  const levels: FanoutLevel[] = [];
  for (const deployments of options.levels) levels.push(await runLevel(options, deployments));
  return { latencyMs: options.latencyMs, phases: options.phases, runMs: options.runMs, levels };
}

async function runLevel(options: FanoutOptions, deployments: number): Promise<FanoutLevel> {
  const { log } = options;
  const slack = await startSlackSim({
    botToken: TEST_BOT_TOKEN,
    signingSecret: BENCH_SIGNING_SECRET,
    rateLimits: true,
  });
  const github = await startGitHubSim({ tokens: { [TEST_GITHUB_TOKEN]: { login: 'greenlight-bot' } } });
  slack.latency(options.latencyMs);
  github.faults.latency(options.latencyMs);
  github.setLifecycle({ mode: 'auto', runMs: options.runMs });
  const envs = Array.from({ length: deployments }, (_, index) => `f${index}`);
  const driver = await DeployDriver.start({
    redisUrl: options.redisUrl,
    keyPrefix: `${options.keyPrefix}n${deployments}:`,
    slack,
    github,
    environments: Object.fromEntries(envs.map((env) => [env, 0])),
    // Webhooks tell greenlight a run ended; polling is the slow safety net.
    pollInterval: '60s',
    spaceWrites: false,
    webhookSecret: WEBHOOK_SECRET,
    config: {
      pipeline: Array.from({ length: options.phases }, (_, index) => ({
        id: `p${index}`,
        title: `Phase ${index + 1}`,
        inputs: { deployment_phase: `p${index}` },
      })),
    },
  });
  github.addWebhook({ url: `${driver.app.origin}/github/webhooks`, secret: WEBHOOK_SECRET });
  log(
    `deploy fan-out: ${deployments} deployment(s) × ${options.phases} phases, Slack rate limits on, ${options.latencyMs} ms latency on Slack and GitHub, webhooks`,
  );
  try {
    // The fake GitHub stamps runs with Date.now() and requests with performance.now(): one offset, taken now, maps
    // the one onto the other (timeOrigin drifts from the wall clock over a long run).
    const wallOffset = Date.now() - performance.now();
    const startedAt = performance.now();
    const ids = await Promise.all(envs.map((env) => driver.requestDeploy(env)));
    // One pipelined read of every record each 50 ms: all finished is known to within that, and the bench's own
    // polling does not compete with greenlight for Redis and the CPU (one read per deployment every 2 ms did).
    await driver.deploymentsWhere(ids, (doc) => doc.meta.finalized === true, 180_000);
    const allFinishedMs = performance.now() - startedAt;
    const finalShown = async () => {
      let shown = 0;
      let posted = 0;
      for (const id of ids) {
        const where = (await driver.deployment(id))?.meta.message;
        if (!where) continue;
        posted += 1;
        const message = slack.workspace.findMessage(where.channel, where.ts);
        if (message?.text.includes('succeeded')) shown += 1;
      }
      return { shown, posted };
    };
    const deadline = performance.now() + options.settleTimeoutMs;
    let seen = await finalShown();
    while (seen.shown < ids.length && performance.now() < deadline) {
      await sleep(100);
      seen = await finalShown();
    }
    const allTimelinesFinalMs = performance.now() - startedAt;
    const level = measure(deployments, ids, slack.calls, github, wallOffset, {
      allFinishedMs,
      allTimelinesFinalMs,
      withTimeline: seen.posted,
      finalShown: seen.shown,
    });
    log(
      `  handoff p50 ${level.handoff.p50.toFixed(0)} ms p99 ${level.handoff.p99.toFixed(0)} ms (n=${level.handoff.n}); webhook answered p50 ${level.webhookAnswer.p50.toFixed(0)} ms max ${level.webhookAnswer.max.toFixed(0)} ms; all finished ${(allFinishedMs / 1_000).toFixed(1)} s, all timelines final ${(allTimelinesFinalMs / 1_000).toFixed(1)} s; timelines ${level.withTimeline}/${deployments}, final ${level.finalShown}/${deployments}; Slack ${level.slackCalls} calls (${level.slackCallsPerDeployment} per deployment), 429 ${level.rateLimited} (${(level.rateLimitedShare * 100).toFixed(1)} %)`,
    );
    return level;
  } finally {
    await driver.stop();
    await slack.close();
    await github.close();
  }
}

function measure(
  deployments: number,
  ids: string[],
  calls: { method: string; status: number; args: Record<string, unknown> }[],
  github: Awaited<ReturnType<typeof startGitHubSim>>,
  wallOffset: number,
  timing: Pick<FanoutLevel, 'allFinishedMs' | 'allTimelinesFinalMs' | 'withTimeline' | 'finalShown'>,
): FanoutLevel {
  const mine = new Set(ids);
  const handoffs: number[] = [];
  let doubleDispatches = 0;
  const dispatches = github.requests.filter((request) => request.route === ROUTES.dispatch);
  for (const id of mine) {
    const runs = github
      .runs()
      .filter((run) => deploymentOf(run.inputs.greenlight_id) === id)
      .sort((a, b) => a.createdAt - b.createdAt);
    const phases = new Set(runs.map((run) => run.inputs.deployment_phase));
    doubleDispatches += runs.length - phases.size;
    for (let index = 1; index < runs.length; index += 1) {
      const previous = runs[index - 1];
      const dispatch = dispatches.find((request) => request.runId === runs[index]?.id);
      if (!previous || !dispatch) continue;
      handoffs.push(wallOffset + dispatch.at - previous.updatedAt);
    }
  }
  const slackCalls = calls.length;
  const rateLimited = calls.filter((call) => call.status === 429).length;
  const answered = github.deliveries.flatMap((delivery) =>
    delivery.tookMs === undefined ? [] : [delivery.tookMs],
  );
  return {
    deployments,
    handoff: summarize(handoffs),
    webhookAnswer: summarize(answered.length > 0 ? answered : [Number.NaN]),
    ...timing,
    doubleDispatches,
    slackCalls,
    slackCallsPerDeployment: Math.round((slackCalls / deployments) * 10) / 10,
    posts: calls.filter(
      (call) =>
        call.method === 'chat.postMessage' && call.args.channel === STATUS_CHANNEL && call.status === 200,
    ).length,
    updates: calls.filter((call) => call.method === 'chat.update' && call.status === 200).length,
    rateLimited,
    rateLimitedShare: slackCalls === 0 ? 0 : Math.round((rateLimited / slackCalls) * 10_000) / 10_000,
  };
}
