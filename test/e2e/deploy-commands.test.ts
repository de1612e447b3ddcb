import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { GREENLIGHT_INPUTS, greenlightWorkflow } from '../../playground/sim/github/workflow-file.js';
import type { GitHubRequest } from '../../playground/sim/github.js';
import {
  ABORT_REASON_BLOCK,
  ABORT_REASON_INPUT,
  DEPLOY_ABORT,
  DEPLOY_ABORT_MODAL,
  DEPLOY_APPROVE,
} from '../../views/ids.js';
import { deployConfig, FAST_GITHUB, shownWithIds, useE2E, visibleText } from '../helpers/e2e.js';

const ALICE = 'U0ALICE'; // requester; in @eng
const BOB = 'U0BOB'; // in @eng, not an approver
const CAROL = 'U0CAROL'; // approver of production
const DAVE = 'U0DAVE'; // in @release-managers only
const EVE = 'U0EVE'; // in no group at all

type Reply = Record<string, unknown>;

/** What a dry run's phase sections list: per dispatch, the workflow and its inputs in the order shown. */
function shownDispatches(
  text: string,
): { repository: string; workflow: string; inputs: Record<string, string> }[] {
  return [...text.matchAll(/```([^`]*)```/g)].flatMap(([, block = '']) => {
    const [repository = '', first = '', ...lines] = block.split('\n');
    const columns = lines.map((line) => {
      const [name = '', values = ''] = line.split(/: (.*)/s);
      return { name, values: values.split(' | ') };
    });
    const steps = Math.max(...columns.map((column) => column.values.length));
    return Array.from({ length: steps }, (_, step) => ({
      repository: repository.replace(/^repository: /, ''),
      workflow: first.replace(/^workflow: /, ''),
      inputs: Object.fromEntries(columns.map(({ name, values }) => [name, values[step] ?? values[0] ?? ''])),
    }));
  });
}

const WEEK = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

describe('/deploy subcommands, buttons and the abort modal, end to end', () => {
  const e2e = useE2E('deploycmd');

  /** The real bot against GHES; `production` overrides the production environment (1 approval by Carol). */
  async function start(production: Record<string, unknown> = {}): Promise<void> {
    await e2e.startBot(deployConfig(production), { runtime: FAST_GITHUB });
  }

  /** Sends `/deploy <text>` as `user`: the HTTP ack, and the private answer (in the ack for a read, else posted to its response_url). */
  async function deploy(text: string, user = ALICE) {
    const ack = await e2e.slack.command('/deploy', text, { user });
    expect(ack.status).toBe(200);
    return {
      ack,
      ackBody: () => ack.json as Reply,
      reply: async () => (await ack.answer()).body,
    };
  }

  /** The private answer's visible text. */
  async function answer(text: string, user = ALICE): Promise<string> {
    return visibleText(await (await deploy(text, user)).reply());
  }

  /**
   * `/deploy …` that must start a deployment: its name (`production-1`), read from the requester's confirmation, and
   * the internal id that name stands for.
   */
  async function requestDeployment(
    text: string,
    user = ALICE,
  ): Promise<{ id: string; name: string; reply: Reply }> {
    const reply = await (await deploy(text, user)).reply();
    const id = await e2e.records.idFromReply(reply);
    const name = /^Deployment (\S+) of /.exec(String(reply.text))?.[1] ?? '';
    return { id, name, reply };
  }

  const doc = (id: string) => e2e.records.deployment(id);
  const waitForStatus = (id: string, status: string, finalized = false, timeout = 10_000) =>
    e2e.records.waitForStatus(id, status, { finalized, timeout });

  /** The timeline message of one deployment in the status channel, every version of it, oldest first. */
  const timeline = (id: string) => {
    const message = e2e.slack
      .messages('#deployment-status')
      .find((candidate) =>
        [candidate, ...candidate.history].some((version) => shownWithIds(version).includes(id)),
      );
    return message ? [...message.history, message].map((version) => shownWithIds(version)) : [];
  };

  const threadReplies = () =>
    (e2e.slack.channel('#deployment-status')?.messages ?? [])
      .filter((message) => message.threadTs !== undefined)
      .map((message) => message.text);

  const deploymentsIn = (env: string) => e2e.records.deploymentIds(env);
  /** What greenlight asked GitHub to do (it reads the ref and its checks before it queues anything). */
  const githubWrites = () => e2e.github.requests.filter((request) => request.method !== 'GET');
  const settle = (ms = 1_300) => new Promise((resolve) => setTimeout(resolve, ms));
  const dispatchedFor = (id: string) =>
    e2e.github
      .runs()
      .filter((run) => run.inputs.greenlight_id?.startsWith(`${id}-`))
      .map((run) => run.inputs.deployment_phase);
  /** Deployment statuses set on GitHub, in order. */
  const statuses = () => e2e.github.statuses().map(({ deploymentId, state }) => ({ deploymentId, state }));
  const githubDeploymentId = () => e2e.github.deployments()[0]?.id;
  const cancelled = () =>
    e2e.github.requestsTo('actions/cancel-workflow-run').map((request) => Number(request.params[0]));
  /** The user's open abort modal submitted with `reason` typed in. */
  const abort = (user: string, reason: string | null, clientChecks = true) =>
    e2e.slack.submit({
      user,
      callbackId: DEPLOY_ABORT_MODAL,
      values: { [ABORT_REASON_BLOCK]: { [ABORT_REASON_INPUT]: reason } },
      clientChecks,
    });
  /** Runs complete as soon as they start (what the tests not about a running run need). */
  const runsFinishAtOnce = () => e2e.github.setLifecycle({ mode: 'auto', runMs: 0 });

  it('answers /deploy help and a mistyped option in the ack, privately and without side effects', async () => {
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
      expect(shown).toContain('`/deploy cancel <name>`');
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
    expect(e2e.slack.responses).toEqual([]);
    expect(e2e.slack.calls.filter((call) => call.method.startsWith('chat.'))).toEqual([]);
    expect(e2e.github.requests).toEqual([]);
    expect(await deploymentsIn('production')).toEqual([]);
  });

  it('answers an unknown environment with the known ones (and the likely one)', async () => {
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
    expect(e2e.slack.responses.every((post) => post.body.response_type === 'ephemeral')).toBe(true);

    await settle();
    expect(e2e.github.requests).toEqual([]);
    expect(e2e.slack.callsOf('chat.postMessage')).toEqual([]);
    expect(await deploymentsIn('production')).toEqual([]);
  });

  it('--dry-run shows phases, gates, approvers and the workflow inputs, and asks GitHub nothing but reads', async () => {
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
    expect(shown).toContain('repository: acme/platform\nworkflow: production-deployment.yml');
    expect(shown).toContain('deployment_phase: validation');
    expect(shown).toContain('deployment_phase: database_migration');
    expect(shown).toContain('environment: production');
    expect(shown).toContain('ref: main');
    expect(shown).toContain('greenlight_id: ');
    expect(shown).toContain('Run it without `--dry-run` to deploy.');

    e2e.github.repo().setTag('v2.3.1', 'v2.3.1');
    const tagged = visibleText(await (await deploy('production v2.3.1 --dry-run')).reply());
    expect(tagged).toContain('deploy `v2.3.1` to *production*');
    expect(tagged).toContain('ref: v2.3.1');

    // Longer than a poll interval: a sweep runs, and still nothing reaches GitHub or the status channel.
    await settle(1_500);
    expect(githubWrites()).toEqual([]);
    expect(e2e.slack.calls.filter((call) => call.method.startsWith('chat.'))).toEqual([]);
    expect(await deploymentsIn('production')).toEqual([]);
    expect(await e2e.redis.scard(e2e.keys.activeDeployments())).toBe(0);
  });

  it('--dry-run lists every dispatch’s inputs as the deployment then sends them, a canary step by step', async () => {
    // A workflow that declares the phases' own inputs too, and a tag to deploy.
    const repo = e2e.github.repo('acme/platform');
    repo.addWorkflow({
      ...greenlightWorkflow('production-deployment.yml'),
      inputs: {
        ...GREENLIGHT_INPUTS,
        dry_run: { required: false, type: 'string' },
        replicas: { required: false, type: 'string' },
      },
    });
    repo.setTag('v2.3.1', repo.branches.get('main') ?? 'main');
    runsFinishAtOnce();
    // The canary's holds end on a passing reading: the service's health check answers here.
    const health = createServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
    await e2e.startBot(
      deployConfig(
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
      ),
      { runtime: FAST_GITHUB },
    );

    const dryRun = await answer('staging v2.3.1 --dry-run');
    const dryId = /greenlight_id: (\S+)-validation-0/.exec(dryRun)?.[1] ?? 'none';
    const { id } = await requestDeployment('staging v2.3.1');
    await waitForStatus(id, 'succeeded');
    await new Promise((resolve) => health.close(resolve));

    const dispatches = e2e.github.requestsTo('actions/create-workflow-dispatch');
    const sent = dispatches.map((request) => {
      const body = request.body as { ref: string; inputs: Record<string, string> };
      return {
        repository: request.repo,
        workflow: request.params.at(-1),
        inputs: JSON.parse(JSON.stringify(body.inputs).replaceAll(id, dryId)) as Record<string, string>,
      };
    });
    expect(sent.map((dispatch) => dispatch.inputs.traffic_percentage)).toEqual([undefined, '5', '25', '100']);
    // The same inputs with the same values in the same order, but for the deployment's id.
    expect(shownDispatches(dryRun).map((dispatch) => JSON.stringify(dispatch))).toEqual(
      sent.map((dispatch) => JSON.stringify(dispatch)),
    );
    expect(dispatches.every((request) => (request.body as { ref: string }).ref === 'v2.3.1')).toBe(true);
  });

  it('refuses Approve from a non-approver privately, and /deploy from someone not among the deployers', async () => {
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
    const bobs = (await (await e2e.slack.click({ actionId: DEPLOY_APPROVE, value: id, user: BOB })).reply())
      .body;
    expect(bobs).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(visibleText(bobs)).toBe(
      ':no_entry_sign: Only approvers of production can approve this deployment.',
    );

    // The requester is refused too, even where they would otherwise qualify.
    const alices = (
      await (await e2e.slack.click({ actionId: DEPLOY_APPROVE, value: id, user: ALICE })).reply()
    ).body;
    expect(visibleText(alices)).toContain('You requested this deployment, so you cannot approve it');

    await settle(1_500);
    expect(githubWrites()).toEqual([]);
    const record = await doc(id);
    expect(record.state.status).toBe('awaiting_approval');
    expect(record.state.gate?.approvals).toEqual([]);
    expect(timeline(id).at(-1)).toContain('0/1 approvals');
  });

  it('Abort opens the modal; a too-short reason is refused in the HTTP answer; a reason cancels at the gate', async () => {
    await start();
    const { id, name } = await requestDeployment('production');
    await vi.waitFor(() => expect(timeline(id).at(-1)).toContain(DEPLOY_ABORT));

    const click = await e2e.slack.click({ actionId: DEPLOY_ABORT, value: id, user: CAROL });
    expect(click.status).toBe(200);
    const open = await vi.waitFor(() => {
      const found = e2e.slack.callsOf('views.open')[0];
      if (!found) throw new Error('no views.open yet');
      return found;
    });
    expect(open.args.trigger_id).toBe(click.triggerId);
    expect(open.response).toMatchObject({ ok: true });
    expect(e2e.slack.modal(CAROL)?.view.callback_id).toBe(DEPLOY_ABORT_MODAL);
    const view = open.args.view as {
      title: { type: string; text: string };
      submit: { type: string; text: string };
      close: { type: string; text: string };
      blocks: { type: string }[];
    };
    expect(view).toMatchObject({ type: 'modal', callback_id: DEPLOY_ABORT_MODAL, private_metadata: id });
    for (const label of [view.title, view.submit, view.close]) {
      expect(label.type).toBe('plain_text');
      expect(label.text.length).toBeGreaterThan(0);
      expect(label.text.length).toBeLessThanOrEqual(24);
    }
    const input = view.blocks.find((block: { type: string }) => block.type === 'input');
    expect(input).toMatchObject({ block_id: ABORT_REASON_BLOCK, element: { action_id: ABORT_REASON_INPUT } });
    expect(JSON.stringify(view.blocks)).toContain(`\`${name}\``);

    // Slack's client would not send these (min_length 3, required); a crafted request could.
    for (const tooShort of ['no', '   ', null]) {
      const refused = await abort(CAROL, tooShort, false);
      expect(refused.status).toBe(200);
      expect(refused.json).toEqual({
        response_action: 'errors',
        errors: { [ABORT_REASON_BLOCK]: expect.stringMatching(/why/) },
      });
    }
    expect((await doc(id)).state.status).toBe('awaiting_approval');

    // Bob is neither the requester nor an approver: the modal closes and he is told privately.
    await e2e.slack.click({ actionId: DEPLOY_ABORT, value: id, user: BOB });
    await vi.waitFor(() => expect(e2e.slack.modal(BOB)).toBeDefined());
    const bobs = await abort(BOB, 'I do not like it');
    expect(bobs.status).toBe(200);
    expect(bobs.text).toBe('');
    const ephemeral = await vi.waitFor(() => {
      const found = e2e.slack.callsOf('chat.postEphemeral')[0];
      if (!found) throw new Error('no ephemeral yet');
      return found;
    });
    expect(ephemeral.args).toMatchObject({
      channel: 'C0STATUS',
      user: BOB,
      text: 'Only the requester or an approver of production can abort this deployment.',
    });
    expect((await doc(id)).state.status).toBe('awaiting_approval');

    expect(e2e.slack.ephemerals(BOB).map((message) => message.text)).toEqual([
      'Only the requester or an approver of production can abort this deployment.',
    ]);
    expect(e2e.slack.modal(BOB)).toBeUndefined();
    const accepted = await abort(CAROL, 'wrong ref, redeploying');
    expect(accepted.status).toBe(200);
    expect(accepted.text).toBe('');
    await waitForStatus(id, 'cancelled', true);
    const cancelledEntry = (await doc(id)).state.timeline.at(-1);
    expect(cancelledEntry).toMatchObject({ kind: 'cancelled', by: CAROL, text: 'wrong ref, redeploying' });
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
    expect(githubWrites()).toEqual([]);
  });

  it('an abort submitted while a run is running cancels the run and marks the GitHub deployment inactive', async () => {
    await start();
    const { id } = await requestDeployment('production');
    await vi.waitFor(() => expect(timeline(id).at(-1)).toContain(DEPLOY_ABORT));

    // Alice opens the modal at the gate; Carol approves before Alice submits it.
    await e2e.slack.click({ actionId: DEPLOY_ABORT, value: id, user: ALICE });
    await vi.waitFor(() => expect(e2e.slack.modal(ALICE)).toBeDefined());
    await e2e.slack.click({ actionId: DEPLOY_APPROVE, value: id, user: CAROL });
    await vi.waitFor(() => expect(e2e.github.runs()).toHaveLength(1), { timeout: 5_000 });
    await vi.waitFor(() =>
      expect(statuses()).toEqual([{ deploymentId: githubDeploymentId(), state: 'in_progress' }]),
    );
    const runId = e2e.github.runs()[0]?.id;
    await vi.waitFor(async () => expect((await doc(id)).state.timeline.at(-1)?.kind).toBe('dispatched'));

    const submitted = await abort(ALICE, 'error rate rising');
    expect(submitted.text).toBe('');
    await waitForStatus(id, 'cancelled', true);
    await vi.waitFor(() => expect(cancelled()).toEqual([runId]));
    expect(e2e.github.requestsTo('actions/cancel-workflow-run')[0]?.path).toBe(
      `/repos/acme/platform/actions/runs/${runId}/cancel`,
    );
    expect(e2e.github.run(runId ?? 0)).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    // in_progress while it ran, inactive once cancelled (how often inactive is sent: see the test below).
    const deploymentId = githubDeploymentId();
    expect(statuses()[0]).toEqual({ deploymentId, state: 'in_progress' });
    expect(statuses().at(-1)).toEqual({ deploymentId, state: 'inactive' });
    expect(
      new Set(
        statuses()
          .slice(1)
          .map((status) => status.state),
      ),
    ).toEqual(new Set(['inactive']));
    expect(await e2e.redis.get(e2e.keys.activeDeployment('production'))).toBeNull();
    expect(await e2e.redis.hget(e2e.keys.envLock('production'), 'by')).toBeNull();
    await vi.waitFor(() => expect(timeline(id).at(-1)).toContain('error rate rising'));
    // No further phase is dispatched after the abort.
    await settle(1_500);
    expect(e2e.github.runs()).toHaveLength(1);
  }, 20_000);

  it('/deploy cancel of a running deployment cancels its run and sets the final GitHub status once', async () => {
    // GitHub takes a while to answer the final status, as it sometimes does: a sweep comes by meanwhile.
    e2e.github.faults.holdAnswers({
      route: 'repos/create-deployment-status',
      ms: 2_500,
      where: (request: GitHubRequest) => (request.body as { state?: string }).state !== 'in_progress',
    });
    await start({ approvals: 0, approvers: [] });
    const { id, name } = await requestDeployment('production', ALICE);
    await vi.waitFor(() => expect(dispatchedFor(id)).toEqual(['validation']), { timeout: 5_000 });
    await vi.waitFor(async () => expect((await doc(id)).state.timeline.at(-1)?.kind).toBe('dispatched'));
    const runId = e2e.github.runs()[0]?.id;

    // The name people read (`production-1`) is what they type.
    expect(name).toBe('production-1');
    expect(await answer(`cancel ${name}`, ALICE)).toBe(
      `Deployment \`${name}\` stopped; its workflow run is being cancelled.`,
    );
    await vi.waitFor(() => expect(cancelled()).toEqual([runId]));
    await waitForStatus(id, 'cancelled', true, 10_000);
    await settle(1_000);
    expect(statuses()).toEqual([
      { deploymentId: githubDeploymentId(), state: 'in_progress' },
      { deploymentId: githubDeploymentId(), state: 'inactive' },
    ]);
    expect(e2e.github.runs()).toHaveLength(1);
  }, 25_000);

  it('/deploy cancel while GitHub answers 502 to the cancel: told the truth, retried until the run ended, the environment held until then', async () => {
    await start({ approvals: 0, approvers: [] });
    const { id, name } = await requestDeployment('production', ALICE);
    await vi.waitFor(async () => expect((await doc(id)).state.timeline.at(-1)?.kind).toBe('dispatched'), {
      timeout: 5_000,
    });
    const runId = e2e.github.runs()[0]?.id ?? 0;
    e2e.github.faults.serverErrors({ route: 'actions/cancel-workflow-run', status: 502 });

    const said = await answer(`cancel ${name}`, ALICE);
    expect(said).toContain(`Deployment \`${name}\` cancelled; run cancel pending`);
    expect(said).toContain('holds *production* until then');
    expect(said).not.toContain('Something went wrong');
    await waitForStatus(id, 'cancelled');
    await vi.waitFor(() => expect(timeline(id).at(-1)).toContain('Run cancel pending'), { timeout: 5_000 });
    // The cancel is asked again and again (backoff) while GitHub fails; the run goes on, the environment stays held.
    await vi.waitFor(
      () => expect(cancelled().filter((cancel) => cancel === runId).length).toBeGreaterThanOrEqual(3),
      { timeout: 10_000 },
    );
    expect(e2e.github.run(runId)?.status).toBe('in_progress');
    expect(await e2e.redis.get(e2e.keys.activeDeployment('production'))).toBe(id);
    const next = await requestDeployment('production', BOB);
    await settle(1_500);
    expect(dispatchedFor(next.id)).toEqual([]);

    // GitHub is back: the run is cancelled, then (and only then) the environment goes to the next in line.
    e2e.github.faults.clear();
    await vi.waitFor(
      () => expect(e2e.github.run(runId)).toMatchObject({ status: 'completed', conclusion: 'cancelled' }),
      {
        timeout: 15_000,
      },
    );
    const done = await waitForStatus(id, 'cancelled', true, 10_000);
    expect(done.state.phases[0]?.runs[0]?.conclusion).toBe('cancelled');
    await vi.waitFor(() => expect(timeline(id).at(-1)).not.toContain('Run cancel pending'));
    await vi.waitFor(() => expect(dispatchedFor(next.id)).toEqual(['validation']), { timeout: 10_000 });
    expect(
      statuses()
        .filter((status) => status.deploymentId === githubDeploymentId())
        .at(-1)?.state,
    ).toBe('inactive');
  }, 45_000);

  it('a cancel that lands while a phase is being dispatched still cancels the run that dispatch started', async () => {
    e2e.github.delayDispatches(1_500);
    await start({ approvals: 0, approvers: [] });
    const { id, name } = await requestDeployment('production', ALICE);
    // GitHub has accepted the dispatch (the run exists) but has not answered yet.
    await vi.waitFor(() => expect(e2e.github.runs()).toHaveLength(1), { timeout: 5_000 });
    expect(e2e.github.inFlight()).toBe(1);
    const runId = e2e.github.runs()[0]?.id;

    // The internal id is still accepted.
    expect(await answer(`cancel ${id}`, ALICE)).toMatch(new RegExp(`^Deployment \`${name}\` stopped`));
    await waitForStatus(id, 'cancelled');
    // The run the in-flight dispatch started must not be left running on GitHub.
    await vi.waitFor(() => expect(cancelled()).toContain(runId), { timeout: 6_000 });
    expect(e2e.github.runs()).toHaveLength(1);
  }, 20_000);

  it('queues a second deployment behind the active one, cancels a queued one, and starts the next when the first ends', async () => {
    await start({ approvals: 0, approvers: [] });

    const first = await requestDeployment('production', ALICE);
    expect(visibleText(first.reply)).toContain('🚀 Starting now.');
    await vi.waitFor(() => expect(dispatchedFor(first.id)).toEqual(['validation']), {
      timeout: 5_000,
    });

    const second = await requestDeployment('production', BOB);
    const secondText = visibleText(second.reply);
    expect(secondText).toContain(`🕒 Queued at position 1, behind \`${first.name}\``);
    expect(secondText).not.toContain('Starting now');
    expect(second.reply.text).toContain('queued at position 1');

    const third = await requestDeployment('production', DAVE);
    expect(visibleText(third.reply)).toContain(`🕒 Queued at position 2, behind \`${first.name}\``);
    await vi.waitFor(async () =>
      expect(await e2e.redis.lrange(e2e.keys.deployQueue('production'), 0, -1)).toEqual([
        second.id,
        third.id,
      ]),
    );

    const queued = await answer('status production');
    expect(queued).toContain('*production* · open');
    expect(queued).toMatch(
      new RegExp(`🚀 \`${first.name}\` \`main\` by <@U0ALICE> · running: Pre-deployment validation`),
    );
    expect(queued).toContain(`1. 🕒 \`${second.name}\` \`main\` by <@U0BOB> · queued`);
    expect(queued).toContain(`2. 🕒 \`${third.name}\` \`main\` by <@U0DAVE> · queued`);

    expect(await answer(`cancel ${second.name}`, EVE)).toBe(
      ':no_entry_sign: Only the requester or an approver of production can cancel this deployment.',
    );
    expect(await answer('cancel dnosuchdeployment', BOB)).toBe(
      ':no_entry_sign: There is no deployment `dnosuchdeployment`; `/deploy status` shows the running ones.',
    );
    expect(await answer('cancel production-99', BOB)).toContain('There is no deployment `production-99`');
    expect(await answer(`cancel ${second.name}`, BOB)).toBe(`Deployment \`${second.name}\` stopped.`);
    await waitForStatus(second.id, 'cancelled', true);
    expect(await e2e.redis.lrange(e2e.keys.deployQueue('production'), 0, -1)).toEqual([third.id]);
    const after = await answer('status production');
    expect(after).not.toContain(second.id);
    expect(after).toContain(`1. 🕒 \`${third.name}\``);

    // The first one finishes: the environment goes to the next in line, which dispatches its phases.
    runsFinishAtOnce();
    await waitForStatus(first.id, 'succeeded', true);
    await vi.waitFor(() => expect(dispatchedFor(third.id)).toContain('validation'), {
      timeout: 8_000,
    });
    await waitForStatus(third.id, 'succeeded', true);
    expect(dispatchedFor(first.id)).toEqual(['validation', 'database_migration']);
    expect(dispatchedFor(second.id)).toEqual([]);
    expect(dispatchedFor(third.id)).toEqual(['validation', 'database_migration']);
    expect(e2e.github.runs().map((run) => run.inputs.greenlight_id)).toEqual([
      `${first.id}-validation-0`,
      `${first.id}-database_migration-0`,
      `${third.id}-validation-0`,
      `${third.id}-database_migration-0`,
    ]);
    expect(await e2e.redis.get(e2e.keys.activeDeployment('production'))).toBeNull();
    expect(await answer('status production')).toContain('*production* · open, nothing running');
  }, 30_000);

  it('a lock refuses deploys naming who and why; unlock lets them through', async () => {
    await start();

    expect(await answer('lock production db maintenance', CAROL)).toMatch(
      /^\*production\* is now 🔒 locked by <@U0CAROL> <!date\^\d+\^\{date_short_pretty\} \{time\}\|[^>]+ UTC>: db maintenance\.\nNothing deploys there until someone runs `\/deploy unlock production`\.$/,
    );
    const refused = await (await deploy('production', ALICE)).reply();
    const refusal = visibleText(refused);
    expect(refusal).toMatch(
      /^\*production\* is 🔒 locked by <@U0CAROL> <!date\^\d+\^[^>]+>: db maintenance\.\nNothing was deployed\./,
    );
    expect(refusal).toContain('Ask <@U0CAROL> to run `/deploy unlock production` when it is safe again.');
    expect(await deploymentsIn('production')).toEqual([]);

    // A second lock does not replace the first.
    expect(await answer('lock production other reason', ALICE)).toMatch(
      /\*production\* is already 🔒 locked by <@U0CAROL> <!date\^\d+\^[^>]+>: db maintenance/,
    );

    const status = await answer('status');
    expect(status).toMatch(/\*staging\* · open, nothing running/);
    expect(status).toMatch(/\*production\* · 🔒 locked by <@U0CAROL> <!date\^\d+\^[^>]+>: db maintenance/);

    expect(await answer('unlock production', CAROL)).toBe(':unlock: production is unlocked.');
    expect(await answer('unlock production', CAROL)).toContain('production was not locked.');
    const { name, reply } = await requestDeployment('production', ALICE);
    expect(visibleText(reply)).toContain(`Deployment \`${name}\` of \`main\` to *production* accepted.`);
    expect(visibleText(reply)).toContain(
      '⏳ It needs 1 approval from approvers of *production* before it starts.',
    );
    expect(await answer('status production')).not.toContain('locked');
    await settle(300);
    expect(githubWrites()).toEqual([]);
  });

  it('/deploy status and /deploy history show the right lines as a deployment goes through', async () => {
    runsFinishAtOnce();
    await start({ approvals: 1, approvers: [CAROL] });

    expect(await answer('history')).toBe('No deployments yet.');
    expect(await answer('status production')).toBe('*production* · open, nothing running');

    const { id, name } = await requestDeployment('production', ALICE);
    const waiting = await answer('history production');
    expect(waiting).toContain('*Last 1 deployment*');
    expect(waiting).toMatch(
      new RegExp(`⏳ \`${name}\` \\*production\\* \`main\` by <@U0ALICE> · awaiting approval · <!date`),
    );

    // The timeline (with its Approve) is posted by the announcement job, a moment after the record is written.
    await vi.waitFor(() => e2e.slack.click({ actionId: DEPLOY_APPROVE, value: id, user: CAROL }), {
      timeout: 5_000,
    });
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
    expect(atGate).toContain(`⏳ \`${name}\` \`main\` by <@U0ALICE> · awaiting approval: Database migration`);

    await vi.waitFor(() => expect(timeline(id).at(-1)).toContain(DEPLOY_APPROVE));
    await e2e.slack.click({ actionId: DEPLOY_APPROVE, value: id, user: CAROL });
    await waitForStatus(id, 'succeeded', true);
    const history = await answer('history');
    expect(history).toContain('*Last 1 deployment*');
    expect(history).toMatch(
      new RegExp(
        `^✅ \`${name}\` \\*production\\* \`main\` by <@U0ALICE> · <!date\\^\\d+\\^[^>]+> · \\d+s$`,
        'm',
      ),
    );
    expect(await answer('status production')).toBe('*production* · open, nothing running');
    expect(e2e.github.runs()).toHaveLength(2);

    const { name: second } = await requestDeployment('production', ALICE);
    expect(second).toBe('production-2');
    const both = await answer('history production 5');
    expect(both).toContain('*Last 2 deployments*');
    expect(both.indexOf(`\`${second}\``)).toBeLessThan(both.indexOf(`\`${name}\``));
    expect(await answer('history production 1')).not.toContain(`\`${name}\``);
  }, 30_000);

  it('/deploy status lists a deployment that waits for approval to start', async () => {
    await start();
    const { id, name } = await requestDeployment('production', ALICE);
    expect((await doc(id)).state.status).toBe('awaiting_approval');
    // Usage: "`/deploy status [env]`: what is running, waiting or locked"; waiting for approval is waiting.
    const status = await answer('status production');
    expect(status).toContain(`\`${name}\` \`main\` by <@U0ALICE> · awaiting approval`);
    expect(await answer('status')).toContain(`\`${name}\``);
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
      expect(notApprover).toContain('Only an approver of production may deploy with `--override`.');
      expect(await deploymentsIn('production')).toEqual([]);

      // A dry run is no deployment: it still shows the plan.
      expect(await answer('production --dry-run', ALICE)).toContain('*Dry run:*');

      const { id, reply } = await requestDeployment('production --override hotfix for INC-42', CAROL);
      expect(visibleText(reply)).toContain('⚠️ *Override:* hotfix for INC-42 — past the deploy window');
      const record = await doc(id);
      expect(record.state.override).toBe('hotfix for INC-42');
      expect(record.state.overridden).toEqual({ window: true });
      expect(record.state.status).toBe('awaiting_approval');
      await vi.waitFor(() =>
        expect(timeline(id)[0]).toContain('⚠️ *Override:* hotfix for INC-42 — past the deploy window'),
      );
      await settle(300);
      expect(githubWrites()).toEqual([]);
    });

    it('says once how to get past a closed window', async () => {
      await start({ window: closedWindow().window });
      const refused = await answer('production', ALICE);
      expect(refused).toContain('--override');
      expect(refused.match(/--override/g)).toHaveLength(1);
    });
  });
});
