import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EnvironmentConfig } from '../../../../src/config/file-schema.js';
import {
  checkDeployWindow,
  type DeployWindow,
  type Weekday,
} from '../../../../src/domain/policy/deploy-window.js';

// The loaded config's window is accepted as is.
const fromConfig: DeployWindow | undefined = undefined as EnvironmentConfig['window'];

const at = (iso: string) => Date.parse(iso);
const production: DeployWindow = {
  days: ['mon', 'tue', 'wed', 'thu'],
  from: '02:00',
  to: '04:00',
  tz: 'UTC',
};
const fridayNight: DeployWindow = { days: ['fri'], from: '22:00', to: '02:00', tz: 'UTC' };
// 2026-03-29 is the last Sunday of March: Berlin jumps from 02:00 CET to 03:00 CEST at 01:00Z.
const berlinSunday: DeployWindow = { days: ['sun'], from: '02:00', to: '04:00', tz: 'Europe/Berlin' };

describe('checkDeployWindow', () => {
  it('lets everything through when the environment has no window', () => {
    expect(checkDeployWindow(fromConfig, at('2026-03-01T12:00:00Z'))).toEqual({ inside: true });
  });

  it.each([
    // 2026-03-02 is a Monday.
    ['2026-03-02T02:00:00Z', true],
    ['2026-03-02T03:59:59.999Z', true],
    ['2026-03-05T03:00:00Z', true],
    ['2026-03-02T01:59:59.999Z', false],
    ['2026-03-02T04:00:00Z', false],
    ['2026-03-06T03:00:00Z', false],
  ])('production window at %s: inside is %s', (iso, inside) => {
    expect(checkDeployWindow(production, at(iso)).inside).toBe(inside);
  });

  it.each([
    ['2026-03-02T01:00:00Z', '2026-03-02T02:00:00.000Z', 'in 1h'],
    ['2026-03-02T04:00:00Z', '2026-03-03T02:00:00.000Z', 'in 22h'],
    ['2026-03-05T12:00:00Z', '2026-03-09T02:00:00.000Z', 'in 3d14h'],
    ['2026-03-07T00:00:30Z', '2026-03-09T02:00:00.000Z', 'in 2d2h'],
  ])('outside at %s it says the window opens next at %s (%s)', (iso, next, until) => {
    const check = checkDeployWindow(production, at(iso));
    expect(check).toMatchObject({ inside: false, nextOpensAt: next });
    if (check.inside) return;
    expect(check.message).toContain('Mon, Tue, Wed, Thu 02:00–04:00 UTC');
    expect(check.message).toContain(until);
    expect(check.message).toContain('--override');
  });

  it('names the next opening in the window’s own time zone', () => {
    const check = checkDeployWindow(production, at('2026-03-05T12:00:00Z'));
    expect(check.inside ? '' : check.message).toContain('wait until Mon 9 Mar 02:00 UTC');
  });

  describe('a window that crosses midnight belongs to the day it opens', () => {
    // 2026-03-06 is a Friday.
    it.each([
      ['2026-03-06T22:00:00Z', true],
      ['2026-03-06T23:30:00Z', true],
      ['2026-03-07T00:00:00Z', true],
      ['2026-03-07T01:59:59.999Z', true],
      ['2026-03-07T02:00:00Z', false],
      ['2026-03-06T21:59:59.999Z', false],
      ['2026-03-06T01:00:00Z', false],
      ['2026-03-05T23:00:00Z', false],
    ])('at %s inside is %s', (iso, inside) => {
      expect(checkDeployWindow(fridayNight, at(iso)).inside).toBe(inside);
    });

    it.each([
      ['2026-03-06T01:00:00Z', '2026-03-06T22:00:00.000Z'],
      ['2026-03-07T02:00:00Z', '2026-03-13T22:00:00.000Z'],
    ])('outside at %s it opens next at %s', (iso, next) => {
      expect(checkDeployWindow(fridayNight, at(iso))).toMatchObject({ inside: false, nextOpensAt: next });
    });

    it('treats from equal to to as a whole day from that time', () => {
      const day: DeployWindow = { days: ['wed'], from: '09:00', to: '09:00', tz: 'UTC' };
      expect(checkDeployWindow(day, at('2026-03-04T09:00:00Z')).inside).toBe(true);
      expect(checkDeployWindow(day, at('2026-03-05T08:59:00Z')).inside).toBe(true);
      expect(checkDeployWindow(day, at('2026-03-05T09:00:00Z')).inside).toBe(false);
    });

    it('is always open when every day has a whole-day window', () => {
      const always: DeployWindow = {
        days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
        from: '00:00',
        to: '00:00',
        tz: 'Europe/Berlin',
      };
      for (const iso of ['2026-03-29T00:59:59Z', '2026-03-29T01:00:00Z', '2026-10-25T00:30:00Z']) {
        expect(checkDeployWindow(always, at(iso)).inside).toBe(true);
      }
    });
  });

  describe('across the spring-forward change in Europe/Berlin (2026-03-29)', () => {
    it('opens when the clock jumps past 02:00, which is 03:00 CEST', () => {
      expect(checkDeployWindow(berlinSunday, at('2026-03-29T00:30:00Z'))).toMatchObject({
        inside: false,
        nextOpensAt: '2026-03-29T01:00:00.000Z',
      });
      expect(checkDeployWindow(berlinSunday, at('2026-03-29T00:59:59.999Z')).inside).toBe(false);
      expect(checkDeployWindow(berlinSunday, at('2026-03-29T01:00:00Z')).inside).toBe(true);
      expect(checkDeployWindow(berlinSunday, at('2026-03-29T01:59:59.999Z')).inside).toBe(true);
    });

    it('closes at 04:00 CEST and reopens a week later at 02:00 CEST', () => {
      const check = checkDeployWindow(berlinSunday, at('2026-03-29T02:00:00Z'));
      expect(check).toMatchObject({ inside: false, nextOpensAt: '2026-04-05T00:00:00.000Z' });
      expect(check.inside ? '' : check.message).toContain('Sun 5 Apr 02:00 Europe/Berlin');
    });

    it('counts the offset change between now and the next opening', () => {
      // Friday 11:00 CET; the window opens Monday 09:00 CEST, which is 07:00Z, not 08:00Z.
      const weekdays: DeployWindow = { days: ['mon'], from: '09:00', to: '17:00', tz: 'Europe/Berlin' };
      expect(checkDeployWindow(weekdays, at('2026-03-27T10:00:00Z'))).toMatchObject({
        inside: false,
        nextOpensAt: '2026-03-30T07:00:00.000Z',
      });
      expect(checkDeployWindow(weekdays, at('2026-03-30T07:00:00Z')).inside).toBe(true);
      expect(checkDeployWindow(weekdays, at('2026-03-30T14:59:59Z')).inside).toBe(true);
      expect(checkDeployWindow(weekdays, at('2026-03-30T15:00:00Z')).inside).toBe(false);
    });

    it('keeps a window crossing midnight into the change to its wall-clock end (3 real hours)', () => {
      const saturdayNight: DeployWindow = { days: ['sat'], from: '23:00', to: '03:00', tz: 'Europe/Berlin' };
      expect(checkDeployWindow(saturdayNight, at('2026-03-28T21:59:59Z')).inside).toBe(false);
      expect(checkDeployWindow(saturdayNight, at('2026-03-28T22:00:00Z')).inside).toBe(true);
      expect(checkDeployWindow(saturdayNight, at('2026-03-29T00:59:59Z')).inside).toBe(true);
      expect(checkDeployWindow(saturdayNight, at('2026-03-29T01:00:00Z')).inside).toBe(false);
    });

    it('skips a window lying wholly inside the missing hour that day', () => {
      const lost: DeployWindow = { days: ['sun'], from: '02:00', to: '02:30', tz: 'Europe/Berlin' };
      expect(checkDeployWindow(lost, at('2026-03-29T01:00:00Z'))).toMatchObject({
        inside: false,
        nextOpensAt: '2026-04-05T00:00:00.000Z',
      });
    });
  });

  it('does not reopen for the repeated hour when the clock falls back (2026-10-25, Berlin)', () => {
    const early: DeployWindow = { days: ['sun'], from: '02:00', to: '02:30', tz: 'Europe/Berlin' };
    expect(checkDeployWindow(early, at('2026-10-25T00:00:00Z')).inside).toBe(true); // 02:00 CEST
    expect(checkDeployWindow(early, at('2026-10-25T00:30:00Z')).inside).toBe(false); // 02:30 CEST
    expect(checkDeployWindow(early, at('2026-10-25T01:10:00Z')).inside).toBe(false); // 02:10 CET
  });

  it('refuses a window the config schema would have refused', () => {
    expect(() => checkDeployWindow({ ...production, days: [] }, 0)).toThrow(RangeError);
    expect(() => checkDeployWindow({ ...production, from: '2am' }, 0)).toThrow(RangeError);
  });

  it('always names an instant at which the window is open and before which it stays closed', () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata'];
    const clock = fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45))
      .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
    const window = fc.record({
      days: fc.uniqueArray(fc.constantFrom<Weekday>('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'), {
        minLength: 1,
      }),
      from: clock,
      to: clock,
      tz: fc.constantFrom(...zones),
    });
    const now = fc.integer({ min: at('2024-01-01T00:00:00Z'), max: at('2030-12-31T00:00:00Z') });
    fc.assert(
      fc.property(
        window,
        now,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
        (w, t, fractions) => {
          const check = checkDeployWindow(w, t);
          if (check.inside) return;
          const next = Date.parse(check.nextOpensAt);
          expect(next).toBeGreaterThan(t);
          expect(next - t).toBeLessThanOrEqual(8 * 86_400_000);
          expect(checkDeployWindow(w, next).inside).toBe(true);
          expect(checkDeployWindow(w, next - 1).inside).toBe(false);
          for (const fraction of fractions) {
            const between = Math.min(next - 1, Math.floor(t + (next - t) * fraction));
            expect(checkDeployWindow(w, between).inside).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
