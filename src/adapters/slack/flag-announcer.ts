import type { WebClient } from '@slack/web-api';
import { flagAnnouncement } from '../../../views/flag-views.js';
import type { FlagAnnouncer } from '../../services/ports.js';

/** Posts every flip to the status channel, where the team looks during a release or an outage. */
export function slackFlagAnnouncer(client: Pick<WebClient, 'chat'>, channel: string): FlagAnnouncer {
  return {
    async announce(notice) {
      const message = flagAnnouncement(notice);
      await client.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
      });
    },
  };
}
