import { describe, expect, it } from 'vitest';
import type { ProbeResult, Reading } from '../../../src/domain/analysis/reading.js';
import {
  applyDeploymentEvent,
  createDeployment,
  type DeploymentEvent,
  type DeploymentState,
  type TimelineEntry,
} from '../../../src/domain/deploy/deployment-state.js';
import {
  type DeploymentPlan,
  type PipelinePhaseConfig,
  type PlanConfig,
  planDeployment,
} from '../../../src/domain/deploy/plan.js';
import { deployTimeline, timelineEvent } from '../../../views/deploy-views.js';
import type { SlackMessage } from '../../../views/format.js';
import {
  DEPLOY_PAUSE,
  DEPLOY_PROMOTE,
  DEPLOY_RESUME,
  DEPLOY_ROLLBACK,
  rolloutBlockId,
} from '../../../views/ids.js';
import { accessFor } from '../../helpers/access.js';
import {
  actions,
  buttons,
  expectNoStrayMarkup as noStrayMarkup,
  shown,
  texts,
  expectWithinSlackLimits as withinSlackLimits,
} from '../../helpers/block-kit.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const S = 1_000;
const REPO = 'https://github.com/acme/platform';
const runUrl = (runId: number) => `${REPO}/actions/runs/${runId}`;
const date = (ms: number) => `<!date^${Math.floor(ms / 1_000)}^{date_short_pretty} {time}|`;

function pipeline(backendServices: string[] = ['api', 'web']): PipelinePhaseConfig[] {
  return [
    {
      id: 'backend',
      title: 'Backend deploy',
      services: backendServices,
      health: true,
      inputs: { deployment_phase: 'backend' },
    },
    {
      id: 'traffic',
      title: 'Traffic switch',
      inputs: { deployment_phase: 'traffic' },
      canary: { steps: [5, 25, 100], hold: 60 * S },
    },
    { id: 'watch', title: 'Post-deploy monitoring', inputs: {}, monitor: 300 * S },
  ];
}

function planFor(ref = 'main', services: string[] = ['api', 'web']): DeploymentPlan {
  const config: PlanConfig = {
    github: { workflow: 'deploy.yml', ref },
    environments: { production: { approvals: 0, approvers: [] } },
    services: Object.fromEntries(services.map((service) => [service, {}])),
    pipeline: pipeline(services),
    analysis: {
      source: 'prometheus',
      interval: 10 * S,
      noDataToPause: 3,
      errorRate: { warn: 0.01, rollback: 0.05 },
      p95: { rollbackAtRatioToBaseline: 2 },
      healthFailuresToRollback: 3,
    },
  };
  const result = planDeployment(config, { env: 'production', greenlightId: 'gl_42' });
  if (!result.ok) throw new Error(result.message);
  return result.plan;
}

/** Applies events in order, failing the test on the first refusal. */
function run(state: DeploymentState, ...events: DeploymentEvent[]): DeploymentState {
  return events.reduce((current, event) => {
    const result = applyDeploymentEvent(current, event);
    if (!result.ok) throw new Error(`${event.type} refused: ${result.message}`);
    return result.state;
  }, state);
}

const dispatched = (runId: number, at: number): DeploymentEvent => ({
  type: 'phaseDispatched',
  runId,
  runNumber: runId,
  url: runUrl(runId),
  at,
});
const completed = (runId: number, at: number, conclusion = 'success'): DeploymentEvent => ({
  type: 'runCompleted',
  runId,
  conclusion,
  at,
});
const cursor = (at: number) => ({ at, counters: {} });

const ok = (service: string, status = 200, latencyMs = 42): ProbeResult => ({
  service,
  url: `https://${service}.example.com/health`,
  ok: true,
  status,
  latencyMs,
});
const HEALTHY: ProbeResult[] = [ok('api'), ok('web', 401, 12)];

