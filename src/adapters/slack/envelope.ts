import type { ReceiverEvent } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Reply, Tell } from '../../../commands/ports.js';

/**
 * The shape every request must have before Bolt or a listener sees it, by kind (told apart as Bolt does: `event`,
 * then `command`, then `actions`, then the view types). Only what Bolt's routing and greenlight's listeners read.
 */
const user = z.object({ id: z.string().min(1) });
const team = z.object({ id: z.string() }).nullable();
const text = z.string().optional();
/** Bolt reads the first of these for `respond`. */
const responseUrls = z.array(z.object({ response_url: z.string() })).optional();

const command = z.object({
  command: z.string().startsWith('/'),
  user_id: z.string().min(1),
  team_id: z.string(),
  text,
  channel_id: text,
  response_url: text,
  response_urls: responseUrls,
  trigger_id: text,
});

const blockActions = z.object({
  type: z.literal('block_actions'),
  user,
  team,
  trigger_id: z.string().min(1),
  response_url: text,
  response_urls: responseUrls,
  channel: z.object({ id: z.string() }).optional(),
  actions: z
    .array(z.object({ action_id: z.string().min(1), block_id: text, value: text, action_ts: text }))
    .min(1),
});

const viewPayload = z.object({
  type: z.enum(['view_submission', 'view_closed']),
  user,
  team,
  response_urls: responseUrls,
  view: z.object({
    id: z.string(),
    callback_id: z.string(),
    private_metadata: text,
    app_installed_team_id: text,
    state: z.object({ values: z.record(z.string(), z.record(z.string(), z.object({}).loose())) }).optional(),
  }),
});

const eventCallback = z.object({
  event: z.object({ type: z.string() }),
  authorizations: z.array(z.object({ team_id: z.string().nullish() })).optional(),
});

export type Envelope =
  | { ok: true; kind: 'command' | 'action' | 'view' | 'event' | 'other' }
  | { ok: false; kind: 'command' | 'action' | 'view' | 'other'; user?: string; responseUrl?: string };

/** The sentence a person hears when a request of theirs cannot be used. */
export const UNUSABLE_REQUEST =
  'Slack sent greenlight a request it could not read (part of it is missing or malformed), so nothing was done; try again from the newest message.';

/** Who to answer about an unusable request, from whatever parts of it are readable. */
function answerable(body: Record<string, unknown>): { user?: string; responseUrl?: string } {
  const from = body.user;
  const id = typeof from === 'object' && from !== null ? (from as { id?: unknown }).id : body.user_id;
  const url = body.response_url;
  return {
    ...(typeof id === 'string' && /^[UW][A-Z0-9]{1,20}$/.test(id) ? { user: id } : {}),
    ...(typeof url === 'string' && /^https?:\/\/\S+$/.test(url) ? { responseUrl: url } : {}),
  };
}

/** Whether a request is one greenlight can route and its listeners can read. */
export function checkEnvelope(body: Record<string, unknown>): Envelope {
  const reject = (kind: 'command' | 'action' | 'view' | 'other'): Envelope => ({
    ok: false,
    kind,
    ...answerable(body),
  });
  if (body.event !== undefined)
    return eventCallback.safeParse(body).success ? { ok: true, kind: 'event' } : reject('other');
  if (body.command !== undefined)
    return command.safeParse(body).success ? { ok: true, kind: 'command' } : reject('command');
  if (body.actions !== undefined)
    return blockActions.safeParse(body).success ? { ok: true, kind: 'action' } : reject('action');
  if (body.type === 'view_submission' || body.type === 'view_closed')
    return viewPayload.safeParse(body).success ? { ok: true, kind: 'view' } : reject('view');
  // Shortcuts, options, anything else: greenlight listens to none; Bolt routes nothing, and the guard acks.
  return { ok: true, kind: 'other' };
}

export interface IngressGuardDeps {
  logger: Logger;
  reply: Reply;
  tell: Tell;
}

/**
 * What stands between the receiver and Bolt: a request that cannot be used is acked and its sender told so in one
 * private sentence, never handed to a listener; every other request is acked once Bolt is done with it if no
 * listener did (an action or view nobody listens to, a listener that failed before its ack), and an error thrown
 * outside the listeners is logged, not answered with HTTP 500. So every signed request gets 200 within Slack's 3 s.
 */
export function ingressGuard(deps: IngressGuardDeps) {
  const ackQuietly = async (ack: ReceiverEvent['ack'], response?: Record<string, unknown>) => {
    try {
      await ack(response);
    } catch (error) {
      deps.logger.debug({ event: 'slack.late_ack', err: error }, 'could not ack');
    }
  };
  const tellUnusable = async (envelope: Extract<Envelope, { ok: false }>) => {
    try {
      if (envelope.responseUrl)
        await deps.reply(envelope.responseUrl, {
          text: `:warning: ${UNUSABLE_REQUEST}`,
          replace_original: false,
        });
      else if (envelope.user && envelope.kind !== 'command')
        await deps.tell(envelope.user, `:warning: ${UNUSABLE_REQUEST}`);
    } catch (error) {
      deps.logger.warn({ event: 'slack.unusable_not_told', err: error }, 'could not tell the sender');
    }
  };

  return async (event: ReceiverEvent, process: (event: ReceiverEvent) => Promise<void>): Promise<void> => {
    const envelope = checkEnvelope(event.body);
    if (!envelope.ok) {
      deps.logger.info(
        { event: 'slack.request_unusable', kind: envelope.kind, user: envelope.user },
        'unusable request acked',
      );
      // A command's ack is its private answer; other kinds are answered after the ack.
      if (envelope.kind === 'command')
        return ackQuietly(event.ack, { response_type: 'ephemeral', text: `:warning: ${UNUSABLE_REQUEST}` });
      await ackQuietly(event.ack);
      return tellUnusable(envelope);
    }
    let acked = false;
    const ack: ReceiverEvent['ack'] = (response) => {
      acked = true;
      return event.ack(response);
    };
    try {
      await process({ ...event, ack });
    } catch (error) {
      deps.logger.error({ event: 'slack.dispatch_failed', err: error }, 'request failed outside a listener');
    } finally {
      if (!acked) await ackQuietly(ack);
    }
  };
}
