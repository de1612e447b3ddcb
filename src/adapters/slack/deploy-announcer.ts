import type { WebClient } from '@slack/web-api';
import { approvalRequest, deployTimeline, timelineEvent } from '../../../views/deploy-views.js';
import type { DeployRecord } from '../../domain/deploy/deploy-record.js';
import type { DeployAnnouncer, SlackOutcome } from '../../services/deploy/ports.js';
import type { SlackPacer } from '../redis/slack-pace.js';

/** How long to wait after Slack failed without saying how long (a 5xx, `internal_error`, no answer). */
const UNAVAILABLE_RETRY_MS = 2_000;
/** After an error Slack will likely give again (a channel gone, a token without a scope): try now and then. */
const REFUSED_RETRY_MS = 30_000;

/** Slack's errors that mean "later", whatever the HTTP status said. */
const TRANSIENT = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
  'rate_limited',
]);

/**
 * The one timeline message per deployment in the status channel, re-rendered from state on every change, and
 * the runbook-style thread replies for decisions. Each call first asks the pacer, so greenlight stays within
 * Slack's limits instead of collecting 429s, and comes back as an outcome: a 429 with its Retry-After (which also
 * holds every other call of that method there), a 5xx or `internal_error`, all say when to try again.
 *
 * `client` must hand 429s back rather than wait them out (`rejectRateLimitedCalls`) and not retry itself: the
 * announcement job retries, as a delayed job, not in a worker slot.
 */
export function slackDeployAnnouncer(
  client: Pick<WebClient, 'chat'>,
  channel: string,
  pacer: SlackPacer,
  now: () => number,
  repoUrl?: string,
): DeployAnnouncer {
  const render = (record: DeployRecord) =>
    deployTimeline(record.state, {
      now: now(),
      approvers: record.plan.approvers,
      ...(record.state.sha ? { shortSha: record.state.sha } : {}),
      ...(repoUrl ? { repoUrl } : {}),
    });
  const call = async <T>(
    method: 'chat.postMessage' | 'chat.update',
    where: string,
    send: () => Promise<T>,
  ): Promise<SlackOutcome<T>> => {
    const wait = await pacer.take(method, where);
    if (wait > 0)
      return { ok: false, reason: 'paced', retryInMs: wait, message: `${method} paced in ${where}` };
    try {
      return { ok: true, value: await send() };
    } catch (error) {
      const failed = slackFailure(error);
      if (failed.reason === 'rate_limited') await pacer.hold(method, where, failed.retryInMs);
      return failed;
    }
  };
  return {
    post(record) {
      const message = render(record);
      return call('chat.postMessage', channel, async () => {
        const posted = await client.chat.postMessage({
          channel,
          text: message.text,
          blocks: message.blocks,
          unfurl_links: false,
        });
        if (!posted.ts || !posted.channel)
          throw new Error('chat.postMessage answered without channel and ts');
        return { channel: posted.channel, ts: posted.ts };
      });
    },
    update(record, where) {
      const message = render(record);
      return call('chat.update', where.channel, async () => {
        await client.chat.update({
          channel: where.channel,
          ts: where.ts,
          text: message.text,
          blocks: message.blocks,
        });
        return undefined;
      });
    },
    async reply(record, where, entry) {
      const text = timelineEvent(entry, record.state);
      if (!text) return { ok: true, value: undefined };
      return call('chat.postMessage', where.channel, async () => {
        await client.chat.postMessage({
          channel: where.channel,
          thread_ts: where.ts,
          text,
          unfurl_links: false,
        });
        return undefined;
      });
    },
    askApprover(record, user) {
      const message = approvalRequest(record.state);
      return call('chat.postMessage', user, async () => {
        await client.chat.postMessage({
          channel: user,
          text: message.text,
          blocks: message.blocks,
          unfurl_links: false,
        });
        return undefined;
      });
    },
  };
}

/** A Web API client's error as an outcome: Slack's Retry-After when it gave one, a short wait when it is down. */
export function slackFailure(error: unknown): Extract<SlackOutcome, { ok: false }> {
  const failure = error as {
    code?: string;
    retryAfter?: number;
    statusCode?: number;
    data?: { error?: string };
    message?: string;
  };
  const message = failure.data?.error ?? failure.message ?? String(error);
  if (failure.code === 'slack_webapi_rate_limited_error')
    return {
      ok: false,
      reason: 'rate_limited',
      retryInMs: Math.max(1, failure.retryAfter ?? 1) * 1_000,
      message,
    };
  const transient =
    failure.code === 'slack_webapi_request_error' ||
    (failure.code === 'slack_webapi_http_error' && (failure.statusCode ?? 500) >= 500) ||
    (failure.data?.error !== undefined && TRANSIENT.has(failure.data.error));
  return transient
    ? { ok: false, reason: 'unavailable', retryInMs: UNAVAILABLE_RETRY_MS, message }
    : { ok: false, reason: 'refused', retryInMs: REFUSED_RETRY_MS, message };
}
