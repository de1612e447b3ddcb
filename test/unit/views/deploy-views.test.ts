import type { ModalView } from '@slack/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateView } from '../../../playground/sim/block-kit.js';
import {
  applyDeploymentEvent,
  createDeployment,
  type DeploymentEvent,
  type DeploymentState,
  isAnalysing,
  type PhaseState,
  type TimelineEntry,
} from '../../../src/domain/deploy/deployment-state.js';
import {
  type DeploymentPlan,
  type PipelinePhaseConfig,
  type PlanConfig,
  planDeployment,
} from '../../../src/domain/deploy/plan.js';
import {
  abortModal,
  approvalRequest,
  canaryBar,
  deployAcceptedReply,
  deployHistoryReply,
  deployPlanReply,
  deployStatusReply,
  deployTimeline,
  envLockedReply,
  formatDuration,
  notGreenReply,
  timelineEvent,
} from '../../../views/deploy-views.js';
import type { SlackMessage } from '../../../views/format.js';
import {
  ABORT_REASON_BLOCK,
  ABORT_REASON_INPUT,
  ACTION_IDS,
  DEPLOY_ABORT,
  DEPLOY_ABORT_MODAL,
  DEPLOY_APPROVE,
  DEPLOY_PAUSE,
  DEPLOY_PROMOTE,
  DEPLOY_RESUME,
  DEPLOY_ROLLBACK,
  gateBlockId,
  rolloutBlockId,
} from '../../../views/ids.js';
import { accessFor } from '../../helpers/access.js';
import {
  actions,
  expectNoStrayMarkup as noStrayMarkup,
  shown,
  texts,
  expectWithinSlackLimits as withinSlackLimits,
} from '../../helpers/block-kit.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const S = 1_000;
const REPO = 'https://github.com/acme/platform';
const runUrl = (runId: number) => `${REPO}/actions/runs/${runId}`;

const config: PlanConfig = {
  github: { workflow: 'production-deployment.yml', ref: 'main' },
  environments: {
    staging: { approvals: 0, approvers: [] },
    production: { approvals: 2, approvers: ['@release-managers', 'U0CAROL'] },
  },
  services: { api: {}, web: {} },
  pipeline: [
    { id: 'validation', title: 'Pre-deployment validation', inputs: { deployment_phase: 'validation' } },
    {
      id: 'database_migration',
      title: 'Database migration',
      gate: 'approval',
      inputs: { deployment_phase: 'database_migration', backup: true },
    },
    {
      id: 'backend_deployment',
      title: 'Backend deploy',
      services: ['api'],
      inputs: { deployment_phase: 'backend_deployment' },
    },
    {
      id: 'traffic_switch',
      title: 'Traffic switch',
      inputs: { deployment_phase: 'traffic_switch' },
      canary: { steps: [5, 25, 100], hold: 0, gate: 'approval' },
    },
  ],
};

function planFor(env: string, planConfig: PlanConfig = config, services?: string[]): DeploymentPlan {
  const result = planDeployment(planConfig, {
    env,
    greenlightId: 'gl_42',
    ...(services ? { services } : {}),
  });
  if (!result.ok) throw new Error(result.message);
  return result.plan;
}

const SHA = 'c0ffee1ab2a1e5b0b6d4f2e1f0e9d8c7b6a59483';

/** A deployment of a commit by its SHA: the workflows are dispatched at `main`, the SHA sent as `ref`. */
function planAtCommit(): DeploymentPlan {
  const result = planDeployment(config, {
    env: 'staging',
    greenlightId: 'gl_42',
    ref: SHA,
    dispatchRef: 'main',
  });
  if (!result.ok) throw new Error(result.message);
  return result.plan;
}

function deployment(env: string, override?: string): DeploymentState {
  return createDeployment(
    { plan: planFor(env), requestedBy: 'U0ALICE', ...(override ? { override } : {}) },
    T0,
  );
}

/** Applies events in order, failing the test on the first refusal. */
function run(state: DeploymentState, ...events: DeploymentEvent[]): DeploymentState {
  return events.reduce((current, event) => {
    const result = applyDeploymentEvent(current, event);
    if (!result.ok) throw new Error(`${event.type} refused: ${result.message}`);
    return result.state;
  }, state);
}

const approve = (user: string, at: number): DeploymentEvent => ({
  type: 'approve',
  user,
  access: accessFor('approve', user, ['approvers'], { env: 'production', requestedBy: 'U0ALICE' }),
  at,
});
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

/** Slack's own markup that views may emit; anything else with `<` or `>` is a bug or an injection. */
const ALLOWED_MARKUP =
  /<@[UW][A-Z0-9]+>|<!date\^\d+\^[^|>]+\|[^<>]+>|<!subteam\^S[A-Z0-9]+>|<https?:\/\/[^\s<>|]+\|[^<>|]+>/g;

const expectNoStrayMarkup = (text: string) => noStrayMarkup(text, ALLOWED_MARKUP);
const expectWithinSlackLimits = (message: SlackMessage) => withinSlackLimits(message, ALLOWED_MARKUP);

