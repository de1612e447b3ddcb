/** The two roles greenlight.yml grants per environment. */
export type Role = 'deployers' | 'approvers';

/** Everything a person may ask of greenlight about an environment and its deployments. */
export type AccessAction =
  /** `/deploy <env>`. */
  | 'deploy'
  /** `/deploy <env> --override <reason>`: outside the deploy window, or a commit whose checks are not green. */
  | 'override'
  /** A gate's Approve. */
  | 'approve'
  /** A gate's Abort, and `/deploy cancel`. */
  | 'abort'
  | 'cancel'
  /** The rollout's buttons while a canary step holds or a monitoring window runs. */
  | 'promote'
  | 'pause'
  | 'resume'
  /** The timeline's Roll back. */
  | 'roll-back'
  /** `/rollback <service>`, and stopping the deployment it undoes. */
  | 'rollback'
  | 'lock'
  | 'unlock';

export interface AccessFacts {
  env: string;
  /** The environment in greenlight.yml; undefined when it names no such environment, where nobody may act. */
  environment: { deployers: readonly string[] } | undefined;
  user: string;
  /** The roles the user holds in `env`, among those `rolesToLookUp` names. */
  roles: readonly Role[];
  /** Who requested the deployment acted on (gates, abort, cancel). */
  requestedBy?: string;
}

export type AccessRefusal = {
  ok: false;
  reason: 'own-deployment' | 'not-deployer' | 'not-approver' | 'not-allowed';
  message: string;
};

export type AccessDecision = { ok: true } | AccessRefusal;

interface Rule {
  /** The roles that grant the action. */
  roles: readonly Role[];
  /** Anyone may when the environment lists no deployers (an open environment). */
  openWithoutDeployers: boolean;
  /** The requester of the deployment: refused whatever their roles, or allowed without one. */
  requester?: 'refused' | 'allowed';
  refusal: (env: string, action: AccessAction) => Omit<AccessRefusal, 'ok'>;
}

const steering: Rule = {
  roles: ['deployers', 'approvers'],
  openWithoutDeployers: true,
  refusal: (env, action) => ({
    reason: 'not-allowed',
    message: `Only deployers and approvers of ${env} can ${action} this rollout.`,
  }),
};

const stopping: Rule = {
  roles: ['approvers'],
  openWithoutDeployers: false,
  requester: 'allowed',
  refusal: (env, action) => ({
    reason: 'not-approver',
    message: `Only the requester or an approver of ${env} can ${action} this deployment.`,
  }),
};

/** Deployers and approvers hold an environment: lock it, unlock it, roll it back. */
const holding = (what: string): Rule => ({
  roles: ['deployers', 'approvers'],
  openWithoutDeployers: true,
  refusal: (env) => ({ reason: 'not-allowed', message: `Only deployers and approvers of ${env} ${what}.` }),
});

const RULES: Readonly<Record<AccessAction, Rule>> = {
  deploy: {
    roles: ['deployers'],
    openWithoutDeployers: true,
    refusal: (env) => ({
      reason: 'not-deployer',
      message: `You are not among the deployers of ${env}; ask one of them, or an owner of greenlight.yml.`,
    }),
  },
  override: {
    roles: ['approvers'],
    openWithoutDeployers: false,
    refusal: (env) => ({
      reason: 'not-approver',
      message: `Only an approver of ${env} may deploy with \`--override\`.`,
    }),
  },
  approve: {
    roles: ['approvers'],
    openWithoutDeployers: false,
    requester: 'refused',
    refusal: (env) => ({
      reason: 'not-approver',
      message: `Only approvers of ${env} can approve this deployment.`,
    }),
  },
  abort: stopping,
  cancel: stopping,
  promote: steering,
  pause: steering,
  resume: steering,
  'roll-back': holding('can roll this deployment back'),
  rollback: holding('may roll back there'),
  lock: holding('may lock it'),
  unlock: holding('may unlock it'),
};

/**
 * The roles worth looking up before deciding `action`: none when the environment is open to anyone or unknown, so
 * nobody's groups are fetched for nothing.
 */
export function rolesToLookUp(
  action: AccessAction,
  environment: AccessFacts['environment'],
): readonly Role[] {
  const rule = RULES[action];
  if (environment === undefined || (rule.openWithoutDeployers && environment.deployers.length === 0))
    return [];
  return rule.roles;
}

/**
 * Who may do what, in the order a user wants to hear it: a requester approving their own deployment hears that
 * first (their roles do not matter), then whether one of the roles that grant the action is theirs. An environment
 * that lists no deployers lets anyone deploy, steer, roll back and lock; approving and overriding always
 * take an approver; the requester may always stop their own deployment.
 */
export function decideAccess(action: AccessAction, facts: AccessFacts): AccessDecision {
  const rule = RULES[action];
  const isRequester = facts.requestedBy !== undefined && facts.user === facts.requestedBy;
  if (isRequester && rule.requester === 'refused') {
    return {
      ok: false,
      reason: 'own-deployment',
      message: 'You requested this deployment, so you cannot approve it; ask another approver.',
    };
  }
  if (isRequester && rule.requester === 'allowed') return { ok: true };
  const { environment } = facts;
  if (environment !== undefined) {
    if (rule.openWithoutDeployers && environment.deployers.length === 0) return { ok: true };
    if (facts.roles.some((role) => rule.roles.includes(role))) return { ok: true };
  }
  return { ok: false, ...rule.refusal(facts.env, action) };
}
