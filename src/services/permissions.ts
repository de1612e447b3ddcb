import type { UserGroupDirectory } from '../adapters/slack/user-groups.js';
import type { EnvironmentConfig } from '../config.js';
import { isListed, needsGroupLookup } from '../domain/policy/principals.js';

export type Role = 'approvers' | 'deployers';

export interface Permissions {
  /** Whether the user holds the role in the environment; an unknown environment grants nothing. */
  has(userId: string, role: Role, environment: string): Promise<boolean>;
}

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