const reading = (at: number, extra: Partial<Reading> = {}): Reading => ({
  at,
  source: 'prometheus',
  probes: HEALTHY,
  errorRate: 0.002,
  requests: 1_200,
  p95Ms: 120,
  ...extra,
});
function read(state: DeploymentState, at: number, extra: Partial<Reading> = {}): DeploymentState {
  return run(state, {
    type: 'analysed',
    tick: (state.analysis?.ticks ?? 0) + 1,
    reading: reading(at, extra),
    cursor: cursor(at),
    at,
  });
}

/** Backend done and probed, baseline read, 5 % out and done at T0+120s: holding until T0+180s; one passing reading. */
function holdingCanary(plan = planFor(), probes: ProbeResult[] = HEALTHY): DeploymentState {
  const held = run(
    createDeployment({ plan, requestedBy: 'U0ALICE' }, T0),
    { type: 'start', at: T0 },
    dispatched(1, T0 + S),
    completed(1, T0 + 50 * S),
    { type: 'probed', phaseId: 'backend', results: probes, at: T0 + 60 * S },
    {
      type: 'baselineCaptured',
      reading: reading(T0 + 61 * S, { p95Ms: 100, errorRate: 0.001, probes: [] }),
      cursor: cursor(T0 + 61 * S),
      at: T0 + 61 * S,
    },
    dispatched(2, T0 + 62 * S),
    completed(2, T0 + 120 * S),
  );
  return read(held, T0 + 130 * S);
}

/** Slack's own markup that views may emit. Anything else with `<` or `>` is a bug or an injection. */
const ALLOWED_MARKUP =
  /<@[UW][A-Z0-9]+>|<!date\^\d+\^[^|>]+\|[^<>]+>|<!subteam\^S[A-Z0-9]+>|<#C[A-Z0-9]+>|<https?:\/\/[^\s<>|]+\|[^<>|]+>/gm;

const expectNoStrayMarkup = (text: string) => noStrayMarkup(text, ALLOWED_MARKUP);
const expectWithinSlackLimits = (message: SlackMessage) => withinSlackLimits(message, ALLOWED_MARKUP);
const actionIds = (message: SlackMessage) => buttons(message).map((button) => button.action_id);

/** The thread reply for the latest timeline entry of a kind. */
function replyFor(state: DeploymentState, kind: TimelineEntry['kind']): string | undefined {
  const entry = state.timeline.findLast((candidate) => candidate.kind === kind);
  if (entry === undefined) throw new Error(`no ${kind} entry`);
  return timelineEvent(entry, state);
}

const holding = holdingCanary();

