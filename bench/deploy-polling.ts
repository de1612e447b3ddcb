import type { GitHubRequest, GitHubSim } from '../playground/sim/github.js';
import type { SlackSim } from '../playground/sim/slack.js';
import { DeployDriver } from './lib/deploy-driver.js';
import { completionSeenAt, deploymentOf, dispatchedAt, ROUTES } from './lib/github-view.js';
import { round, type Summary, summarize } from './lib/percentiles.js';

export interface PollingOptions {
  redisUrl: string;
  keyPrefix: string;
  slack: SlackSim;
  github: GitHubSim;
  /** Deployments started together, one environment each, no approval. */
  deployments: number;
  /** `deploy.pollInterval`. */
  pollInterval: string;
  pollIntervalMs: number;
  /** Each run is `queued` this long after its dispatch, then `in_progress`… */
  queuedMs: number;
  /** …and `completed` (success) this long after its dispatch. */
  runMs: number;
  /** The client's write spacing; polls are GETs, which it never delays. */
  spaceWrites: boolean;
  log: (line: string) => void;
}

export interface RunPolling {
  runId: number;
  /** Dispatch arriving → the poll that first saw `completed` (s): how long greenlight tracked the run. */
  trackedSeconds: number;
  polls: number;
  ok: number;
  notModified: number;
  /** The run completing on GitHub → greenlight's poll seeing it (ms). */
  detectionLagMs: number;
}

export interface PollingResult {
  deployments: number;
  pollIntervalMs: number;
  queuedMs: number;
  runMs: number;
  spaceWrites: boolean;
  trackedRunMinutes: number;
  /** `GET /repos/{o}/{r}/actions/runs/{id}` for the bench's runs, dispatch → completion seen. */
  polls: { total: number; ok: number; notModified: number; unconditional: number; other: number };
  perRunMinute: { requests: number; counted: number; free: number };
  /** Polls of a run after greenlight had seen it completed (must be 0). */
  pollsAfterCompletion: number;
  /** Every GitHub request of the benchmark, by kind (the writes are one-off per deployment, not polling). */
  requestsByKind: Record<string, number>;
  /** Rate-limit points used by the whole benchmark (GitHub does not count a 304). */
  rateLimitUsed: number;
  detectionLag: Summary;
  perRun: RunPolling[];
}

/**
 * Polling cost: `deployments` deployments start at once, each dispatching one workflow run that stays queued, then
 * in_progress, for `runMs`; greenlight's sweep polls them every `pollInterval` with `If-None-Match`. Every request
 * the fake GitHub receives is counted, split into 200s (counted against the rate limit) and 304s (free).
 */
export async function runDeployPolling(options: PollingOptions): Promise<PollingResult> {
  const { github, log } = options;
  const envs = Array.from({ length: options.deployments }, (_, index) => `p${index}`);
  github.setLifecycle({ mode: 'auto', queuedMs: options.queuedMs, runMs: options.runMs - options.queuedMs });
  const driver = await DeployDriver.start({
    redisUrl: options.redisUrl,
    keyPrefix: options.keyPrefix,
    slack: options.slack,
    github,
    environments: Object.fromEntries(envs.map((env) => [env, 0])),
    pollInterval: options.pollInterval,
    spaceWrites: options.spaceWrites,
  });
  log(
    `deploy polling: ${options.deployments} runs of ${options.runMs / 1_000} s, pollInterval ${options.pollInterval}`,
  );
  const from = github.requests.length;
  const ids: string[] = [];
  try {
    for (const env of envs) ids.push(await driver.requestDeploy(env));
    for (const id of ids) await driver.finalized(id, options.runMs + 60_000);
  } finally {
    await driver.stop();
  }
  const requests = github.requests.slice(from);
  const mine = new Set(ids);
  const runs = github.runs().filter((run) => mine.has(deploymentOf(run.inputs.greenlight_id) ?? ''));
  if (runs.length !== options.deployments)
    throw new Error(`expected ${options.deployments} runs, GitHub saw ${runs.length} dispatches`);
  const perRun: RunPolling[] = [];
  const inWindow: GitHubRequest[] = [];
  let pollsAfterCompletion = 0;
  for (const run of runs) {
    const seen = completionSeenAt(github, run.id);
    const dispatched = dispatchedAt(github, run.id);
    if (seen === undefined || dispatched === undefined)
      throw new Error(`run ${run.id} finished without greenlight seeing it complete`);
    const polls = requests.filter((request) => request.route === ROUTES.getRun && request.runId === run.id);
    const tracked = polls.filter((request) => request.at <= seen);
    pollsAfterCompletion += polls.length - tracked.length;
    inWindow.push(...tracked);
    perRun.push({
      runId: run.id,
      trackedSeconds: round((seen - dispatched) / 1_000),
      polls: tracked.length,
      ok: tracked.filter((request) => request.status === 200).length,
      notModified: tracked.filter((request) => request.status === 304).length,
      detectionLagMs: round(seen - (dispatched + options.runMs)),
    });
  }
  const trackedRunMinutes = perRun.reduce((sum, run) => sum + run.trackedSeconds, 0) / 60;
  const ok = inWindow.filter((request) => request.status === 200).length;
  const notModified = inWindow.filter((request) => request.status === 304).length;
  const requestsByKind: Record<string, number> = {};
  for (const request of requests) requestsByKind[request.route] = (requestsByKind[request.route] ?? 0) + 1;
  const result: PollingResult = {
    deployments: options.deployments,
    pollIntervalMs: options.pollIntervalMs,
    queuedMs: options.queuedMs,
    runMs: options.runMs,
    spaceWrites: options.spaceWrites,
    trackedRunMinutes: round(trackedRunMinutes),
    polls: {
      total: inWindow.length,
      ok,
      notModified,
      unconditional: inWindow.filter((request) => !request.conditional).length,
      other: inWindow.length - ok - notModified,
    },
    perRunMinute: {
      requests: round(inWindow.length / trackedRunMinutes, 2),
      counted: round((inWindow.length - notModified) / trackedRunMinutes, 2),
      free: round(notModified / trackedRunMinutes, 2),
    },
    pollsAfterCompletion,
    requestsByKind,
    rateLimitUsed: requests.filter((request) => request.status !== 304).length,
    detectionLag: summarize(perRun.map((run) => run.detectionLagMs)),
    perRun,
  };
  log(
    `  ${result.polls.total} polls over ${result.trackedRunMinutes.toFixed(2)} run-minutes: ${result.perRunMinute.requests} per run-minute, ${result.perRunMinute.counted} counted (200), ${result.perRunMinute.free} free (304)`,
  );
  return result;
}
