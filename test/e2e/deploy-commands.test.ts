import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Greenlight } from '../../src/runtime.js';
import {
  ABORT_REASON_BLOCK,
  ABORT_REASON_INPUT,
  DEPLOY_ABORT,
  DEPLOY_ABORT_MODAL,
  DEPLOY_APPROVE,
} from '../../views/ids.js';
import {
  type Capture,
  captureResponses,
  fakeSlackApi,
  isolateNetwork,
  post,
  type SlackCall,
} from '../helpers/bot.js';
import {
  abortSubmission,
  type FakeGitHub,
  fakeGitHub,
  startDeployBot,
  visibleText,
} from '../helpers/deploy.js';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { buttonClick, slashCommand } from '../helpers/slack.js';

const ALICE = 'U0ALICE'; // requester; in @eng
const BOB = 'U0BOB'; // in @eng, not an approver
const CAROL = 'U0CAROL'; // approver of production
const DAVE = 'U0DAVE'; // in @release-managers only
const EVE = 'U0EVE'; // in no group at all

type Reply = Record<string, unknown>;
type Doc = {
  state: {
    status: string;
    override?: string;
    gate?: { approvals: unknown[] };
    timeline: { kind: string; by?: string; text?: string }[];
  };
  meta: { finalized?: boolean; githubDeploymentId?: number };
};

