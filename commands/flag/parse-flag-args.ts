import { parseDuration } from '../../src/domain/duration.js';
import { isValidFlagName } from '../../src/domain/flags/flag-name.js';
import { shown } from '../../src/domain/text.js';
import { asksForHelp, MAX_REASON_LENGTH, type ParseResult, refusalsWith, wordsOf } from '../args.js';
import { FLAG_USAGE } from './flag-usage.js';

export type FlagCommand =
  | {
      kind: 'set';
      name: string;
      enabled: boolean;
      forMs?: number;
      forText?: string;
      reason: string;
      create: boolean;
    }
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
  let forMs: number | undefined;
  let forText: string | undefined;
  let create = false;
  const reason: string[] = [];
  for (let i = 0; i < rest.length; i += 1) {
    const word = rest[i] ?? '';
    if (word === '--create') {
      create = true;
    } else if (word === '--for' || word.startsWith('--for=')) {
      if (forMs !== undefined) return fail('`--for` is given twice.');
      const value = word === '--for' ? rest[++i] : word.slice('--for='.length);
      if (!value) return fail('`--for` needs a duration, e.g. `--for 30m`.');
      const parsed = parseDuration(value);
      if (!parsed.ok) return fail(`${parsed.reason}.`);
      forMs = parsed.ms;
      forText = value.toLowerCase();
    } else if (word.startsWith('--') && word.length > 2) {
      return fail(`Unknown option \`${shown(word)}\`.`);
    } else {
      reason.push(word);
    }
  }
  const reasonText = reason.join(' ');
  if (reasonText.length > MAX_REASON_LENGTH)
    return fail(`The reason is too long (at most ${MAX_REASON_LENGTH} characters).`);
  return {
    ok: true,
    value: {
      kind: 'set',
      name,
      enabled,
      reason: reasonText,
      create,
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