describe('the timeline of a holding canary', () => {
  const message = deployTimeline(holding, { now: T0 + 130 * S, repoUrl: REPO });
  const text = shown(message);

  it('shows the traffic bar and how long the step still holds', () => {
    expect(text).toContain(
      `🔍 *Traffic switch* · \`▓░░░░░░░░░ 5%\` step 1/3 · holding until ${date(T0 + 180 * S)}2026-03-02 10:03 UTC> (50s left) · started ${date(T0 + 62 * S)}`,
    );
    expect(text).toContain(`<${runUrl(2)}|run #2>`);
    expect(text).toContain('⚪ Post-deploy monitoring');
    expect(message.text).toBe('🚀 Deploy main to production is running: Traffic switch 5 %');
    // Once the hold is over, it waits for a passing reading.
    expect(shown(deployTimeline(holding, { now: T0 + 200 * S }))).toContain(
      `holding until ${date(T0 + 180 * S)}2026-03-02 10:03 UTC> (waiting for a passing reading)`,
    );
  });

  it('shows the analysis: the last reading against its thresholds and the baseline', () => {
    const analysis = texts(message).find((candidate) => candidate.startsWith('📈'));
    expect(analysis?.split('\n')).toEqual([
      `📈 *Analysis* · Prometheus every 10s · reading 1 ${date(T0 + 130 * S)}2026-03-02 10:02 UTC>`,
      '🟢 *pass* · error rate 0.2 % (warn over 1 %, roll back over 5 %) · p95 120 ms (baseline 100 ms, roll back over 200 ms) · health 2/2 ok',
      `Baseline p95 100 ms, error rate 0.1 % (read ${date(T0 + 61 * S)}2026-03-02 10:01 UTC>)`,
    ]);
  });

  it('offers Promote, Pause and Roll back (behind Slack’s confirm), each carrying the deployment id', () => {
    // The block says which step its buttons were rendered for, so a late click on an earlier step is refused.
    expect(actions(message).map((block) => block.block_id)).toEqual([
      rolloutBlockId({ id: 'traffic', step: 0 }),
    ]);
    expect(actionIds(message)).toEqual([DEPLOY_PROMOTE, DEPLOY_PAUSE, DEPLOY_ROLLBACK]);
    expect(buttons(message).map((button) => button.value)).toEqual(['gl_42', 'gl_42', 'gl_42']);
    const rollback = buttons(message).find((button) => button.action_id === DEPLOY_ROLLBACK);
    expect(rollback?.style).toBe('danger');
    expect(rollback?.confirm?.title.text).toBe('Roll back now?');
    expect(rollback?.confirm?.title.text.length).toBeLessThanOrEqual(100);
    expect(rollback?.confirm?.text.text).toBe(
      'This stops the rollout of `main` and dispatches the rollback workflow for *production* at once. The environment stays locked afterwards.',
    );
    expect(rollback?.confirm?.confirm.text).toBe('Roll back');
    expect(rollback?.confirm?.deny.text).toBe('Keep going');
    const promote = buttons(message).find((button) => button.action_id === DEPLOY_PROMOTE);
    expect(promote?.confirm).toBeUndefined();
    expectWithinSlackLimits(message);
  });

  it('keeps the confirm dialog within Slack’s limits for the longest ref greenlight accepts', () => {
    const long = holdingCanary(planFor(`release/${'a'.repeat(240)}`));
    const confirm = buttons(deployTimeline(long, { now: T0 + 130 * S })).find(
      (button) => button.action_id === DEPLOY_ROLLBACK,
    )?.confirm;
    expect(confirm?.text.text.length).toBeLessThanOrEqual(300);
    expect(confirm?.text.text).toContain('…');
    expectWithinSlackLimits(deployTimeline(long, { now: T0 + 130 * S }));
  });

  it('drops Promote once promoted, and offers no Promote in a monitoring window', () => {
    const promoted = run(holding, {
      type: 'promote',
      user: 'U0CAROL',
      access: accessFor('promote', 'U0CAROL', ['deployers'], holding),
      at: T0 + 131 * S,
    });
    const next = deployTimeline(promoted, { now: T0 + 131 * S });
    expect(actionIds(next)).toEqual([DEPLOY_PAUSE, DEPLOY_ROLLBACK]);
    expect(shown(next)).toContain('⏩ promoted');

    const watching = run(
      promoted,
      dispatched(3, T0 + 132 * S),
      completed(3, T0 + 140 * S),
      dispatched(4, T0 + 141 * S),
      completed(4, T0 + 150 * S),
    );
    const window = deployTimeline(watching, { now: T0 + 160 * S });
    expect(shown(window)).toContain(
      `🔍 *Post-deploy monitoring* · monitoring until ${date(T0 + 450 * S)}2026-03-02 10:07 UTC> (4m 50s left)`,
    );
    expect(actionIds(window)).toEqual([DEPLOY_PAUSE, DEPLOY_ROLLBACK]);
    expectWithinSlackLimits(window);
  });
});

