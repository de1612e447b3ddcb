import { describe, expect, it, vi } from 'vitest';
import { GREENLIGHT_INPUTS, greenlightWorkflow, refSha } from '../../playground/sim/github.js';
import { DEPLOY_APPROVE } from '../../views/ids.js';
import { TEST_GITHUB_TOKEN } from '../helpers/credentials.js';
import { deployConfig, FAST_GITHUB, shownWithIds, useE2E, visibleText } from '../helpers/e2e.js';

const ALICE = 'U0ALICE';
const CAROL = 'U0CAROL';
const DAVE = 'U0DAVE';
const MAIN = refSha('acme/platform', 'main');
const CI = 'https://ci.example.com/acme/platform/jobs/812';

/** What `/deploy` checks on GitHub before "Starting now": the ref, the commit's checks, and what GitHub refuses. */
describe('/deploy and the commit it names, end to end', () => {
  const e2e = useE2E('commit');

  /** production: one approval, by Carol or Dave; staging: none. */
  const start = (production: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}) =>
    e2e.startBot(deployConfig({ approvers: [CAROL, DAVE], ...production }, overrides), {
      runtime: FAST_GITHUB,
    });

  async function deploy(text: string, user = ALICE) {
    const ack = await e2e.slack.command('/deploy', text, { user });
    expect(ack.status).toBe(200);
    return (await ack.reply()).body;
  }

  const writes = () => e2e.github.requests.filter((request) => request.method !== 'GET');
  const lockOf = (env: string) => e2e.redis.hgetall(e2e.keys.envLock(env));
  const timeline = () => shownWithIds(e2e.slack.messages('#deployment-status').at(-1));
  const idFrom = (reply: Record<string, unknown>) => e2e.records.idFromReply(reply);

  describe('the ref', () => {
    it('a mistyped ref is refused naming it and the repository; nothing is recorded, queued or locked', async () => {
      await start();
      const reply = await deploy('staging mian');
      expect(visibleText(reply)).toBe(
        ':no_entry_sign: There is no branch, tag or commit `mian` in acme/platform: check the ref (nothing was started).',
      );
      expect(await e2e.records.deploymentIds('staging')).toEqual([]);
      expect(await e2e.redis.scard(e2e.keys.activeDeployments())).toBe(0);
      expect(await lockOf('staging')).toEqual({});
      expect(writes()).toEqual([]);
      expect(e2e.slack.messages('#deployment-status')).toEqual([]);
      expect((await e2e.records.audit()).at(-1)).toMatchObject({
        action: 'deploy.refused',
        refusal: 'not_found',
        ref: 'mian',
      });
    });

    it('a branch deleted while its deployment waited for approval: failed, the environment left unlocked', async () => {
      e2e.github.repo().setBranch('feature-x', 'feature-x');
      await start();
      const id = await idFrom(await deploy('production feature-x'));
      await vi.waitFor(() => expect(timeline()).toContain(DEPLOY_APPROVE));
      e2e.github.repo().branches.delete('feature-x');
      await e2e.slack.click({ actionId: DEPLOY_APPROVE, value: id, user: CAROL });

      await e2e.records.waitForStatus(id, 'failed', { finalized: true });
      expect(e2e.github.runs()).toEqual([]);
      expect(await lockOf('production')).toEqual({});
      await vi.waitFor(() =>
        expect(timeline()).toContain(
          'GitHub found no branch, tag or commit `feature-x` in acme/platform: check the ref.',
        ),
      );
      expect(timeline()).toContain('Nothing was dispatched, so *production* is not locked');
    });
  });

  describe('a workflow GitHub refuses', () => {
    it('a misdeclared workflow fails the deployment without a lock, naming the input and the fix', async () => {
      const { greenlight_id: _undeclared, ...inputs } = GREENLIGHT_INPUTS;
      e2e.github.repo().addWorkflow({ ...greenlightWorkflow('production-deployment.yml'), inputs });
      await start();
      const id = await idFrom(await deploy('staging'));

      const { state } = await e2e.records.waitForStatus(id, 'failed', { finalized: true });
      const reason =
        'GitHub refused the dispatch of `production-deployment.yml` in acme/platform: Unexpected inputs provided: ["greenlight_id"] — declare them in production-deployment.yml under `on.workflow_dispatch.inputs` (see `npm run check`)';
      expect(state.timeline.at(-1)).toMatchObject({
        kind: 'failed',
        text: `Pre-deployment validation: ${reason}`,
      });
      expect(await lockOf('staging')).toEqual({});
      expect(e2e.github.runs()).toEqual([]);
      await vi.waitFor(() => expect(timeline()).toContain('Unexpected inputs provided: ["greenlight_id"]'));
      expect(timeline()).toContain('Nothing was dispatched, so *staging* is not locked');
      expect(e2e.github.statuses().map((status) => status.state)).toEqual(['in_progress', 'failure']);

      // Fixed: the next deployment goes through, nothing to unlock first.
      e2e.github.repo().addWorkflow(greenlightWorkflow('production-deployment.yml'));
      e2e.github.setLifecycle({ mode: 'auto', runMs: 0 });
      const next = await idFrom(await deploy('staging'));
      await e2e.records.waitForStatus(next, 'succeeded', { finalized: true });
    });
  });

  describe('a commit SHA', () => {
    const SHA = 'c0ffee1ab2a1e5b0b6d4f2e1f0e9d8c7b6a59483';

    it('runs the workflow at github.ref with the full SHA as the ref input; the dry run shows exactly that', async () => {
      e2e.github.repo().addCommit({ sha: SHA, message: 'Fix the checkout' });
      await start();
      const plan = visibleText(await deploy('staging c0ffee1 --dry-run'));
      expect(plan).toContain(`🧪 *Dry run:* deploy \`${SHA}\` to *staging*`);
      expect(plan).toContain('a commit, so the workflows run as they are on `main`');
      expect(plan).toContain('workflow: production-deployment.yml (dispatched at main)');
      expect(plan).toContain(`ref: ${SHA}`);
      expect(writes()).toEqual([]);

      e2e.github.setLifecycle({ mode: 'auto', runMs: 0 });
      const id = await idFrom(await deploy('staging c0ffee1'));
      await e2e.records.waitForStatus(id, 'succeeded', { finalized: true });
      const [first] = e2e.github.requestsTo('actions/create-workflow-dispatch');
      expect(first?.body).toMatchObject({
        ref: 'main',
        inputs: {
          deployment_phase: 'validation',
          environment: 'staging',
          ref: SHA,
          greenlight_id: `${id}-validation-0`,
        },
      });
      expect(first?.status).toBe(200);
      expect(e2e.github.deployments()).toMatchObject([{ ref: SHA, sha: SHA, environment: 'staging' }]);
      expect((await e2e.records.state(id)).sha).toBe(SHA);
      expect(plan).toContain('2 phases');
    });
  });

  describe('only green commits', () => {
    const red = () => {
      e2e.github
        .repo()
        .setStatus(MAIN, { context: 'ci/test', state: 'failure', description: '3 failed', targetUrl: CI });
      e2e.github.repo().setCheckRun(MAIN, { name: 'lint', status: 'in_progress', conclusion: null });
      e2e.github.repo().setCheckRun(MAIN, { name: 'build', status: 'completed', conclusion: 'success' });
    };

    it('refuses a red commit with its failing and pending checks, linked, and how to go on', async () => {
      red();
      await start();
      const reply = await deploy('production main');
      const shown = visibleText(reply);
      expect(shown).toContain(
        `:no_entry_sign: \`main\` (\`${MAIN.slice(0, 7)}\`) is not green in acme/platform, so nothing was started:`,
      );
      expect(shown).toContain(`• ❌ <${CI}|ci/test> failure`);
      expect(shown).toMatch(/• ⏳ <http:\/\/127\.0\.0\.1:\d+\/acme\/platform\/runs\/\d+\|lint> in_progress/);
      expect(shown).not.toContain('build');
      expect(shown).toContain(
        'Deploy a green commit, or an approver can deploy it anyway: `/deploy production main --override &lt;reason&gt;`.',
      );
      expect(await e2e.records.deploymentIds('production')).toEqual([]);
      expect(writes()).toEqual([]);

      // Someone who is no approver cannot override it.
      const refused = visibleText(await deploy('production main --override the tests are flaky'));
      expect(refused).toContain('is not green in acme/platform');
      expect(refused).toContain('Only an approver of production may deploy with `--override`.');
      expect(await e2e.records.deploymentIds('production')).toEqual([]);

      // The dry run says what a deploy would meet.
      const plan = visibleText(await deploy('production --dry-run'));
      expect(plan).toContain(
        "⛔ Not green, so a deploy would be refused without an approver's `--override &lt;reason&gt;`:",
      );
      expect(plan).toContain(`• ❌ <${CI}|ci/test> failure`);
    });

    it("an approver's --override deploys it anyway: audited, on the timeline, and GitHub told to check nothing", async () => {
      red();
      e2e.github.setLifecycle({ mode: 'auto', runMs: 0 });
      await start();
      const id = await idFrom(await deploy('production main --override CI is down, INC-7', CAROL));
      const { state } = await e2e.records.deployment(id);
      expect(state.overridden).toEqual({ checks: ['ci/test (failure)', 'lint (in_progress)'] });
      await vi.waitFor(() =>
        expect(timeline()).toContain(
          '⚠️ *Override:* CI is down, INC-7 — past checks not green (ci/test (failure), lint (in_progress))',
        ),
      );
      expect((await e2e.records.audit()).map((entry) => entry.action)).toEqual([
        'deploy.requested',
        'deploy.overridden',
      ]);
      expect((await e2e.records.audit())[1]).toMatchObject({
        by: CAROL,
        reason: 'CI is down, INC-7',
        overridden: 'ci/test (failure), lint (in_progress)',
      });

      // The start gate, then the migration's.
      await e2e.slack.click({ actionId: DEPLOY_APPROVE, value: id, user: DAVE });
      // Validation's run ends at once; the next sweep's run-list read (within the 1 s interval) sees it.
      await vi.waitFor(
        async () => expect((await e2e.records.state(id)).gate?.phaseId).toBe('database_migration'),
        { timeout: 5_000 },
      );
      await vi.waitFor(() => expect(timeline()).toContain(DEPLOY_APPROVE));
      await e2e.slack.click({ actionId: DEPLOY_APPROVE, value: id, user: DAVE });
      await e2e.records.waitForStatus(id, 'succeeded', { finalized: true });
      expect(e2e.github.deployments()[0]?.requiredContexts).toEqual([]);
    });

    it('asks GitHub to check the checks it found green, and ignores its own deployment runs on the commit', async () => {
      e2e.github
        .repo()
        .setStatus(MAIN, { context: 'ci/test', state: 'success', description: null, targetUrl: CI });
      e2e.github.repo().setCheckRun(MAIN, { name: 'build', status: 'completed', conclusion: 'success' });
      await start();
      // A first deployment of main whose run fails: its job is a red check run on main's commit now.
      const first = await idFrom(await deploy('staging'));
      await vi.waitFor(() => expect(e2e.github.runs()).toHaveLength(1));
      e2e.github.fail(e2e.github.runs()[0]?.id ?? 0);
      await e2e.records.waitForStatus(first, 'failed', { finalized: true });
      expect(await e2e.redis.hget(e2e.keys.envLock('staging'), 'by')).toBe('greenlight');
      await e2e.slack.command('/deploy', 'unlock staging', { user: ALICE });
      await vi.waitFor(async () => expect(await lockOf('staging')).toEqual({}));

      e2e.github.setLifecycle({ mode: 'auto', runMs: 0 });
      const second = await idFrom(await deploy('staging'));
      await e2e.records.waitForStatus(second, 'succeeded', { finalized: true });
      expect(e2e.github.deployments().map((deployment) => deployment.requiredContexts)).toEqual([
        ['ci/test', 'build'],
        ['ci/test', 'build'],
      ]);
    });

    it('with green checks named at the request that are red at the start, GitHub refuses and nothing is locked', async () => {
      e2e.github
        .repo()
        .setStatus(MAIN, { context: 'ci/test', state: 'success', description: null, targetUrl: CI });
      await start();
      const id = await idFrom(await deploy('production'));
      await vi.waitFor(() => expect(timeline()).toContain(DEPLOY_APPROVE));
      e2e.github
        .repo()
        .setStatus(MAIN, { context: 'ci/test', state: 'failure', description: null, targetUrl: CI });
      await e2e.slack.click({ actionId: DEPLOY_APPROVE, value: id, user: CAROL });

      const { state } = await e2e.records.waitForStatus(id, 'failed', { finalized: true });
      expect(state.timeline.at(-1)?.text).toBe(
        'GitHub refused to record the deployment of `main`: required checks are not green on it (ci/test (failure)); deploy a green commit, or an approver can add `--override <reason>`',
      );
      expect(e2e.github.runs()).toEqual([]);
      expect(e2e.github.deployments()).toEqual([]);
      expect(await lockOf('production')).toEqual({});
    });

    it('requireChecks: a list requires those checks only, and one that has not reported counts as missing', async () => {
      e2e.github
        .repo()
        .setStatus(MAIN, { context: 'lint', state: 'failure', description: null, targetUrl: null });
      await start({ requireChecks: ['ci/test'] });
      const missing = visibleText(await deploy('production'));
      expect(missing).toContain('is not green in acme/platform');
      expect(missing).toContain('• ⏳ ci/test not reported');
      expect(missing).not.toContain('lint');

      e2e.github
        .repo()
        .setStatus(MAIN, { context: 'ci/test', state: 'success', description: null, targetUrl: CI });
      const id = await idFrom(await deploy('production'));
      expect((await e2e.records.state(id)).requiredContexts).toEqual(['ci/test']);
    });

    it('requireChecks: none deploys a red commit without asking GitHub about its checks', async () => {
      red();
      await start({}, { deploy: { pollInterval: '1s', requireChecks: 'none' } });
      const id = await idFrom(await deploy('staging'));
      expect((await e2e.records.state(id)).requiredContexts).toEqual([]);
      expect(e2e.github.requestsTo('repos/get-combined-status-for-ref')).toEqual([]);
      expect(e2e.github.requestsTo('checks/list-for-ref')).toEqual([]);
    });
  });
});

describe('/deploy with a token that may read but not dispatch, end to end', () => {
  const e2e = useE2E('token', {
    github: () => ({
      tokens: {
        [TEST_GITHUB_TOKEN]: {
          permissions: {
            actions: 'read',
            contents: 'read',
            deployments: 'write',
            statuses: 'read',
            checks: 'read',
          },
        },
      },
    }),
  });

  it('fails the deployment at its first dispatch, saying which permission to give, without a lock', async () => {
    await e2e.startBot(deployConfig(), { runtime: FAST_GITHUB });
    const ack = await e2e.slack.command('/deploy', 'staging', { user: ALICE });
    const id = await e2e.records.idFromReply((await ack.reply()).body);
    const { state } = await e2e.records.waitForStatus(id, 'failed', { finalized: true });
    expect(state.timeline.at(-1)?.text).toBe(
      'Pre-deployment validation: GitHub refused the dispatch of `production-deployment.yml` in acme/platform: Resource not accessible by personal access token — give GITHUB_TOKEN Actions: read and write on acme/platform (see `npm run check`)',
    );
    expect(e2e.github.runs()).toEqual([]);
    expect(await e2e.redis.hgetall(e2e.keys.envLock('staging'))).toEqual({});
  });
});