describe('deployTimeline', () => {
  it('shows one line per phase with its status, start, duration and a link to each run', () => {
    const state = run(
      deployment('staging'),
      { type: 'start', at: T0 },
      dispatched(123, T0 + 2 * S),
      completed(123, T0 + 135 * S),
      dispatched(124, T0 + 140 * S),
    );
    const message = deployTimeline(state, { now: T0 + 200 * S, shortSha: 'abc1234def0', repoUrl: REPO });
    const text = shown(message);
    expect(text).toContain(
      `🚀 Deploy <${REPO}/tree/main|main> (<${REPO}/commit/abc1234def0|\`abc1234\`>) to *staging* · *Running* · Database migration`,
    );
    expect(text).toContain('Requested by <@U0ALICE> <!date^1772445600^');
    expect(text).toMatch(
      /✅ Pre-deployment validation · started <!date\^1772445602\^[^>]+> · 2m 13s · <https:\/\/github\.com\/acme\/platform\/actions\/runs\/123\|run #123>/,
    );
    expect(text).toContain(`🔄 *Database migration* · started <!date^1772445740^`);
    expect(text).toContain(`1m so far · <${runUrl(124)}|run #124>`);
    expect(text).toContain('⚪ Backend deploy\n⚪ Traffic switch · canary 5/25/100 %');
    // Once something has been dispatched, a running rollout can be rolled back by hand, behind Slack's confirm.
    expect(actions(message).map((block) => block.block_id)).toEqual([
      rolloutBlockId({ id: 'database_migration', step: 0 }),
    ]);
    expect(JSON.stringify(actions(message))).toContain(`"action_id":"${DEPLOY_ROLLBACK}"`);
    expect(JSON.stringify(actions(message))).toContain('"confirm"');
    expect(message.text).toBe('🚀 Deploy main (abc1234) to staging is running: Database migration');
    expectWithinSlackLimits(message);
  });

  it('offers Approve and Abort, carrying the deployment id, only while a gate is open', () => {
    const waiting = deployment('production');
    const atStart = deployTimeline(waiting, { now: T0, approvers: ['@release-managers', 'U0CAROL'] });
    expect(atStart.text).toBe('⏳ Deploy main to production needs approval (0/2) to start');
    expect(shown(atStart)).toContain('✋ *Approval needed to start* · 0/2 approvals');
    expect(shown(atStart)).toContain('Approvers: @release-managers, <@U0CAROL>');
    expect(actions(atStart)).toEqual([
      {
        type: 'actions',
        block_id: gateBlockId(1),
        elements: [
          {
            type: 'button',
            action_id: DEPLOY_APPROVE,
            text: { type: 'plain_text', text: 'Approve', emoji: true },
            style: 'primary',
            value: 'gl_42',
          },
          {
            type: 'button',
            action_id: DEPLOY_ABORT,
            text: { type: 'plain_text', text: 'Abort', emoji: true },
            style: 'danger',
            value: 'gl_42',
          },
        ],
      },
    ]);

    const halfway = run(waiting, approve('U0BOB', T0 + S));
    expect(shown(deployTimeline(halfway, { now: T0 + S }))).toContain('approved by <@U0BOB> (1/2)');
    expect(actions(deployTimeline(halfway, { now: T0 + S }))).toHaveLength(1);

    const started = run(halfway, approve('U0CAROL', T0 + 2 * S), { type: 'start', at: T0 + 3 * S });
    const running = deployTimeline(started, { now: T0 + 3 * S });
    expect(actions(running)).toEqual([]);
    expect(shown(running)).toContain('Approved by <@U0BOB>, <@U0CAROL> (2/2)');

    const gated = run(started, dispatched(123, T0 + 4 * S), completed(123, T0 + 60 * S));
    const beforeMigration = deployTimeline(gated, { now: T0 + 61 * S });
    expect(actions(beforeMigration).map((block) => block.block_id)).toEqual([
      gateBlockId(2),
      rolloutBlockId({ id: 'database_migration', step: 0 }),
    ]);
    expect(shown(beforeMigration)).toContain(
      '✋ *Approval needed before Database migration* · 0/2 approvals',
    );
    expect(shown(beforeMigration)).toContain('✋ *Database migration* · waiting for approval');

    const aborted = run(gated, {
      type: 'abort',
      user: 'U0BOB',
      access: accessFor('abort', 'U0BOB', ['approvers'], gated),
      reason: 'wrong ref',
      at: T0 + 90 * S,
    });
    const finished = deployTimeline(aborted, { now: T0 + 90 * S });
    expect(actions(finished)).toEqual([]);
    expect(shown(finished)).toContain('🛑 *Cancelled* after 1m 27s — by <@U0BOB>: wrong ref');
    expect(shown(finished)).toContain('🛑 Database migration · cancelled');
    expect(shown(finished)).toContain('⏭️ Backend deploy · skipped');
    expect(finished.text).toBe('🛑 Deploy main to production cancelled: by <@U0BOB>: wrong ref');
    expectWithinSlackLimits(finished);
  });

  it('shows the canary step with a traffic bar, and the go/no-go gate before 100 %', () => {
    const state = run(
      deployment('staging'),
      { type: 'start', at: T0 },
      dispatched(1, T0 + S),
      completed(1, T0 + 10 * S),
      dispatched(2, T0 + 11 * S),
      completed(2, T0 + 20 * S),
      dispatched(3, T0 + 21 * S),
      completed(3, T0 + 30 * S),
      dispatched(4, T0 + 31 * S),
      completed(4, T0 + 40 * S),
      dispatched(5, T0 + 41 * S),
    );
    const text = shown(deployTimeline(state, { now: T0 + 50 * S }));
    expect(text).toContain(`🔄 *Traffic switch* · \`▓▓▓░░░░░░░ 25%\` step 2/3 · started <!date^1772445631^`);
    expect(text).toContain(`<${runUrl(4)}|run #4>, <${runUrl(5)}|run #5>`);

    // With approvals, the canary stops before its last step until approvers say go.
    const prod = run(
      deployment('production'),
      approve('U0BOB', T0),
      approve('U0CAROL', T0),
      { type: 'start', at: T0 },
      dispatched(1, T0 + S),
      completed(1, T0 + 2 * S),
      approve('U0BOB', T0 + 3 * S),
      approve('U0CAROL', T0 + 3 * S),
      dispatched(2, T0 + 4 * S),
      completed(2, T0 + 5 * S),
      dispatched(3, T0 + 6 * S),
      completed(3, T0 + 7 * S),
      dispatched(4, T0 + 8 * S),
      completed(4, T0 + 9 * S),
      dispatched(5, T0 + 10 * S),
      completed(5, T0 + 11 * S),
    );
    const gate = deployTimeline(prod, { now: T0 + 12 * S });
    expect(gate.text).toBe('⏳ Deploy main to production needs approval (0/2) before Traffic switch 100 %');
    expect(shown(gate)).toContain('✋ *Approval needed before Traffic switch 100 %*');
    expect(shown(gate)).toContain(
      '✋ *Traffic switch* · `▓▓▓░░░░░░░ 25%` step 2/3 · waiting for approval for 100 %',
    );
    expect(actions(gate).map((block) => block.block_id)).toEqual([
      gateBlockId(3),
      rolloutBlockId({ id: 'traffic_switch', step: 2 }),
    ]);
  });

  it('ends with the verdict and the failure reason from the timeline', () => {
    const failed = run(
      deployment('staging'),
      { type: 'start', at: T0 },
      dispatched(1, T0 + S),
      completed(1, T0 + 10 * S),
      dispatched(2, T0 + 11 * S),
      completed(2, T0 + 20 * S),
      dispatched(3, T0 + 21 * S),
      completed(3, T0 + 80 * S, 'failure'),
    );
    const message = deployTimeline(failed, { now: T0 + 90 * S });
    expect(message.text).toBe('❌ Deploy main to staging failed: Backend deploy failed: failure');
    expect(shown(message)).toContain(
      `❌ *Failed* after 1m 20s — Backend deploy failed: failure (<${runUrl(3)}|run #3>)`,
    );
    expect(shown(message)).toContain('❌ Backend deploy · started');
    expect(shown(message)).toContain('⏭️ Traffic switch · skipped');

    const thresholds = run(deployment('staging'), { type: 'start', at: T0 }, dispatched(1, T0 + S), {
      type: 'fail',
      reason: 'error rate 7 % > 5 %',
      by: 'greenlight',
      at: T0 + 30 * S,
    });
    expect(shown(deployTimeline(thresholds, { now: T0 + 30 * S }))).toContain(
      '❌ *Failed* after 30s — by greenlight: error rate 7 % &gt; 5 %',
    );

    const done = run(
      deployment('staging'),
      { type: 'start', at: T0 },
      ...[1, 2, 3, 4, 5, 6].flatMap((id) => [
        dispatched(id, T0 + id * 60 * S),
        completed(id, T0 + id * 60 * S + S),
      ]),
    );
    const success = deployTimeline(done, { now: T0 + 400 * S });
    expect(success.text).toBe('✅ Deploy main to staging succeeded in 6m 1s');
    expect(shown(success)).toContain('✅ *Succeeded* in 6m 1s');
    expect(shown(success)).toContain('`▓▓▓▓▓▓▓▓▓▓ 100%` step 3/3');
  });

  it('escapes what users typed so an override or reason cannot ping @channel or inject links', () => {
    const evil = '<!channel> see <http://evil|here> & <@U0BOB>';
    const requested = deployment('production', evil);
    const state = run(requested, {
      type: 'abort',
      user: 'U0ALICE',
      access: accessFor('abort', 'U0ALICE', [], requested),
      reason: evil,
      at: T0 + S,
    });
    const message = deployTimeline(state, { now: T0 + S });
    const json = JSON.stringify(message);
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<http://evil');
    expect(shown(message)).toContain(
      '⚠️ *Override:* &lt;!channel&gt; see &lt;http://evil|here&gt; &amp; <@U0BOB>',
    );
    const reply = timelineEvent(state.timeline.at(-1)!, state);
    expect(reply).toBe(
      '[10:00] 🛑 Deployment cancelled by <@U0ALICE>: &lt;!channel&gt; see &lt;http://evil|here&gt; &amp; <@U0BOB>',
    );
    expectWithinSlackLimits(message);
  });
});

