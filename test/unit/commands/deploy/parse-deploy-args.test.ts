import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_REASON_LENGTH } from '../../../../commands/args.js';
import { parseDeployArgs } from '../../../../commands/deploy/parse-deploy-args.js';

const main = { kind: 'name', value: 'main' } as const;

describe('parseDeployArgs', () => {
  it.each([
    ['', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['  HELP  ', { kind: 'help' }],
    ['--help', { kind: 'help' }],
    ['production', { kind: 'deploy', env: 'production', dryRun: false }],
    ['Production', { kind: 'deploy', env: 'production', dryRun: false }],
    ['staging main', { kind: 'deploy', env: 'staging', ref: main, dryRun: false }],
    [
      'production 4f7d47f',
      { kind: 'deploy', env: 'production', ref: { kind: 'sha', value: '4f7d47f' }, dryRun: false },
    ],
    [
      'production release/2026.03 --dry-run',
      {
        kind: 'deploy',
        env: 'production',
        ref: { kind: 'name', value: 'release/2026.03' },
        dryRun: true,
      },
    ],
    [
      'production --dry-run main --services api,web',
      { kind: 'deploy', env: 'production', ref: main, services: ['api', 'web'], dryRun: true },
    ],
    ['production --services=api', { kind: 'deploy', env: 'production', services: ['api'], dryRun: false }],
    [
      'production --services api, web main',
      { kind: 'deploy', env: 'production', ref: main, services: ['api', 'web'], dryRun: false },
    ],
    [
      'production --services api,api,',
      { kind: 'deploy', env: 'production', services: ['api'], dryRun: false },
    ],
    [
      'production main --override hotfix for INC-42 --dry-run',
      {
        kind: 'deploy',
        env: 'production',
        ref: main,
        dryRun: false,
        override: 'hotfix for INC-42 --dry-run',
      },
    ],
    [
      'production --override=db   is down',
      { kind: 'deploy', env: 'production', dryRun: false, override: 'db is down' },
    ],
    [
      'production --override a &amp; b &lt;3',
      { kind: 'deploy', env: 'production', dryRun: false, override: 'a & b <3' },
    ],
    ['data-eu_1', { kind: 'deploy', env: 'data-eu_1', dryRun: false }],
    ['status', { kind: 'status' }],
    ['STATUS production', { kind: 'status', env: 'production' }],
    ['history', { kind: 'history', limit: 10 }],
    ['history production', { kind: 'history', env: 'production', limit: 10 }],
    ['history production 50', { kind: 'history', env: 'production', limit: 50 }],
    ['history 1', { kind: 'history', limit: 1 }],
    ['stats', { kind: 'stats', windowMs: 30 * 86_400_000, window: '30d' }],
    ['stats production 90d', { kind: 'stats', env: 'production', windowMs: 90 * 86_400_000, window: '90d' }],
    ['stats 7D', { kind: 'stats', windowMs: 7 * 86_400_000, window: '7d' }],
    ['stats staging 2w', { kind: 'stats', env: 'staging', windowMs: 14 * 86_400_000, window: '2w' }],
    ['stats 1w3d', { kind: 'stats', windowMs: 10 * 86_400_000, window: '1w3d' }],
    ['stats 36h', { kind: 'stats', windowMs: 36 * 3_600_000, window: '36h' }],
    ['stats 365d', { kind: 'stats', windowMs: 365 * 86_400_000, window: '365d' }],
    ['lock production db migration', { kind: 'lock', env: 'production', reason: 'db migration' }],
    [
      'lock production --for 2h db migration',
      { kind: 'lock', env: 'production', reason: 'db migration', forMs: 7_200_000, forText: '2h' },
    ],
    [
      'lock staging freeze --for=1H30m',
      { kind: 'lock', env: 'staging', reason: 'freeze', forMs: 5_400_000, forText: '1h30m' },
    ],
    ['unlock production', { kind: 'unlock', env: 'production' }],
    ['cancel dep_01HZX3', { kind: 'cancel', id: 'dep_01HZX3' }],
    ['cancel production-42', { kind: 'cancel', id: 'production-42' }],
  ])('parses %j', (text, expected) => {
    expect(parseDeployArgs(text)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['--dry-run', 'Which environment?'],
    ['-x', 'Which environment?'],
    ['Prod!', 'is not an environment name'],
    ['1prod', 'is not an environment name'],
    ['production main develop', 'one ref at a time'],
    ['production a..b', 'is not a usable git ref'],
    ['production $(curl$IFS.x)', 'is not a usable git ref'],
    ['production -main', 'is not a usable git ref'],
    ['production --force', 'Unknown option `--force`'],
    ['production --services', '`--services` needs a comma-separated list'],
    ['production --services --dry-run', '`--services` needs a comma-separated list'],
    ['production --services ,', '`--services` needs a comma-separated list'],
    ['production --services a --services b', 'given twice'],
    ['production --services api;rm', 'is not a service name'],
    ['production --override', '`--override` needs a reason'],
    ['production --override=', '`--override` needs a reason'],
    [`production --override ${'r'.repeat(MAX_REASON_LENGTH + 1)}`, 'too long'],
    ['status a b', 'at most one environment'],
    ['status help', 'is a subcommand, not an environment name'],
    ['history 0', 'from 1 to 50'],
    ['history production 51', 'from 1 to 50'],
    ['history -5', 'from 1 to 50'],
    ['history 2.5', 'from 1 to 50'],
    ['history 10 production', 'Too many arguments'],
    ['history production 10 more', 'Too many arguments'],
    ['history lock', 'is a subcommand'],
    ['stats production 30', 'The period must be from 1d to 365d'],
    ['stats 0d', 'The period must be from 1d to 365d'],
    ['stats 366d', 'The period must be from 1d to 365d'],
    ['stats 53w', 'The period must be from 1d to 365d'],
    ['stats 12h', 'The period must be from 1d to 365d'],
    ['stats 2w2w', 'The period must be from 1d to 365d'],
    ['stats 3d1w', 'The period must be from 1d to 365d'],
    ['stats production 30d extra', 'Too many arguments'],
    ['lock', 'Which environment?'],
    ['lock production', 'Say why'],
    ['lock production --for 2h', 'Say why'],
    ['lock cancel maintenance', 'is a subcommand'],
    ['lock production x --for', '`--for` needs a duration'],
    ['lock production x --for soon', 'is not a duration'],
    ['lock production x --for `1h`', `"'1h'" is not a duration`],
    ['lock production x --for 1h --for 2h', 'given twice'],
    ['lock production x --until 5pm', 'Unknown option `--until`'],
    [`lock production ${'r'.repeat(MAX_REASON_LENGTH + 1)}`, 'too long'],
    ['unlock', 'Which environment?'],
    ['unlock a b', 'takes one environment'],
    ['unlock Status', 'is a subcommand'],
    ['cancel', 'Which deployment?'],
    ['cancel a b', 'takes one deployment'],
    ['cancel ../../etc', "is not a deployment's name"],
  ])('refuses %j with a sentence and the usage', (text, fragment) => {
    const result = parseDeployArgs(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain(fragment);
    expect(result.usage).toContain('/deploy <env>');
  });

  it('never lets a backtick in the echoed text break the quoting', () => {
    const result = parseDeployArgs('production `whoami`');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.match(/`/g)?.length ?? 0).toBeLessThanOrEqual(2);
  });

  it('never throws and always yields a command or a usage message, whatever the text', () => {
    const words = fc.constantFrom(
      'production',
      'status',
      'history',
      'stats',
      'lock',
      'unlock',
      'cancel',
      'help',
      '--dry-run',
      '--services',
      '--override',
      '--for',
      '2h',
      '30d',
      '50',
      'main',
      'a..b',
      'api,web',
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
        const result = parseDeployArgs(input);
        if (!result.ok) {
          expect(result.error.length).toBeGreaterThan(0);
          expect(result.error.length).toBeLessThan(300);
          expect(result.usage).toContain('Usage');
          expect((result.error.match(/`/g) ?? []).length % 2).toBe(0);
          return;
        }
        const command = result.value;
        if ('env' in command && command.env !== undefined) {
          expect(command.env).toMatch(/^[a-z][a-z0-9_-]*$/);
          expect(['status', 'history', 'stats', 'lock', 'unlock', 'cancel', 'help']).not.toContain(
            command.env,
          );
        }
        if (command.kind === 'deploy' && command.ref) expect(command.ref.value).toMatch(/^[A-Za-z0-9._/-]+$/);
        if (command.kind === 'history') expect(command.limit).toBeGreaterThanOrEqual(1);
        if (command.kind === 'history') expect(command.limit).toBeLessThanOrEqual(50);
        if (command.kind === 'lock') expect(command.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 2_000 },
    );
  });
});
