import { type SignedRequest, signedSlashCommand } from '../../playground/sim/slack.js';
import { TEST_SIGNING_SECRET } from '../../test/helpers/credentials.js';

export const BENCH_SIGNING_SECRET = TEST_SIGNING_SECRET;

export interface SlashRequestSpec {
  command: string;
  text: string;
  userId: string;
  /** A response_url base from the Slack simulator (`responseUrlBase`); each request gets its own under it. */
  responseUrl: string;
}

let sequence = 0;

/**
 * A slash command as Slack sends it (every field, form-encoded, v0-signed with the bench's secret), with a
 * response_url of its own under the spec's base. Cheap enough for a load generator to pre-sign thousands.
 */
export function signedSlashRequest(spec: SlashRequestSpec): SignedRequest {
  sequence += 1;
  return signedSlashCommand(
    {
      command: spec.command,
      text: spec.text,
      userId: spec.userId,
      responseUrl: `${spec.responseUrl}/${process.pid}-${sequence}`,
      triggerId: `${Date.now()}.${sequence}.bench`,
    },
    BENCH_SIGNING_SECRET,
  );
}
