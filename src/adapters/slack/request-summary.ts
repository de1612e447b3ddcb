/**
 * The few fields of any Slack request (command, action, view, event) that logs, metrics and the error sink use, read
 * without a schema: this runs for every request in front of the ack, the envelope check has already judged the
 * request's shape, and a field that is not what it should be is simply left out.
 */
export interface RequestSummary {
  /** command, action, view or event. */
  kind: string;
  /** `/flag`, an action_id, a callback_id or an event type. */
  name: string;
  user?: string;
  responseUrl?: string;
}

type Fields = Record<string, unknown>;

const fieldsOf = (value: unknown): Fields | undefined =>
  typeof value === 'object' && value !== null ? (value as Fields) : undefined;
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function summarizeRequest(body: unknown): RequestSummary {
  const request = fieldsOf(body);
  if (!request) return { kind: 'unknown', name: 'unknown' };
  const user = text(request.user_id) ?? text(fieldsOf(request.user)?.id);
  const urls = request.response_urls;
  const responseUrl =
    text(request.response_url) ?? (Array.isArray(urls) ? text(fieldsOf(urls[0])?.response_url) : undefined);
  const extra = { ...(user ? { user } : {}), ...(responseUrl ? { responseUrl } : {}) };
  const command = text(request.command);
  if (command) return { kind: 'command', name: command, ...extra };
  const type = text(request.type);
  if (type === 'block_actions') {
    const actions = request.actions;
    const first = Array.isArray(actions) ? fieldsOf(actions[0]) : undefined;
    return { kind: 'action', name: text(first?.action_id) ?? 'unknown', ...extra };
  }
  if (type === 'view_submission' || type === 'view_closed')
    return { kind: 'view', name: text(fieldsOf(request.view)?.callback_id) ?? 'unknown', ...extra };
  return { kind: 'event', name: text(fieldsOf(request.event)?.type) ?? type ?? 'unknown', ...extra };
}
