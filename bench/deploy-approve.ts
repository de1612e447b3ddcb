import type { GitHubRequest, GitHubSim } from '../playground/sim/github.js';
import type { SlackSim } from '../playground/sim/slack.js';
import { sleep } from './lib/clock.js';
import { DeployDriver } from './lib/deploy-driver.js';
import { describer, lastWriteAt, ROUTES } from './lib/github-view.js';
import { type Summary, summarize } from './lib/percentiles.js';

/** One way of running greenlight's GitHub client for the Approve → dispatch measurement. */
export interface ApproveMode {
  id: string;
  label: string;
  /** The client's write spacing (≥ 1 s between POSTs, process-wide): on in production. */
  spaceWrites: boolean;
  warmup: number;
  samples: number;
}

export interface ApproveOptions {
  redisUrl: string;
  /** Each mode's greenlight gets `<keyPrefix><mode id>:`. */
  keyPrefix: string;
  slack: SlackSim;
  github: GitHubSim;
  modes: ApproveMode[];
  /** Pause after each sample is over, so samples never overlap. */
  spacingMs: number;
  log: (line: string) => void;
}

export interface ApproveModeResult {
  id: string;
  label: string;
  spaceWrites: boolean;
  warmup: number;
  /** Signed Approve click leaving the bench → the fake GitHub receiving the workflow dispatch (ms). */
  toDispatch: Summary;
  /** Same click → its HTTP 200 (Slack's 3-second ack). */
  ack: Summary;
  /** Same click → `POST /repos/{o}/{r}/deployments` arriving (the GitHub Deployment greenlight creates first). */
  toDeployment: Summary;
  /** Same click → `POST …/deployments/{id}/statuses` (`in_progress`) arriving. */
  toInProgressStatus: Summary;
  /** Most GitHub writes (POSTs) of one deployment from the click up to and including its dispatch. */
  writesUntilDispatch: number;
  /** Deployments with more than one dispatch, or more than one GitHub Deployment created (both must be 0). */
  doubleDispatches: number;
  doubleDeployments: number;
  /** Approve clicks greenlight answered with a refusal on response_url (must be 0). */
  refusals: number;
}

export interface ApproveResult {
  modes: ApproveModeResult[];
}

const firstAt = (requests: GitHubRequest[], match: (request: GitHubRequest) => boolean) =>
  requests.find(match)?.at ?? Number.NaN;

/**
 * Approve → dispatch: each sample opens a deployment of its own environment (`/deploy a<i>`, one approval needed),
 * waits until it sits on its Approve button, then sends the approver's signed click and times it to the moment
 * the fake GitHub receives `POST …/actions/workflows/{wf}/dispatches` for that deployment. One deployment at a
 * time; each mode runs its own greenlight process.
 */
export async function runApproveToDispatch(options: ApproveOptions): Promise<ApproveResult> {
  const modes: ApproveModeResult[] = [];
  for (const mode of options.modes) modes.push(await measureMode(options, mode));
  return { modes };
}

