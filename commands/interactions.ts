import type { App } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { problemReply } from '../views/format.js';
import {
  type ButtonClick,
  buttonClickSchema,
  clickedValue,
  type ViewSubmission,
  viewSubmissionSchema,
} from './payloads.js';
import type { Deliveries, Reply, Tell } from './ports.js';

/** What a button's use case answers: done, or a refusal in one sentence. */
export type ButtonOutcome = { ok: true } | { ok: false; message: string };

export interface InteractionDeps {
  reply: Reply;
  deliveries: Deliveries;
  tell: Tell;
  client: Pick<WebClient, 'views'>;
}

/** Slack's answers to views.open when a click's trigger can no longer open anything (late, replayed, forged). */
const SPENT_TRIGGER = new Set(['invalid_trigger_id', 'expired_trigger_id', 'exchanged_trigger_id']);
const SPENT_TRIGGER_MESSAGE =
  'Slack would not open the form for that click (it arrived too late or was used already); click the button again.';

export const UNREADABLE_CLICK =
  'That click could not be read (it does not say who clicked or what the button acts on), so nothing was changed; use the buttons on the newest message.';
export const UNREADABLE_FORM =
  'That form could not be read (it does not say what it is about or what was typed), so nothing was changed; open it again from the message.';

/** The user and response_url of a payload that did not parse, if they are there, to answer privately. */
function whoToTell(body: unknown): { user?: string; responseUrl?: string } {
  const payload = body as { user?: { id?: unknown }; response_url?: unknown };
  const user = payload.user?.id;
  const responseUrl = payload.response_url;
  return {
    ...(typeof user === 'string' && user ? { user } : {}),
    ...(typeof responseUrl === 'string' && /^https?:\/\//.test(responseUrl) ? { responseUrl } : {}),
  };
}

/**
 * The one way clicks and modal submissions reach a use case: ack first, whatever the payload carries; then the payload
 * parsed (zod), with one private sentence when it is not usable; then the request's `trigger_id` claimed, so a Slack
 * re-delivery or a replay of the same bytes has no second effect; only then the work.
 */
export function interactions(app: App, deps: InteractionDeps) {
  const answerPrivately = async (to: { user?: string; responseUrl?: string }, message: string) => {
    if (to.responseUrl)
      await deps.reply(to.responseUrl, { ...problemReply(message), replace_original: false });
    else if (to.user) await deps.tell(to.user, message);
  };

  /** A click on `actionId`: `run` once per click, with the click parsed. */
  const click = (actionId: string | RegExp, run: (click: ButtonClick) => Promise<void>): void => {
    app.action(actionId, async ({ ack, body }) => {
      await ack();
      const parsed = buttonClickSchema.safeParse(body);
      if (!parsed.success) return answerPrivately(whoToTell(body), UNREADABLE_CLICK);
      if (!(await deps.deliveries.first(parsed.data.trigger_id))) return;
      await run(parsed.data);
    });
  };

  /** A button whose use case takes its value and the clicker; a refusal reaches only the person who clicked. */
  const button = (
    actionId: string,
    use: (value: string, user: string, click: ButtonClick) => Promise<ButtonOutcome>,
  ): void =>
    click(actionId, async (parsed) => {
      const outcome = await use(clickedValue(parsed), parsed.user.id, parsed);
      if (!outcome.ok) await refuse(parsed, outcome.message);
    });

  /** Tells the person who clicked, privately, why nothing happened. */
  const refuse = (parsed: ButtonClick, message: string) =>
    answerPrivately(
      { user: parsed.user.id, ...(parsed.response_url ? { responseUrl: parsed.response_url } : {}) },
      message,
    );

  /**
   * A submission of the modal `callbackId`: `errors` (pure) keeps the modal open with a sentence under a field;
   * otherwise the modal closes (the ack) and `run` goes once per submission.
   */
  const submission = (
    callbackId: string,
    handle: {
      errors?: (submission: ViewSubmission) => Record<string, string> | undefined;
      run: (submission: ViewSubmission) => Promise<void>;
    },
  ): void => {
    app.view(callbackId, async ({ ack, body }) => {
      const parsed = viewSubmissionSchema.safeParse(body);
      const errors = parsed.success ? handle.errors?.(parsed.data) : undefined;
      if (errors) return ack({ response_action: 'errors', errors });
      await ack();
      if (!parsed.success) return answerPrivately(whoToTell(body), UNREADABLE_FORM);
      if (!(await deps.deliveries.first(parsed.data.trigger_id))) return;
      await handle.run(parsed.data);
    });
  };

  /** Opens `view` for the click; a trigger Slack no longer honours is a refusal to the clicker, not a failure. */
  const open = async (parsed: ButtonClick, view: ModalView): Promise<void> => {
    try {
      await deps.client.views.open({ trigger_id: parsed.trigger_id, view });
    } catch (error) {
      const code = (error as { data?: { error?: unknown } }).data?.error;
      if (typeof code === 'string' && SPENT_TRIGGER.has(code)) return refuse(parsed, SPENT_TRIGGER_MESSAGE);
      throw error;
    }
  };

  return { click, button, submission, refuse, open };
}
