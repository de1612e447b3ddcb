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

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const GROUP_ID = /^S[A-Z0-9]{2,}$/;
const GROUP_HANDLE = /^@[a-z0-9][a-z0-9._-]{0,79}$/;

/** How to find the value greenlight.yml wants instead of a name. */
export const PRINCIPAL_HELP = 'use the member ID (profile → ⋯ → Copy member ID) or @group';

/**
 * Why a config principal is not one, in a sentence that says what to write instead, or undefined when it is a
 * Slack user ID (U…/W…), a user group ID (S…) or a user group handle (@release-managers).
 */
export function principalProblem(text: string): string | undefined {
  if (USER_ID.test(text) || GROUP_ID.test(text) || GROUP_HANDLE.test(text)) return undefined;
  const quoted = JSON.stringify(text);
  const mention = /^<[@!]((?:subteam\^)?[A-Z0-9]+)(\|[^>]*)?>$/.exec(text);
  if (mention) return `${quoted} is a mention; write the ID alone: "${mention[1]?.replace('subteam^', '')}"`;
  if (/^[uwsUWS][A-Za-z0-9]{2,}$/.test(text) && /\d/.test(text) && text !== text.toUpperCase())
    return `${quoted}: Slack IDs are upper case, "${text.toUpperCase()}"`;
  if (text.startsWith('@'))
    return `${quoted} is not a user group handle (lower case, no spaces, like "@release-managers"); for one person, ${PRINCIPAL_HELP}`;
  return `${quoted} is a name, not a Slack ID: ${PRINCIPAL_HELP}`;
}
