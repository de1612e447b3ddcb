import { type GitRef, parseRef } from '../../src/domain/deploy/git-ref.js';
import { parseDuration } from '../../src/domain/duration.js';
import { shown } from '../../src/domain/text.js';
import {
  asksForHelp,
  MAX_REASON_LENGTH,
  type ParseResult,
  readReasonWords,
  refusalsWith,
  wordsOf,
} from '../args.js';
import { DEPLOY_USAGE } from './deploy-usage.js';

export type DeployCommand =
  | {
      kind: 'deploy';
      env: string;
      ref?: GitRef;
      services?: string[];
      dryRun: boolean;
      override?: string;
    }
  | { kind: 'status'; env?: string }
  | { kind: 'history'; env?: string; limit: number }
  /** `window`: the period as typed, normalized (`30d`, `2w`), for the reply. */
  | { kind: 'stats'; env?: string; windowMs: number; window: string }
  | { kind: 'lock'; env: string; reason: string; forMs?: number; forText?: string }
  | { kind: 'unlock'; env: string }
  | { kind: 'cancel'; id: string }
  | { kind: 'help' };

/** The environment names greenlight.yml accepts; whether one exists is checked against the config later. */
export const ENV_NAME_PATTERN = /^[a-z][a-z0-9_-]*$/;

/** Subcommands, which therefore can never be environment names. */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'status',
  'history',
  'stats',
  'lock',
  'unlock',
  'cancel',
  'help',
]);

export const HISTORY_DEFAULT = 10;
export const HISTORY_MAX = 50;
export const STATS_DEFAULT_DAYS = 30;
export const STATS_MAX_DAYS = 365;
const DAY_MS = 86_400_000;

const SERVICE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const DEPLOYMENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * Turns the text after `/deploy` into a command, or into one sentence saying what is wrong plus the usage.
 * Pure and total: any string yields a result, never an exception. Environment names are lower-cased and only
 * checked for shape; a ref in the result has passed `parseRef`, so it is safe to send to GitHub.
 */
export function parseDeployArgs(text: string): ParseResult<DeployCommand> {
  const [verb, ...rest] = wordsOf(text);
  if (asksForHelp(verb)) return { ok: true, value: { kind: 'help' } };
  switch (verb?.toLowerCase()) {
    case 'status':
      return parseStatus(rest);
    case 'history':
      return parseHistory(rest);
    case 'stats':
      return parseStats(rest);
    case 'lock':
      return parseLock(rest);
    case 'unlock':
      return parseUnlock(rest);
    case 'cancel':
      return parseCancel(rest);
    default:
      return parseDeploy(verb ?? '', rest);
  }
}

function parseStatus(words: string[]): ParseResult<DeployCommand> {
  const [word, ...extra] = words;
  if (extra.length > 0) return fail('`/deploy status` takes at most one environment.');
  if (word === undefined) return { ok: true, value: { kind: 'status' } };
  const env = readEnv(word);
  return env.ok ? { ok: true, value: { kind: 'status', env: env.value } } : env;
}

function parseHistory(words: string[]): ParseResult<DeployCommand> {
  const split = envThenAmount(words, '`/deploy history [env] [n]`, e.g. `/deploy history production 20`');
  if (!split.ok) return split;
  const { env, amount } = split.value;
  let limit = HISTORY_DEFAULT;
  if (amount !== undefined) {
    limit = /^\d{1,3}$/.test(amount) ? Number(amount) : 0;
    if (limit < 1 || limit > HISTORY_MAX) {
      return fail(`The count must be a whole number from 1 to ${HISTORY_MAX}, not \`${shown(amount)}\`.`);
    }
  }
  return { ok: true, value: { kind: 'history', limit, ...(env === undefined ? {} : { env }) } };
}

function parseStats(words: string[]): ParseResult<DeployCommand> {
  const split = envThenAmount(words, '`/deploy stats [env] [30d]`, e.g. `/deploy stats production 90d`');
  if (!split.ok) return split;
  const { env, amount } = split.value;
  let windowMs = STATS_DEFAULT_DAYS * DAY_MS;
  let window = `${STATS_DEFAULT_DAYS}d`;
  if (amount !== undefined) {
    window = amount.toLowerCase();
    windowMs = statsWindowMs(window);
    if (!(windowMs >= DAY_MS && windowMs <= STATS_MAX_DAYS * DAY_MS)) {
      return fail(
        `The period must be from 1d to ${STATS_MAX_DAYS}d, such as 30d, 2w or 90d, not \`${shown(amount)}\`.`,
      );
    }
  }
  return { ok: true, value: { kind: 'stats', windowMs, window, ...(env === undefined ? {} : { env }) } };
}

/** `2w`, `30d`, `1w3d`, `36h`: the project's durations plus weeks (first, if at all); NaN when unreadable. */
function statsWindowMs(text: string): number {
  const weeks = /^(\d{1,3})w(.*)$/.exec(text);
  const rest = weeks ? (weeks[2] ?? '') : text;
  const restMs = rest === '' ? { ok: true as const, ms: 0 } : parseDuration(rest);
  if (!restMs.ok || (weeks === null && rest === '')) return Number.NaN;
  return Number(weeks?.[1] ?? 0) * 7 * DAY_MS + restMs.ms;
}

