import { interaction, slashCommand, TEST_SIGNING_SECRET } from '../../test/helpers/slack.js';

export const BENCH_SIGNING_SECRET = TEST_SIGNING_SECRET;

export interface SlashRequestSpec {
  command: string;
  text: string;
  userId: string;
  responseUrl: string;
}

export interface SignedSlashRequest {
  body: string;
  headers: Record<string, string>;
}

/**
 * A slash command as Slack sends it (every field, form-encoded, v0-signed with the bench's secret) whose
 * `response_url` points at the bench's local sink.
 */
export function signedSlashRequest(spec: SlashRequestSpec): SignedSlashRequest {
  const url = new URL(spec.responseUrl);
  const { body, headers } = slashCommand(spec.command, spec.text, {
    userId: spec.userId,
    userName: spec.userId.toLowerCase(),
    secret: BENCH_SIGNING_SECRET,
    responseHost: url.origin,
    responsePath: `${url.pathname}${url.search}`,
  });
  return { body, headers };
}

/**
 * A click on a button of the deployment timeline, as Slack sends it (form field `payload` = `block_actions` JSON,
 * v0-signed), with its `response_url` on the bench's sink.
 */
export function signedButtonClick(spec: {
  actionId: string;
  value: string;
  userId: string;
  responseUrl: string;
}): SignedSlashRequest {
  const { body, headers } = interaction(
    {
      type: 'block_actions',
      team: { id: 'T0TEST', domain: 'acme' },
      user: { id: spec.userId, username: spec.userId.toLowerCase(), team_id: 'T0TEST' },
      api_app_id: 'A0GREEN',
      token: 'deprecated-verification-token',
      container: { type: 'message', message_ts: '1.2', channel_id: 'C0STATUS', is_ephemeral: false },
      trigger_id: `${Date.now()}.1234.abcdef`,
      channel: { id: 'C0STATUS', name: 'deployment-status' },
      message: { type: 'message', ts: '1.2', text: 'timeline' },
      response_url: spec.responseUrl,
      actions: [
        {
          type: 'button',
          action_id: spec.actionId,
          block_id: 'deploy_gate:1',
          value: spec.value,
          text: { type: 'plain_text', text: 'Approve' },
          action_ts: `${Date.now() / 1000}`,
        },
      ],
    },
    BENCH_SIGNING_SECRET,
  );
  return { body, headers };
}

/**
 * A modal's submit as Slack sends it (form field `payload` = `view_submission` JSON, v0-signed): the view's
 * `callback_id` and `private_metadata` as the bot opened it, and one plain-text input's value in `view.state`.
 * A view submission has no `response_url`.
 */
export function signedViewSubmission(spec: {
  callbackId: string;
  title: string;
  privateMetadata: string;
  userId: string;
  input: { blockId: string; actionId: string; value: string };
}): SignedSlashRequest {
  const { body, headers } = interaction(
    {
      type: 'view_submission',
      team: { id: 'T0TEST', domain: 'acme' },
      user: {
        id: spec.userId,
        username: spec.userId.toLowerCase(),
        name: spec.userId.toLowerCase(),
        team_id: 'T0TEST',
      },
      api_app_id: 'A0GREEN',
      token: 'deprecated-verification-token',
      trigger_id: `${Date.now()}.5678.fedcba`,
      view: {
        id: 'V0MODAL',
        team_id: 'T0TEST',
        type: 'modal',
        callback_id: spec.callbackId,
        private_metadata: spec.privateMetadata,
        hash: `${Math.floor(Date.now() / 1000)}.abcdef`,
        title: { type: 'plain_text', text: spec.title },
        blocks: [],
        state: {
          values: {
            [spec.input.blockId]: {
              [spec.input.actionId]: { type: 'plain_text_input', value: spec.input.value },
            },
          },
        },
        app_id: 'A0GREEN',
        bot_id: 'B0BOT',
      },
      response_urls: [],
      is_enterprise_install: false,
    },
    BENCH_SIGNING_SECRET,
  );
  return { body, headers };
}
