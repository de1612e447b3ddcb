import type { SlackMessage } from '../views/format.js';

/** A private answer to whoever ran a command or clicked, through the request's `response_url`. */
export type ReplyMessage = Pick<SlackMessage, 'text'> &
  Partial<Pick<SlackMessage, 'blocks'>> & { replace_original?: boolean };
export type Reply = (responseUrl: string, message: ReplyMessage) => Promise<void>;

/**
 * Which deliveries of a Slack request are the first. Slack re-sends a request it thinks went unanswered
 * (`X-Slack-Retry-Num`) and a captured one can be replayed within its 5-minute window; both carry the same
 * `trigger_id`, so claiming it before any effect makes every command, click and submission happen once.
 */
export interface Deliveries {
  /** True for the first delivery of `triggerId` (claimed atomically), false for every later one. */
  first(triggerId: string): Promise<boolean>;
}

/** A private message to a user (a direct message from the bot): what answers after a modal, which has no response_url. */
export type Tell = (user: string, text: string) => Promise<void>;