describe('deployTimeline, a deployment that failed before anything went out', () => {
  it('says nothing was dispatched, so the environment is not locked; a failed run says no such thing', () => {
    const start: DeploymentEvent = { type: 'start', at: T0 };
    const refused = run(deployment('staging'), start, {
      type: 'fail',
      reason:
        'Pre-deployment validation: GitHub refused the dispatch of `production-deployment.yml` in acme/platform: Unexpected inputs provided: ["service"]',
      at: T0 + S,
    });
    const text = shown(deployTimeline(refused, { now: T0 + S, repoUrl: REPO }));
    expect(text).toContain('Unexpected inputs provided: ["service"]');
    expect(text).toContain('Nothing was dispatched, so *staging* is not locked: fix that and deploy again.');

    const ranAndFailed = run(
      deployment('staging'),
      start,
      dispatched(7, T0 + S),
      completed(7, T0 + 2 * S, 'failure'),
    );
    expect(shown(deployTimeline(ranAndFailed, { now: T0 + 2 * S, repoUrl: REPO }))).not.toContain(
      'Nothing was dispatched',
    );
  });

  it('a commit deployed by its SHA shows the short SHA, linked', () => {
    const sha = SHA;
    const state = createDeployment({ plan: planAtCommit(), requestedBy: 'U0ALICE', sha }, T0);
    const text = shown(deployTimeline(state, { now: T0, shortSha: sha, repoUrl: REPO }));
    expect(text).toContain(`Deploy <${REPO}/commit/${sha}|\`c0ffee1\`> to *staging*`);
    expect(text).not.toContain(`\`${sha}\``);
  });
});