async function measureMode(options: ApproveOptions, mode: ApproveMode): Promise<ApproveModeResult> {
  const { github, log } = options;
  const total = mode.warmup + mode.samples;
  const environments = Object.fromEntries(Array.from({ length: total }, (_, index) => [`a${index}`, 1]));
  // With spacing off the run finishes on greenlight's first look and each deployment ends before the next
  // starts. With spacing on the runs keep going: finishing them would put a deployment-status POST into the
  // write queue at a poll time the bench does not control, and delay the next sample's writes.
  github.setLifecycle(mode.spaceWrites ? { mode: 'manual' } : { mode: 'auto', runMs: 0 });
  const about = describer(github);
  const driver = await DeployDriver.start({
    redisUrl: options.redisUrl,
    keyPrefix: `${options.keyPrefix}${mode.id}:`,
    slack: options.slack,
    github,
    environments,
    // Runs end the moment they start here: the sweep that sees them ended (and frees the environment for the
    // next sample) comes within a second. The timed path, Approve → dispatch, waits on no sweep.
    pollInterval: '1s',
    spaceWrites: mode.spaceWrites,
    // No commit checks: after 100 deployments the commit carries more than 100 of greenlight's own runs, whose
    // jobs the checks look-up (one page of runs) would take for the commit's checks and require (GitHub's 409).
    config: { deploy: { pollInterval: '1s', gateTimeout: '1h', lockOnFailure: true, requireChecks: 'none' } },
  });
  log(`approve → dispatch (${mode.label}): ${mode.warmup} warm-up + ${mode.samples} deployments`);
  const toDispatch: number[] = [];
  const acks: number[] = [];
  const toDeployment: number[] = [];
  const toStatus: number[] = [];
  const between: number[] = [];
  const ids: string[] = [];
  try {
    for (let index = 0; index < total; index += 1) {
      const id = await driver.requestDeploy(`a${index}`);
      ids.push(id);
      await driver.awaitingApproval(id);
      await sleep(options.spacingMs);
      // The write queue must be idle, or the sample would time the previous sample's spacing.
      if (mode.spaceWrites) {
        const idle = lastWriteAt(github) + 1_100 - performance.now();
        if (idle > 0) await sleep(idle);
      }
      const click = driver.approveClick(id);
      const from = github.requests.length;
      const sentAt = performance.now();
      const status = await click.send();
      const ackedAt = performance.now();
      if (status !== 200) throw new Error(`Approve click got HTTP ${status}`);
      const dispatch = await github.waitFor(
        () =>
          github.requests
            .slice(from)
            .find((request) => request.route === ROUTES.dispatch && about(request).deploymentId === id),
        15_000,
        `the dispatch of approved deployment ${id}`,
      );
      if (!mode.spaceWrites) await driver.finalized(id);
      if (index < mode.warmup) continue;
      const window = github.requests.slice(from);
      toDispatch.push(dispatch.at - sentAt);
      acks.push(ackedAt - sentAt);
      toDeployment.push(
        firstAt(window, (r) => r.route === ROUTES.createDeployment && about(r).deploymentId === id) - sentAt,
      );
      toStatus.push(
        firstAt(
          window,
          (r) =>
            r.route === ROUTES.deploymentStatus &&
            about(r).deploymentId === id &&
            about(r).state === 'in_progress',
        ) - sentAt,
      );
      between.push(
        window.filter(
          (request) =>
            request.method !== 'GET' && about(request).deploymentId === id && request.at <= dispatch.at,
        ).length,
      );
    }
  } finally {
    await driver.stop();
  }
  const mine = new Set(ids);
  const counts = (route: string) => {
    const perDeployment = new Map<string, number>();
    for (const request of github.requests) {
      const { deploymentId } = about(request);
      if (request.route === route && request.status < 300 && deploymentId && mine.has(deploymentId))
        perDeployment.set(deploymentId, (perDeployment.get(deploymentId) ?? 0) + 1);
    }
    return [...perDeployment.values()].filter((count) => count > 1).length;
  };
  const result: ApproveModeResult = {
    id: mode.id,
    label: mode.label,
    spaceWrites: mode.spaceWrites,
    warmup: mode.warmup,
    toDispatch: summarize(toDispatch),
    ack: summarize(acks),
    toDeployment: summarize(toDeployment),
    toInProgressStatus: summarize(toStatus),
    writesUntilDispatch: Math.max(...between),
    doubleDispatches: counts(ROUTES.dispatch),
    doubleDeployments: counts(ROUTES.createDeployment),
    refusals: driver.replies().approve,
  };
  log(
    `  click → dispatch p50 ${result.toDispatch.p50.toFixed(3)} ms  p99 ${result.toDispatch.p99.toFixed(3)} ms  max ${result.toDispatch.max.toFixed(3)} ms  (n=${result.toDispatch.n})`,
  );
  return result;
}
