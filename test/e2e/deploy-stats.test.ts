import { beforeEach, describe, expect, it } from 'vitest';
import type {
  DeploymentState,
  RollbackState,
  TimelineEntry,
} from '../../src/domain/deploy/deployment-state.js';
import type { IncidentState } from '../../src/domain/incidents/incident.js';
import { FAST_GITHUB, useE2E, visibleText } from '../helpers/e2e.js';

/** The bot's clock: the window of `30d` is [2026-03-01T00:00Z, 2026-03-31T00:00Z). */
const NOW = Date.parse('2026-03-31T00:00:00Z');
const t = (iso: string) => Date.parse(`${iso}Z`);
const MIN = 60_000;
/** Seeded records name runs on an Enterprise Server; only their shape matters here. */
const GHE = 'https://ghe.example.com';

const SHA_1 = '1111111111111111111111111111111111111111';
const SHA_2 = '2222222222222222222222222222222222222222';
const SHA_3 = '3333333333333333333333333333333333333333';
const SHA_MAIN = '4444444444444444444444444444444444444444';

interface Made {
  id: string;
  ref: string;
  env?: string;
  requestedAt: number;
  finishedAt?: number;
  status: DeploymentState['status'];
  rollback?: { requestedAt: number; completedAt?: number; by?: string; reason: string };
  rollbackOf?: DeploymentState['rollbackOf'];
}

/** A deployment document as the orchestrator leaves it: phases with their runs, and the whole timeline. */
function made(d: Made): DeploymentState {
  const env = d.env ?? 'production';
  const started = d.requestedAt + MIN;
  const timeline: TimelineEntry[] = [
    { at: d.requestedAt, kind: 'requested', by: 'U0ALICE' },
    { at: started, kind: 'started' },
    { at: started, kind: 'dispatched', phaseId: 'validation', text: 'run #9001' },
  ];
  const end = d.finishedAt ?? started;
  if (d.status === 'succeeded') {
    timeline.push({ at: end, kind: 'run_completed', phaseId: 'validation', text: 'success' });
    timeline.push({ at: end, kind: 'succeeded' });
  } else if (d.status === 'failed') {
    timeline.push({ at: end, kind: 'failed', phaseId: 'validation', text: 'the run ended `failure`' });
  } else if (d.status === 'cancelled') {
    timeline.push({ at: end, kind: 'cancelled', by: 'U0ALICE' });
  } else if (d.status === 'rolled_back' && d.rollback) {
    timeline.push({ at: d.rollback.requestedAt, kind: 'rollback_started', text: d.rollback.reason });
    timeline.push({ at: d.rollback.requestedAt + 5_000, kind: 'rollback_dispatched', text: 'v0' });
    timeline.push({ at: d.rollback.completedAt ?? end, kind: 'rolled_back' });
  }
  const runs = [
    {
      runId: 9001,
      url: `${GHE}/acme/platform/actions/runs/9001`,
      dispatchedAt: started,
      ...(d.status === 'succeeded' ? { conclusion: 'success', completedAt: end } : {}),
    },
  ];
  return {
    id: d.id,
    env,
    ref: d.ref,
    requestedBy: 'U0ALICE',
    requestedAt: d.requestedAt,
    approvalsRequired: env === 'production' ? 1 : 0,
    status: d.status,
    phases: [
      {
        id: 'validation',
        title: 'Pre-deployment validation',
        status: d.status === 'succeeded' ? 'succeeded' : d.status === 'cancelled' ? 'cancelled' : 'failed',
        step: 0,
        runs,
      },
    ],
    gatesOpened: env === 'production' ? 1 : 0,
    timeline,
    ...(d.rollback
      ? {
          // The single-run shape older greenlight wrote: still read (into `runs`).
          rollback: {
            reason: d.rollback.reason,
            requestedAt: d.rollback.requestedAt,
            ...(d.rollback.by ? { by: d.rollback.by } : {}),
            runId: 9100,
            url: `${GHE}/acme/platform/actions/runs/9100`,
            dispatchedAt: d.rollback.requestedAt + 5_000,
            ...(d.rollback.completedAt ? { conclusion: 'success', completedAt: d.rollback.completedAt } : {}),
          } as RollbackState,
        }
      : {}),
    ...(d.rollbackOf ? { rollbackOf: d.rollbackOf } : {}),
    ...(d.finishedAt === undefined ? {} : { finishedAt: d.finishedAt }),
  };
}