describe('timelineEvent', () => {
  it('writes runbook-style status lines for notable events and nothing for the rest', () => {
    const state = run(
      deployment('production'),
      approve('U0BOB', T0 + 60 * S),
      approve('U0CAROL', T0 + 61 * S),
      { type: 'start', at: T0 + 62 * S },
      dispatched(1, T0 + 63 * S),
      completed(1, T0 + 120 * S),
      approve('U0BOB', T0 + 125 * S),
      approve('U0CAROL', T0 + 126 * S),
      dispatched(2, T0 + 127 * S),
      completed(2, T0 + 180 * S),
      dispatched(3, T0 + 181 * S),
      completed(3, T0 + 240 * S),
      dispatched(4, T0 + 241 * S),
      completed(4, T0 + 300 * S),
      dispatched(5, T0 + 301 * S),
      completed(5, T0 + 360 * S),
      approve('U0BOB', T0 + 400 * S),
      approve('U0CAROL', T0 + 401 * S),
      dispatched(6, T0 + 402 * S),
      completed(6, T0 + 420 * S, 'failure'),
    );
    const replies = state.timeline.map((entry) => timelineEvent(entry, state));
    expect(replies.filter((reply) => reply !== undefined)).toEqual([
      '[10:01] 👍 Approved by <@U0BOB> (1/2)',
      '[10:01] 👍 Approved by <@U0CAROL> (2/2)',
      '[10:02] 👍 Approved by <@U0BOB> (1/2)',
      '[10:02] 👍 Approved by <@U0CAROL> (2/2)',
      '[10:06] 👍 Approved by <@U0BOB> (1/2)',
      '[10:06] 👍 Approved by <@U0CAROL> (2/2)',
      `[10:07] ❌ Traffic switch failed: failure (<${runUrl(6)}|run #6>)`,
    ]);
    // Progress updates the timeline message only: the thread keeps the decisions and the end.
    const silent = state.timeline.filter((entry) => timelineEvent(entry, state) === undefined);
    expect([...new Set(silent.map((entry) => entry.kind))].sort()).toEqual([
      'dispatched',
      'gate_opened',
      'gate_passed',
      'requested',
      'run_completed',
      'started',
    ]);

    const success = run(
      deployment('staging'),
      { type: 'start', at: T0 },
      ...[1, 2, 3, 4, 5, 6].flatMap((id) => [dispatched(id, T0 + id * S), completed(id, T0 + id * S + S)]),
    );
    expect(timelineEvent(success.timeline.at(-1)!, success)).toBe(
      '[10:00] 🎉 Deployment of `main` to *staging* succeeded in 7s',
    );
    const expired = run(deployment('production'), { type: 'gateExpired', gateSeq: 1, at: T0 + 3_600 * S });
    expect(expired.timeline.map((entry) => timelineEvent(entry, expired))).toEqual([
      undefined,
      undefined,
      undefined,
      '[11:00] 🛑 Deployment cancelled: no approval in time',
    ]);
  });
});

describe('abortModal', () => {
  it('asks for a reason in a modal that carries the deployment id', () => {
    const state = run(deployment('staging'), { type: 'start', at: T0 }, dispatched(1, T0 + S));
    const modal: ModalView = abortModal('gl_42', state);
    expect(modal).toMatchObject({
      type: 'modal',
      callback_id: DEPLOY_ABORT_MODAL,
      private_metadata: 'gl_42',
      title: { type: 'plain_text', text: 'Abort deployment' },
      submit: { type: 'plain_text', text: 'Abort' },
      close: { type: 'plain_text', text: 'Keep going' },
    });
    expect(validateView(modal, 'modal')).toEqual([]);
    expect(modal.blocks[1]).toMatchObject({
      type: 'input',
      block_id: ABORT_REASON_BLOCK,
      element: {
        type: 'plain_text_input',
        action_id: ABORT_REASON_INPUT,
        multiline: true,
        min_length: 3,
        max_length: 500,
      },
    });
    expect(JSON.stringify(modal.blocks[0])).toContain('Now at: *Pre-deployment validation*');
  });
});

