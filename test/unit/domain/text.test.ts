import { describe, expect, it } from 'vitest';
import { noSuchName } from '../../../src/domain/close-matches.js';
import { clip, shown } from '../../../src/domain/text.js';

describe('clip', () => {
  it.each<[string, number, string]>([
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['a sentence that is too long', 10, 'a sentenc…'],
    ['ab😀cd', 4, 'ab…'],
    ['😀😀😀', 4, '😀…'],
  ])('cuts %j to at most %i characters with a visible mark, never inside an emoji', (text, max, cut) => {
    expect(clip(text, max)).toBe(cut);
    expect(clip(text, max).length).toBeLessThanOrEqual(max);
  });
});

describe('shown', () => {
  it('echoes what a user typed safely inside backticks: cut, control characters visible, no backtick', () => {
    expect(shown('main')).toBe('main');
    expect(shown('a`b\u0007c')).toBe("a'b\uFFFDc");
    expect(shown('x'.repeat(50))).toBe(`${'x'.repeat(40)}…`);
    expect(shown('x'.repeat(41))).toBe('x'.repeat(41));
  });
});

describe('noSuchName', () => {
  it('names the likely one and every known one, or says there are none', () => {
    expect(noSuchName('environment', 'prodution', ['staging', 'production'])).toBe(
      'There is no environment `prodution`. Did you mean `production`? Known: `staging`, `production`.',
    );
    expect(noSuchName('service', 'db', [])).toBe('There is no service `db`. Known: none.');
  });
});