/**
 * A month of production, by hand (times UTC):
 *
 * | id  | ref      | outcome                        | requested → finished | commit           | counts as                     |
 * | e0  | SHA_1    | succeeded                      | 02-20 (before window)|                  | —                             |
 * | e1  | SHA_1    | succeeded                      | 03-02 10:00 → 10:20  | 03-02 08:20      | lead 2h                       |
 * | e2  | SHA_2    | rolled back (auto), inc-1      | 03-06 11:00 → 11:09  |                  | failure; restore = inc-1 45m  |
 * | e3  | main     | succeeded                      | 03-10 09:00 → 09:30  | 03-09 09:30      | lead 24h                      |
 * | e4  | SHA_3    | failed (no rollback)           | 03-12 14:00 → 14:10  |                  | finished, not a failure       |
 * | e5  | main     | cancelled                      | 03-14 10:00 → 10:02  |                  | left out                      |
 * | e6  | SHA_2    | succeeded                      | 03-20 16:00 → 16:45  | 03-17 16:45      | lead 72h                      |
 * | e7  | deadbeef0| succeeded                      | 03-22 08:00 → 08:30  | GitHub: 422      | lead time missing             |
 * | e8  | SHA_1    | rolled back by hand 10:30→10:40| 03-25 10:00 → 10:40  |                  | failure; restore 10m          |
 * | rb1 | SHA_1    | /rollback of api, succeeded    | 03-27 09:00 → 09:05  |                  | restore 5m                    |
 * inc-1 (names e2): declared 03-06 11:05, resolved 11:50 = 45m. inc-2: production, declared 03-28, open.
 * s1 (staging) and inc-3 (staging, 1h) only show when every environment is asked for.
 */
const deployments: DeploymentState[] = [
  made({
    id: 'e0',
    ref: SHA_1,
    status: 'succeeded',
    requestedAt: t('2026-02-20T10:00'),
    finishedAt: t('2026-02-20T10:30'),
  }),
  made({
    id: 'e1',
    ref: SHA_1,
    status: 'succeeded',
    requestedAt: t('2026-03-02T10:00'),
    finishedAt: t('2026-03-02T10:20'),
  }),
  made({
    id: 'e2',
    ref: SHA_2,
    status: 'rolled_back',
    requestedAt: t('2026-03-06T11:00'),
    finishedAt: t('2026-03-06T11:09'),
    rollback: {
      reason: 'error rate 6.2 % > 5 %',
      requestedAt: t('2026-03-06T11:04'),
      completedAt: t('2026-03-06T11:09'),
    },
  }),
  made({
    id: 'e3',
    ref: 'main',
    status: 'succeeded',
    requestedAt: t('2026-03-10T09:00'),
    finishedAt: t('2026-03-10T09:30'),
  }),
  made({
    id: 'e4',
    ref: SHA_3,
    status: 'failed',
    requestedAt: t('2026-03-12T14:00'),
    finishedAt: t('2026-03-12T14:10'),
  }),
  made({
    id: 'e5',
    ref: 'main',
    status: 'cancelled',
    requestedAt: t('2026-03-14T10:00'),
    finishedAt: t('2026-03-14T10:02'),
  }),
  made({
    id: 'e6',
    ref: SHA_2,
    status: 'succeeded',
    requestedAt: t('2026-03-20T16:00'),
    finishedAt: t('2026-03-20T16:45'),
  }),
  made({
    id: 'e7',
    ref: 'deadbeef0',
    status: 'succeeded',
    requestedAt: t('2026-03-22T08:00'),
    finishedAt: t('2026-03-22T08:30'),
  }),
  made({
    id: 'e8',
    ref: SHA_1,
    status: 'rolled_back',
    requestedAt: t('2026-03-25T10:00'),
    finishedAt: t('2026-03-25T10:40'),
    rollback: {
      reason: 'rolled back by hand',
      by: 'U0BOB',
      requestedAt: t('2026-03-25T10:30'),
      completedAt: t('2026-03-25T10:40'),
    },
  }),
  made({
    id: 'rb1',
    ref: SHA_1,
    status: 'succeeded',
    requestedAt: t('2026-03-27T09:00'),
    finishedAt: t('2026-03-27T09:05'),
    rollbackOf: { service: 'api', from: SHA_2, reason: 'checkout is broken' },
  }),
  made({
    id: 's1',
    ref: SHA_1,
    env: 'staging',
    status: 'succeeded',
    requestedAt: t('2026-03-01T12:00'),
    finishedAt: t('2026-03-01T12:10'),
  }),
];

function incident(id: string, declaredAt: number, more: Partial<IncidentState>): IncidentState {
  return {
    id,
    severity: 'sev2',
    title: 'Checkout errors',
    status: 'open',
    declaredBy: 'greenlight',
    declaredAt,
    env: 'production',
    timeline: [{ at: declaredAt, by: 'greenlight', text: 'Declared SEV2 by greenlight' }],
    ...more,
  };
}

