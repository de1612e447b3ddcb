import type { EnvironmentConfig } from '../config.js';
import { isListed, needsGroupLookup } from '../domain/policy/principals.js';
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
