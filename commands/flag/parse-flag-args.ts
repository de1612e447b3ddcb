import { isValidFlagName } from '../../src/domain/flags/flag-name.js';
import { shown } from '../../src/domain/text.js';
import type { FlagChangeRequest } from '../../src/services/flag-service.js';
import { asksForHelp, type ParseResult, readReasonWords, refusalsWith, wordsOf } from '../args.js';
import { FLAG_USAGE } from './flag-usage.js';

export type FlagCommand =
  /** A flip: the service's request, but for who asks. */
  | ({ kind: 'set' } & Omit<FlagChangeRequest, 'actor'>)
  | { kind: 'status'; name: string }
  | { kind: 'list' }
  | { kind: 'help' };

/**
 * Turns the text after `/flag` into a command, or into one sentence saying what is wrong plus the usage.
 * Pure and total: any string yields a result, never an exception.
 */
export function parseFlagArgs(text: string): ParseResult<FlagCommand> {
  const [verb, ...rest] = wordsOf(text);
  if (asksForHelp(verb)) return { ok: true, value: { kind: 'help' } };
  const sub = verb?.toLowerCase();
  if (sub === 'list') {
    return rest.length === 0
      ? { ok: true, value: { kind: 'list' } }
      : fail('`/flag list` takes no arguments.');
  }
  if (sub === 'status') {
    const [name, ...extra] = rest;
    if (name === undefined) return fail('Which flag? `/flag status <name>`.');
    if (extra.length > 0) return fail('`/flag status` takes one flag name.');
    return isValidFlagName(name) ? { ok: true, value: { kind: 'status', name } } : badName(name);
  }
  if (sub === 'disable' || sub === 'enable' || sub === 'off' || sub === 'on') {
    return parseSet(sub === 'enable' || sub === 'on', rest);
  }
  return fail(`Unknown subcommand \`${shown(verb ?? '')}\`.`);
}

function parseSet(enabled: boolean, words: string[]): ParseResult<FlagCommand> {
  const verb = enabled ? 'enable' : 'disable';
  const [name, ...rest] = words;
  if (name === undefined || name.startsWith('--')) return fail(`Which flag? \`/flag ${verb} <name>\`.`);
  if (!isValidFlagName(name)) return badName(name);
  const read = readReasonWords(rest, { flags: ['--create'], forExample: '30m' });
  if (!read.ok) return fail(read.error);
  const { reason, forMs, forText, flags } = read.value;
  return {
    ok: true,
    value: {
      kind: 'set',
      name,
      enabled,
      reason,
      create: flags.has('--create'),
      ...(forMs === undefined ? {} : { forMs, forText }),
    },
  };
}

function badName(name: string): ParseResult<FlagCommand> {
  return fail(
    `\`${shown(name, 64)}\` is not a flag name: use letters, digits, "_", "-" or "." (at most 64 characters).`,
  );
}

const fail = refusalsWith(FLAG_USAGE);
