import type { GitHubRequest, GitHubSim } from '../playground/sim/github.js';
import type { SlackSim } from '../playground/sim/slack.js';
import { ROLLBACK_CONFIRM_MODAL } from '../views/ids.js';
import { sleep } from './lib/clock.js';
import { DeployDriver, REQUESTER } from './lib/deploy-driver.js';
import type { FakeMetrics } from './lib/fake-metrics.js';
import { describer, ROUTES } from './lib/github-view.js';
import { round, type Summary, summarize } from './lib/percentiles.js';

export interface RollbackConfirmOptions {
  redisUrl: string;
  keyPrefix: string;
  slack: SlackSim;
  github: GitHubSim;
  /** Its `/health` is the service's health check, which verifies each rollback after its run. */
  metrics: FakeMetrics;
  /** Unmeasured rollbacks first. */
  warmup: number;
  samples: number;
  /** Pause between the confirmation opening and its submit (someone reading it), so nothing else is under way. */
  pauseMs: number;
  log: (line: string) => void;
}

export interface RollbackConfirmSample {
  rollbackId: string;
  /** The version deployed just before (live when `/rollback` ran) and the one the rollback went back to. */
  from: string;
  to: string;
  /** Signed `view_submission` leaving the bench → the fake GitHub receiving the rollback's workflow dispatch. */
  toDispatchMs: number;
  /** Same submission → the end of its HTTP 200 (the ack that closes the modal; Slack allows 3 s). */
  ackMs: number;
  /** The ack → the dispatch. */
  ackToDispatchMs: number;
  /** Submission → `POST /repos/{o}/{r}/deployments` for the rollback (after the dispatch). */
  toDeploymentMs: number;
  /** Submission → the direct message to the person who confirmed (`chat.postMessage`, channel = user). */
  toDirectMessageMs: number;
  /** `/rollback` leaving the bench → the fake Slack receiving `views.open` (must be within the 3 s trigger). */
  slashToModalMs: number;
  status: string;
}

export interface RollbackConfirmResult {
  env: string;
  service: string;
  warmup: number;
  samples: number;
  pauseMs: number;
  toDispatch: Summary;
  ack: Summary;
  ackToDispatch: Summary;
  toDeployment: Summary;
  toDirectMessage: Summary;
  slashToModal: Summary;
  /** The inputs of the last rollback dispatch (`greenlight_id` aside), as the workflow receives them. */
  dispatchInputs: Record<string, string>;
  /** Rollbacks dispatched more than once, or with inputs other than expected (both must be 0). */
  doubleDispatches: number;
  wrongInputs: number;
  /** Rollbacks not `succeeded` at the end, or that left the environment unlocked (both must be 0). */
  notSucceeded: number;
  notLocked: number;
  /** Direct messages that did not say the rollback started (must be 0). */
  refusals: number;
  /**
   * Samples whose direct message ("the rollback workflow is being dispatched") reached Slack before the dispatch
   * reached GitHub: the dispatch runs in the BullMQ worker while the confirm handler posts the timeline and the DM.
   */
  messageBeforeDispatch: number;
  /** Health checks the fake app answered during the measured rollbacks (one verification each, at least). */
  healthChecks: number;
  perSample: RollbackConfirmSample[];
}

const SERVICE = 'api';
const ENV = 'prod-eu';

interface OpenedView {
  callback_id?: string;
  private_metadata?: string;
  blocks?: unknown[];
}

/**
 * `/rollback` confirm → dispatch: greenlight (its own process, GitHub client as shipped) with a service `api` that
 * has a health check, a one-phase pipeline and `rollback: { inputs: { deployment_phase: rollback } }`. Each sample
 * deploys a new version to one environment and lets it succeed, sends `/rollback api prod-eu …`, takes the
 * confirmation modal greenlight opens (`views.open`) and submits it as Slack would (a signed `view_submission`
 * with its `private_metadata` and a reason), timed to the fake GitHub receiving the rollback's workflow dispatch.
 * Each rollback is left to finish (run completed, health verified, environment locked) and the environment is
 * unlocked with `/deploy unlock` before the next sample, so one rollback runs at a time.
 */
