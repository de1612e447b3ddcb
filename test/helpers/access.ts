import {
  type AccessAction,
  type AccessDecision,
  decideAccess,
  type Role,
} from '../../src/domain/policy/access.js';

/**
 * What `decideAccess` answers about `user`, holding `roles` in an environment that lists its deployers, for a
 * deployment `requestedBy` someone: the decision the services put into a person's event, for the reducer's tests.
 */
export function accessFor(
  action: AccessAction,
  user: string,
  roles: readonly Role[],
  deployment: { env: string; requestedBy: string },
): AccessDecision {
  return decideAccess(action, {
    env: deployment.env,
    environment: { deployers: ['U0DEPLOYER'] },
    user,
    roles,
    requestedBy: deployment.requestedBy,
  });
}
