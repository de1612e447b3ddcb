import type { EnvironmentConfig } from '../config.js';
import { type AccessAction, type AccessFacts, type Role, rolesToLookUp } from '../domain/policy/access.js';
import { isListed, needsGroupLookup, parsePrincipal } from '../domain/policy/principals.js';
import type { ApproverDirectory } from './deploy/ports.js';
import type { Permissions, UserGroupDirectory } from './ports.js';

export function permissions(
  environments: Readonly<Record<string, EnvironmentConfig>>,
  directory: UserGroupDirectory,
): Permissions {
  return {
    async has(userId, role, environment) {
      const principals = environments[environment]?.[role] ?? [];
      const groups = needsGroupLookup(principals) ? await directory.groups() : [];
      return isListed(userId, principals, (group) =>
        'handle' in group
          ? (groups.find((g) => g.handle === group.handle)?.users ?? [])
          : (groups.find((g) => g.id === group.id)?.users ?? []),
      );
    },
  };
}

/**
 * What `decideAccess` needs to know about a user asking for `action` in `env`: the environment's entry and the roles
 * the user holds among those that grant the action, looked up one at a time and no further than the first held
 * (each lookup may ask Slack for the user groups).
 */
export async function accessFacts(
  permissions: Permissions,
  environments: Readonly<Record<string, Pick<EnvironmentConfig, 'deployers'>>>,
  request: { action: AccessAction; user: string; env: string },
): Promise<AccessFacts> {
  const { action, user, env } = request;
  const environment = environments[env];
  const roles: Role[] = [];
  for (const role of rolesToLookUp(action, environment)) {
    if (await permissions.has(user, role, env)) {
      roles.push(role);
      break;
    }
  }
  return { env, environment, user, roles };
}

/** Who a list of principals names, groups expanded to their members: whom to ask for an approval directly. */
export function approverDirectory(directory: UserGroupDirectory): ApproverDirectory {
  return {
    async usersOf(principals) {
      const parsed = principals.map(parsePrincipal);
      const groups = parsed.some((principal) => principal.kind === 'group') ? await directory.groups() : [];
      const users = parsed.flatMap((principal) => {
        if (principal.kind === 'user') return [principal.id];
        const group =
          'handle' in principal
            ? groups.find((candidate) => candidate.handle === principal.handle)
            : groups.find((candidate) => candidate.id === principal.id);
        return group?.users ?? [];
      });
      return [...new Set(users)];
    },
  };
}