describe('a paused rollout', () => {
  it('shows Resume instead of Pause, and who paused it and why', () => {
    const paused = run(holding, {
      type: 'pause',
      user: 'U0CAROL',
      access: accessFor('pause', 'U0CAROL', ['deployers'], holding),
      at: T0 + 135 * S,
    });
    const message = deployTimeline(paused, { now: T0 + 140 * S });
    expect(actionIds(message)).toEqual([DEPLOY_PROMOTE, DEPLOY_RESUME, DEPLOY_ROLLBACK]);
    expect(actionIds(message)).not.toContain(DEPLOY_PAUSE);
    expect(shown(message)).toContain('🔍 *Traffic switch* · `▓░░░░░░░░░ 5%` step 1/3 · ⏸️ holding, paused');
    expect(shown(message)).toContain(
      `⏸️ *Paused* by <@U0CAROL> ${date(T0 + 135 * S)}2026-03-02 10:02 UTC> — paused by hand. Press *Resume* to go on or *Roll back*.`,
    );
    expect(replyFor(paused, 'paused')).toBe(
      '[10:02] ⏸️ Rollout paused by <@U0CAROL>. Resume or roll back from the timeline.',
    );
    expectWithinSlackLimits(message);

    const resumed = run(paused, {
      type: 'resume',
      user: 'U0BOB',
      access: accessFor('resume', 'U0BOB', ['approvers'], paused),
      at: T0 + 150 * S,
    });
    expect(actionIds(deployTimeline(resumed, { now: T0 + 150 * S }))).toEqual([
      DEPLOY_PROMOTE,
      DEPLOY_PAUSE,
      DEPLOY_ROLLBACK,
    ]);
    expect(replyFor(resumed, 'resumed')).toBe('[10:02] ▶️ Rollout resumed by <@U0BOB>');
  });

  it('says why the analysis paused it when readings had no data', () => {
    const silent = {
      errorRate: undefined,
      p95Ms: undefined,
      requests: undefined,
      noData: 'Prometheus: timeout',
    };
    let state = holding;
    for (const at of [140, 150, 160]) state = read(state, T0 + at * S, silent);
    const message = deployTimeline(state, { now: T0 + 165 * S });
    expect(actionIds(message)).toEqual([DEPLOY_PROMOTE, DEPLOY_RESUME, DEPLOY_ROLLBACK]);
    expect(shown(message)).toContain('⚪ *no-data* · health 2/2 ok\n• no data: Prometheus: timeout');
    expect(replyFor(state, 'paused')).toBe(
      '[10:02] ⏸️ Rollout paused: 3 readings in a row without data (no data: Prometheus: timeout). Resume or roll back from the timeline.',
    );
    expectWithinSlackLimits(message);
  });
});

