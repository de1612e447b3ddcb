import { z } from 'zod';

/** The few fields of any Slack request (command, action, view, event) that logs, metrics and the error sink use. */
const requestSchema = z.object({
  command: z.string().optional(),
  type: z.string().optional(),
  user_id: z.string().optional(),
  user: z.object({ id: z.string() }).optional(),
  response_url: z.url().optional(),
  response_urls: z.array(z.object({ response_url: z.url() })).optional(),
  actions: z.array(z.object({ action_id: z.string() })).optional(),
  view: z.object({ callback_id: z.string() }).optional(),
  event: z.object({ type: z.string() }).optional(),
});

export interface RequestSummary {
  /** command, action, view or event. */
  kind: string;
  /** `/flag`, an action_id, a callback_id or an event type. */
  name: string;
  user?: string;
  responseUrl?: string;
}

export function summarizeRequest(body: unknown): RequestSummary {
  const parsed = requestSchema.safeParse(body);
  if (!parsed.success) return { kind: 'unknown', name: 'unknown' };
  const request = parsed.data;
  const user = request.user_id ?? request.user?.id;
  const responseUrl = request.response_url ?? request.response_urls?.[0]?.response_url;
  const extra = { ...(user ? { user } : {}), ...(responseUrl ? { responseUrl } : {}) };
  if (request.command) return { kind: 'command', name: request.command, ...extra };
  if (request.type === 'block_actions')
    return { kind: 'action', name: request.actions?.[0]?.action_id ?? 'unknown', ...extra };
  if (request.type === 'view_submission' || request.type === 'view_closed') {
    return { kind: 'view', name: request.view?.callback_id ?? 'unknown', ...extra };
  }
  return { kind: 'event', name: request.event?.type ?? request.type ?? 'unknown', ...extra };
}
