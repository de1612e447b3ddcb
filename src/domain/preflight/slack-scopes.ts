import { parsePrincipal } from '../policy/principals.js';

/** Every bot scope manifest.yml declares, with what it is for (a contract test keeps the two equal). */
export const SLACK_SCOPES = {
  commands: 'slash commands',
  'chat:write': 'timelines, announcements, replies',
  'chat:write.public': 'posting in the status channel without being invited',
  'channels:read': 'checking that the status and incident channels exist (npm run check, and at start)',
  'usergroups:read': 'approver and deployer groups (@release-managers)',
  'channels:manage': 'incidents.createChannel: a channel per incident',
} as const;

export type SlackScope = keyof typeof SLACK_SCOPES;

/** The parts of greenlight.yml that decide which optional scopes are needed. */
export interface ScopesConfig {
  environments: Readonly<Record<string, { approvers: readonly string[]; deployers: readonly string[] }>>;
  incidents: { createChannel: boolean };
}

/**
 * The scopes this config uses: all of the manifest's, except `usergroups:read` when no approver or deployer is a
 * user group, and `channels:manage` unless incidents get their own channels.
 */
export function requiredSlackScopes(config: ScopesConfig): SlackScope[] {
  const principals = Object.values(config.environments).flatMap((env) => [
    ...env.approvers,
    ...env.deployers,
  ]);
  const usesGroups = principals.some((text) => parsePrincipal(text).kind === 'group');
  return (Object.keys(SLACK_SCOPES) as SlackScope[]).filter(
    (scope) =>
      (scope !== 'usergroups:read' || usesGroups) &&
      (scope !== 'channels:manage' || config.incidents.createChannel),
  );
}