describe('ephemeral replies', () => {
  it('dry run: phases in order with gates, workflow and inputs, approvers, and that nothing was dispatched', () => {
    const message = deployPlanReply(planFor('production', config, ['api']));
    const text = shown(message);
    expect(text).toContain(
      '🧪 *Dry run:* deploy `main` to *production* in 4 phases. *Nothing was dispatched.*',
    );
    expect(text).toContain(
      '✋ Needs 2 distinct approvers from @release-managers, <@U0CAROL> before it starts and again at each of the 2 gates marked ✋',
    );
    const phases = texts(message).filter((line) => /^\*\d\. /.test(line));
    expect(phases.map((line) => line.split('\n')[0])).toEqual([
      '*1. Pre-deployment validation* `validation`',
      '*2. Database migration* `database_migration` · ✋ approval before it starts',
      '*3. Backend deploy* `backend_deployment` · services: api',
      '*4. Traffic switch* `traffic_switch` · 🐤 canary 5 → 25 → 100 %, no holds · ✋ approval before 100 %',
    ]);
    expect(phases[1]).toContain(
      '```workflow: production-deployment.yml\ndeployment_phase: database_migration\nbackup: true\nenvironment: production\nref: main\ngreenlight_id: gl_42-database_migration-0```',
    );
    expect(phases[3]).toContain('traffic_percentage: 5 | 25 | 100```');
    expect(message.text).toBe('Dry run: 4 phases to deploy main to production; nothing was dispatched');
    expectWithinSlackLimits(message);

    const staging = deployPlanReply(planFor('staging'));
    expect(shown(staging)).toContain('🟢 No approvals needed');
    expect(shown(staging)).not.toContain('✋ approval');
  });

  it('dry run: a canary phase shows each step’s greenlight_id and traffic_percentage, as each dispatch sends them', () => {
    const message = deployPlanReply(planFor('production', config, ['api']));
    const canary = texts(message).find((line) => line.startsWith('*4. '));
    expect(canary).toContain(
      '```workflow: production-deployment.yml\ndeployment_phase: traffic_switch\nenvironment: production\nref: main\ngreenlight_id: gl_42-traffic_switch-0 | gl_42-traffic_switch-1 | gl_42-traffic_switch-2\ntraffic_percentage: 5 | 25 | 100```',
    );
  });

  it('dry run of a commit SHA: where the workflows run, the full SHA sent as `ref`, and what the checks say', () => {
    const sha = SHA;
    const message = deployPlanReply(planAtCommit(), {
      sha,
      checks: {
        green: false,
        failing: [
          { name: 'ci/test', state: 'failure', detail: 'failure', url: 'https://ci.example.com/b/1' },
        ],
        pending: [],
        missing: ['e2e'],
      },
    });
    const text = shown(message);
    expect(text).toContain(
      'Commit `c0ffee1ab2a1` · a commit, so the workflows run as they are on `main` with the full SHA in the `ref` input',
    );
    expect(text).toContain(
      "⛔ Not green, so a deploy would be refused without an approver's `--override &lt;reason&gt;`:\n• ❌ <https://ci.example.com/b/1|ci/test> failure\n• ⏳ e2e not reported",
    );
    expect(text).toContain(
      `workflow: production-deployment.yml (dispatched at main)\ndeployment_phase: validation\nenvironment: staging\nref: ${sha}`,
    );
    expectWithinSlackLimits(message);

    const green = shown(
      deployPlanReply(planFor('staging'), { sha, checks: { green: true, checked: ['ci/test'] } }),
    );
    expect(green).toContain('Commit `c0ffee1ab2a1`\n🟢 Its 1 check passed.');
    expect(green).not.toContain('dispatched at');
    expect(shown(deployPlanReply(planFor('staging'), { sha }))).toContain(
      '⚪ No checks required (`requireChecks: none`).',
    );
  });

  it('refuses a commit that is not green: each check linked, and what to do', () => {
    const checks = Array.from({ length: 25 }, (_, index) => ({
      name: `shard-${index}`,
      state: index === 0 ? ('failure' as const) : ('pending' as const),
      detail: index === 0 ? 'timed_out' : 'queued',
      url: index === 1 ? 'javascript:alert(1)' : `https://ci.example.com/shard/${index}`,
    }));
    const reply = notGreenReply({
      ref: 'main',
      sha: 'e1e24c8aa0',
      repo: 'acme/platform',
      checks: [{ name: '<!channel>', state: 'failure', detail: 'failure' }, ...checks],
      advice:
        'Deploy a green commit, or an approver can deploy it anyway: `/deploy production main --override <reason>`.',
    });
    const text = shown(reply);
    expect(text).toContain(
      ':no_entry_sign: `main` (`e1e24c8`) is not green in acme/platform, so nothing was started:',
    );
    expect(text).toContain('• ❌ &lt;!channel&gt; failure');
    expect(text).toContain('• ❌ <https://ci.example.com/shard/0|shard-0> timed_out');
    expect(text).toContain('• ⏳ shard-1 queued');
    expect(text).toContain('• …and 6 more');
    expect(text).toContain('an approver can deploy it anyway');
    expect(reply.text).toBe('main is not green; nothing was started');
    expectWithinSlackLimits(reply);
  });

  it('says what an override let through, on the confirmation and the timeline', () => {
    const state = createDeployment(
      {
        plan: planFor('production'),
        requestedBy: 'U0CAROL',
        override: 'CI is down, INC-7',
        overridden: { window: true, checks: ['ci/test (failure)'] },
      },
      T0,
    );
    const line =
      '⚠️ *Override:* CI is down, INC-7 — past the deploy window and checks not green (ci/test (failure))';
    expect(shown(deployAcceptedReply(state))).toContain(line);
    expect(shown(deployTimeline(state, { now: T0, repoUrl: REPO }))).toContain(line);
  });

  it('confirms an accepted deployment: id, approvals, queue place, how to cancel', () => {
    const reply = deployAcceptedReply(deployment('production', 'hotfix INC-42'), {
      position: 2,
      holder: 'gl_41',
    });
    const text = shown(reply);
    expect(text).toContain('⏳ Deployment `gl_42` of `main` to *production* accepted.');
    expect(text).toContain('⚠️ *Override:* hotfix INC-42');
    expect(text).toContain('⏳ It needs 2 approvals from approvers of *production* before it starts.');
    expect(text).toContain('🕒 Queued at position 2, behind `gl_41`');
    expect(text).toContain('`/deploy cancel gl_42`');
    expectWithinSlackLimits(reply);
  });

  it('lists history one line each and says how many were left out', () => {
    const finished = run(
      deployment('staging'),
      { type: 'start', at: T0 + 10 * S },
      dispatched(1, T0 + 11 * S),
      completed(1, T0 + 143 * S, 'failure'),
    );
    const few = deployHistoryReply([finished, deployment('production')]);
    expect(texts(few)[1]?.split('\n')).toEqual([
      '❌ `gl_42` *staging* `main` by <@U0ALICE> · <!date^1772445610^{date_short_pretty} {time}|2026-03-02 10:00 UTC> · 2m 13s',
      '⏳ `gl_42` *production* `main` by <@U0ALICE> · awaiting approval · <!date^1772445600^{date_short_pretty} {time}|2026-03-02 10:00 UTC>',
    ]);
    const many = deployHistoryReply(Array.from({ length: 2_000 }, () => finished));
    expectWithinSlackLimits(many);
    const listed = shown(many).match(/`gl_42`/g)?.length ?? 0;
    expect(listed).toBeGreaterThan(100);
    expect(JSON.stringify(many.blocks.at(-1))).toContain(`…and ${2_000 - listed} more`);
    expect(shown(deployHistoryReply([], 'production'))).toBe('No deployments to *production* yet.');
  });

  it('reports status per environment: lock, active deployment, numbered queue', () => {
    const active = run(deployment('staging'), { type: 'start', at: T0 }, dispatched(1, T0 + S));
    const reply = deployStatusReply([
      {
        env: 'production',
        waiting: [],
        lock: { by: 'U0ALICE', reason: 'freeze <!here>', at: '2026-03-02T10:00:00.000Z' },
      },
      { env: 'staging', active, waiting: [deployment('staging')] },
      { env: 'dev', waiting: [] },
    ]);
    expect(shown(reply).split('\n')).toEqual([
      '*production* · 🔒 locked by <@U0ALICE> <!date^1772445600^{date_short_pretty} {time}|2026-03-02 10:00 UTC>: freeze &lt;!here&gt;',
      '*staging* · open',
      '    🚀 `gl_42` `main` by <@U0ALICE> · running: Pre-deployment validation · <!date^1772445600^{date_short_pretty} {time}|2026-03-02 10:00 UTC>',
      '    1. 🕒 `gl_42` `main` by <@U0ALICE> · queued · <!date^1772445600^{date_short_pretty} {time}|2026-03-02 10:00 UTC>',
      '*dev* · open, nothing running',
    ]);
    expect(reply.text).toBe('Deployments: 1 running, 1 waiting, 1 environment locked');
    expectWithinSlackLimits(reply);
  });

  it('offers Approve and Abort in /deploy status for a gate the status channel does not show, and only then', () => {
    const gated = deployment('production');
    expect(gated.gate).toBeDefined();
    const status = (unshownGates?: string[]) =>
      deployStatusReply([{ env: 'production', waiting: [gated], ...(unshownGates ? { unshownGates } : {}) }]);
    expect(actions(status())).toEqual([]);
    const offered = status([gated.id]);
    const [block] = actions(offered);
    expect(block?.block_id).toBe(gateBlockId(gated.gate?.seq ?? -1));
    expect(block?.elements?.map((element) => [element.action_id, element.value])).toEqual([
      [DEPLOY_APPROVE, gated.id],
      [DEPLOY_ABORT, gated.id],
    ]);
    expect(shown(offered)).toContain(
      '`gl_42` waits for approval to start; the status channel does not show it yet.',
    );
    expectWithinSlackLimits(offered);
    // One gate's buttons per message (Slack wants each action id once), however many are not shown.
    const others = Array.from({ length: 60 }, (_, index) => ({ ...gated, id: `gl_${index}` }));
    const many = deployStatusReply([
      { env: 'production', waiting: others, unshownGates: others.map((state) => state.id) },
    ]);
    expectWithinSlackLimits(many);
    expect(actions(many)).toHaveLength(1);
    expect(shown(many)).toContain(
      '59 more deployments waiting for approval the status channel does not show',
    );
  });

  it('asks an approver directly with the gate’s own buttons', () => {
    const gated = deployment('production');
    const message = approvalRequest(gated);
    expect(message.text).toContain('Approval needed: deploy main to production to start');
    expect(shown(message)).toContain('<@U0ALICE> asks to deploy `main` to *production*');
    expect(actions(message)[0]?.elements?.map((element) => element.action_id)).toEqual([
      DEPLOY_APPROVE,
      DEPLOY_ABORT,
    ]);
    expectWithinSlackLimits(message);
  });

  it('explains a refused deploy to a locked environment', () => {
    const lock = {
      by: 'U0ALICE',
      reason: 'black friday',
      at: '2026-03-02T10:00:00.000Z',
      until: '2026-03-02T12:00:00.000Z',
    };
    const refused = envLockedReply(lock, 'production');
    expect(shown(refused)).toContain('*production* is 🔒 locked by <@U0ALICE>');
    expect(shown(refused)).toContain(': black friday.\nNothing was deployed.');
    expect(shown(refused)).toContain('It unlocks by itself <!date^1772452800^');
    expectWithinSlackLimits(refused);
  });
});

