import type { SlackMessage } from '../views/format.js';

/** A private answer to whoever ran a command or clicked, through the request's `response_url`. */
export type ReplyMessage = Pick<SlackMessage, 'text'> &
  Partial<Pick<SlackMessage, 'blocks'>> & { replace_original?: boolean };
export type Reply = (responseUrl: string, message: ReplyMessage) => Promise<void>;
