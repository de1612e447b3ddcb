import { describe, expect, it } from 'vitest';
import { closeMatches } from '../../../../src/domain/close-matches.js';
import { decideFlagChange, type FlagChangeFacts } from '../../../../src/domain/flags/decide-flag-change.js';

const facts: FlagChangeFacts = {
  isProtected: false,
  actorIsApprover: false,
  exists: true,
  knownNames: ['scan_creation', 'email_automation'],
  maxForMs: 3_600_000,
  approverEnvironment: 'production',
};
const intent = { name: 'scan_creation', enabled: false, create: false };

describe('decideFlagChange', () => {
  it('lets anyone flip an unprotected, existing flag', () => {
    expect(decideFlagChange(intent, facts)).toEqual({ ok: true });
  });

  it('refuses a protected flag to a non-approver, naming the environment whose approvers may', () => {
    const decision = decideFlagChange(intent, { ...facts, isProtected: true });
    expect(decision).toMatchObject({ ok: false, reason: 'not-approver' });
    if (!decision.ok) expect(decision.message).toContain('approvers of the production environment');
  });

  it('lets an approver flip a protected flag', () => {
    expect(decideFlagChange(intent, { ...facts, isProtected: true, actorIsApprover: true })).toEqual({
      ok: true,
    });
  });

  it('checks permission before the name, so a non-approver learns nothing about other flags', () => {
    const decision = decideFlagChange(intent, { ...facts, isProtected: true, exists: false });
    expect(decision).toMatchObject({ reason: 'not-approver' });
  });

  it('refuses an unknown flag with the close matches, and allows it with --create', () => {
    const unknown = { ...intent, name: 'scan_creaton' };
    const decision = decideFlagChange(unknown, { ...facts, exists: false });
    expect(decision).toMatchObject({ ok: false, reason: 'unknown-flag', suggestions: ['scan_creation'] });
    if (!decision.ok) expect(decision.message).toContain('--create');
    expect(decideFlagChange({ ...unknown, create: true }, { ...facts, exists: false })).toEqual({ ok: true });
  });

  it('refuses a --for longer than the configured maximum', () => {
    const decision = decideFlagChange({ ...intent, forMs: 7_200_000 }, facts);
    expect(decision).toMatchObject({ ok: false, reason: 'duration-too-long' });
    if (!decision.ok) expect(decision.message).toContain('1h');
  });
});

describe('closeMatches', () => {
  it('ranks typos and substrings, best first, and ignores the unrelated', () => {
    expect(closeMatches('scan', ['scan_creation', 'email_automation', 'scanner'])).toEqual([
      'scan_creation',
      'scanner',
    ]);
    expect(closeMatches('emial_automation', ['scan_creation', 'email_automation'])).toEqual([
      'email_automation',
    ]);
    expect(closeMatches('zzz', ['scan_creation'])).toEqual([]);
  });
});