const incidents: IncidentState[] = [
  incident('inc-1', t('2026-03-06T11:05'), {
    deploymentId: 'e2',
    status: 'resolved',
    resolvedAt: t('2026-03-06T11:50'),
    resolvedBy: 'U0CAROL',
  }),
  incident('inc-2', t('2026-03-28T07:00'), { declaredBy: 'U0BOB', title: 'Slow dashboard' }),
  incident('inc-3', t('2026-03-01T13:00'), {
    env: 'staging',
    status: 'resolved',
    resolvedAt: t('2026-03-01T14:00'),
  }),
];

describe('/deploy stats, end to end', () => {
  const e2e = useE2E('deploystats');

  beforeEach(async () => {
    await seed();
    await e2e.startBot(
      {
        github: { owner: 'acme', repo: 'platform', workflow: 'production-deployment.yml', ref: 'main' },
        environments: {
          staging: { approvals: 0 },
          production: { approvals: 1, approvers: ['U0CAROL'], deployers: [] },
        },
        pipeline: [
          {
            id: 'validation',
            title: 'Pre-deployment validation',
            inputs: { deployment_phase: 'validation' },
          },
        ],
      },
      { runtime: { ...FAST_GITHUB, now: () => NOW } },
    );
  });

  /** Exactly as the services write them: hash {version, doc} (replace-document.lua) plus the index entry. */
  async function seed(): Promise<void> {
    const { keys, redis } = e2e;
    for (const state of deployments) {
      const record = {
        state,
        plan: {
          env: state.env,
          ref: state.ref,
          greenlightId: state.id,
          phases: [],
          skippedPhases: [],
          approvalsAtStart: state.approvalsRequired,
          approvers: ['U0CAROL'],
          services: ['api'],
        },
        meta: {
          message: { channel: 'C0STATUS', ts: '1740000000.000100' },
          repliesPosted: state.timeline.length,
          githubDeploymentId: 77,
          finalized: true,
        },
      };
      await redis.hset(keys.deployment(state.id), 'version', '6', 'doc', JSON.stringify(record));
      await redis.zadd(keys.deploymentsOf(state.env), state.requestedAt, state.id);
    }
    for (const state of incidents) {
      const record = { state, meta: { message: { channel: 'C0INCIDENTS', ts: '1740000000.000200' } } };
      await redis.hset(keys.incident(state.id), 'version', '2', 'doc', JSON.stringify(record));
      await redis.zadd(keys.incidents(), state.declaredAt, state.id);
    }
  }

  /** The commits GitHub knows (a branch name points `main` at its commit); any other ref is "No commit found". */
  function githubKnows(commits: Record<string, [string, string]>): void {
    const repo = e2e.github.repo();
    for (const [ref, [sha, committedAt]] of Object.entries(commits)) {
      repo.addCommit({ sha, committedAt });
      if (ref !== sha) repo.setBranch(ref, sha);
    }
  }

  /** The refs greenlight asked "Get a commit" for, in order, from the `from`th request on. */
  const commitRequests = (from = 0) =>
    e2e.github
      .requestsTo('repos/get-commit')
      .slice(from)
      .map((request) => request.params[0]);

  async function stats(text: string) {
    const command = await e2e.slack.command('/deploy', text, { user: 'U0EVE' });
    expect(command.status).toBe(200);
    return (await command.reply(10_000)).body;
  }

  it('answers /deploy stats production 30d with the hand-computed figures, then from the commit cache', async () => {
    githubKnows({
      [SHA_1]: [SHA_1, '2026-03-02T08:20:00Z'], // e1 10:20 − 08:20 = 2h
      main: [SHA_MAIN, '2026-03-09T09:30:00Z'], // e3 03-10 09:30 − 03-09 09:30 = 24h
      [SHA_2]: [SHA_2, '2026-03-17T16:45:00Z'], // e6 03-20 16:45 − 03-17 16:45 = 72h
      // deadbeef0 (e7) is unknown to GitHub: 422 "No commit found", no lead time.
    });

    const reply = await stats('stats production 30d');
    expect(commitRequests().sort()).toEqual([SHA_1, SHA_2, 'deadbeef0', 'main'].sort());
    expect(
      e2e.github.requestsTo('repos/get-commit', { where: (request) => request.params[0] === 'deadbeef0' })[0]
        ?.status,
    ).toBe(422);
    const shown = visibleText(reply);
    const lines = shown.split('\n');

    expect(reply.response_type).toBe('ephemeral');
    expect(lines[0]).toMatch(
      /^\*Deploy stats\* · last 30d \(<!date\^1772323200\^.*\|2026-03-01 00:00 UTC> → .*2026-03-31 00:00 UTC>\)$/,
    );
    // e1 e3 e6 e7 succeeded; e4 failed; e2 e8 rolled back; e5 cancelled (e0 is before the window; rb1 is a /rollback).
    expect(lines).toContain(
      '*production* · 8 deployments: 4 succeeded, 1 failed, 2 rolled back, 1 cancelled · 1 `/rollback`',
    );
    // 4 successes in 30 days: 4 / 30 = 0.13 a day, 28 / 30 = 0.93 a week; 4 × 7 = 28 days < 30: monthly, not weekly.
    expect(lines).toContain(
      '🚀 *Deploy frequency*: 4 successful deployments in 30d · 0.13/day · 0.93/week — 🟡 Medium',
    );
    // Finished: 4 + 1 + 2 = 7; failed changes: e2 and e8 (rolled back; e2 also inc-1) = 2; 2 / 7 = 28.6 % > 15 %.
    expect(lines).toContain(
      '💥 *Change-failure rate*: 28.6% (2 of 7 finished deployments) — 🔴 Low · not under the 10% target ⚠️',
    );
    const failures = lines.filter((line) => line.startsWith('      • '));
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatch(/^ {6}• `e8` of `1{7}` <!date\^\d+\^.*\|2026-03-25 10:40 UTC>: rolled back$/);
    expect(failures[1]).toMatch(/: rolled back; incident `inc-1`$/);
    // inc-1 11:05 → 11:50 = 45m (it covers e2's rollback); e8 10:30 → 10:40 = 10m; rb1 09:00 → 09:05 = 5m.
    // Mean (45 + 10 + 5) / 3 = 20m; median of 5, 10, 45 = 10m < 1h: elite. inc-2 is still open.
    expect(lines).toContain(
      '🩹 *Time to restore*: mean 20m, median 10m (1 incident + 2 rollbacks) — 🟢 Elite · not counted: 1 incident still open',
    );
    // Lead times 2h, 24h, 72h: median 24h = 1d (not under a day: high); p90 rank 1.8 → 24 + 0.8 × 48 = 62.4h ≈ 2d 14h.
    expect(lines).toContain(
      '⏱️ *Lead time*: median 1d, p90 2d 14h (3 deployments) · 1 without a commit time — 🔵 High',
    );
    expect(shown).toContain('Commit times missing: 1 not found on GitHub.');
    expect(shown).not.toContain('staging');
    expect(reply.text).toBe(
      'Deploy stats for the last 30d: production 4 successful deployments, change-failure rate 28.6%',
    );

    // Asked again: the three commit times come from Redis, the unknown ref is asked once more.
    expect(await e2e.redis.hkeys(e2e.keys.commitTimes())).toEqual(
      expect.arrayContaining([SHA_1, SHA_2, 'main@e3']),
    );
    const asked = commitRequests().length;
    const second = await stats('stats production');
    expect(commitRequests(asked)).toEqual(['deadbeef0']);
    expect(visibleText(second).split('\n').slice(1)).toEqual(lines.slice(1));
  });

  it('answers every environment, production first, and says when GitHub could not be asked', async () => {
    e2e.github.faults.serverErrors({ route: 'repos/get-commit', status: 503 });

    const reply = await stats('stats');
    // One look-up, retried by the client: every answer a 503.
    expect(e2e.github.requestsTo('repos/get-commit').map((request) => request.status)).toEqual([
      503, 503, 503, 503,
    ]);
    const shown = visibleText(reply);
    expect(shown.indexOf('*production*')).toBeGreaterThan(0);
    expect(shown.indexOf('*staging*')).toBeGreaterThan(shown.indexOf('*production*'));
    // Staging: s1 succeeded in 30 days (monthly), no failure, inc-3 13:00 → 14:00 = 1h (high).
    expect(shown).toContain('*staging* · 1 deployment: 1 succeeded');
    expect(shown).toContain('🩹 *Time to restore*: mean 1h, median 1h (1 incident) — 🔵 High');
    expect(shown).toContain(
      '💥 *Change-failure rate*: 0% (0 of 1 finished deployment) — 🟢 Elite · under the 10% target ✅',
    );
    expect(shown).toContain('⏱️ *Lead time*: no commit time known for the 1 successful deployment');
    // Production's four and staging's one: the first lookup failed, the rest were not attempted.
    expect(shown).toContain('Commit times missing: 5 not read (GitHub did not answer).');
  });

  it('names the environments it knows when asked for another', async () => {
    const reply = await stats('stats prodution 7d');
    expect(visibleText(reply)).toBe(
      ':no_entry_sign: There is no environment `prodution`. Did you mean `production`? Known: `staging`, `production`.',
    );
  });
});
