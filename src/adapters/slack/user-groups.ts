import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { SlackApiError, slackErrorOf } from '../../errors.js';
import type { UserGroup, UserGroupDirectory } from '../../services/ports.js';

const userGroupsResponse = z.object({
  ok: z.literal(true),
  usergroups: z.array(
    z.object({ id: z.string(), handle: z.string(), users: z.array(z.string()).optional().default([]) }),
  ),
});

/**
 * Slack user groups with their members, from one `usergroups.list` call, cached briefly: group membership
 * changes rarely and a permission check must not cost a Slack round trip every time.
 */
export function slackUserGroups(
  client: Pick<WebClient, 'usergroups'>,
  now: () => number,
  ttlMs = 60_000,
): UserGroupDirectory {
  let cache: { at: number; groups: readonly UserGroup[] } | undefined;
  let inflight: Promise<readonly UserGroup[]> | undefined;
  const fetchGroups = async (): Promise<readonly UserGroup[]> => {
    let response: unknown;
    try {
      response = await client.usergroups.list({ include_users: true, include_disabled: false });
    } catch (error) {
      throw new SlackApiError('usergroups.list', slackErrorOf(error), error);
    }
    const parsed = userGroupsResponse.safeParse(response);
    if (!parsed.success) throw new SlackApiError('usergroups.list', 'unexpected response', parsed.error);
    return parsed.data.usergroups;
  };
  return {
    async groups() {
      if (cache && now() - cache.at < ttlMs) return cache.groups;
      inflight ??= fetchGroups().finally(() => {
        inflight = undefined;
      });
      const groups = await inflight;
      cache = { at: now(), groups };
      return groups;
    },
  };
}
