import { createHmac, randomUUID } from 'node:crypto';

export interface WebhookTarget {
  url: string;
  /** Signs each delivery (`X-Hub-Signature-256`); without one GitHub sends no signature. */
  secret?: string;
  /** Events it subscribes to; default `workflow_run`. */
  events?: string[];
  /** Only this repository's events (`owner/name`); default every repository. */
  repo?: string;
}

export interface WebhookDelivery {
  id: string;
  url: string;
  event: string;
  action: string | undefined;
  repo: string;
  /** The receiver's HTTP status, or the error when it could not be reached. */
  status?: number;
  error?: string;
  /** `performance.now()` when the delivery was sent. */
  at: number;
  /** How long the receiver took to answer, in ms. */
  tookMs?: number;
}

/** A delivery's body and headers exactly as GitHub (Enterprise Server) sends them. */
export function webhookRequest(
  event: string,
  payload: unknown,
  options: { secret?: string; delivery?: string } = {},
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/5f3c2a1',
    'x-github-event': event,
    'x-github-delivery': options.delivery ?? randomUUID(),
    'x-github-hook-id': '418225671',
    'x-github-enterprise-version': '3.14.0',
    'x-github-enterprise-host': 'ghe.example.com',
  };
  if (options.secret !== undefined) {
    headers['x-hub-signature'] = `sha1=${createHmac('sha1', options.secret).update(body).digest('hex')}`;
    headers['x-hub-signature-256'] =
      `sha256=${createHmac('sha256', options.secret).update(body).digest('hex')}`;
  }
  return { body, headers };
}

/** Sends one delivery (GitHub gives the receiver 10 s) and says how it went; never throws. */
export async function deliver(
  target: WebhookTarget,
  event: string,
  payload: { action?: string },
  repo: string,
): Promise<WebhookDelivery> {
  const request = webhookRequest(
    event,
    payload,
    target.secret === undefined ? {} : { secret: target.secret },
  );
  const record: WebhookDelivery = {
    id: request.headers['x-github-delivery'] as string,
    url: target.url,
    event,
    action: payload.action,
    repo,
    at: performance.now(),
  };
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    record.status = response.status;
  } catch (error) {
    record.error = error instanceof Error ? error.message : String(error);
  }
  record.tookMs = performance.now() - record.at;
  return record;
}
