import type { Logger } from 'pino';
import type { Reply } from '../commands/ports.js';
import type { Metrics } from './adapters/http/metrics.js';
import { summarizeRequest } from './adapters/slack/request-summary.js';
import { asCodedError, DependencyError, ErrorCode } from './errors.js';

/**
 * The one place a failed Slack request ends up (Bolt's error handler, and greenlight's own dispatch of slash
 * commands): it is logged with its code, counted, and the user gets the
 * error's sentence privately (through response_url), never a stack trace or a silent failure.
 */
export function errorSink(logger: Logger, metrics: Metrics, reply: Reply) {
  return async (error: unknown, body: unknown): Promise<void> => {
    const original =
      (error as { original?: unknown }).original ??
      (error as { originals?: unknown[] }).originals?.[0] ??
      error;
    const coded = asCodedError(original);
    const request = summarizeRequest(body);
    if (coded.code === ErrorCode.RedisUnavailable) metrics.redisErrors.inc();
    if (coded instanceof DependencyError) metrics.dependencyErrors.inc({ dependency: coded.dependency });
    logger.error(
      {
        event: 'request.failed',
        code: coded.code,
        err: original,
        kind: request.kind,
        name: request.name,
        user: request.user,
      },
      'request failed',
    );
    if (!request.responseUrl) return;
    await reply(request.responseUrl, {
      text: `:warning: ${coded.userMessage}`,
      replace_original: false,
    }).catch((replyError: unknown) =>
      logger.warn({ event: 'request.reply_failed', err: replyError }, 'could not tell the user'),
    );
  };
}
