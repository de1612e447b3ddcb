import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.js';
import { luaCommand } from './lua-script.js';

/** How often one kind of call may go, and how many at once. */
export interface Pace {
  intervalMs: number;
  burst: number;
}

/**
 * Within Slack's rate limits, with a margin: `chat.postMessage` about one message a second per channel (thread
 * replies and direct messages included), `chat.update` Tier 3 (50 a minute per workspace).
 */
export const SLACK_PACES = {
  'chat.postMessage': { intervalMs: 1_100, burst: 1 },
  'chat.update': { intervalMs: 1_250, burst: 20 },
} as const satisfies Record<string, Pace>;

export interface SlackPacer {
  /** 0 when a call of `method` in `channel` may go now (it is counted); else how long to wait before asking again. */
  take(method: keyof typeof SLACK_PACES, channel: string): Promise<number>;
  /** Slack answered 429: nothing of `method` in `channel` goes for `ms`. */
  hold(method: keyof typeof SLACK_PACES, channel: string, ms: number): Promise<void>;
}

/** The pacer every replica shares, in Redis (`pace-slack.lua`). */
export function redisSlackPacer(
  redis: Redis,
  keys: RedisKeys,
  paces: Record<keyof typeof SLACK_PACES, Pace> = SLACK_PACES,
): SlackPacer {
  const pace = luaCommand<number>(redis, 'pace-slack', 1);
  // chat.update is counted per workspace, chat.postMessage per channel.
  const keyOf = (method: keyof typeof SLACK_PACES, channel: string) =>
    keys.slackPace(method, method === 'chat.postMessage' ? channel : '*');
  return {
    async take(method, channel) {
      const { intervalMs, burst } = paces[method];
      return Number(await pace(keyOf(method, channel), intervalMs, burst, 'take', 0));
    },
    async hold(method, channel, ms) {
      const { intervalMs, burst } = paces[method];
      await pace(keyOf(method, channel), intervalMs, burst, 'hold', Math.ceil(ms));
    },
  };
}
