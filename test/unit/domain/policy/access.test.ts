import { describe, expect, it } from 'vitest';
import {
  type AccessAction,
  type AccessFacts,
  decideAccess,
  type Role,
  rolesToLookUp,
} from '../../../../src/domain/policy/access.js';

const LISTED = { deployers: ['@platform'] };
const OPEN = { deployers: [] };

const facts = (
  roles: readonly Role[],
  environment: AccessFacts['environment'] = LISTED,
  user = 'U0BOB',
): AccessFacts => ({ env: 'production', environment, user, roles, requestedBy: 'U0ALICE' });

const ACTIONS: readonly AccessAction[] = [
  'deploy',
  'override',
  'approve',
  'abort',
  'cancel',
  'promote',
  'pause',
  'resume',
  'roll-back',
  'rollback',
  'lock',
  'unlock',
];

describe('decideAccess', () => {
  // Who may, in an environment that lists its deployers: [action, no role, deployer, approver].
  it.each<[AccessAction, boolean, boolean, boolean]>([
    ['deploy', false, true, false],
    ['override', false, false, true],
    ['approve', false, false, true],
    ['abort', false, false, true],
    ['cancel', false, false, true],
    ['promote', false, true, true],
    ['pause', false, true, true],
    ['resume', false, true, true],
    ['roll-back', false, true, true],
    ['rollback', false, true, true],
    ['lock', false, true, true],
    ['unlock', false, true, true],
  ])('%s: anyone %s, a deployer %s, an approver %s', (action, anyone, deployer, approver) => {
    expect(decideAccess(action, facts([])).ok).toBe(anyone);
    expect(decideAccess(action, facts(['deployers'])).ok).toBe(deployer);
    expect(decideAccess(action, facts(['approvers'])).ok).toBe(approver);
  });

  it.each<[AccessAction, boolean]>([
    ['deploy', true],
    ['override', false],
    ['approve', false],
    ['abort', false],
    ['cancel', false],
    ['promote', true],
    ['pause', true],
    ['resume', true],
    ['roll-back', true],
    ['rollback', true],
    ['lock', true],
    ['unlock', true],
  ])('%s in an environment that lists no deployers, without a role: %s', (action, allowed) => {
    expect(decideAccess(action, facts([], OPEN)).ok).toBe(allowed);
  });

  it('lets nobody act in an environment greenlight.yml does not name', () => {
    for (const action of ACTIONS) {
      expect(decideAccess(action, { ...facts(['deployers', 'approvers']), environment: undefined }).ok).toBe(
        false,
      );
    }
  });

  it.each<[AccessAction, AccessFacts, string, string]>([
    [
      'deploy',
      facts([]),
      'not-deployer',
      'You are not among the deployers of production; ask one of them, or an owner of greenlight.yml.',
    ],
    [
      'override',
      facts(['deployers']),
      'not-approver',
      'Only an approver of production may deploy with `--override`.',
    ],
    [
      'approve',
      facts(['deployers']),
      'not-approver',
      'Only approvers of production can approve this deployment.',
    ],
    [
      'approve',
      facts(['approvers'], LISTED, 'U0ALICE'),
      'own-deployment',
      'You requested this deployment, so you cannot approve it; ask another approver.',
    ],
    [
      'abort',
      facts([]),
      'not-approver',
      'Only the requester or an approver of production can abort this deployment.',
    ],
    [
      'cancel',
      facts([]),
      'not-approver',
      'Only the requester or an approver of production can cancel this deployment.',
    ],
    [
      'promote',
      facts([]),
      'not-allowed',
      'Only deployers and approvers of production can promote this rollout.',
    ],
    ['pause', facts([]), 'not-allowed', 'Only deployers and approvers of production can pause this rollout.'],
    [
      'roll-back',
      facts([]),
      'not-allowed',
      'Only deployers and approvers of production can roll this deployment back.',
    ],
    ['rollback', facts([]), 'not-allowed', 'Only deployers and approvers of production may roll back there.'],
    ['lock', facts([]), 'not-allowed', 'Only deployers and approvers of production may lock it.'],
    ['unlock', facts([]), 'not-allowed', 'Only deployers and approvers of production may unlock it.'],
  ])('refuses %s with a sentence that says who may', (action, given, reason, message) => {
    expect(decideAccess(action, given)).toEqual({ ok: false, reason, message });
  });

  it('tells a requester first that they cannot approve their own deployment, whatever their roles', () => {
    expect(decideAccess('approve', facts([], LISTED, 'U0ALICE'))).toMatchObject({ reason: 'own-deployment' });
    expect(decideAccess('approve', facts([], OPEN, 'U0ALICE'))).toMatchObject({ reason: 'own-deployment' });
  });

  it('lets the requester stop their own deployment without a role', () => {
    expect(decideAccess('abort', facts([], LISTED, 'U0ALICE')).ok).toBe(true);
    expect(decideAccess('cancel', facts([], LISTED, 'U0ALICE')).ok).toBe(true);
  });
});

describe('rolesToLookUp', () => {
  it('asks only about the roles that could grant the action, and nothing where anyone may or nobody can', () => {
    expect(rolesToLookUp('deploy', LISTED)).toEqual(['deployers']);
    expect(rolesToLookUp('approve', LISTED)).toEqual(['approvers']);
    expect(rolesToLookUp('lock', LISTED)).toEqual(['deployers', 'approvers']);
    expect(rolesToLookUp('deploy', OPEN)).toEqual([]);
    expect(rolesToLookUp('lock', OPEN)).toEqual([]);
    expect(rolesToLookUp('approve', OPEN)).toEqual(['approvers']);
    expect(rolesToLookUp('lock', undefined)).toEqual([]);
  });
});
