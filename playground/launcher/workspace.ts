import { isListed } from '../../src/domain/policy/principals.js';
import type { WorkspaceSpec } from '../sim/slack.js';
import type { Role } from '../web/protocol.js';

/**
 * The simulated workspace: the people of the playground config's groups (@eng deploys, @release-managers approve)
 * and one who is in neither, the channels greenlight posts to, and #ops to type in.
 */
export const PLAYGROUND_WORKSPACE: WorkspaceSpec = {
  team: { id: 'T0ACME', domain: 'acme', name: 'Acme' },
  users: [
    { id: 'U0ALICE', name: 'alice', realName: 'Alice Adams' },
    { id: 'U0BOB', name: 'bob', realName: 'Bob Brown' },
    { id: 'U0CAROL', name: 'carol', realName: 'Carol Chen' },
    { id: 'U0DAVE', name: 'dave', realName: 'Dave Diaz' },
    { id: 'U0MALLORY', name: 'mallory', realName: 'Mallory Moss' },
  ],
  usergroups: [
    { id: 'S0ENG', handle: 'eng', name: 'Engineering', users: ['U0ALICE', 'U0BOB'] },
    { id: 'S0REL', handle: 'release-managers', name: 'Release managers', users: ['U0CAROL', 'U0DAVE'] },
  ],
  channels: [
    { id: 'C0STATUS', name: 'deployment-status' },
    { id: 'C0INCIDENTS', name: 'incidents' },
    { id: 'C0OPS', name: 'ops' },
  ],
  bot: { userId: 'U0GREENLIGHT', botId: 'B0GREENLIGHT', name: 'greenlight' },
};

/** Who may deploy and who may approve, per environment, as greenlight.yml lists them. */
export interface AccessLists {
  environments: Readonly<Record<string, { deployers: readonly string[]; approvers: readonly string[] }>>;
}

/**
 * What a person is to greenlight under the config: a deployer of some environment (an empty `deployers` list lets
 * anyone, so it makes nobody a deployer here), an approver of some environment, both, or an outsider.
 */
export function roleOf(
  userId: string,
  groups: readonly { id: string; handle: string; users: readonly string[] }[],
  access: AccessLists,
): Role {
  const listed = (principals: readonly string[]) =>
    isListed(
      userId,
      principals,
      (group) =>
        groups.find((each) => ('handle' in group ? each.handle === group.handle : each.id === group.id))
          ?.users ?? [],
    );
  const environments = Object.values(access.environments);
  const deploys = environments.some((environment) => listed(environment.deployers));
  const approves = environments.some((environment) => listed(environment.approvers));
  if (deploys && approves) return 'deployer and approver';
  if (deploys) return 'deployer';
  if (approves) return 'approver';
  return 'outsider';
}