/** `[env] [amount]` where an amount starts with a digit (or a sign) and an environment with a letter. */
function envThenAmount(
  words: string[],
  usage: string,
): ParseResult<{ env: string | undefined; amount: string | undefined }> {
  const [first, second, ...extra] = words;
  const isAmount = (word: string | undefined) => word !== undefined && /^[+-]?\d/.test(word);
  if (extra.length > 0 || (isAmount(first) && second !== undefined))
    return fail(`Too many arguments: ${usage}.`);
  if (first === undefined || isAmount(first)) return { ok: true, value: { env: undefined, amount: first } };
  const env = readEnv(first);
  return env.ok ? { ok: true, value: { env: env.value, amount: second } } : env;
}

function parseLock(words: string[]): ParseResult<DeployCommand> {
  const [envWord, ...rest] = words;
  if (envWord === undefined || envWord.startsWith('--')) {
    return fail('Which environment? `/deploy lock <env> <reason…>`.');
  }
  const env = readEnv(envWord);
  if (!env.ok) return env;
  const read = readReasonWords(rest, { forExample: '2h' });
  if (!read.ok) return fail(read.error);
  const { reason, forMs, forText } = read.value;
  if (reason === '') return fail(`Say why: \`/deploy lock ${env.value} <reason…>\`.`);
  return {
    ok: true,
    value: { kind: 'lock', env: env.value, reason, ...(forMs === undefined ? {} : { forMs, forText }) },
  };
}

function parseUnlock(words: string[]): ParseResult<DeployCommand> {
  const [word, ...extra] = words;
  if (word === undefined) return fail('Which environment? `/deploy unlock <env>`.');
  if (extra.length > 0) return fail('`/deploy unlock` takes one environment.');
  const env = readEnv(word);
  return env.ok ? { ok: true, value: { kind: 'unlock', env: env.value } } : env;
}

function parseCancel(words: string[]): ParseResult<DeployCommand> {
  const [id, ...extra] = words;
  if (id === undefined)
    return fail(
      'Which deployment? `/deploy cancel <name>`, with the name its timeline shows (`production-42`).',
    );
  if (extra.length > 0) return fail('`/deploy cancel` takes one deployment.');
  if (!DEPLOYMENT_ID_PATTERN.test(id)) return fail(`\`${shown(id)}\` is not a deployment's name.`);
  return { ok: true, value: { kind: 'cancel', id } };
}

function parseDeploy(envWord: string, words: string[]): ParseResult<DeployCommand> {
  if (envWord.startsWith('-')) return fail('Which environment? `/deploy <env> [ref]`.');
  const env = readEnv(envWord);
  if (!env.ok) return env;
  let ref: GitRef | undefined;
  let refText: string | undefined;
  let services: string[] | undefined;
  let dryRun = false;
  let override: string | undefined;
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i] ?? '';
    if (word === '--dry-run') {
      dryRun = true;
    } else if (word === '--override' || word.startsWith('--override=')) {
      const inline = word === '--override' ? [] : [word.slice('--override='.length)];
      override = [...inline, ...words.slice(i + 1)].join(' ').trim();
      if (override === '') return fail('`--override` needs a reason, e.g. `--override hotfix for INC-42`.');
      if (override.length > MAX_REASON_LENGTH) {
        return fail(`The override reason is too long (at most ${MAX_REASON_LENGTH} characters).`);
      }
      break;
    } else if (word === '--services' || word.startsWith('--services=')) {
      if (services !== undefined) return fail('`--services` is given twice.');
      let value = word === '--services' ? (words[++i] ?? '') : word.slice('--services='.length);
      if (value.startsWith('--')) value = '';
      // `--services api, web`: a trailing comma continues the list into the next word.
      while (value.endsWith(',') && words[i + 1] !== undefined && !words[i + 1]?.startsWith('--')) {
        value += words[++i];
      }
      const read = readServices(value);
      if (!read.ok) return read;
      services = read.value;
    } else if (word.startsWith('--') && word.length > 2) {
      return fail(`Unknown option \`${shown(word)}\`.`);
    } else if (refText !== undefined) {
      return fail(`Deploy one ref at a time: both \`${shown(refText)}\` and \`${shown(word)}\` were given.`);
    } else {
      const parsed = parseRef(word);
      if (!parsed.ok) return fail(`${parsed.reason}.`);
      ref = parsed.ref;
      refText = word;
    }
  }
  return {
    ok: true,
    value: {
      kind: 'deploy',
      env: env.value,
      dryRun,
      ...(ref === undefined ? {} : { ref }),
      ...(services === undefined ? {} : { services }),
      ...(override === undefined ? {} : { override }),
    },
  };
}

function readServices(value: string): ParseResult<string[]> {
  const names = [...new Set(value.split(',').filter(Boolean))];
  if (names.length === 0)
    return fail('`--services` needs a comma-separated list, e.g. `--services api,web`.');
  const bad = names.find((name) => !SERVICE_NAME_PATTERN.test(name));
  if (bad !== undefined) {
    return fail(`\`${shown(bad)}\` is not a service name: use letters, digits, "_", "-" or ".".`);
  }
  return { ok: true, value: names };
}

function readEnv(word: string): ParseResult<string> {
  const env = word.toLowerCase();
  if (RESERVED_WORDS.has(env)) return fail(`\`${env}\` is a subcommand, not an environment name.`);
  if (!ENV_NAME_PATTERN.test(env)) {
    return fail(
      `\`${shown(word)}\` is not an environment name: start with a letter, then letters, digits, "_" or "-".`,
    );
  }
  return { ok: true, value: env };
}

const fail = refusalsWith(DEPLOY_USAGE);
