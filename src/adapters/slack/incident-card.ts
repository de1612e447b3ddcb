import type { WebClient } from '@slack/web-api';
import { type IncidentCardContext, incidentCard } from '../../../views/incident-views.js';
import type { IncidentRecord } from '../../domain/incidents/incident-record.js';
import type { IncidentCard } from '../../services/ports.js';

/** The incident's one message in the incident channel, posted once and then replaced from the record. */
export function slackIncidentCard(
  client: Pick<WebClient, 'chat'>,
  channel: string,
  ctx: IncidentCardContext,
): IncidentCard {
  const render = (record: IncidentRecord) => incidentCard(record, ctx);
  return {
    async post(record) {
      const message = render(record);
      const posted = await client.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
      });
      if (!posted.ts || !posted.channel) throw new Error('chat.postMessage answered without channel and ts');
      return { channel: posted.channel, ts: posted.ts };
    },
    async update(record, where) {
      const message = render(record);
      await client.chat.update({
        channel: where.channel,
        ts: where.ts,
        text: message.text,
        blocks: message.blocks,
      });
    },
  };
}
