import type { WebClient } from '@slack/web-api';
import { slackErrorOf } from '../../errors.js';
import type { IncidentChannels } from '../../services/ports.js';

/** Creates an incident's own public channel and invites people to it (scope `channels:manage`). */
export function slackIncidentChannels(client: Pick<WebClient, 'conversations'>): IncidentChannels {
  return {
    async create(name) {
      try {
        const created = await client.conversations.create({ name, is_private: false });
        const id = created.channel?.id;
        if (!id) return { ok: false, error: 'conversations.create answered without a channel id' };
        return { ok: true, id, name: created.channel?.name ?? name };
      } catch (error) {
        return { ok: false, error: slackErrorOf(error) };
      }
    },
    async invite(channel, user) {
      try {
        await client.conversations.invite({ channel, users: user });
        return { ok: true };
      } catch (error) {
        const code = slackErrorOf(error);
        // Already a member is the outcome we wanted.
        return code === 'already_in_channel' ? { ok: true } : { ok: false, error: code };
      }
    },
  };
}
