import type { WebClient } from '@slack/web-api';

export type TokenCheck =
  | { ok: true; botId: string; botUserId: string; team: string }
  | { ok: false; fatal: true; message: string }
  | { ok: false; fatal: false; message: string };

const FATAL = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
]);

/**
 * Checks SLACK_BOT_TOKEN once at start-up, so a wrong token stops the process with a clear sentence instead of
 * failing every request later. A Slack that cannot be reached is not fatal: the bot starts and retries lazily.
 */
export async function verifySlackToken(client: Pick<WebClient, 'auth'>): Promise<TokenCheck> {
  try {
    const result = await client.auth.test();
    if (result.ok && result.user_id && result.bot_id) {
      return { ok: true, botId: result.bot_id, botUserId: result.user_id, team: result.team ?? '' };
    }
    return { ok: false, fatal: false, message: 'auth.test answered without a bot identity' };
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    if (code && FATAL.has(code)) {
      return {
        ok: false,
        fatal: true,
        message: `SLACK_BOT_TOKEN was refused by Slack (${code}): copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page`,
      };
    }
    return {
      ok: false,
      fatal: false,
      message: `Slack could not be reached to check the token (${(error as Error).message})`,
    };
  }
}
