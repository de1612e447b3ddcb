/** A config principal names either one user (U…/W…) or a user group (@handle or S…). */
export type Principal =
  | { kind: 'user'; id: string }
  | { kind: 'group'; handle: string }
  | { kind: 'group'; id: string };

export function parsePrincipal(text: string): Principal {
  if (text.startsWith('@')) return { kind: 'group', handle: text.slice(1) };
  if (text.startsWith('S')) return { kind: 'group', id: text };
  return { kind: 'user', id: text };
}

/** True when the user is listed directly or belongs to one of the listed groups. */
export function isListed(
  userId: string,
  principals: readonly string[],
  groupMembers: (group: Exclude<Principal, { kind: 'user' }>) => readonly string[],
): boolean {
  return principals.some((text) => {
    const principal = parsePrincipal(text);
    return principal.kind === 'user' ? principal.id === userId : groupMembers(principal).includes(userId);
  });
}

export function needsGroupLookup(principals: readonly string[]): boolean {
  return principals.some((text) => parsePrincipal(text).kind === 'group');
}