describe('formatting helpers', () => {
  it('formats durations and canary bars', () => {
    expect([45_000, 133_000, 300_000, 3_900_000, -5].map(formatDuration)).toEqual([
      '45s',
      '2m 13s',
      '5m',
      '1h 05m',
      '0s',
    ]);
    expect(canaryBar(25)).toBe('▓▓▓░░░░░░░ 25%');
    expect(canaryBar(5)).toBe('▓░░░░░░░░░ 5%');
    expect(canaryBar(100)).toBe('▓▓▓▓▓▓▓▓▓▓ 100%');
  });

  it('names each button action in ACTION_IDS', () => {
    expect(ACTION_IDS).toEqual(
      expect.arrayContaining([
        DEPLOY_APPROVE,
        DEPLOY_ABORT,
        DEPLOY_PROMOTE,
        DEPLOY_PAUSE,
        DEPLOY_RESUME,
        DEPLOY_ROLLBACK,
      ]),
    );
  });
});

// --- Property tests: any reachable state, and some unreachable extremes, stay within Slack's limits. ---

const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '<!channel>',
    '<!here|here> & <@U0BOB|bob>',
    '<https://evil.example|click>',
    '```\nbreak out',
    '*bold* _it_ ~st~ `code`',
    '😀'.repeat(200),
    'x'.repeat(5_000),
    '&&&&&<<<<>>>>'.repeat(300),
  ),
);

const phaseConfig = fc.record({
  title: nasty,
  gate: fc.boolean(),
  canary: fc.option(fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 12 }), {
    nil: undefined,
  }),
  canaryGate: fc.boolean(),
  value: nasty,
});