describe('a rollback in progress', () => {
  const breach = read(holding, T0 + 140 * S, { errorRate: 0.08, p95Ms: 300 });
  const reason = 'error rate 8 % is above the rollback threshold of 5 %';

  it('puts the reason up front and offers no Promote, Pause or Roll back', () => {
    const message = deployTimeline(breach, { now: T0 + 141 * S });
    const [header] = texts(message);
    expect(header?.split('\n')[0]).toBe(`🚨 Deploy \`main\` to *production* · *Rolling back* · ${reason}`);
    const rollback = texts(message).find((candidate) => candidate.startsWith('🚨 *Rolling back*'));
    expect(rollback?.split('\n')).toEqual([
      `🚨 *Rolling back* automatically ${date(T0 + 140 * S)}2026-03-02 10:02 UTC> — ${reason}`,
      'dispatching the rollback workflow… · to the version the workflow chooses (no earlier successful deployment on record)',
      'Readings: error rate 8 % of 1200 requests · p95 300 ms vs baseline 100 ms · health 2/2 ok',
    ]);
    expect(actionIds(message)).toEqual([]);
    expect(shown(message)).not.toContain('📈 *Analysis*');
    expect(shown(message)).toContain('⏭️ Post-deploy monitoring · skipped');
    expect(message.text).toBe(`🚨 Deploy main to production is being rolled back: ${reason}`);
    expectWithinSlackLimits(message);
  });

  it('links the rollback run and the version it goes back to once dispatched', () => {
    const sent = run(breach, {
      type: 'rollbackDispatched',
      runId: 900,
      runNumber: 900,
      url: runUrl(900),
      version: 'v1.4.2',
      at: T0 + 145 * S,
    });
    const message = deployTimeline(sent, { now: T0 + 146 * S });
    expect(shown(message)).toContain(`rollback <${runUrl(900)}|run #900> · to \`v1.4.2\``);
    // The decision had its reply (rollback_started); the run's dispatch is progress, on the timeline only.
    expect(replyFor(sent, 'rollback_dispatched')).toBeUndefined();
    const done = run(sent, {
      type: 'rollbackCompleted',
      runId: 900,
      conclusion: 'success',
      at: T0 + 200 * S,
    });
    const finished = deployTimeline(done, { now: T0 + 200 * S });
    expect(shown(finished)).toContain('↩️ *Rolled back* automatically');
    expect(shown(finished)).toContain('run ended `success`');
    expect(shown(finished)).toContain(
      '↩️ *Rolled back* — the rollback run finished 1m after it was decided; `production` stays locked until `/deploy unlock production`',
    );
    expect(actionIds(finished)).toEqual([]);
    expect(replyFor(done, 'rolled_back')).toBe(
      '[10:03] ↩️ Deployment of `main` to *production* rolled back to `v1.4.2`',
    );
    expectWithinSlackLimits(finished);
  });

  it('tells people to act when the rollback itself failed', () => {
    const failed = run(breach, { type: 'rollbackFailed', reason: 'GitHub said 422', at: T0 + 142 * S });
    const text = shown(deployTimeline(failed, { now: T0 + 142 * S }));
    expect(text).toContain('🔥 *Rollback failed* automatically');
    expect(text).toContain(
      '*Act now:* the rollback did not complete. `production` is locked; roll back by hand (`gh workflow run`) or fix forward, then `/deploy unlock production`.',
    );
  });

  it('does not present the stopped step’s successful run as the reason its phase failed', () => {
    const line = shown(deployTimeline(breach, { now: T0 + 141 * S }))
      .split('\n')
      .find((candidate) => candidate.startsWith('❌ Traffic switch'));
    expect(line).toBeDefined();
    expect(line).not.toContain('`success`');
  });
});

describe('thread replies for the analysis', () => {
  it('analysis_warning and rollback_started read like the runbooks; a baseline and probes only update the timeline', () => {
    expect(replyFor(holding, 'baseline')).toBeUndefined();
    expect(replyFor(holding, 'probed')).toBeUndefined();
    const warned = read(holding, T0 + 140 * S, { errorRate: 0.02 });
    expect(replyFor(warned, 'analysis_warning')).toBe(
      '[10:02] ⚠️ error rate 2 % is above the warning threshold of 1 %',
    );
    const warnMessage = deployTimeline(warned, { now: T0 + 141 * S });
    expect(shown(warnMessage)).toContain(
      '🟡 *warn* · error rate 2 % (warn over 1 %, roll back over 5 %) · p95 120 ms (baseline 100 ms, roll back over 200 ms) · health 2/2 ok\n• error rate 2 % is above the warning threshold of 1 %',
    );
    const rolled = read(warned, T0 + 150 * S, { errorRate: 0.08 });
    expect(replyFor(rolled, 'rollback_started')).toBe(
      '[10:02] 🚨 Rolling back `main` to *production* automatically: error rate 8 % is above the rollback threshold of 5 % · error rate 8 % of 1200 requests · p95 120 ms vs baseline 100 ms · health 2/2 ok',
    );
    const manual = run(holding, {
      type: 'rollback',
      user: 'U0BOB',
      access: accessFor('roll-back', 'U0BOB', ['deployers'], holding),
      reason: 'customers report 502s',
      at: T0 + 135 * S,
    });
    expect(replyFor(manual, 'rollback_started')).toBe(
      '[10:02] 🚨 Rolling back `main` to *production* by <@U0BOB>: customers report 502s',
    );
  });

  it('lists failing probes first with their problem', () => {
    const failingProbe: ProbeResult = {
      service: 'api',
      url: 'https://api.example.com/health',
      ok: false,
      status: 503,
      latencyMs: 12,
      problem: 'expected 200, got 503',
    };
    const failed = run(
      createDeployment({ plan: planFor(), requestedBy: 'U0ALICE' }, T0),
      { type: 'start', at: T0 },
      dispatched(1, T0 + S),
      { type: 'probed', phaseId: 'backend', results: [ok('web'), failingProbe], at: T0 + 30 * S },
    );
    expect(failed.status).toBe('failed');
    expect(replyFor(failed, 'probed')).toBeUndefined();
    expect(replyFor(failed, 'failed')).toBe(
      `[10:00] ❌ Backend deploy failed: health check failed: api https://api.example.com/health expected 200, got 503 (<${runUrl(1)}|run #1>)`,
    );
  });
});

