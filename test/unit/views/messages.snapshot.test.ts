import type { ModalView } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { validateMessage, validateView } from '../../../playground/sim/block-kit.js';
import type { Reading } from '../../../src/domain/analysis/reading.js';
import {
  createDeployment,
  type DeploymentEvent,
  type DeploymentState,
} from '../../../src/domain/deploy/deployment-state.js';
import type { DeployStatsResult } from '../../../src/domain/deploy/dora.js';
import { computeDora } from '../../../src/domain/deploy/dora.js';
import { type PlanConfig, planDeployment } from '../../../src/domain/deploy/plan.js';
import { planRollback } from '../../../src/domain/deploy/rollback-plan.js';
import type { FlagChangeNotice, FlagView } from '../../../src/domain/flags/flag-state.js';
import type { IncidentState } from '../../../src/domain/incidents/incident.js';
import type { IncidentRecord } from '../../../src/domain/incidents/incident-record.js';
import { declareIncident } from '../../../src/domain/incidents/incident-rules.js';
import { DEFAULT_SEVERITY_POLICY } from '../../../src/domain/incidents/severity-policy.js';
import {
  abortModal,
  deployAcceptedReply,
  deployHistoryReply,
  deployPlanReply,
  deployStatsReply,
  deployStatusReply,
  deployTimeline,
  envAlreadyLockedReply,
  envLockedReply,
  envLockTakenReply,
  rollbackModal,
  rollbackStartedReply,
  timelineEvent,
} from '../../../views/deploy-views.js';
import {
  flagAnnouncement,
  flagChangedReply,
  flagListReply,
  flagStatusReply,
} from '../../../views/flag-views.js';
import type { SlackMessage } from '../../../views/format.js';
import { homeView } from '../../../views/home-view.js';
import {
  incidentCard,
  incidentChangedReply,
  incidentDeclaredReply,
  incidentListReply,
  resolveModal,
  updateModal,
} from '../../../views/incident-views.js';
import { accessFor } from '../../helpers/access.js';
import { RUNBOOK_ANALYSIS } from '../../helpers/analysis.js';
import { shown } from '../../helpers/block-kit.js';
import { applyAll } from '../../helpers/deployment-events.js';

/*
 * One snapshot per kind of message greenlight sends, each checked by the Block Kit validator the Slack simulator
 * uses, and read as a Slack user would: the facts issue 13 asked to get right are asserted beside the snapshots.
 */

const T0 = Date.parse('2026-03-02T10:00:00Z');
const S = 1_000;
const REPO = 'https://github.com/acme/platform';
const runUrl = (id: number) => `${REPO}/actions/runs/${id}`;

const config: PlanConfig = {
  github: { workflow: 'production-deployment.yml', ref: 'main' },
  environments: { production: { approvals: 1, approvers: ['U0CAROL'] } },
  services: { api: {} },
  pipeline: [
    { id: 'validation', title: 'Pre-deployment validation', inputs: { deployment_phase: 'validation' } },
    {
      id: 'traffic_switch',
      title: 'Traffic switch',
      services: ['api'],
      inputs: { deployment_phase: 'traffic_switch' },
      canary: { steps: [5, 25, 100], hold: 60 * S },
    },
  ],
  analysis: RUNBOOK_ANALYSIS,
};

function plan(ref = 'v1.2.0') {
  const result = planDeployment(config, { env: 'production', ref, greenlightId: 'dk3x9q2abc123' });
  if (!result.ok) throw new Error(result.message);
  return result.plan;
}

const run = applyAll;

/** A run with an id GitHub uses internally and the number its pages show: the number is what people read. */
const dispatched = (number: number, at: number): DeploymentEvent => ({
  type: 'phaseDispatched',
  runId: 9_000_000 + number,
  runNumber: number,
  url: runUrl(9_000_000 + number),
  at,
});
const completed = (number: number, at: number, conclusion = 'success'): DeploymentEvent => ({
  type: 'runCompleted',
  runId: 9_000_000 + number,
  conclusion,
  at,
});
const cursor = (at: number) => ({ at, counters: {} });
const reading = (at: number, extra: Partial<Reading> = {}): Reading => ({
  at,
  source: 'prometheus',
  probes: [],
  errorRate: 0.002,
  requests: 1_200,
  p95Ms: 120,
  ...extra,
});

