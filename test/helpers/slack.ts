import { createHmac } from 'node:crypto';

import { TEST_SIGNING_SECRET } from './credentials.js';

export { TEST_BOT_TOKEN, TEST_SIGNING_SECRET } from './credentials.js';
export const SLACK_API = 'http://slack.test';
export const RESPONSE_HOST = 'https://hooks.slack.test';

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

/** Signs a raw body exactly as Slack does (v0 HMAC-SHA256 of `v0:timestamp:body`). */
export function signBody(
  body: string,
  secret = TEST_SIGNING_SECRET,
  timestampSec = Math.floor(Date.now() / 1000),
): SignedRequest {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestampSec}:${body}`).digest('hex')}`;
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestampSec),
      'x-slack-signature': signature,
    },
  };
}

let sequence = 0;

/** A slash command payload with every field Slack sends, form-encoded and signed. */
export function slashCommand(
  command: string,
  text: string,
  options: {
    userId?: string;
    userName?: string;
    secret?: string;
    timestampSec?: number;
    responsePath?: string;
    responseHost?: string;
  } = {},
): SignedRequest & { responsePath: string } {
  sequence += 1;
  const responsePath =
    options.responsePath ?? `/commands/T0TEST/${sequence}/${Math.random().toString(36).slice(2)}`;
  const form = new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0TEST',
    team_domain: 'acme',
    channel_id: 'C0OPS',
    channel_name: 'ops',
    user_id: options.userId ?? 'U0ALICE',
    user_name: options.userName ?? 'alice',
    command,
    text,
    api_app_id: 'A0GREEN',
    is_enterprise_install: 'false',
    response_url: `${options.responseHost ?? RESPONSE_HOST}${responsePath}`,
    trigger_id: `${sequence}.1234.abcdef`,
  });
  return { ...signBody(form.toString(), options.secret, options.timestampSec), responsePath };
}

/** An interactivity request (button click, modal submission) as Slack sends it: form field `payload`, signed. */
export function interaction(payload: Record<string, unknown>, secret = TEST_SIGNING_SECRET): SignedRequest {
  return signBody(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), secret);
}

/** A click on a button of a message the bot posted. */
export function buttonClick(
  actionId: string,
  value: string,
  userId: string,
  responsePath = '/actions/1',
): SignedRequest {
  return interaction({
    type: 'block_actions',
    team: { id: 'T0TEST', domain: 'acme' },
    user: { id: userId, username: userId.toLowerCase(), team_id: 'T0TEST' },
    api_app_id: 'A0GREEN',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: '1.2', channel_id: 'C0STATUS', is_ephemeral: false },
    trigger_id: `${Date.now()}.1234.abcdef`,
    channel: { id: 'C0STATUS', name: 'deployment-status' },
    message: { type: 'message', ts: '1.2', text: 'timeline' },
    response_url: `${RESPONSE_HOST}${responsePath}`,
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: 'deploy_gate:1',
        value,
        text: { type: 'plain_text', text: 'Approve' },
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  });
}
