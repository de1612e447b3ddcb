import { slashCommand, TEST_SIGNING_SECRET } from '../../test/helpers/slack.js';

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