const requested = createDeployment({ plan: plan(), number: 42, requestedBy: 'U0ALICE' }, T0);
const gatePassed = run(requested, {
  type: 'approve',
  user: 'U0CAROL',
  access: accessFor('approve', 'U0CAROL', ['approvers'], { env: 'production', requestedBy: 'U0ALICE' }),
  at: T0 + 30 * S,
});
const canary = run(
  gatePassed,
  { type: 'start', at: T0 + 31 * S },
  dispatched(120, T0 + 32 * S),
  completed(120, T0 + 60 * S),
  {
    type: 'baselineCaptured',
    reading: reading(T0 + 61 * S, { p95Ms: 100, errorRate: 0.001 }),
    cursor: cursor(T0 + 61 * S),
    at: T0 + 61 * S,
  },
  dispatched(121, T0 + 62 * S),
  completed(121, T0 + 90 * S),
  {
    type: 'analysed',
    tick: 1,
    reading: reading(T0 + 100 * S),
    cursor: cursor(T0 + 100 * S),
    at: T0 + 100 * S,
  },
);
const rolledBack = run(
  canary,
  {
    type: 'analysed',
    tick: 2,
    reading: reading(T0 + 160 * S, { errorRate: 0.06 }),
    cursor: cursor(T0 + 160 * S),
    at: T0 + 160 * S,
  },
  {
    type: 'rollbackDispatched',
    runId: 9_000_125,
    runNumber: 125,
    url: runUrl(9_000_125),
    version: 'v1.1.0',
    at: T0 + 161 * S,
  },
  { type: 'rollbackCompleted', runId: 9_000_125, conclusion: 'success', at: T0 + 200 * S },
);

function rollbackState(): DeploymentState {
  const planned = planRollback(
    {
      github: { workflow: 'production-deployment.yml', ref: 'main' },
      services: { api: { health: [{ url: 'https://api.example.com/health', expect: 200 }] } },
      rollback: { inputs: { deployment_phase: 'rollback' } },
    },
    { service: 'api', env: 'production', version: 'v1.1.0', greenlightId: 'dk3xa0rollbk' },
  );
  if (!planned.ok) throw new Error(planned.message);
  const state = createDeployment(
    {
      plan: planned.plan,
      number: 43,
      requestedBy: 'U0BOB',
      rollbackOf: {
        service: 'api',
        from: 'v1.2.0',
        fromId: 'dk3x9q2abc123',
        reason: 'checkout errors since 10:02',
      },
    },
    T0 + 300 * S,
  );
  return run(
    state,
    { type: 'start', at: T0 + 300 * S },
    dispatched(130, T0 + 301 * S),
    completed(130, T0 + 340 * S),
    {
      type: 'probed',
      phaseId: state.phases[0]?.id ?? '',
      results: [
        { service: 'api', url: 'https://api.example.com/health', ok: true, status: 200, latencyMs: 40 },
      ],
      at: T0 + 350 * S,
    },
  );
}
const rolledBackByCommand = rollbackState();

const apiDown = (): IncidentState =>
  declareIncident({
    id: 'inc-8',
    severity: 'sev1',
    title: 'API down',
    by: 'U0ALICE',
    at: T0,
    env: 'production',
  });

/** The validator's problems (none expected) and the snapshot of what Slack receives. */
function checked(message: SlackMessage): SlackMessage {
  expect(validateMessage(message)).toEqual([]);
  return message;
}
function checkedView(view: ModalView | ReturnType<typeof homeView>, kind: 'modal' | 'home') {
  expect(validateView(view, kind)).toEqual([]);
  return view;
}

