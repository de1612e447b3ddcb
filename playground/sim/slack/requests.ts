import { createHmac } from 'node:crypto';

/**
 * Requests exactly as Slack sends them to an app: form-encoded slash commands and interactions (`payload=`),
 * JSON Events API envelopes, each signed with the app's signing secret (`v0` HMAC-SHA256 of
 * `v0:<timestamp>:<body>`, https://docs.slack.dev/authentication/verifying-requests-from-slack). Pure, so a load
 * generator in another process can build them as cheaply as the simulator does.
 */

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

export interface Team {
  id: string;
  domain: string;
}

export const DEFAULT_TEAM: Team = { id: 'T0TEST', domain: 'acme' };
export const DEFAULT_APP_ID = 'A0GREEN';

export function sign(
  body: string,
  secret: string,
  options: { timestampSec?: number; contentType?: string } = {},
): SignedRequest {
  const timestamp = options.timestampSec ?? Math.floor(Date.now() / 1_000);
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    body,
    headers: {
      'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature,
    },
  };
}

export interface SlashCommandSpec {
  command: string;
  text: string;
  userId: string;
  userName?: string;
  channelId?: string;
  channelName?: string;
  responseUrl: string;
  triggerId: string;
  team?: Team;
  appId?: string;
}

/** A slash command's form fields, every one Slack sends. */
export function slashCommandBody(spec: SlashCommandSpec): string {
  const team = spec.team ?? DEFAULT_TEAM;
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: team.id,
    team_domain: team.domain,
    channel_id: spec.channelId ?? 'C0OPS',
    channel_name: spec.channelName ?? 'ops',
    user_id: spec.userId,
    user_name: spec.userName ?? spec.userId.toLowerCase(),
    command: spec.command,
    text: spec.text,
    api_app_id: spec.appId ?? DEFAULT_APP_ID,
    is_enterprise_install: 'false',
    response_url: spec.responseUrl,
    trigger_id: spec.triggerId,
  }).toString();
}

export function signedSlashCommand(
  spec: SlashCommandSpec,
  secret: string,
  options: { timestampSec?: number } = {},
): SignedRequest {
  return sign(slashCommandBody(spec), secret, options);
}

/** An interactivity request (`block_actions`, `view_submission`…): the JSON in the form field `payload`. */
export function signedInteraction(
  payload: Record<string, unknown>,
  secret: string,
  options: { timestampSec?: number } = {},
): SignedRequest {
  return sign(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), secret, options);
}

/** An Events API request: the JSON envelope, signed. */
export function signedEvent(
  envelope: Record<string, unknown>,
  secret: string,
  options: { timestampSec?: number } = {},
): SignedRequest {
  return sign(JSON.stringify(envelope), secret, { ...options, contentType: 'application/json' });
}

/** Slack's re-delivery of a request it thinks was not acknowledged: same body, the retry headers added. */
export function redelivery(request: SignedRequest, retryNum: number, reason = 'http_timeout'): SignedRequest {
  return {
    body: request.body,
    headers: { ...request.headers, 'x-slack-retry-num': String(retryNum), 'x-slack-retry-reason': reason },
  };
}

/** A user as interaction payloads name them. */
export function payloadUser(userId: string, team: Team = DEFAULT_TEAM): Record<string, string> {
  const name = userId.replace(/^U0?/, '').toLowerCase();
  return { id: userId, username: name, name, team_id: team.id };
}
