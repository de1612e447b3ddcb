import type { WebClient } from '@slack/web-api';
import { deployTimeline, timelineEvent } from '../../../views/deploy-views.js';
import type { DeployAnnouncer } from '../../services/deploy/ports.js';

/**
 * The one timeline message per deployment in the status channel, re-rendered from state on every change, and
 * the runbook-style thread replies for notable events.
 */
export function slackDeployAnnouncer(
  client: Pick<WebClient, 'chat'>,
  channel: string,
  now: () => number,
  repoUrl?: string,
): DeployAnnouncer {
  const render = (record: Parameters<DeployAnnouncer['post']>[0]) =>
    deployTimeline(record.state, {
      now: now(),
      approvers: record.plan.approvers,
      ...(record.state.sha ? { shortSha: record.state.sha } : {}),
      ...(repoUrl ? { repoUrl } : {}),
    });
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
    async update(record) {
      const where = record.meta.message;
      if (!where) return;
      const message = render(record);
      await client.chat.update({
        channel: where.channel,
        ts: where.ts,
        text: message.text,
        blocks: message.blocks,
      });
    },
    async reply(record, entries) {
      const where = record.meta.message;
      if (!where) return;
      for (const entry of entries) {
        const text = timelineEvent(entry, record.state);
        if (text)
          await client.chat.postMessage({
            channel: where.channel,
            thread_ts: where.ts,
            text,
            unfurl_links: false,
          });
      }
    },
  };
}
