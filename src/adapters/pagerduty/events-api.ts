import { z } from 'zod';
import { clip } from '../../domain/text.js';
import type { Pager } from '../../services/ports.js';
import { networkProblem } from '../analysis/network-problem.js';

export const DEFAULT_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export interface PagerDutyOptions {
  /** PAGERDUTY_ROUTING_KEY: a secret, never logged or put into a result. */
  routingKey: string;
  /** PAGERDUTY_EVENTS_URL; PagerDuty's own by default. */
  url?: string;
  timeoutMs?: number;
}

/** PagerDuty's summary limit. */
export const MAX_SUMMARY = 1_024;

const refusal = z.object({
  status: z.string().optional(),
  message: z.string().optional(),
  errors: z.array(z.string()).optional(),
});

/**
 * PagerDuty's Events API v2 (`POST /v2/enqueue`): 202 means taken; 400 names what is invalid; 429 is a rate limit.
 * Sent with Node's fetch, which is undici (and which nock intercepts in tests).
 */
export function pagerDutyEvents(options: PagerDutyOptions): Pager {
  const url = options.url ?? DEFAULT_EVENTS_URL;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const hide = (text: string) => text.replaceAll(options.routingKey, '[REDACTED]');
  return {
    async send(event) {
      const body =
        event.action === 'trigger'
          ? {
              routing_key: options.routingKey,
              event_action: 'trigger',
              dedup_key: event.dedupKey,
              payload: {
                summary: clip(event.summary, MAX_SUMMARY),
                source: 'greenlight',
                severity: event.severity,
                custom_details: event.details,
              },
              ...(event.links && event.links.length > 0 ? { links: event.links } : {}),
            }
          : { routing_key: options.routingKey, event_action: 'resolve', dedup_key: event.dedupKey };
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const timedOut = (error as { name?: string }).name === 'TimeoutError';
        return {
          ok: false,
          error: timedOut
            ? `PagerDuty did not answer within ${timeoutMs} ms`
            : `PagerDuty unreachable (${networkProblem(error)})`,
        };
      }
      const text = await response.text().catch(() => '');
      if (response.status === 202 || response.status === 200) return { ok: true };
      if (response.status === 429)
        return { ok: false, error: 'PagerDuty rate-limited the event (429); page by hand' };
      const parsed = refusal.safeParse(safeJson(text));
      const detail = parsed.success
        ? [parsed.data.message, ...(parsed.data.errors ?? [])].filter(Boolean).join(': ')
        : '';
      return {
        ok: false,
        error: hide(
          `PagerDuty refused the event (${response.status}${detail ? ` ${detail.slice(0, 300)}` : ''})`,
        ),
      };
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