export async function runRollbackConfirm(options: RollbackConfirmOptions): Promise<RollbackConfirmResult> {
  const { github, slack, metrics, log } = options;
  github.setLifecycle({ mode: 'auto', runMs: 0 });
  const about = describer(github);
  const driver = await DeployDriver.start({
    redisUrl: options.redisUrl,
    keyPrefix: options.keyPrefix,
    slack,
    github,
    environments: { [ENV]: 0 },
    pollInterval: '5s',
    spaceWrites: false,
    config: {
      services: { [SERVICE]: { health: [{ url: metrics.healthUrl, expect: 200, timeoutMs: 2_000 }] } },
      pipeline: [
        {
          id: 'backend',
          title: 'Backend deploy',
          services: [SERVICE],
          inputs: { deployment_phase: 'backend' },
        },
      ],
      rollback: { inputs: { deployment_phase: 'rollback' } },
    },
  });
  const total = options.warmup + options.samples;
  log(
    `rollback confirm → dispatch: ${options.warmup} warm-up + ${options.samples} rollbacks of ${SERVICE} in ${ENV}`,
  );
  const tag = `rollback-${options.keyPrefix.replace(/\W/g, '')}`;
  const perSample: RollbackConfirmSample[] = [];
  const rollbackIds: string[] = [];
  const refusalTexts: string[] = [];
  let wrongInputs = 0;
  let notLocked = 0;
  let healthChecks = 0;
  let dispatchInputs: Record<string, string> = {};

  const deploy = async (version: string) => {
    const id = await driver.requestDeploy(ENV, version);
    const doc = await driver.deploymentWhere(
      id,
      (d) => d.meta.finalized === true,
      15_000,
      `deployment ${id} of ${version} never finished`,
    );
    if (doc.state.status !== 'succeeded') throw new Error(`deployment of ${version} ${doc.state.status}`);
    await driver.finalized(id);
  };

  const unlock = async () => {
    const before = slack.tagged(`${tag}-unlock`).count;
    await driver.slashCommand('/deploy', `unlock ${ENV}`, `${tag}-unlock`);
    const answered = await slack.waitFor(
      () => (slack.tagged(`${tag}-unlock`).count > before ? slack.tagged(`${tag}-unlock`).last : undefined),
      5_000,
      `the reply to /deploy unlock ${ENV}`,
    );
    const reply = JSON.stringify(answered.body);
    if (!reply.includes('is unlocked')) throw new Error(`/deploy unlock ${ENV} said: ${reply}`);
  };

  try {
    await deploy('v1.0.0');
    let live = 'v1.0.0';
    for (let index = 0; index < total; index += 1) {
      // A new version goes out and succeeds; then someone rolls it back to what was live before.
      const previous = live;
      const version = `v1.${index + 1}.0`;
      await deploy(version);
      live = version;
      const reason = `checkout errors after ${version} (sample ${index})`;

      const opens = slack.callsOf('views.open').length;
      const slashAt = performance.now();
      await driver.slashCommand('/rollback', `${SERVICE} ${ENV} ${reason}`, `${tag}-slash`);
      const opened = await slack
        .waitFor(() => slack.callsOf('views.open')[opens], 5_000, 'the confirmation')
        .catch(() => {
          const said = slack.tagged(`${tag}-slash`).last;
          throw new Error(
            `/rollback opened no confirmation: ${said ? JSON.stringify(said.body) : '(no reply either)'}`,
          );
        });
      if (opened.response?.ok !== true)
        throw new Error(`views.open failed: ${JSON.stringify(opened.response)}`);
      const view = opened.args.view as OpenedView;
      const metadata = view.private_metadata ?? '';
      const target = JSON.parse(metadata) as { service?: string; env?: string; version?: string };
      if (view.callback_id !== ROLLBACK_CONFIRM_MODAL || target.version !== previous || target.env !== ENV)
        throw new Error(`unexpected confirmation: ${view.callback_id} ${metadata} (expected ${previous})`);
      if (!JSON.stringify(view.blocks).includes(`*Live now:* \`${version}\``))
        throw new Error(`the confirmation does not show ${version} as live`);
      await sleep(options.pauseMs);

      const confirmation = driver.rollbackConfirmation(reason);
      const from = github.requests.length;
      const messagesFrom = slack.callsOf('chat.postMessage').length;
      const healthBefore = metrics.healthChecks();
      const sentAt = performance.now();
      const answer = await confirmation.send();
      const ackedAt = performance.now();
      if (answer.status !== 200 || answer.body.includes('errors'))
        throw new Error(`the confirmation got HTTP ${answer.status} ${answer.body}`);
      const isRollbackDispatch = (request: GitHubRequest) =>
        request.route === ROUTES.dispatch &&
        about(request).inputs?.deployment_phase === 'rollback' &&
        about(request).inputs?.environment === ENV;
      const dispatch = await github.waitFor(
        () => github.requests.slice(from).find(isRollbackDispatch),
        10_000,
        `the dispatch of the confirmed rollback of ${version}`,
      );
      const id = about(dispatch).deploymentId;
      if (!id) throw new Error(`rollback of ${version} was dispatched without a greenlight_id`);
      rollbackIds.push(id);

      // Let it finish (run completed, health verified, environment locked) before the next one.
      await driver.finalized(id, 15_000);
      const doc = await driver.deployment(id);
      const directMessage = await waitFor(
        () =>
          slack
            .callsOf('chat.postMessage')
            .slice(messagesFrom)
            .find((call) => call.args.channel === REQUESTER),
        5_000,
      );
      if (!directMessage) throw new Error(`no direct message about rollback ${id}`);
      const text = JSON.stringify(directMessage.args);
      if (!text.includes('Rolling back')) refusalTexts.push(text);
      const lock = await driver.lockReason(ENV);
      if (!lock?.includes(`${SERVICE} was rolled back to ${previous}`)) notLocked += 1;
      const { greenlight_id: _correlation, ...inputs } = about(dispatch).inputs ?? {};
      if (
        inputs.service !== SERVICE ||
        inputs.rollback_version !== previous ||
        inputs.ref !== previous ||
        inputs.environment !== ENV ||
        doc?.state.rollbackOf?.reason !== reason ||
        doc.state.rollbackOf.from !== version
      )
        wrongInputs += 1;
      dispatchInputs = inputs;
      live = previous;
      await unlock();

      if (index < options.warmup) continue;
      healthChecks += metrics.healthChecks() - healthBefore;
      const deployment = github.requests
        .slice(from)
        .find((request) => request.route === ROUTES.createDeployment && about(request).deploymentId === id);
      perSample.push({
        rollbackId: id,
        from: version,
        to: previous,
        toDispatchMs: round(dispatch.at - sentAt),
        ackMs: round(ackedAt - sentAt),
        ackToDispatchMs: round(dispatch.at - ackedAt),
        toDeploymentMs: round((deployment?.at ?? Number.NaN) - sentAt),
        toDirectMessageMs: round(directMessage.at - sentAt),
        slashToModalMs: round(opened.at - slashAt),
        status: doc?.state.status ?? 'missing',
      });
    }
  } finally {
    await driver.stop();
  }

  const mine = new Set(rollbackIds);
  const dispatches = new Map<string, number>();
  for (const request of github.requests) {
    const { deploymentId } = about(request);
    if (request.route === ROUTES.dispatch && request.status < 300 && deploymentId && mine.has(deploymentId))
      dispatches.set(deploymentId, (dispatches.get(deploymentId) ?? 0) + 1);
  }
  const pick = (field: keyof RollbackConfirmSample) =>
    summarize(perSample.map((sample) => sample[field] as number));
  const result: RollbackConfirmResult = {
    env: ENV,
    service: SERVICE,
    warmup: options.warmup,
    samples: perSample.length,
    pauseMs: options.pauseMs,
    toDispatch: pick('toDispatchMs'),
    ack: pick('ackMs'),
    ackToDispatch: pick('ackToDispatchMs'),
    toDeployment: pick('toDeploymentMs'),
    toDirectMessage: pick('toDirectMessageMs'),
    slashToModal: pick('slashToModalMs'),
    dispatchInputs,
    doubleDispatches: [...dispatches.values()].filter((count) => count > 1).length,
    wrongInputs,
    notSucceeded: perSample.filter((sample) => sample.status !== 'succeeded').length,
    notLocked,
    refusals: refusalTexts.length,
    messageBeforeDispatch: perSample.filter((sample) => sample.toDirectMessageMs < sample.toDispatchMs)
      .length,
    healthChecks,
    perSample,
  };
  log(
    `  confirm → dispatch p50 ${result.toDispatch.p50.toFixed(3)} ms  p99 ${result.toDispatch.p99.toFixed(3)} ms  max ${result.toDispatch.max.toFixed(3)} ms  (n=${result.samples}); ack p99 ${result.ack.p99.toFixed(3)} ms  max ${result.ack.max.toFixed(3)} ms`,
  );
  if (refusalTexts.length > 0) log(`  refused: ${refusalTexts[0]}`);
  return result;
}

/** Polls `probe` every 2 ms until it returns something, or undefined after `timeoutMs`. */
async function waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const value = probe();
    if (value !== undefined) return value;
    await sleep(2);
  }
  return undefined;
}