type Command =
  | { kind: 'approve'; user: number; isApprover: boolean }
  | { kind: 'start' | 'dispatch' | 'expire' | 'rollback' | 'pause' | 'resume' | 'promote' }
  | { kind: 'analyse'; errorRate: number; p95: number; problem: string | undefined }
  | { kind: 'complete'; conclusion: string }
  | { kind: 'abort' | 'fail'; text: string; user: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('approve' as const),
      user: fc.nat(5),
      isApprover: fc.constantFrom(true, true, true, false),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('start' as const) }) },
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('dispatch' as const) }) },
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('complete' as const),
      conclusion: fc.constantFrom(...Array<string>(12).fill('success'), 'failure', 'cancelled', 'timed_out'),
    }),
  },
  // Rare, so that many sequences get far before something ends them.
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('expire' as const, 'rollback' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constantFrom('pause' as const, 'resume' as const, 'promote' as const) }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('analyse' as const),
      errorRate: fc.constantFrom(0, 0.001, 0.02, 0.2),
      p95: fc.constantFrom(80, 120, 900),
      problem: fc.option(nasty, { nil: undefined }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom('abort' as const, 'fail' as const),
      text: nasty,
      user: fc.nat(5),
    }),
  },
);

const USERS = ['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAN', 'W0ERIN', 'greenlight'];

function toEvent(state: DeploymentState, cmd: Command, at: number, runId: number): DeploymentEvent {
  switch (cmd.kind) {
    case 'approve': {
      const user = USERS[cmd.user] ?? 'U0BOB';
      return {
        type: 'approve',
        user,
        access: accessFor('approve', user, cmd.isApprover ? ['approvers'] : [], state),
        at,
      };
    }
    case 'start':
      return { type: 'start', at };
    case 'dispatch':
      return {
        type: 'phaseDispatched',
        runId,
        url: runId % 7 === 0 ? `javascript:alert(1)|>${runId}` : runUrl(runId),
        at,
      };
    case 'complete': {
      const running = state.phases.find((phase) => phase.status === 'running');
      return {
        type: 'runCompleted',
        runId: running?.runs.at(-1)?.runId ?? 0,
        conclusion: cmd.conclusion,
        at,
      };
    }
    case 'expire':
      return { type: 'gateExpired', gateSeq: state.gate?.seq ?? 0, at };
    case 'rollback':
      if (state.status === 'rolling_back') {
        const sent = state.rollback?.runs?.[0]?.runId;
        return sent === undefined
          ? { type: 'rollbackDispatched', runId, url: runUrl(runId), version: 'v<!here>', at }
          : { type: 'rollbackCompleted', runId: sent, conclusion: 'success', at };
      }
      return {
        type: 'rollback',
        user: 'U0BOB',
        access: accessFor('roll-back', 'U0BOB', ['deployers'], state),
        reason: 'by hand <!channel>',
        at,
      };
    case 'pause':
    case 'resume':
    case 'promote':
      return {
        type: cmd.kind,
        user: 'U0CAROL',
        access: accessFor(cmd.kind, 'U0CAROL', ['deployers'], state),
        at,
      };
    case 'analyse': {
      const probes = [
        {
          service: 'api <!here>',
          url: 'https://api.example.com/health',
          ok: cmd.problem === undefined,
          status: cmd.problem === undefined ? 200 : 503,
          latencyMs: 42,
          ...(cmd.problem === undefined ? {} : { problem: cmd.problem }),
        },
      ];
      const reading = { at, source: 'prometheus' as const, errorRate: cmd.errorRate, p95Ms: cmd.p95, probes };
      const cursor = { at, counters: {} };
      if (state.analysis && state.analysis.baseline === undefined) {
        return { type: 'baselineCaptured', reading: { ...reading, p95Ms: 100 }, cursor, at };
      }
      return { type: 'analysed', tick: (state.analysis?.ticks ?? 0) + 1, reading, cursor, at };
    }
    case 'abort': {
      const user = USERS[cmd.user] ?? 'U0BOB';
      return {
        type: 'abort',
        user,
        access: accessFor('abort', user, ['approvers'], state),
        reason: cmd.text,
        at,
      };
    }
    case 'fail':
      return { type: 'fail', reason: cmd.text, by: USERS[cmd.user] ?? 'greenlight', at };
  }
}