describe('hostile text from probes, services and reasons', () => {
  const NASTY = '<!channel> down & <https://evil.example|click> <!here|here> <@U0BOB|bob> `code`';
  const nastyProbe: ProbeResult = {
    service: '<!here> api',
    url: 'https://api.example.com/health?<!everyone>',
    ok: false,
    status: 503,
    latencyMs: 12,
    problem: `${NASTY} ${'x'.repeat(5_000)}`,
  };

  function hostileStates(): DeploymentState[] {
    const plan = planFor('fix/channel', ['api', 'web']);
    const base = holdingCanary(plan);
    const failing = read(base, T0 + 140 * S, { probes: [nastyProbe, ...HEALTHY], noData: NASTY });
    const autoRolled = read(read(failing, T0 + 150 * S, { probes: [nastyProbe] }), T0 + 160 * S, {
      probes: [nastyProbe],
    });
    const manual = run(base, {
      type: 'rollback',
      user: 'U0BOB',
      access: accessFor('roll-back', 'U0BOB', ['deployers'], base),
      reason: `${NASTY}\n\nmore`,
      at: T0 + 135 * S,
    });
    const dispatchedRollback = run(autoRolled, {
      type: 'rollbackDispatched',
      runId: 900,
      runNumber: 900,
      url: 'javascript:alert(1)|>',
      version: '<!channel>v1',
      at: T0 + 170 * S,
    });
    const probedBadly = run(
      createDeployment({ plan, requestedBy: 'U0ALICE' }, T0),
      { type: 'start', at: T0 },
      dispatched(1, T0 + S),
      { type: 'probed', phaseId: 'backend', results: [nastyProbe], at: T0 + 30 * S },
    );
    const pausedByNoData = [170, 180, 190].reduce(
      (state, at) =>
        read(state, T0 + at * S, {
          errorRate: undefined,
          p95Ms: undefined,
          requests: undefined,
          noData: NASTY,
        }),
      base,
    );
    return [failing, autoRolled, manual, dispatchedRollback, probedBadly, pausedByNoData];
  }

  it('reaches the states meant: a failing reading, an automatic and a manual rollback, a failed probe, a pause', () => {
    expect(hostileStates().map((state) => [state.status, state.analysis?.last?.verdict])).toEqual([
      ['running', 'failing'],
      ['rolling_back', 'rollback'],
      ['rolling_back', 'pass'],
      ['rolling_back', 'rollback'],
      ['failed', undefined],
      ['running', 'no-data'],
    ]);
  });

  it('the timeline and its thread replies escape it and stay within Slack limits', () => {
    for (const state of hostileStates()) {
      const message = deployTimeline(state, { now: T0 + 200 * S, repoUrl: REPO });
      expectWithinSlackLimits(message);
      for (const entry of state.timeline) {
        const reply = timelineEvent(entry, state);
        if (reply === undefined) continue;
        expect(reply.length).toBeLessThanOrEqual(3_000);
        expectNoStrayMarkup(reply);
      }
    }
    const failing = hostileStates()[0];
    if (!failing) throw new Error('no state');
    expect(shown(deployTimeline(failing, { now: T0 + 200 * S }))).toContain(
      '&lt;!channel&gt; down &amp; &lt;https://evil.example|click&gt;',
    );
  });
});
