import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_REF_LENGTH, parseRef } from '../../../../src/domain/deploy/git-ref.js';

describe('parseRef', () => {
  it.each([
    ['main', 'name'],
    ['release/2026.03', 'name'],
    ['v1.2.3-rc.1', 'name'],
    ['feature/JIRA-42_fix', 'name'],
    ['refs/heads/main', 'name'],
    ['HEAD', 'name'],
    ['4f7d47f', 'sha'],
    ['4f7d47f0c2b1a9e8d7c6b5a4f3e2d1c0b9a8f7e6', 'sha'],
    ['4f7d47', 'name'],
    ['4F7D47F', 'name'],
    ['4f7d47f0c2b1a9e8d7c6b5a4f3e2d1c0b9a8f7e6a', 'name'],
    ['deadbeefcafe', 'sha'],
    ['a'.repeat(MAX_REF_LENGTH), 'name'],
  ])('accepts %j as a %s', (text, kind) => {
    expect(parseRef(text)).toEqual({ ok: true, ref: { kind, value: text } });
  });

  it.each([
    ['', 'it is empty'],
    ['a'.repeat(MAX_REF_LENGTH + 1), 'longer than 255'],
    ['a..b', '".."'],
    ['main\u0000', 'control character'],
    ['main\n', 'control character'],
    ['a\u007fb', 'control character'],
    ['my branch', 'space'],
    ['main~1', '"~"'],
    ['main^2', '"^"'],
    ['a:b', '":"'],
    ['a?', '"?"'],
    ['a*', '"*"'],
    ['a[b', '"["'],
    ['a\\b', '"\\"'],
    ['main@{1}', '"@{"'],
    ['@', '"@" alone'],
    ['-main', 'starts with "-"'],
    ['/main', 'starts or ends with "/"'],
    ['main/', 'starts or ends with "/"'],
    ['a//b', '"//"'],
    ['main.', 'ends with "."'],
    ['main.lock', 'ends with ".lock"'],
    ['a.lock/b', 'ends with ".lock"'],
    ['.hidden', 'starts with "."'],
    ['a/.b', 'starts with "."'],
    ['$(curl$IFS.evil)', 'not "$"'],
    ['a;b', 'not ";"'],
    ['a`b', 'not a backtick'],
    ["a'b", `not "'"`],
    ['a#b', 'not "#"'],
    ['a%2e', 'not "%"'],
    ['ma\u0131n', 'not "\u0131"'],
  ])('refuses %j, saying why', (text, fragment) => {
    const result = parseRef(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain('is not a usable git ref');
      expect(result.reason).toContain(fragment);
    }
  });

  it('echoes hostile input safely: short, no control characters, no backtick inside the quoting', () => {
    const result = parseRef(`\`\n${'x'.repeat(100)}`);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect([...result.reason].some((character) => character.charCodeAt(0) < 0x20)).toBe(false);
    expect(result.reason.match(/`/g)).toHaveLength(2);
    expect(result.reason.length).toBeLessThan(150);
  });

  it('accepts nothing that could carry a forbidden character or sequence into an input or a URL', () => {
    const alphabet = fc.constantFrom(
      ...'abcAZ09._-/@{}~^:?*[\\ \t\n\u0000\u007f$;`\'"#%&|<>(),=+!lock'.split(''),
      '..',
      '.lock',
      '//',
      '@{',
      'é',
      '😀',
    );
    const text = fc.oneof(
      fc.array(alphabet, { maxLength: 30 }).map((parts) => parts.join('')),
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 60 }),
    );
    fc.assert(
      fc.property(text, (input) => {
        const result = parseRef(input);
        if (!result.ok) {
          expect(result.reason.length).toBeLessThan(300);
          return;
        }
        const ref = result.ref.value;
        expect(ref).toBe(input);
        expect(ref).toMatch(/^[A-Za-z0-9._/-]{1,255}$/);
        for (const sequence of ['..', '@{', '//', '/.']) expect(ref).not.toContain(sequence);
        expect(ref).not.toMatch(/^[-/.]|[/.]$|\.lock(\/|$)/);
        expect(encodeURIComponent(ref).replace(/%2F/g, '/')).toBe(ref);
        if (result.ref.kind === 'sha') expect(ref).toMatch(/^[0-9a-f]{7,40}$/);
      }),
      { numRuns: 5_000 },
    );
  });
});