const scenario = fc.record({
  phases: fc.array(phaseConfig, { minLength: 1, maxLength: 30 }),
  approvals: fc.nat(3),
  approvers: fc.array(fc.oneof(nasty, fc.constantFrom('U0CAROL', 'S0RELEASE', '@release-managers')), {
    maxLength: 30,
  }),
  override: fc.option(nasty, { nil: undefined }),
  ref: fc.constantFrom('main', 'release/2026.03', 'a'.repeat(255), 'fix/<!channel>'),
  commands: fc.array(command, { maxLength: 200, size: 'medium' }),
  shortSha: fc.option(fc.constantFrom('abc1234def', 'not a sha <!here>'), { nil: undefined }),
  /** Every run succeeds and nothing stops it, so sequences also reach the end of long pipelines. */
  happy: fc.boolean(),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function scenarioState(s: Scenario) {
  const pipeline: PipelinePhaseConfig[] = s.phases.map((phase, index) => ({
    id: `phase_${index}`,
    title: phase.title,
    inputs: { value: phase.value },
    ...(phase.gate ? { gate: 'approval' as const } : {}),
    ...(phase.canary
      ? {
          canary: {
            steps: phase.canary,
            hold: 60_000,
            ...(phase.canaryGate ? { gate: 'approval' as const } : {}),
          },
        }
      : {}),
  }));
  const plan = planFor('production', {
    github: { workflow: 'deploy.yml', ref: s.ref },
    environments: { production: { approvals: s.approvals, approvers: s.approvers } },
    services: {},
    pipeline,
  });
  let state = createDeployment(
    { plan, requestedBy: 'U0ALICE', ...(s.override === undefined ? {} : { override: s.override }) },
    T0,
  );
  s.commands.forEach((given, index) => {
    if (s.happy && ['abort', 'fail', 'expire', 'rollback', 'analyse'].includes(given.kind)) return;
    const cmd: Command = s.happy && given.kind === 'complete' ? { ...given, conclusion: 'success' } : given;
    const result = applyDeploymentEvent(state, toEvent(state, cmd, T0 + (index + 1) * 37 * S, 1_000 + index));
    if (result.ok) state = result.state;
  });
  return { plan, state };
}

describe('every message stays within Slack limits and escapes user text, whatever the state', () => {
  it('holds for generated pipelines and event sequences', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { plan, state } = scenarioState(s);
        const ctx = {
          now: T0 + 10_000 * S,
          repoUrl: REPO,
          approvers: s.approvers,
          ...(s.shortSha ? { shortSha: s.shortSha } : {}),
        };
        const timeline = deployTimeline(state, ctx);
        expectWithinSlackLimits(timeline);
        const rollout =
          isAnalysing(state) ||
          (['running', 'awaiting_approval'].includes(state.status) &&
            state.phases.some((p) => p.runs.length > 0));
        expect(actions(timeline).length).toBe((state.gate ? 1 : 0) + (rollout ? 1 : 0));
        for (const entry of state.timeline) {
          const reply = timelineEvent(entry, state);
          if (reply === undefined) continue;
          expect(reply.length).toBeLessThanOrEqual(3_000);
          expect(reply).toMatch(/^\[\d\d:\d\d\] /);
          expectNoStrayMarkup(reply);
        }
        expectWithinSlackLimits(deployPlanReply(plan));
        expectWithinSlackLimits(deployAcceptedReply(state, { position: 3, holder: 'gl_1' }));
        expectWithinSlackLimits(deployHistoryReply([state, state, state]));
        expectWithinSlackLimits(deployStatusReply([{ env: 'production', active: state, waiting: [state] }]));
        expectNoStrayMarkup(JSON.stringify(abortModal(state.id, state)));
      }),
      { numRuns: 150, seed: 20_260_302 },
    );
  });

  it('holds for extremes: 30 long-titled phases with many runs, 200 timeline entries, a huge override', () => {
    const title = `${'<!channel> & '.repeat(40)}very long phase title`;
    const phases: PhaseState[] = Array.from({ length: 30 }, (_, index) => ({
      id: `phase_${index}`,
      title,
      status: index < 10 ? 'succeeded' : index === 10 ? 'waiting_gate' : 'pending',
      gate: 'approval',
      canarySteps: Array.from({ length: 50 }, (_, step) => step * 2),
      canaryGate: 'approval',
      step: 3,
      runs:
        index <= 10
          ? Array.from({ length: 40 }, (_, run) => ({
              runId: index * 100 + run,
              url: `${REPO}/actions/runs/${'9'.repeat(300)}`,
              dispatchedAt: T0 + run * S,
              completedAt: T0 + (run + 1) * S,
              conclusion: 'success',
              percentage: run,
            }))
          : [],
    }));
    const approvers = Array.from({ length: 200 }, (_, index) => `U${String(index).padStart(8, '0')}`);
    const timeline: TimelineEntry[] = [
      { at: T0, kind: 'requested', by: 'U0ALICE' },
      { at: T0, kind: 'gate_opened', phaseId: 'phase_10' },
      ...approvers.map(
        (user, index): TimelineEntry => ({ at: T0 + index, kind: 'approved', by: user, phaseId: 'phase_10' }),
      ),
    ];
    const state: DeploymentState = {
      id: 'gl_extreme',
      env: 'production',
      ref: 'r'.repeat(255),
      requestedBy: 'U0ALICE',
      requestedAt: T0,
      override: '<!everyone> '.repeat(20_000),
      approvalsRequired: 250,
      status: 'awaiting_approval',
      phases,
      gate: {
        seq: 99,
        phaseId: 'phase_10',
        beforePercentage: 100,
        openedAt: T0,
        approvals: approvers.map((user) => ({ user, at: T0 })),
      },
      gatesOpened: 99,
      timeline,
    };
    expect(state.timeline.length).toBeGreaterThanOrEqual(200);
    const message = deployTimeline(state, {
      now: T0 + 99 * S,
      approvers,
      repoUrl: REPO,
      shortSha: 'abcdef1',
    });
    expectWithinSlackLimits(message);
    expect(actions(message).map((block) => block.block_id)).toEqual([
      gateBlockId(99),
      rolloutBlockId({ id: 'phase_10', step: 3 }),
    ]);
    for (const entry of state.timeline) {
      const reply = timelineEvent(entry, state);
      if (reply) expectNoStrayMarkup(reply);
    }
    const finished = { ...state, status: 'failed' as const, finishedAt: T0 + 500 * S };
    const { gate: _gate, ...withoutGate } = finished;
    expectWithinSlackLimits(deployTimeline(withoutGate, { now: T0 + 500 * S }));
    expectWithinSlackLimits(deployHistoryReply(Array.from({ length: 300 }, () => withoutGate)));
    expectWithinSlackLimits(
      deployStatusReply(
        Array.from({ length: 60 }, (_, index) => ({
          env: `env_${index}`,
          active: state,
          waiting: Array.from({ length: 30 }, () => state),
          lock: { by: 'U0ALICE', reason: 'x<!here>'.repeat(1_000), at: '2026-03-02T10:00:00.000Z' },
        })),
      ),
    );
  });
});