/** What a dry run's phase sections list: per dispatch, the workflow and its inputs in the order shown. */
function shownDispatches(text: string): { workflow: string; inputs: Record<string, string> }[] {
  return [...text.matchAll(/```([^`]*)```/g)].flatMap(([, block = '']) => {
    const [first = '', ...lines] = block.split('\n');
    const columns = lines.map((line) => {
      const [name = '', values = ''] = line.split(/: (.*)/s);
      return { name, values: values.split(' | ') };
    });
    const steps = Math.max(...columns.map((column) => column.values.length));
    return Array.from({ length: steps }, (_, step) => ({
      workflow: first.replace(/^workflow: /, ''),
      inputs: Object.fromEntries(columns.map(({ name, values }) => [name, values[step] ?? values[0] ?? ''])),
    }));
  });
}

const WEEK = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

describe('/deploy subcommands, buttons and the abort modal, end to end', () => {
  let prefix: string;
  let redis: Redis;
  let slack: Capture<SlackCall>;
  let responses: Capture<{ path: string; body: Record<string, unknown> }>;
  let url: string;
  const bots: Greenlight[] = [];

  beforeAll(() => isolateNetwork());
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => {
    prefix = uniquePrefix('deploycmd');
    redis = testRedis();
    slack = fakeSlackApi();
    responses = captureResponses();
  });
  afterEach(async () => {
    await Promise.all(bots.splice(0).map((bot) => bot.stop()));
    await deleteKeys(redis, prefix);
    redis.disconnect();
    nock.cleanAll();
  });

  /** The real bot against GHES; `production` overrides the production environment (1 approval by Carol). */
  async function start(production: Record<string, unknown> = {}): Promise<void> {
    const bot = await startDeployBot(testRedisUrl(), prefix, production);
    bots.push(bot);
    url = `http://127.0.0.1:${bot.port}`;
  }

  /** Sends `/deploy <text>` as `user`: the HTTP ack, and the private answer posted to its response_url. */
  async function deploy(text: string, user = ALICE) {
    const request = slashCommand('/deploy', text, { userId: user });
    const ack = await post(url, request);
    expect(ack.status).toBe(200);
    return {
      ack,
      ackBody: () => JSON.parse(ack.text) as Reply,
      reply: () =>
        vi.waitFor(
          () => {
            const found = responses.calls.find((call) => call.path === request.responsePath);
            if (!found) throw new Error(`no answer to /deploy ${text} yet`);
            return found.body;
          },
          { timeout: 5_000 },
        ),
    };
  }

  /** The private answer's visible text. */
  async function answer(text: string, user = ALICE): Promise<string> {
    return visibleText(await (await deploy(text, user)).reply());
  }

  /** `/deploy …` that must start a deployment: its id, read from the requester's confirmation. */
  async function requestDeployment(text: string, user = ALICE): Promise<{ id: string; reply: Reply }> {
    const reply = await (await deploy(text, user)).reply();
    const id = /^Deployment (\S+) of /.exec(String(reply.text))?.[1];
    if (!id) throw new Error(`not accepted: ${visibleText(reply)}`);
    return { id, reply };
  }

  async function doc(id: string): Promise<Doc> {
    const raw = await redis.hget(`${prefix}greenlight:deploy:${id}`, 'doc');
    if (!raw) throw new Error(`no record for ${id}`);
    return JSON.parse(raw) as Doc;
  }

  async function waitForStatus(id: string, status: string, finalized = false, timeout = 10_000) {
    await vi.waitFor(
      async () => {
        const record = await doc(id);
        expect(record.state.status).toBe(status);
        if (finalized) expect(record.meta.finalized).toBe(true);
      },
      { timeout },
    );
  }

  /** The timeline message of one deployment as posted and updated in the status channel, oldest first. */
  const timeline = (id: string) =>
    slack.calls
      .filter(
        (call) =>
          (call.method === 'chat.update' || (call.method === 'chat.postMessage' && !call.args.thread_ts)) &&
          JSON.stringify(call.args.blocks).includes(id),
      )
      .map((call) => visibleText(call.args) + JSON.stringify(call.args.blocks));

  const threadReplies = () =>
    slack.calls
      .filter((call) => call.method === 'chat.postMessage' && call.args.thread_ts)
      .map((call) => String(call.args.text));

  const deploymentsIn = (env: string) => redis.zrange(`${prefix}greenlight:deploys:${env}`, '0', '-1');
  const settle = (ms = 1_300) => new Promise((resolve) => setTimeout(resolve, ms));
  const dispatchedFor = (github: FakeGitHub, id: string) =>
    github.dispatches
      .filter((dispatch) => dispatch.body.inputs.greenlight_id?.startsWith(`${id}-`))
      .map((dispatch) => dispatch.body.inputs.deployment_phase);

  it('answers /deploy help and a mistyped option in the ack, privately and without side effects', async () => {
    const github = fakeGitHub();
    await start();

    for (const text of ['help', '', '--help']) {
      const help = await deploy(text);
      const body = help.ackBody();
      expect(body.response_type).toBe('ephemeral');
      const shown = visibleText(body);
      expect(shown).toContain('*Usage of /deploy*');
      expect(shown).toContain('`/deploy <env> [ref] [--services a,b] [--dry-run] [--override <reason…>]`');
      expect(shown).toContain('`/deploy status [env]`');
      expect(shown).toContain('`/deploy lock <env> <reason…> [--for 2h]`');
      expect(shown).toContain('`/deploy cancel <id>`');
    }

    const typo = await deploy('production --dryrun');
    const body = typo.ackBody();
    expect(body.response_type).toBe('ephemeral');
    expect(visibleText(body)).toContain(':no_entry_sign: Unknown option `--dryrun`.');
    expect(visibleText(body)).toContain('*Usage of /deploy*');
    expect(body.text).toBe('Unknown option --dryrun.');

    const count = await deploy('history production 500');
    expect(visibleText(count.ackBody())).toContain(
      'The count must be a whole number from 1 to 50, not `500`.',
    );

    await settle();
    expect(responses.calls).toEqual([]);
    expect(slack.calls.filter((call) => call.method.startsWith('chat.'))).toEqual([]);
    expect(github.requests).toEqual([]);
    expect(await deploymentsIn('production')).toEqual([]);
  });

  it('answers an unknown environment with the known ones (and the likely one)', async () => {
    const github = fakeGitHub();
    await start();

    const typo = await deploy('prodution');
    expect(typo.ack.text).toBe('');
    const shown = visibleText(await typo.reply());
    expect(shown).toBe(
      ':no_entry_sign: There is no environment `prodution`. Did you mean `production`? Known: `staging`, `production`.',
    );
    expect(await answer('qa main')).toBe(
      ':no_entry_sign: There is no environment `qa`. Known: `staging`, `production`.',
    );
    expect(responses.calls.every((call) => call.body.response_type === 'ephemeral')).toBe(true);

    await settle();
    expect(github.requests).toEqual([]);
    expect(slack.calls.filter((call) => call.method === 'chat.postMessage')).toEqual([]);
    expect(await deploymentsIn('production')).toEqual([]);
  });

  it('--dry-run shows phases, gates, approvers and the workflow inputs, and sends nothing to GitHub', async () => {
    const github = fakeGitHub();
    await start();

    const reply = await (await deploy('production --dry-run')).reply();
    expect(reply.response_type).toBe('ephemeral');
    const shown = visibleText(reply);
    expect(shown).toContain(
      '🧪 *Dry run:* deploy `main` to *production* in 2 phases. *Nothing was dispatched.*',
    );
    expect(shown).toContain('✋ Needs 1 distinct approver from <@U0CAROL> before it starts');
    expect(shown).toContain('again at each of the 1 gate marked ✋');
    expect(shown).toContain('*1. Pre-deployment validation* `validation`');
    expect(shown).toMatch(/\*2\. Database migration\* `database_migration` · ✋ approval before it starts/);
    // Phase 1 has no gate.
    expect(shown).not.toMatch(/`validation` · ✋/);
    expect(shown).toContain('workflow: production-deployment.yml');
    expect(shown).toContain('deployment_phase: validation');
    expect(shown).toContain('deployment_phase: database_migration');
    expect(shown).toContain('environment: production');
    expect(shown).toContain('ref: main');
    expect(shown).toContain('greenlight_id: ');
    expect(shown).toContain('Run it without `--dry-run` to deploy.');

    const tagged = visibleText(await (await deploy('production v2.3.1 --dry-run')).reply());
    expect(tagged).toContain('deploy `v2.3.1` to *production*');
    expect(tagged).toContain('ref: v2.3.1');

    // Longer than a poll interval: a sweep runs, and still nothing reaches GitHub or the status channel.
    await settle(1_500);
    expect(github.requests).toEqual([]);
    expect(slack.calls.filter((call) => call.method.startsWith('chat.'))).toEqual([]);
    expect(await deploymentsIn('production')).toEqual([]);
    expect(await redis.scard(`${prefix}greenlight:unfinished-deploys`)).toBe(0);
  });

  it('--dry-run lists every dispatch’s inputs as the deployment then sends them, a canary step by step', async () => {
    const github = fakeGitHub();
    // The canary's holds end on a passing reading: the service's health check answers here.
    const health = createServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
    const bot = await startDeployBot(
      testRedisUrl(),
      prefix,
      {},
      {
        pipeline: [
          {
            id: 'validation',
            title: 'Validation',
            inputs: { deployment_phase: 'validation', dry_run: false },
          },
          {
            id: 'traffic_switch',
            title: 'Traffic switch',
            inputs: { deployment_phase: 'traffic_switch', replicas: 3 },
            services: ['api'],
            canary: { steps: [5, 25, 100], hold: '100ms' },
          },
        ],
        services: {
          api: {
            health: [{ url: `http://127.0.0.1:${(health.address() as AddressInfo).port}/`, expect: 200 }],
          },
        },
        analysis: { interval: '100ms' },
      },
    );
    bots.push(bot);
    url = `http://127.0.0.1:${bot.port}`;

    const dryRun = await answer('staging v2.3.1 --dry-run');
    const dryId = /greenlight_id: (\S+)-validation-0/.exec(dryRun)?.[1] ?? 'none';
    const { id } = await requestDeployment('staging v2.3.1');
    await waitForStatus(id, 'succeeded');
    await new Promise((resolve) => health.close(resolve));

    const sent = github.dispatches.map((dispatch) => ({
      workflow: dispatch.workflow,
      inputs: JSON.parse(JSON.stringify(dispatch.body.inputs).replaceAll(id, dryId)),
    }));
    expect(sent.map((dispatch) => dispatch.inputs.traffic_percentage)).toEqual([undefined, '5', '25', '100']);
    // The same inputs with the same values in the same order, but for the deployment's id.
    expect(shownDispatches(dryRun).map((dispatch) => JSON.stringify(dispatch))).toEqual(
      sent.map((dispatch) => JSON.stringify(dispatch)),
    );
    expect(github.dispatches.every((dispatch) => dispatch.body.ref === 'v2.3.1')).toBe(true);
  });

  it('refuses Approve from a non-approver privately, and /deploy from someone not among the deployers', async () => {
    const github = fakeGitHub();
    await start({ deployers: ['@eng'] });

    // Eve is in no deployer group: refused before anything is recorded.
    const refused = await answer('production', EVE);
    expect(refused).toBe(
      ':no_entry_sign: You are not among the deployers of production; ask one of them, or an owner of greenlight.yml.',
    );
    expect(await deploymentsIn('production')).toEqual([]);

    const { id } = await requestDeployment('production', ALICE);
    await vi.waitFor(() => expect(timeline(id).at(-1)).toContain(DEPLOY_APPROVE));

    // Bob may deploy (@eng) but is no approver.
    await post(url, buttonClick(DEPLOY_APPROVE, id, BOB, '/actions/bob'));
    const bobs = await vi.waitFor(() => {
      const found = responses.calls.find((call) => call.path === '/actions/bob');
      if (!found) throw new Error('no answer to Bob yet');
      return found.body;
    });
    expect(bobs).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(visibleText(bobs)).toBe(
      ':no_entry_sign: Only approvers of production can approve this deployment.',
    );

    // The requester is refused too, even where they would otherwise qualify.
    await post(url, buttonClick(DEPLOY_APPROVE, id, ALICE, '/actions/alice'));
    const alices = await vi.waitFor(() => {
      const found = responses.calls.find((call) => call.path === '/actions/alice');
      if (!found) throw new Error('no answer to Alice yet');
      return found.body;
    });
    expect(visibleText(alices)).toContain('You requested this deployment, so you cannot approve it');

    await settle(1_500);
    expect(github.requests).toEqual([]);
    const record = await doc(id);
    expect(record.state.status).toBe('awaiting_approval');
    expect(record.state.gate?.approvals).toEqual([]);
    expect(timeline(id).at(-1)).toContain('0/1 approvals');
  });

  it('Abort opens the modal; a too-short reason is refused in the HTTP answer; a reason cancels at the gate', async () => {
    const github = fakeGitHub();
    await start();
    const { id } = await requestDeployment('production');
    await vi.waitFor(() => expect(timeline(id).at(-1)).toContain(DEPLOY_ABORT));

    const click = buttonClick(DEPLOY_ABORT, id, CAROL);
    const triggerId = JSON.parse(new URLSearchParams(click.body).get('payload') ?? '{}').trigger_id;
    expect((await post(url, click)).status).toBe(200);
    const open = await vi.waitFor(() => {
      const found = slack.calls.find((call) => call.method === 'views.open');
      if (!found) throw new Error('no views.open yet');
      return found;
    });
    expect(open.args.trigger_id).toBe(triggerId);
    const view = JSON.parse(String(open.args.view));
    expect(view).toMatchObject({ type: 'modal', callback_id: DEPLOY_ABORT_MODAL, private_metadata: id });
    for (const label of [view.title, view.submit, view.close]) {
      expect(label.type).toBe('plain_text');
      expect(label.text.length).toBeGreaterThan(0);
      expect(label.text.length).toBeLessThanOrEqual(24);
    }
    const input = view.blocks.find((block: { type: string }) => block.type === 'input');
    expect(input).toMatchObject({ block_id: ABORT_REASON_BLOCK, element: { action_id: ABORT_REASON_INPUT } });
    expect(JSON.stringify(view.blocks)).toContain(`\`${id}\``);

    for (const tooShort of ['no', '   ', null]) {
      const refused = await post(url, abortSubmission(id, tooShort, CAROL));
      expect(refused.status).toBe(200);
      expect(JSON.parse(refused.text)).toEqual({
        response_action: 'errors',
        errors: { [ABORT_REASON_BLOCK]: expect.stringMatching(/why/) },
      });
    }
    expect((await doc(id)).state.status).toBe('awaiting_approval');

    // Bob is neither the requester nor an approver: the modal closes and he is told privately.
    const bobs = await post(url, abortSubmission(id, 'I do not like it', BOB));
    expect(bobs.status).toBe(200);
    expect(bobs.text).toBe('');
    const ephemeral = await vi.waitFor(() => {
      const found = slack.calls.find((call) => call.method === 'chat.postEphemeral');
      if (!found) throw new Error('no ephemeral yet');
      return found;
    });
    expect(ephemeral.args).toMatchObject({
      channel: 'C0STATUS',
      user: BOB,
      text: 'Only the requester or an approver of production can abort this deployment.',
    });
    expect((await doc(id)).state.status).toBe('awaiting_approval');

    const accepted = await post(url, abortSubmission(id, 'wrong ref, redeploying', CAROL));
    expect(accepted.status).toBe(200);
    expect(accepted.text).toBe('');
    await waitForStatus(id, 'cancelled', true);
    const cancelled = (await doc(id)).state.timeline.at(-1);
    expect(cancelled).toMatchObject({ kind: 'cancelled', by: CAROL, text: 'wrong ref, redeploying' });
    await vi.waitFor(() => {
      const last = timeline(id).at(-1) ?? '';
      expect(last).toContain('*Cancelled*');
      expect(last).toContain('wrong ref, redeploying');
      expect(last).not.toContain(DEPLOY_APPROVE);
    });
    await vi.waitFor(() =>
      expect(threadReplies()).toContainEqual(
        expect.stringContaining('🛑 Deployment cancelled by <@U0CAROL>: wrong ref, redeploying'),
      ),
    );
    // Nothing ran and no GitHub deployment existed: nothing to tell GitHub.
    await settle();
    expect(github.requests).toEqual([]);
  });

  it('an abort submitted while a run is running cancels the run and marks the GitHub deployment inactive', async () => {
    const github = fakeGitHub({ hold: true });
    await start();
    const { id } = await requestDeployment('production');
    await vi.waitFor(() => expect(timeline(id).at(-1)).toContain(DEPLOY_ABORT));

    // Alice opens the modal at the gate; Carol approves before Alice submits it.
    await post(url, buttonClick(DEPLOY_ABORT, id, ALICE));
    await vi.waitFor(() => expect(slack.calls.some((call) => call.method === 'views.open')).toBe(true));
    await post(url, buttonClick(DEPLOY_APPROVE, id, CAROL));
    await vi.waitFor(() => expect(github.dispatches).toHaveLength(1), { timeout: 5_000 });
    await vi.waitFor(() => expect(github.statuses).toEqual([{ deploymentId: 77, state: 'in_progress' }]));
    const runId = github.dispatches[0]?.runId;
    await vi.waitFor(async () => expect((await doc(id)).state.timeline.at(-1)?.kind).toBe('dispatched'));

    const submitted = await post(url, abortSubmission(id, 'error rate rising', ALICE));
    expect(submitted.text).toBe('');
    await waitForStatus(id, 'cancelled', true);
    await vi.waitFor(() => expect(github.cancelled).toEqual([runId]));
    expect(github.requests).toContain(`POST /api/v3/repos/acme/platform/actions/runs/${runId}/cancel`);
    // in_progress while it ran, inactive once cancelled (how often inactive is sent: see the test below).
    expect(github.statuses[0]).toEqual({ deploymentId: 77, state: 'in_progress' });
    expect(github.statuses.at(-1)).toEqual({ deploymentId: 77, state: 'inactive' });
    expect(new Set(github.statuses.slice(1).map((status) => status.state))).toEqual(new Set(['inactive']));
    expect(await redis.get(`${prefix}greenlight:env:production:active`)).toBeNull();
    expect(await redis.hget(`${prefix}greenlight:env:production:lock`, 'by')).toBeNull();
    await vi.waitFor(() => expect(timeline(id).at(-1)).toContain('error rate rising'));
    // No further phase is dispatched after the abort.
    await settle(1_500);
    expect(github.dispatches).toHaveLength(1);
  }, 20_000);

  it('/deploy cancel of a running deployment cancels its run and sets the final GitHub status once', async () => {
    // GitHub takes a while to answer the final status, as it sometimes does: a sweep comes by meanwhile.
    const github = fakeGitHub({ hold: true, finalStatusDelayMs: 2_500 });
    await start({ approvals: 0, approvers: [] });
    const { id } = await requestDeployment('production', ALICE);
    await vi.waitFor(() => expect(dispatchedFor(github, id)).toEqual(['validation']), { timeout: 5_000 });
    await vi.waitFor(async () => expect((await doc(id)).state.timeline.at(-1)?.kind).toBe('dispatched'));
    const runId = github.dispatches[0]?.runId;

    expect(await answer(`cancel ${id}`, ALICE)).toBe(
      `Deployment \`${id}\` stopped; its workflow run is being cancelled.`,
    );
    await vi.waitFor(() => expect(github.cancelled).toEqual([runId]));
    await waitForStatus(id, 'cancelled', true, 10_000);
    await settle(1_000);
    expect(github.statuses).toEqual([
      { deploymentId: 77, state: 'in_progress' },
      { deploymentId: 77, state: 'inactive' },
    ]);
    expect(github.dispatches).toHaveLength(1);
  }, 25_000);

  it('a cancel that lands while a phase is being dispatched still cancels the run that dispatch started', async () => {
    const github = fakeGitHub({ hold: true, dispatchDelayMs: 1_500 });
    await start({ approvals: 0, approvers: [] });
    const { id } = await requestDeployment('production', ALICE);
    // GitHub has accepted the dispatch (the run exists) but has not answered yet.
    await vi.waitFor(() => expect(github.dispatches).toHaveLength(1), { timeout: 5_000 });
    const runId = github.dispatches[0]?.runId;

    expect(await answer(`cancel ${id}`, ALICE)).toMatch(new RegExp(`^Deployment \`${id}\` stopped`));
    await waitForStatus(id, 'cancelled');
    // The run the in-flight dispatch started must not be left running on GitHub.
    await vi.waitFor(() => expect(github.cancelled).toContain(runId), { timeout: 6_000 });
    expect(github.dispatches).toHaveLength(1);
  }, 20_000);

  it('queues a second deployment behind the active one, cancels a queued one, and starts the next when the first ends', async () => {
    const github = fakeGitHub({ hold: true });
    await start({ approvals: 0, approvers: [] });

    const first = await requestDeployment('production', ALICE);
    expect(visibleText(first.reply)).toContain('🚀 Starting now.');
    await vi.waitFor(() => expect(dispatchedFor(github, first.id)).toEqual(['validation']), {
      timeout: 5_000,
    });

    const second = await requestDeployment('production', BOB);
    const secondText = visibleText(second.reply);
    expect(secondText).toContain(`🕒 Queued at position 1, behind \`${first.id}\``);
    expect(secondText).not.toContain('Starting now');
    expect(second.reply.text).toContain('queued at position 1');

    const third = await requestDeployment('production', DAVE);
    expect(visibleText(third.reply)).toContain(`🕒 Queued at position 2, behind \`${first.id}\``);
    await vi.waitFor(async () =>
      expect(await redis.lrange(`${prefix}greenlight:env:production:queue`, 0, -1)).toEqual([
        second.id,
        third.id,
      ]),
    );

    const queued = await answer('status production');
    expect(queued).toContain('*production* · open');
    expect(queued).toMatch(
      new RegExp(`🚀 \`${first.id}\` \`main\` by <@U0ALICE> · running: Pre-deployment validation`),
    );
    expect(queued).toContain(`1. 🕒 \`${second.id}\` \`main\` by <@U0BOB> · queued`);
    expect(queued).toContain(`2. 🕒 \`${third.id}\` \`main\` by <@U0DAVE> · queued`);

    expect(await answer(`cancel ${second.id}`, EVE)).toBe(
      ':no_entry_sign: Only the requester or an approver of production can cancel this deployment.',
    );
    expect(await answer('cancel dnosuchdeployment', BOB)).toBe(
      ':no_entry_sign: There is no deployment `dnosuchdeployment`.',
    );
    expect(await answer(`cancel ${second.id}`, BOB)).toBe(`Deployment \`${second.id}\` stopped.`);
    await waitForStatus(second.id, 'cancelled', true);
    expect(await redis.lrange(`${prefix}greenlight:env:production:queue`, 0, -1)).toEqual([third.id]);
    const after = await answer('status production');
    expect(after).not.toContain(second.id);
    expect(after).toContain(`1. 🕒 \`${third.id}\``);

    // The first one finishes: the environment goes to the next in line, which dispatches its phases.
    github.hold = false;
    await waitForStatus(first.id, 'succeeded', true);
    await vi.waitFor(() => expect(dispatchedFor(github, third.id)).toContain('validation'), {
      timeout: 8_000,
    });
    await waitForStatus(third.id, 'succeeded', true);
    expect(dispatchedFor(github, first.id)).toEqual(['validation', 'database_migration']);
    expect(dispatchedFor(github, second.id)).toEqual([]);
    expect(dispatchedFor(github, third.id)).toEqual(['validation', 'database_migration']);
    expect(github.dispatches.map((dispatch) => dispatch.body.inputs.greenlight_id)).toEqual([
      `${first.id}-validation-0`,
      `${first.id}-database_migration-0`,
      `${third.id}-validation-0`,
      `${third.id}-database_migration-0`,
    ]);
    expect(await redis.get(`${prefix}greenlight:env:production:active`)).toBeNull();
    expect(await answer('status production')).toContain('*production* · open, nothing running');
  }, 30_000);

  it('a lock refuses deploys naming who and why; unlock lets them through', async () => {
    const github = fakeGitHub();
    await start();

    expect(await answer('lock production db maintenance', CAROL)).toBe(
      ':lock: production is locked: db maintenance',
    );
    const refused = await (await deploy('production', ALICE)).reply();
    const refusal = visibleText(refused);
    expect(refusal).toMatch(
      /^\*production\* is 🔒 locked by <@U0CAROL> <!date\^\d+\^[^>]+>: db maintenance\.\nNothing was deployed\./,
    );
    expect(refusal).toContain('Ask <@U0CAROL> to run `/deploy unlock production` when it is safe again.');
    expect(await deploymentsIn('production')).toEqual([]);

    // A second lock does not replace the first.
    expect(await answer('lock production other reason', ALICE)).toContain(
      'production is already locked by <@U0CAROL>: db maintenance',
    );

    const status = await answer('status');
    expect(status).toMatch(/\*staging\* · open, nothing running/);
    expect(status).toMatch(/\*production\* · 🔒 locked by <@U0CAROL> <!date\^\d+\^[^>]+>: db maintenance/);

    expect(await answer('unlock production', CAROL)).toBe(':unlock: production is unlocked.');
    expect(await answer('unlock production', CAROL)).toContain('production was not locked.');
    const { id, reply } = await requestDeployment('production', ALICE);
    expect(visibleText(reply)).toContain(`Deployment \`${id}\` of \`main\` to *production* accepted.`);
    expect(visibleText(reply)).toContain(
      '⏳ It needs 1 approval from approvers of *production* before it starts.',
    );
    expect(await answer('status production')).not.toContain('locked');
    await settle(300);
    expect(github.requests).toEqual([]);
  });

  it('/deploy status and /deploy history show the right lines as a deployment goes through', async () => {
    const github = fakeGitHub();
    await start({ approvals: 1, approvers: [CAROL] });

    expect(await answer('history')).toBe('No deployments yet.');
    expect(await answer('status production')).toBe('*production* · open, nothing running');

    const { id } = await requestDeployment('production', ALICE);
    const waiting = await answer('history production');
    expect(waiting).toContain('*Last 1 deployment*');
    expect(waiting).toMatch(
      new RegExp(`⏳ \`${id}\` \\*production\\* \`main\` by <@U0ALICE> · awaiting approval · <!date`),
    );

    await post(url, buttonClick(DEPLOY_APPROVE, id, CAROL));
    await vi.waitFor(
      async () => {
        const record = await doc(id);
        expect(record.state.status).toBe('awaiting_approval');
        expect(record.state.timeline.some((entry) => entry.kind === 'dispatched')).toBe(true);
      },
      { timeout: 6_000 },
    );
    const atGate = await answer('status production');
    expect(atGate).toContain('*production* · open');
    expect(atGate).toContain(`⏳ \`${id}\` \`main\` by <@U0ALICE> · awaiting approval: Database migration`);

    await post(url, buttonClick(DEPLOY_APPROVE, id, CAROL));
    await waitForStatus(id, 'succeeded', true);
    const history = await answer('history');
    expect(history).toContain('*Last 1 deployment*');
    expect(history).toMatch(
      new RegExp(
        `^✅ \`${id}\` \\*production\\* \`main\` by <@U0ALICE> · <!date\\^\\d+\\^[^>]+> · \\d+s$`,
        'm',
      ),
    );
    expect(await answer('status production')).toBe('*production* · open, nothing running');
    expect(github.dispatches).toHaveLength(2);

    const { id: second } = await requestDeployment('production', ALICE);
    const both = await answer('history production 5');
    expect(both).toContain('*Last 2 deployments*');
    expect(both.indexOf(second)).toBeLessThan(both.indexOf(id));
    expect(await answer('history production 1')).not.toContain(id);
  }, 30_000);

  it('/deploy status lists a deployment that waits for approval to start', async () => {
    fakeGitHub();
    await start();
    const { id } = await requestDeployment('production', ALICE);
    expect((await doc(id)).state.status).toBe('awaiting_approval');
    // Usage: "`/deploy status [env]`: what is running, waiting or locked"; waiting for approval is waiting.
    const status = await answer('status production');
    expect(status).toContain(`\`${id}\` \`main\` by <@U0ALICE> · awaiting approval`);
    expect(await answer('status')).toContain(`\`${id}\``);
  });

  describe('deploy windows', () => {
    /** A window on every day, one hour long, opening two hours after the current UTC hour began: closed now. */
    function closedWindow() {
      const now = new Date();
      const hourStart = Date.UTC(
        now.getUTCFullYear(),
        now.getUTCMonth(),
        now.getUTCDate(),
        now.getUTCHours(),
      );
      const opens = new Date(hourStart + 2 * 3_600_000);
      const closes = new Date(hourStart + 3 * 3_600_000);
      const window = {
        days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
        from: `${pad(opens.getUTCHours())}:00`,
        to: `${pad(closes.getUTCHours())}:00`,
        tz: 'UTC',
      };
      const next = `${WEEK[opens.getUTCDay()]} ${opens.getUTCDate()} ${MONTHS[opens.getUTCMonth()]} ${pad(opens.getUTCHours())}:00 UTC`;
      return { window, next };
    }

    it('refuses outside the window with the next opening; only an approver may override, and it shows', async () => {
      const github = fakeGitHub();
      const { window, next } = closedWindow();
      await start({ window });

      const refused = await answer('production', ALICE);
      expect(refused).toContain(
        `This environment takes deploys only Mon, Tue, Wed, Thu, Fri, Sat, Sun ${window.from}–${window.to} UTC: wait until ${next} (in `,
      );
      expect(refused).toMatch(/\(in (1h(\d+m)?|2h)\)/);
      expect(refused).toContain('--override');
      expect(await deploymentsIn('production')).toEqual([]);

      const notApprover = await answer('production --override hotfix for INC-42', ALICE);
      expect(notApprover).toContain(`wait until ${next}`);
      expect(notApprover).toContain('Only an approver of production may override the window.');
      expect(await deploymentsIn('production')).toEqual([]);

      // A dry run is no deployment: it still shows the plan.
      expect(await answer('production --dry-run', ALICE)).toContain('*Dry run:*');

      const { id, reply } = await requestDeployment('production --override hotfix for INC-42', CAROL);
      expect(visibleText(reply)).toContain('⚠️ Override recorded: hotfix for INC-42');
      const record = await doc(id);
      expect(record.state.override).toBe('hotfix for INC-42');
      expect(record.state.status).toBe('awaiting_approval');
      await vi.waitFor(() => expect(timeline(id)[0]).toContain('⚠️ *Override:* hotfix for INC-42'));
      await settle(300);
      expect(github.requests).toEqual([]);
    });

    it('says once how to get past a closed window', async () => {
      fakeGitHub();
      await start({ window: closedWindow().window });
      const refused = await answer('production', ALICE);
      expect(refused).toContain('--override');
      expect(refused.match(/--override/g)).toHaveLength(1);
    });
  });
});
