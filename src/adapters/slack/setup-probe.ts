import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import {
  cannotTell,
  found,
  type Probe,
  type SlackChannel,
  type SlackSetup,
} from '../../services/preflight/ports.js';
import { slackUserGroups } from './user-groups.js';

const authTestResponse = z.object({
  team: z.string().default(''),
  user: z.string().default(''),
  response_metadata: z.object({ scopes: z.array(z.string()).optional() }).optional(),
});

const channelSchema = z.object({
  id: z.string(),
  name: z.string().default(''),
  is_private: z.boolean().default(false),
  is_archived: z.boolean().default(false),
  is_member: z.boolean().default(false),
});

const infoResponse = z.object({ channel: channelSchema });
const listResponse = z.object({
  channels: z.array(channelSchema).default([]),
  response_metadata: z.object({ next_cursor: z.string().optional() }).optional(),
});

/** conversations.list pages of 1,000: enough for workspaces of up to 20,000 public channels. */
const MAX_PAGES = 20;

/** The read-only Slack Web API calls preflight makes: auth.test, conversations.info/list, usergroups.list. */
export function slackSetupProbe(
  client: Pick<WebClient, 'auth' | 'conversations' | 'usergroups'>,
): SlackSetup {
  return {
    async identity() {
      try {
        const parsed = authTestResponse.parse(await client.auth.test());
        return found({ team: parsed.team, botUser: parsed.user, scopes: parsed.response_metadata?.scopes });
      } catch (error) {
        const code = slackError(error);
        return code
          ? cannotTell(
              `Slack refuses SLACK_BOT_TOKEN (${code}): copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page`,
            )
          : unreachable(error);
      }
    },
    async channel(reference) {
      try {
        if (!reference.startsWith('#')) {
          const info = infoResponse.parse(await client.conversations.info({ channel: reference }));
          return found(channelOf(info.channel));
        }
        const name = reference.slice(1);
        let cursor: string | undefined;
        for (let page = 0; page < MAX_PAGES; page += 1) {
          const listed = listResponse.parse(
            await client.conversations.list({
              types: 'public_channel',
              exclude_archived: false,
              limit: 1000,
              ...(cursor ? { cursor } : {}),
            }),
          );
          const match = listed.channels.find((channel) => channel.name === name);
          if (match) return found(channelOf(match));
          cursor = listed.response_metadata?.next_cursor || undefined;
          if (!cursor) break;
        }
        return found(undefined);
      } catch (error) {
        const code = slackError(error);
        if (code === 'channel_not_found') return found(undefined);
        return code ? cannotTell(scopeSentence(error, code)) : unreachable(error);
      }
    },
    async groups() {
      try {
        return found(await slackUserGroups(client, Date.now, 0).groups());
      } catch (error) {
        const cause = (error as { cause?: unknown }).cause;
        const code = slackError(cause);
        return code ? cannotTell(scopeSentence(cause, code)) : unreachable(cause ?? error);
      }
    },
  };
}

function channelOf(channel: z.infer<typeof channelSchema>): SlackChannel {
  return {
    id: channel.id,
    name: channel.name,
    private: channel.is_private,
    archived: channel.is_archived,
    member: channel.is_member,
  };
}

/** Slack's error code (`missing_scope`, `invalid_auth`…) from a platform error, if it is one. */
function slackError(error: unknown): string | undefined {
  const code = (error as { data?: { error?: unknown } } | undefined)?.data?.error;
  return typeof code === 'string' ? code : undefined;
}

function scopeSentence(error: unknown, code: string): string {
  if (code !== 'missing_scope') return `Slack answered ${code}`;
  const needed = (error as { data?: { needed?: unknown } }).data?.needed;
  return `the token lacks ${typeof needed === 'string' ? needed : 'a scope'} for this lookup; add it under OAuth & Permissions and reinstall the app`;
}

function unreachable(error: unknown): Probe<never> {
  const message = error instanceof Error ? error.message : String(error);
  return cannotTell(`Slack could not be reached (${message}): check SLACK_API_URL and the network`);
}
