import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';

const MAX_BODY_BYTES = 5 * 1024 * 1024;

const workflowRunEvent = z.object({
  action: z.string(),
  workflow_run: z.object({
    id: z.number().int().positive(),
    run_number: z.number().int().positive().optional(),
    event: z.string().optional(),
    status: z.string().nullable(),
    conclusion: z.string().nullable(),
  }),
});

/** What a `workflow_run` delivery hands on, each as a job of its own. */
export interface WorkflowRunEvents {
  runCompleted(runId: number, conclusion: string): Promise<void>;
  runNumbered(runId: number, runNumber: number): Promise<void>;
}

/**
 * `POST /github/webhooks`: `workflow_run` events, so a finished run moves its deployment on at once instead of at
 * the next poll, and a dispatched run's number (`#123`, which the dispatch does not answer) shows on its timeline
 * from its first delivery (`requested`). The body is checked against `X-Hub-Signature-256` before anything in it
 * is read.
 */
export function githubWebhookRoute(
  secret: string,
  events: () => WorkflowRunEvents | undefined,
  logger: Logger,
): CustomRoute {
  return {
    path: '/github/webhooks',
    method: ['POST'],
    handler: (req, res) => {
      void handle(req, res).catch((error: unknown) => {
        logger.error({ event: 'github.webhook_failed', err: error }, 'webhook failed');
        if (!res.headersSent) send(res, 500, 'failed');
      });
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (body === undefined) return send(res, 413, 'payload too large');
    if (!validSignature(secret, body, req.headers['x-hub-signature-256'])) {
      logger.warn(
        { event: 'github.webhook_bad_signature' },
        'webhook with a bad or missing signature refused',
      );
      return send(res, 401, 'bad signature');
    }
    const eventName = req.headers['x-github-event'];
    if (eventName === 'ping') return send(res, 200, 'pong');
    if (eventName !== 'workflow_run') return send(res, 202, 'ignored');
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return send(res, 400, 'not JSON');
    }
    const parsed = workflowRunEvent.safeParse(json);
    if (!parsed.success) return send(res, 400, 'not a workflow_run event');
    const { action, workflow_run: run } = parsed.data;
    const handler = events();
    // Only dispatched runs can be greenlight's: a push or pull request run's number is no deployment's business.
    if (
      handler &&
      run.run_number !== undefined &&
      action !== 'completed' &&
      run.event === 'workflow_dispatch'
    )
      await handler.runNumbered(run.id, run.run_number);
    if (action === 'completed' && run.conclusion && handler)
      await handler.runCompleted(run.id, run.conclusion);
    send(res, 202, 'accepted');
  }
}

export function validSignature(secret: string, body: Buffer, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(text);
}
