import { createServer, type IncomingHttpHeaders } from 'node:http';
import { isValidSlackRequest } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type SlackSim, type SlackSimOptions, startSlackSim } from '../../../../playground/sim/slack.js';
import { listen } from '../../../helpers/net.js';

const TOKEN = 'xoxb-simulator-test-token';
const SECRET = 'simulator-signing-secret';

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const approveButton = (value: string) => ({
  type: 'actions',
  block_id: 'deploy_gate:1',
  elements: [
    { type: 'button', action_id: 'deploy_approve', value, text: { type: 'plain_text', text: 'Approve' } },
  ],
});
const reasonModal = {
  type: 'modal',
  callback_id: 'abort',
  private_metadata: 'd1',
  title: { type: 'plain_text', text: 'Abort deployment' },
  submit: { type: 'plain_text', text: 'Abort' },
  blocks: [
    {
      type: 'input',
      block_id: 'reason',
      label: { type: 'plain_text', text: 'Reason' },
      element: { type: 'plain_text_input', action_id: 'reason_input', min_length: 3 },
    },
  ],
};

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

describe('Slack simulator', () => {
  let slack: SlackSim;
  let web: WebClient;
  /** What an app received from the simulator, and how it answers (default: an empty 200). */
  let received: Received[];
  let answer: (request: Received) => { status: number; body?: string };
  let close: () => Promise<void>;

  async function start(options: SlackSimOptions = {}): Promise<void> {
    await slack?.close();
    slack = await startSlackSim({ botToken: TOKEN, signingSecret: SECRET, ...options });
    web = new WebClient(TOKEN, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
  }

  beforeEach(async () => {
    received = [];
    answer = () => ({ status: 200 });
    const app = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        const request = { headers: req.headers, body };
        received.push(request);
        const { status, body: reply } = answer(request);
        res.writeHead(status, reply ? { 'content-type': 'application/json' } : {}).end(reply);
      });
    });
    const port = await listen(app, 0);
    close = () => new Promise((resolve) => app.close(() => resolve()));
    await start({ requestUrl: `http://127.0.0.1:${port}/slack/events` });
  });
  afterEach(async () => {
    await slack.close();
    await close();
  });

  /** The Web API error Slack answered (the client throws it). */
  async function slackError(call: Promise<unknown>): Promise<Record<string, unknown>> {
    const error = (await call.then(
      () => {
        throw new Error('expected Slack to refuse the call');
      },
      (failure: unknown) => failure,
    )) as { data?: Record<string, unknown> };
    return error.data ?? {};
  }

  describe('Web API', () => {
    it('checks the token: not_authed without one, invalid_auth for a wrong one; scopes in x-oauth-scopes', async () => {
      const auth = await web.auth.test();
      expect(auth).toMatchObject({ ok: true, team_id: 'T0TEST', user_id: 'U0BOT', bot_id: 'B0BOT' });
      expect(auth.response_metadata?.scopes).toEqual(
        expect.arrayContaining(['chat:write', 'usergroups:read']),
      );
      const wrong = new WebClient('xoxb-wrong', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
      expect(await slackError(wrong.auth.test())).toMatchObject({ ok: false, error: 'invalid_auth' });
      const raw = await fetch(`${slack.apiUrl}auth.test`, { method: 'POST' });
      expect(await raw.json()).toEqual({ ok: false, error: 'not_authed' });
      // A JSON body cannot carry the token: Slack reads it from the header only.
      const json = await fetch(`${slack.apiUrl}auth.test`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: TOKEN }),
      });
      expect(await json.json()).toMatchObject({ error: 'not_authed' });
      expect(slack.calls.map((call) => call.token)).toEqual(['bot', 'invalid', 'none', 'none']);
      expect(JSON.stringify(slack.calls)).not.toContain(TOKEN);
    });

    it('refuses a method the token has no scope for (missing_scope), and an unknown method', async () => {
      slack.scopes.delete('usergroups:read');
      expect(await slackError(web.usergroups.list())).toMatchObject({
        error: 'missing_scope',
        needed: 'usergroups:read',
      });
      expect(await slackError(web.apiCall('chat.fly'))).toMatchObject({ error: 'unknown_method' });
    });

    it('posts to a channel by name, by id and to a user (their DM), answering with the channel id and ts', async () => {
      const byName = await web.chat.postMessage({
        channel: '#deployment-status',
        text: 'one',
        blocks: [section('one')],
      });
      expect(byName).toMatchObject({
        ok: true,
        channel: 'C0STATUS',
        message: { text: 'one', bot_id: 'B0BOT' },
      });
      expect(byName.ts).toMatch(/^\d{10}\.\d{6}$/);
      await web.chat.postMessage({ channel: 'C0STATUS', text: 'two', thread_ts: byName.ts });
      const direct = await web.chat.postMessage({ channel: 'U0ALICE', text: 'for you' });
      expect(direct.channel).toMatch(/^D/);
      expect(slack.messages('#deployment-status').map((message) => message.text)).toEqual(['one']);
      expect(slack.thread('C0STATUS', byName.ts ?? '').map((message) => message.text)).toEqual(['two']);
      expect(slack.messages(direct.channel ?? '')[0]?.text).toBe('for you');
      // Slack gives every block a block_id.
      expect(slack.messages('C0STATUS')[0]?.blocks?.[0]).toMatchObject({ block_id: expect.any(String) });
    });

    it('refuses an unknown channel, a channel the bot is not in without chat:write.public, and an archived one', async () => {
      expect(await slackError(web.chat.postMessage({ channel: '#nowhere', text: 'x' }))).toMatchObject({
        error: 'channel_not_found',
      });
      slack.channel('#ops')?.members.delete('U0BOT');
      expect((await web.chat.postMessage({ channel: '#ops', text: 'with chat:write.public' })).ok).toBe(true);
      slack.scopes.delete('chat:write.public');
      expect(await slackError(web.chat.postMessage({ channel: '#ops', text: 'x' }))).toMatchObject({
        error: 'not_in_channel',
      });
      slack.workspace.addChannel({ id: 'C0OLD', name: 'old', archived: true });
      expect(await slackError(web.chat.postMessage({ channel: 'C0OLD', text: 'x' }))).toMatchObject({
        error: 'is_archived',
      });
    });

    it('refuses no text, too long a text, and blocks that break Block Kit with Slack’s messages', async () => {
      expect(await slackError(web.chat.postMessage({ channel: 'C0STATUS', text: '' }))).toMatchObject({
        error: 'no_text',
      });
      expect(
        await slackError(web.chat.postMessage({ channel: 'C0STATUS', text: 'x'.repeat(40_001) })),
      ).toMatchObject({ error: 'msg_too_long' });
      const blocks = Array.from({ length: 51 }, () => section('x'));
      expect(
        await slackError(web.chat.postMessage({ channel: 'C0STATUS', text: 'x', blocks })),
      ).toMatchObject({
        error: 'invalid_blocks',
        response_metadata: { messages: ['[ERROR] no more than 50 items allowed [json-pointer:/blocks]'] },
      });
      const raw = await fetch(`${slack.apiUrl}chat.postMessage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ channel: 'C0STATUS', blocks: '[{"type":' }).toString(),
      });
      expect(await raw.json()).toMatchObject({ ok: false, error: 'invalid_blocks_format' });
      expect(slack.messages('C0STATUS')).toEqual([]);
    });

    it('updates a message in place, keeping its earlier versions; refuses what it cannot update', async () => {
      const posted = await web.chat.postMessage({ channel: '#deployment-status', text: 'v1' });
      const ts = posted.ts ?? '';
      const updated = await web.chat.update({ channel: 'C0STATUS', ts, text: 'v2' });
      expect(updated).toMatchObject({ ok: true, channel: 'C0STATUS', ts, text: 'v2' });
      const [message] = slack.messages('C0STATUS');
      expect(message?.text).toBe('v2');
      expect(message?.history.map((version) => version.text)).toEqual(['v1']);
      expect(
        await slackError(web.chat.update({ channel: 'C0STATUS', ts: '1.000001', text: 'x' })),
      ).toMatchObject({
        error: 'message_not_found',
      });
      // chat.update takes the channel's id, not its name.
      expect(
        await slackError(web.chat.update({ channel: '#deployment-status', ts, text: 'x' })),
      ).toMatchObject({
        error: 'channel_not_found',
      });
      slack
        .channel('C0STATUS')
        ?.messages.push({ channel: 'C0STATUS', ts: '2.000001', user: 'U0ALICE', text: 'hi', history: [] });
      expect(
        await slackError(web.chat.update({ channel: 'C0STATUS', ts: '2.000001', text: 'x' })),
      ).toMatchObject({
        error: 'cant_update_message',
      });
    });

    it('posts an ephemeral message only to a member of the channel', async () => {
      expect(
        await web.chat.postEphemeral({ channel: 'C0STATUS', user: 'U0BOB', text: 'only you' }),
      ).toMatchObject({
        ok: true,
        message_ts: expect.any(String),
      });
      expect(slack.ephemerals('U0BOB').map((message) => message.text)).toEqual(['only you']);
      slack.channel('C0STATUS')?.members.delete('U0EVE');
      expect(
        await slackError(web.chat.postEphemeral({ channel: 'C0STATUS', user: 'U0EVE', text: 'x' })),
      ).toMatchObject({ error: 'user_not_in_channel' });
    });

    it('lists user groups with their members when asked', async () => {
      const groups = await web.usergroups.list({ include_users: true });
      expect(groups.usergroups?.map((group) => [group.handle, group.users])).toEqual([
        ['release-managers', ['U0DAVE']],
        ['eng', ['U0ALICE', 'U0BOB']],
      ]);
      expect((await web.usergroups.list()).usergroups?.[0]?.users).toBeUndefined();
    });

    it('creates channels (name_taken, invalid names refused) and invites people', async () => {
      const created = await web.conversations.create({ name: 'inc-1-checkout' });
      const id = created.channel?.id ?? '';
      expect(created.channel).toMatchObject({ name: 'inc-1-checkout', is_member: true });
      expect(await slackError(web.conversations.create({ name: 'inc-1-checkout' }))).toMatchObject({
        error: 'name_taken',
      });
      expect(await slackError(web.conversations.create({ name: 'Checkout DOWN' }))).toMatchObject({
        error: 'invalid_name_specials',
      });
      expect((await web.conversations.invite({ channel: id, users: 'U0ALICE' })).ok).toBe(true);
      expect(slack.channel(id)?.members.has('U0ALICE')).toBe(true);
      expect(await slackError(web.conversations.invite({ channel: id, users: 'U0ALICE' }))).toMatchObject({
        error: 'already_in_channel',
      });
      expect(await slackError(web.conversations.invite({ channel: id, users: 'U0NOBODY' }))).toMatchObject({
        error: 'user_not_found',
      });
      // Reading a channel needs channels:read (greenlight's manifest asks for it, for preflight).
      slack.scopes.delete('channels:read');
      expect(await slackError(web.conversations.info({ channel: id }))).toMatchObject({
        error: 'missing_scope',
      });
      slack.scopes.add('channels:read');
      expect((await web.conversations.info({ channel: id })).channel?.name).toBe('inc-1-checkout');
    });

    it('opens a modal only with a fresh trigger_id, and checks the view', async () => {
      expect(
        await slackError(web.views.open({ trigger_id: 'made.up', view: reasonModal as never })),
      ).toMatchObject({
        error: 'invalid_trigger_id',
      });
      const trigger = slack.workspace.issueTrigger('U0ALICE');
      const tooLong = { ...reasonModal, title: { type: 'plain_text', text: 'Abort this deployment now!' } };
      expect(await slackError(web.views.open({ trigger_id: trigger, view: tooLong as never }))).toMatchObject(
        {
          error: 'invalid_arguments',
          response_metadata: {
            messages: ['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]'],
          },
        },
      );
      const opened = await web.views.open({ trigger_id: trigger, view: reasonModal as never });
      expect(opened.view).toMatchObject({
        callback_id: 'abort',
        private_metadata: 'd1',
        hash: expect.any(String),
      });
      expect(slack.modal('U0ALICE')?.id).toBe(opened.view?.id);
      expect(
        await slackError(web.views.open({ trigger_id: trigger, view: reasonModal as never })),
      ).toMatchObject({
        error: 'exchanged_trigger_id',
      });
      expect(
        await slackError(
          web.views.update({ view_id: opened.view?.id ?? '', hash: 'stale', view: reasonModal as never }),
        ),
      ).toMatchObject({ error: 'hash_conflict' });
      expect(
        (await web.views.update({ view_id: opened.view?.id ?? '', view: reasonModal as never })).ok,
      ).toBe(true);
    });

    it('refuses a trigger_id older than 3 seconds (here: the configured lifetime)', async () => {
      await start({ triggerTtlMs: 20 });
      const trigger = slack.workspace.issueTrigger('U0ALICE');
      await new Promise((resolve) => setTimeout(resolve, 40));
      expect(
        await slackError(web.views.open({ trigger_id: trigger, view: reasonModal as never })),
      ).toMatchObject({
        error: 'expired_trigger_id',
      });
    });

    it('publishes a Home tab per user', async () => {
      const view = { type: 'home', blocks: [section('*Deployments*')] };
      await web.views.publish({ user_id: 'U0CAROL', view: view as never });
      expect(slack.home('U0CAROL')?.view).toMatchObject(view);
      expect(await slackError(web.views.publish({ user_id: 'U0NOBODY', view: view as never }))).toMatchObject(
        {
          error: 'user_not_found',
        },
      );
    });

    it('rate-limits as Slack does when on: 429 ratelimited with Retry-After, per method tier', async () => {
      expect((await web.chat.postMessage({ channel: 'C0STATUS', text: 'a' })).ok).toBe(true);
      expect((await web.chat.postMessage({ channel: 'C0STATUS', text: 'b' })).ok).toBe(true);
      slack.setRateLimits({ 'chat.update': { perMinute: 2 } });
      const posted = await web.chat.postMessage({ channel: 'C0STATUS', text: 'c' });
      const update = () => web.chat.update({ channel: 'C0STATUS', ts: posted.ts ?? '', text: 'd' });
      await update();
      await update();
      const limited = await update().catch((error: unknown) => error as { code: string; retryAfter: number });
      expect(limited).toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 30 });
      expect(slack.callsOf('chat.update').at(-1)).toMatchObject({
        status: 429,
        response: { error: 'ratelimited' },
      });
    });

    it('allows about one chat.postMessage a second per channel with Slack’s limits on', async () => {
      slack.setRateLimits(true);
      expect((await web.chat.postMessage({ channel: 'C0STATUS', text: 'a' })).ok).toBe(true);
      await expect(web.chat.postMessage({ channel: 'C0STATUS', text: 'b' })).rejects.toMatchObject({
        code: 'slack_webapi_rate_limited_error',
      });
      expect((await web.chat.postMessage({ channel: 'C0INCIDENTS', text: 'elsewhere' })).ok).toBe(true);
    });

    it('fails the next calls of a method as asked: ok:false internal_error, or an HTTP 503', async () => {
      slack.failNext('chat.postMessage');
      expect(await slackError(web.chat.postMessage({ channel: 'C0STATUS', text: 'x' }))).toMatchObject({
        error: 'internal_error',
      });
      slack.failNext('chat.postMessage', { status: 503 });
      await expect(web.chat.postMessage({ channel: 'C0STATUS', text: 'x' })).rejects.toMatchObject({
        code: 'slack_webapi_http_error',
        statusCode: 503,
      });
      expect((await web.chat.postMessage({ channel: 'C0STATUS', text: 'x' })).ok).toBe(true);
    });

    it('takes form-encoded and JSON bodies alike', async () => {
      const json = await fetch(`${slack.apiUrl}chat.postMessage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ channel: 'C0STATUS', text: 'json', blocks: [section('json')] }),
      });
      expect(await json.json()).toMatchObject({ ok: true });
      await web.chat.postMessage({ channel: 'C0STATUS', text: 'form', blocks: [section('form')] });
      expect(slack.callsOf('chat.postMessage').map((call) => [call.encoding, call.args.blocks])).toEqual([
        ['json', [section('json')]],
        ['form', [section('form')]],
      ]);
    });
  });

  describe('requests to the app, and response_urls', () => {
    /** The request is signed as Slack signs it: Bolt's own check accepts it. */
    const signedBySlack = (request: Received) =>
      isValidSlackRequest({
        signingSecret: SECRET,
        body: request.body,
        headers: {
          'x-slack-signature': String(request.headers['x-slack-signature']),
          'x-slack-request-timestamp': Number(request.headers['x-slack-request-timestamp']),
        },
      });

    it('sends a slash command form-encoded and signed, with a response_url that shows the reply', async () => {
      const command = await slack.command('/deploy', 'production main', { user: 'U0ALICE' });
      expect(command.status).toBe(200);
      const [request] = received;
      if (!request) throw new Error('nothing received');
      expect(signedBySlack(request)).toBe(true);
      expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(Object.fromEntries(new URLSearchParams(request.body))).toMatchObject({
        command: '/deploy',
        text: 'production main',
        user_id: 'U0ALICE',
        team_id: 'T0TEST',
        channel_id: 'C0OPS',
        response_url: command.responseUrl,
        trigger_id: command.triggerId,
      });
      const reply = await fetch(command.responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ response_type: 'ephemeral', text: 'Deployment d1 accepted' }),
      });
      expect(reply.status).toBe(200);
      expect((await command.reply()).body).toMatchObject({ text: 'Deployment d1 accepted' });
      expect(slack.ephemerals('U0ALICE').map((message) => message.text)).toEqual(['Deployment d1 accepted']);
    });

    it('shows a command acknowledged with a body as Slack does: JSON as a reply, text as an ephemeral', async () => {
      const changes = vi.fn();
      const unsubscribe = slack.onChange(changes);
      answer = () => ({ status: 200, body: JSON.stringify({ text: 'Usage: /flag disable <name>' }) });
      await slack.command('/flag', 'help', { user: 'U0ALICE', channel: 'C0STATUS' });
      answer = () => ({
        status: 200,
        body: JSON.stringify({ response_type: 'in_channel', blocks: [section('*Deploying* staging')] }),
      });
      await slack.command('/deploy', 'staging', { user: 'U0ALICE', channel: 'C0STATUS' });
      answer = () => ({ status: 200 });
      await slack.command('/deploy', 'production', { user: 'U0ALICE', channel: 'C0STATUS' });
      expect(slack.ephemerals('U0ALICE').map(({ text, channel }) => ({ text, channel }))).toEqual([
        { text: 'Usage: /flag disable <name>', channel: 'C0STATUS' },
      ]);
      expect(slack.messages('C0STATUS').map((message) => message.blocks)).toEqual([
        [expect.objectContaining(section('*Deploying* staging'))],
      ]);
      expect(changes).toHaveBeenCalled();
      unsubscribe();
      changes.mockClear();
      await slack.command('/flag', 'list', { user: 'U0ALICE' });
      expect(changes).not.toHaveBeenCalled();
    });

    it('closes the top modal, and tells the app with view_closed only when the view asked', async () => {
      await web.views.open({
        trigger_id: slack.workspace.issueTrigger('U0ALICE'),
        view: reasonModal as never,
      });
      expect(await slack.closeModal('U0ALICE')).toBeUndefined();
      expect(slack.modal('U0ALICE')).toBeUndefined();
      expect(received).toEqual([]);
      await web.views.open({
        trigger_id: slack.workspace.issueTrigger('U0ALICE'),
        view: { ...reasonModal, notify_on_close: true } as never,
      });
      expect((await slack.closeModal('U0ALICE'))?.status).toBe(200);
      const payload = JSON.parse(new URLSearchParams(received[0]?.body).get('payload') ?? '{}');
      expect(payload).toMatchObject({
        type: 'view_closed',
        user: { id: 'U0ALICE' },
        view: { callback_id: 'abort' },
        is_cleared: false,
      });
      expect(await slack.closeModal('U0ALICE')).toBeUndefined();
    });

    it('refuses a forged signature only at the app: the simulator signs with the secret it is given', async () => {
      const forged = slack.commandRequest('/flag', 'list', { user: 'U0ALICE', secret: 'not-the-secret' });
      await slack.send(forged.request);
      expect(signedBySlack(received[0] as Received)).toBe(false);
    });

    it('answers a response_url at most five times, and refuses invalid blocks in a reply', async () => {
      const command = await slack.command('/flag', 'list', { user: 'U0ALICE' });
      const post = (body: unknown) =>
        fetch(command.responseUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await post({ blocks: [{ type: 'section' }] })).status).toBe(400);
      for (let use = 0; use < 5; use += 1) expect((await post({ text: `reply ${use}` })).status).toBe(200);
      const sixth = await post({ text: 'one too many' });
      expect([sixth.status, await sixth.text()]).toEqual([404, 'used_url']);
    });

    it('clicks a button on the message the bot posted, with the payload Slack builds from it', async () => {
      const posted = await web.chat.postMessage({
        channel: '#deployment-status',
        text: 'timeline',
        blocks: [section('*production*'), approveButton('d1')],
      });
      const click = await slack.click({ actionId: 'deploy_approve', value: 'd1', user: 'U0CAROL' });
      expect(click.status).toBe(200);
      const request = received[0] as Received;
      expect(signedBySlack(request)).toBe(true);
      const payload = JSON.parse(new URLSearchParams(request.body).get('payload') ?? '{}');
      expect(payload).toMatchObject({
        type: 'block_actions',
        user: { id: 'U0CAROL' },
        trigger_id: click.triggerId,
        response_url: click.responseUrl,
        container: { type: 'message', message_ts: posted.ts, channel_id: 'C0STATUS', is_ephemeral: false },
        channel: { id: 'C0STATUS', name: 'deployment-status' },
        message: { ts: posted.ts, text: 'timeline' },
        actions: [{ type: 'button', action_id: 'deploy_approve', block_id: 'deploy_gate:1', value: 'd1' }],
      });
      // A refusal through the click's response_url reaches only the clicker.
      await fetch(click.responseUrl ?? '', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'Only approvers can approve.', replace_original: false }),
      });
      expect(slack.ephemerals('U0CAROL').map((message) => message.text)).toEqual([
        'Only approvers can approve.',
      ]);
      await expect(slack.click({ actionId: 'deploy_abort', user: 'U0CAROL' })).rejects.toThrow(
        'no button deploy_abort that U0CAROL can see',
      );
    });

    it('clicks again on the message as it was, after the bot replaced the button', async () => {
      const posted = await web.chat.postMessage({
        channel: 'C0STATUS',
        text: 'gate',
        blocks: [approveButton('d1')],
      });
      const first = await slack.click({ actionId: 'deploy_approve', value: 'd1', user: 'U0CAROL' });
      await web.chat.update({
        channel: 'C0STATUS',
        ts: posted.ts ?? '',
        text: 'approved',
        blocks: [section('approved')],
      });
      await expect(
        slack.click({ actionId: 'deploy_approve', value: 'd1', user: 'U0CAROL' }),
      ).rejects.toThrow();
      expect((await first.again()).status).toBe(200);
      expect(received).toHaveLength(2);
    });

    it('submits the modal the bot opened with what the user typed, and keeps it open on errors', async () => {
      const trigger = slack.workspace.issueTrigger('U0ALICE');
      await web.views.open({ trigger_id: trigger, view: reasonModal as never });
      await expect(
        slack.submit({ user: 'U0ALICE', values: { reason: { reason_input: 'no' } } }),
      ).rejects.toThrow('Slack would not submit: reason is shorter than 3');
      answer = () => ({
        status: 200,
        body: JSON.stringify({ response_action: 'errors', errors: { reason: 'why?' } }),
      });
      const refused = await slack.submit({
        user: 'U0ALICE',
        callbackId: 'abort',
        values: { reason: { reason_input: 'typo' } },
      });
      expect(refused.json).toMatchObject({ response_action: 'errors' });
      expect(slack.modal('U0ALICE')).toBeDefined();
      const payload = JSON.parse(
        new URLSearchParams((received.at(-1) as Received).body).get('payload') ?? '{}',
      );
      expect(payload).toMatchObject({
        type: 'view_submission',
        user: { id: 'U0ALICE' },
        view: {
          callback_id: 'abort',
          private_metadata: 'd1',
          state: { values: { reason: { reason_input: { type: 'plain_text_input', value: 'typo' } } } },
        },
      });
      answer = () => ({ status: 200 });
      await slack.submit({ user: 'U0ALICE', values: { reason: { reason_input: 'wrong ref' } } });
      expect(slack.modal('U0ALICE')).toBeUndefined();
      await expect(slack.submit({ user: 'U0ALICE' })).rejects.toThrow('U0ALICE has no open modal');
    });

    it('sends Events API envelopes (app_home_opened), and re-delivers with X-Slack-Retry-Num', async () => {
      const delivery = await slack.openHome('U0CAROL');
      const request = received[0] as Received;
      expect(signedBySlack(request)).toBe(true);
      expect(request.headers['content-type']).toBe('application/json');
      expect(JSON.parse(request.body)).toMatchObject({
        type: 'event_callback',
        team_id: 'T0TEST',
        event: { type: 'app_home_opened', user: 'U0CAROL', tab: 'home' },
      });
      await delivery.resend({ retryNum: 1, reason: 'http_timeout' });
      expect(received[1]?.headers).toMatchObject({
        'x-slack-retry-num': '1',
        'x-slack-retry-reason': 'http_timeout',
      });
      expect(received[1]?.body).toBe(request.body);
    });

    it('counts replies to response_urls issued in bulk under a tag', async () => {
      const base = slack.responseUrlBase('load');
      for (const index of [1, 2])
        await fetch(`${base}/${index}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: `reply ${index}` }),
        });
      await vi.waitFor(() => expect(slack.tagged('load').count).toBe(2));
      expect(slack.tagged('load').last?.body).toEqual({ text: 'reply 2' });
    });
  });
});
