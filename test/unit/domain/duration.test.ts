import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/domain/duration.js';

describe('parseDuration', () => {
  it.each([
    ['2s', 2_000],
    ['30m', 1_800_000],
    ['1h30m', 5_400_000],
    ['2D', 172_800_000],
    ['1d2h3m4s', 93_784_000],
  ])('reads %s', (text, ms) => expect(parseDuration(text)).toEqual({ ok: true, ms }));

  it.each(['', '30', 'm', '30 m', '5m5m', '30m1h', '-5m', '1.5h', '0s'])('refuses %j', (text) => {
    expect(parseDuration(text).ok).toBe(false);
  });

  it('formats back to what users type', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(604_800_000)).toBe('7d');
    expect(formatDuration(0)).toBe('0s');
  });
});
