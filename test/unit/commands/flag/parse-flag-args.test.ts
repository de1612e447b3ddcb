import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_REASON_LENGTH } from '../../../../commands/args.js';
import { parseFlagArgs } from '../../../../commands/flag/parse-flag-args.js';

describe('parseFlagArgs', () => {
  it.each([
    ['', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['  HELP  ', { kind: 'help' }],
    ['list', { kind: 'list' }],
    ['status scan_creation', { kind: 'status', name: 'scan_creation' }],
    [
      'disable scan_creation',
      { kind: 'set', name: 'scan_creation', enabled: false, reason: '', create: false },
    ],
    [
      'disable scan_creation maintenance',
      { kind: 'set', name: 'scan_creation', enabled: false, reason: 'maintenance', create: false },
    ],
    [
      'enable new-ui --for 30m rollout looks good',
      {
        kind: 'set',
        name: 'new-ui',
        enabled: true,
        reason: 'rollout looks good',
        create: false,
        forMs: 1_800_000,
        forText: '30m',
      },
    ],
    [
      'disable x.y db is on fire --for=1h30m',
      {
        kind: 'set',
        name: 'x.y',
        enabled: false,
        reason: 'db is on fire',
        create: false,
        forMs: 5_400_000,
        forText: '1h30m',
      },
    ],
    ['off beta --create', { kind: 'set', name: 'beta', enabled: false, reason: '', create: true }],
    ['on beta', { kind: 'set', name: 'beta', enabled: true, reason: '', create: false }],
    [
      'disable scan_creation a &amp; b &lt;3',
      { kind: 'set', name: 'scan_creation', enabled: false, reason: 'a & b <3', create: false },
    ],
  ])('parses %j', (text, expected) => {
    expect(parseFlagArgs(text)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['list extra', 'takes no arguments'],
    ['status', 'Which flag?'],
    ['status a b', 'takes one flag name'],
    ['disable', 'Which flag?'],
    ['disable --for 5m', 'Which flag?'],
    ['disable bad*name', 'is not a flag name'],
    ['disable feature:x', 'is not a flag name'],
    ['disable x --for', '`--for` needs a duration'],
    ['disable x --for soon', 'is not a duration'],
    ['disable x --for 0m', 'longer than zero'],
    ['disable x --for 5m --for 6m', 'given twice'],
    ['disable x --force', 'Unknown option `--force`'],
    ['explode x', 'Unknown subcommand `explode`'],
    [`disable x ${'r'.repeat(MAX_REASON_LENGTH + 1)}`, 'too long'],
  ])('refuses %j with a sentence and the usage', (text, fragment) => {
    const result = parseFlagArgs(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain(fragment);
    expect(result.usage).toContain('/flag disable');
  });

  it('never throws and always yields a command or a usage message, whatever the text', () => {
    const words = fc.constantFrom(
      'disable',
      'enable',
      'status',
      'list',
      'help',
      '--for',
      '--create',
      '30m',
      'x',
      '&amp;',
      '',
    );
    const text = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'grapheme', maxLength: 100 }),
      fc
        .array(fc.oneof(words, fc.string({ maxLength: 12 })), { maxLength: 12 })
        .map((parts) => parts.join(' ')),
    );
    fc.assert(
      fc.property(text, (input) => {
        const result = parseFlagArgs(input);
        if (result.ok) {
          expect(['set', 'status', 'list', 'help']).toContain(result.value.kind);
          if (result.value.kind === 'set' || result.value.kind === 'status') {
            expect(result.value.name).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/);
          }
        } else {
          expect(result.error.length).toBeGreaterThan(0);
          expect(result.error.length).toBeLessThan(300);
          expect(result.usage).toContain('Usage');
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
