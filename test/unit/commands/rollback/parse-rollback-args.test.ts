import { describe, expect, it } from 'vitest';
import { parseRollbackArgs } from '../../../../commands/rollback/parse-rollback-args.js';

const ENVS = ['staging', 'production'];

describe('parseRollbackArgs', () => {
  it.each([
    ['api', { kind: 'rollback', service: 'api', env: 'production' }],
    ['api staging', { kind: 'rollback', service: 'api', env: 'staging' }],
    [
      'api Staging errors everywhere',
      { kind: 'rollback', service: 'api', env: 'staging', reason: 'errors everywhere' },
    ],
    [
      'api errors everywhere',
      { kind: 'rollback', service: 'api', env: 'production', reason: 'errors everywhere' },
    ],
    ['api --to v1.2.3', { kind: 'rollback', service: 'api', env: 'production', to: 'v1.2.3' }],
    [
      'api staging checkout broken --to=release/2026.11 since 10:02',
      {
        kind: 'rollback',
        service: 'api',
        env: 'staging',
        to: 'release/2026.11',
        reason: 'checkout broken since 10:02',
      },
    ],
    ['', { kind: 'help' }],
    ['help', { kind: 'help' }],
  ])('reads %j', (text, expected) => {
    expect(parseRollbackArgs(text, ENVS)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['api --to', '`--to` needs a version, such as `--to v1.2.3`.'],
    ['api --to v1 --to v2', 'Give `--to` once.'],
    ['api --to v1..2', '`v1..2` is not a usable git ref: git does not allow ".." in a ref'],
    ['api --force', 'Unknown option `--force`; only `--to <version>` is known.'],
    ['<!channel> now', '`<!channel>` is not a service name; say which service to roll back first.'],
    [`api ${'x'.repeat(501)}`, 'Keep the reason under 500 characters.'],
  ])('refuses %j with one sentence and the usage', (text, error) => {
    const result = parseRollbackArgs(text, ENVS);
    expect(result).toMatchObject({ ok: false, error });
    expect(result.ok ? '' : result.usage).toContain('/rollback <service> [env]');
  });
});
