import type { App } from '@slack/bolt';
import { problemReply } from '../views/format.js';
import { buttonClickSchema, clickedValue } from './payloads.js';
import type { Reply } from './ports.js';

/** What a button's use case answers: done, or a refusal in one sentence. */
export type ButtonOutcome = { ok: true } | { ok: false; message: string };

/**
 * Registers buttons whose use case takes the button's value and the clicker: ack first, then the use case; a refusal
 * reaches only the person who clicked (through the click's response_url), and the message itself shows what changed.
 */
export function buttonsAnsweringWith(app: App, reply: Reply) {
  return (actionId: string, use: (value: string, user: string) => Promise<ButtonOutcome>): void => {
    app.action(actionId, async ({ ack, body }) => {
      await ack();
      const click = buttonClickSchema.parse(body);
      const outcome = await use(clickedValue(click), click.user.id);
      if (!outcome.ok && click.response_url)
        await reply(click.response_url, { ...problemReply(outcome.message), replace_original: false });
    });
  };
}