describe('every message kind, as Slack receives it', () => {
  it('the timeline of a canary holding at 5 %', () => {
    const message = checked(
      deployTimeline(canary, { now: T0 + 110 * S, repoUrl: REPO, approvers: ['U0CAROL'] }),
    );
    expect(shown(message)).toContain(`<${runUrl(9_000_121)}|run #121>`);
    expect(JSON.stringify(message)).not.toContain('run #9000121');
    expect(shown(message)).toContain('`production-42`');
    expect(message).toMatchSnapshot();
  });

  it('the timeline of a rollout rolled back automatically, and its thread replies', () => {
    const message = checked(deployTimeline(rolledBack, { now: T0 + 200 * S, repoUrl: REPO }));
    expect(message.text).not.toMatch(/succeeded/);
    const replies = rolledBack.timeline.map((entry) => timelineEvent(entry, rolledBack)).filter(Boolean);
    // The thread has the decisions only: the approval, the rollback (with its readings), its end.
    expect(replies).toEqual([
      '[10:00] 👍 Approved by <@U0CAROL> (1/1)',
      '[10:02] 🚨 Rolling back `v1.2.0` to *production* automatically: error rate 6 % is above the rollback threshold of 5 % · error rate 6 % of 1200 requests · p95 120 ms vs baseline 100 ms',
      '[10:03] ↩️ Deployment of `v1.2.0` to *production* rolled back to `v1.1.0`',
    ]);
    for (const reply of replies) expect(validateMessage({ text: reply ?? '' })).toEqual([]);
    expect(message).toMatchSnapshot();
  });

  it('a /rollback that finished reads as a rollback, never as a success', () => {
    const message = checked(deployTimeline(rolledBackByCommand, { now: T0 + 360 * S, repoUrl: REPO }));
    const replies = rolledBackByCommand.timeline.map((entry) => timelineEvent(entry, rolledBackByCommand));
    const all = `${message.text}\n${shown(message)}\n${replies.join('\n')}`;
    expect(all).not.toMatch(/succeeded|Succeeded|🎉|✅ Deploy/);
    expect(message.text).toBe('↩️ api in production rolled back to v1.1.0 in 50s');
    expect(shown(message)).toContain(
      '↩️ *Rolled back* — *api* is back on `v1.1.0` after 50s; its health checks pass',
    );
    expect(replies.at(-1)).toBe('[10:05] ↩️ *api* in *production* rolled back to `v1.1.0` in 50s');
    expect(message).toMatchSnapshot();
  });

  it('the replies to /deploy: accepted, dry run, status, history, and the locks', () => {
    const accepted = checked(deployAcceptedReply(requested, { position: 1, holder: 'production-41' }));
    expect(shown(accepted)).toContain('cancel with `/deploy cancel production-42`');
    expect(shown(accepted)).toContain('behind `production-41`');
    expect(accepted).toMatchSnapshot('accepted');
    expect(checked(deployPlanReply(plan()))).toMatchSnapshot('dry run');
    const lock = {
      by: 'U0CAROL',
      reason: 'db maintenance',
      at: new Date(T0).toISOString(),
      until: new Date(T0 + 7_200 * S).toISOString(),
    };
    expect(
      checked(deployStatusReply([{ env: 'production', active: canary, waiting: [requested], lock }])),
    ).toMatchSnapshot('status');
    expect(checked(deployHistoryReply([rolledBackByCommand, rolledBack]))).toMatchSnapshot('history');
    const taken = checked(envLockTakenReply(lock, 'production'));
    expect(shown(taken)).not.toMatch(/\d{4}-\d\d-\d\dT/);
    expect(shown(taken)).toContain('<!date^1772445600^{date_short_pretty} {time}|2026-03-02 10:00 UTC>');
    expect(taken).toMatchSnapshot('lock taken');
    expect(checked(envAlreadyLockedReply(lock, 'production'))).toMatchSnapshot('already locked');
    const byGreenlight = checked(
      envLockedReply(
        {
          by: 'greenlight',
          reason: 'deployment production-42 was rolled back',
          at: new Date(T0).toISOString(),
        },
        'production',
      ),
    );
    expect(shown(byGreenlight)).not.toMatch(/ask greenlight/i);
    expect(shown(byGreenlight)).toContain(
      'Run `/deploy unlock production` once what went wrong is understood',
    );
    expect(byGreenlight).toMatchSnapshot('locked by greenlight');
  });

  it('/deploy stats', () => {
    const report = computeDora({
      env: 'production',
      deployments: [rolledBack, rolledBackByCommand],
      incidents: [],
      commitTimes: new Map(),
      window: { from: T0 - 30 * 86_400_000, to: T0 + 400 * S },
      now: T0 + 400 * S,
    });
    const stats: DeployStatsResult = {
      window: { from: T0 - 30 * 86_400_000, to: T0 + 400 * S, ms: 30 * 86_400_000 },
      reports: [report],
      commitTimeGaps: { not_found: 0, unavailable: 0, not_looked_up: 0, moved: 0 },
      incidentsWithoutEnv: 0,
      unreadable: { deployments: 0, incidents: 0 },
    };
    expect(checked(deployStatsReply(stats, '30d'))).toMatchSnapshot();
  });

  it('the modals and the /rollback answer', () => {
    expect(checkedView(abortModal(canary.id, canary), 'modal')).toMatchSnapshot('abort');
    expect(
      checkedView(
        rollbackModal({
          service: 'api',
          env: 'production',
          version: 'v1.1.0',
          live: canary,
          workflow: 'production-deployment.yml',
          reason: 'errors',
        }),
        'modal',
      ),
    ).toMatchSnapshot('rollback confirmation');
    const started = checked(rollbackStartedReply(rolledBackByCommand, 'production-42'));
    expect(shown(started)).toContain('(`production-43`)');
    expect(shown(started)).toContain('The deployment `production-42` that was running there was stopped.');
    expect(started).toMatchSnapshot('rollback started');
  });

  it('an automatic rollback’s incident card: the reason once, the response time once', () => {
    const state = declareIncident({
      id: 'inc-7',
      severity: 'sev2',
      title: 'Automatic rollback of production: error rate 6 % is above the rollback threshold of 5 %',
      by: 'greenlight',
      at: T0 + 160 * S,
      env: 'production',
      deploymentId: rolledBack.id,
      deploymentName: 'production-42',
      detail: 'automatic rollback of deployment production-42',
    });
    const record: IncidentRecord = {
      state,
      meta: {
        rollback: {
          reason: 'error rate 6 % is above the rollback threshold of 5 %',
          readings: 'error rate 6 % of 1200 requests · p95 120 ms vs baseline 100 ms',
          runUrl: runUrl(9_000_125),
          version: 'v1.1.0',
        },
      },
    };
    const card = checked(
      incidentCard(record, {
        policy: DEFAULT_SEVERITY_POLICY,
        page: ['sev1'],
        pagerConfigured: true,
        createChannel: false,
      }),
    );
    const text = shown(card);
    expect(text.match(/is above the rollback threshold/g)).toHaveLength(1);
    expect(text.match(/respond within/g)).toHaveLength(1);
    expect(text).toContain('deployment `production-42`');
    expect(text).not.toContain(rolledBack.id);
    expect(card).toMatchSnapshot('card');
    expect(checkedView(updateModal(state), 'modal')).toMatchSnapshot('update modal');
    expect(checkedView(resolveModal(state, T0 + 400 * S), 'modal')).toMatchSnapshot('resolve modal');
    expect(
      checked(incidentDeclaredReply(state, { cardChannel: 'C0INCIDENTS', warnings: [] })),
    ).toMatchSnapshot('declared');
    expect(checked(incidentChangedReply('Escalated `inc-7` to SEV1.'))).toMatchSnapshot('changed');
  });

  it('/incident list counts in words that agree', () => {
    const one: IncidentState[] = [apiDown()];
    const list = checked(incidentListReply(one, T0 + 300 * S));
    expect(list.text).toBe('1 open incident');
    expect(list).toMatchSnapshot();
  });

  it('the flag messages', () => {
    const notice: FlagChangeNotice = {
      name: 'scan_creation',
      enabled: false,
      old: 'true',
      by: 'U0CAROL',
      reason: 'INC-42 scans failing',
      at: new Date(T0).toISOString(),
      until: new Date(T0 + 1_800 * S).toISOString(),
      source: 'slack',
    };
    const flag: FlagView = {
      name: 'scan_creation',
      raw: 'false',
      isProtected: true,
      isKnown: true,
      lastChange: { changeId: 'c1', by: 'U0CAROL', reason: 'INC-42', at: notice.at, source: 'slack' },
    };
    expect(checked(flagChangedReply(notice))).toMatchSnapshot('changed');
    expect(checked(flagAnnouncement(notice))).toMatchSnapshot('announcement');
    expect(checked(flagStatusReply(flag))).toMatchSnapshot('status');
    const list = checked(flagListReply([flag]));
    expect(list.text).toBe('1 feature flag');
    expect(list).toMatchSnapshot('list');
  });

  it('the Home tab', () => {
    const view = checkedView(
      homeView(
        {
          at: T0 + 110 * S,
          environments: [
            { env: 'production', active: canary, waiting: [], recent: [rolledBackByCommand, rolledBack] },
            {
              env: 'staging',
              waiting: [],
              lock: {
                by: 'greenlight',
                reason: 'deployment staging-7 failed',
                at: new Date(T0).toISOString(),
              },
              recent: [],
            },
          ],
          flags: [
            { name: 'scan_creation', raw: 'true', isProtected: true, isKnown: true },
            { name: 'email_automation', raw: null, isProtected: false, isKnown: true },
          ],
          incidents: [apiDown()],
          dora: [],
        },
        { user: 'U0CAROL', mayUnlock: new Set(['staging']) },
      ),
      'home',
    );
    const text = JSON.stringify(view);
    expect(text).toContain('running: Traffic switch · canary 5 % (step 1/3)');
    expect(text).toContain('*1 open incident*');
    expect(view).toMatchSnapshot();
  });
});
