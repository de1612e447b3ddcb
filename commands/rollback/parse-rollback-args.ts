import { parseRef } from '../../src/domain/deploy/git-ref.js';
import { shown } from '../../src/domain/text.js';
import { asksForHelp, MAX_REASON_LENGTH, type ParseResult, refusalsWith, wordsOf } from '../args.js';
import { ROLLBACK_USAGE } from './rollback-usage.js';

export interface RollbackCommand {
  kind: 'rollback';
  service: string;
  env: string;
  /** `--to`: a version chosen by hand instead of the registry's last good one. */
  to?: string;
  reason?: string;
}

export const DEFAULT_ROLLBACK_ENV = 'production';
const SERVICE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * `/rollback <service> [env] [--to <version>] [reason…]`. Pure and total. The word after the service is the
 * environment only when it names one of `environments`, so `/rollback api errors everywhere` reads as a reason.
 */
export function parseRollbackArgs(
  text: string,
  environments: readonly string[],
): ParseResult<RollbackCommand | { kind: 'help' }> {
  const [service, ...rest] = wordsOf(text);
  if (service === undefined || asksForHelp(service)) return { ok: true, value: { kind: 'help' } };
  if (!SERVICE_NAME_PATTERN.test(service)) {
    return fail(`\`${shown(service, 64)}\` is not a service name; say which service to roll back first.`);
  }
  let env = DEFAULT_ROLLBACK_ENV;
  const [second] = rest;
  if (second !== undefined && environments.includes(second.toLowerCase())) {
    env = second.toLowerCase();
    rest.shift();
  }
  let to: string | undefined;
  const reasonWords: string[] = [];
  for (let index = 0; index < rest.length; index += 1) {
    const word = rest[index] ?? '';
    if (word === '--to' || word.startsWith('--to=')) {
      const value = word === '--to' ? rest[++index] : word.slice('--to='.length);
      if (!value) return fail('`--to` needs a version, such as `--to v1.2.3`.');
      if (to !== undefined) return fail('Give `--to` once.');
      const ref = parseRef(value);
      if (!ref.ok) return fail(ref.reason);
      to = ref.ref.value;
      continue;
    }
    if (word.startsWith('--'))
      return fail(`Unknown option \`${shown(word)}\`; only \`--to <version>\` is known.`);
    reasonWords.push(word);
  }
  const reason = reasonWords.join(' ');
  if (reason.length > MAX_REASON_LENGTH)
    return fail(`Keep the reason under ${MAX_REASON_LENGTH} characters.`);
  return {
    ok: true,
    value: {
      kind: 'rollback',
      service,
      env,
      ...(to === undefined ? {} : { to }),
      ...(reason ? { reason } : {}),
    },
  };
}

const fail = refusalsWith(ROLLBACK_USAGE);
