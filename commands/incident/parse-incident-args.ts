import type { Severity } from '../../src/domain/incidents/incident.js';
import { MAX_NOTE, MAX_TITLE, normalizeIncidentId } from '../../src/domain/incidents/incident-rules.js';
import { parseSeverity } from '../../src/domain/incidents/severity-policy.js';
import { shown } from '../../src/domain/text.js';
import { escapeText } from '../../views/format.js';
import { asksForHelp, type ParseResult, refusalsWith, unescapeSlack } from '../args.js';
import { ENV_NAME_PATTERN } from '../deploy/parse-deploy-args.js';
import { INCIDENT_USAGE } from './incident-usage.js';

export type IncidentCommand =
  | { kind: 'declare'; severity: Severity; title: string; env?: string }
  | { kind: 'update'; id: string; text: string }
  | { kind: 'resolve'; id: string; summary?: string }
  | { kind: 'escalate'; id: string }
  | { kind: 'list' }
  | { kind: 'help' };

/**
 * Turns the text after `/incident` into a command, or into one sentence saying what is wrong plus the usage.
 * Pure and total. Ids are normalised (`7`, `#7`, `INC-7` → `inc-7`); update texts and summaries keep their line
 * breaks; titles are put on one line.
 */
export function parseIncidentArgs(text: string): ParseResult<IncidentCommand> {
  const raw = unescapeSlack(text);
  const [verb, ...rest] = raw.trim().split(/\s+/).filter(Boolean);
  if (asksForHelp(verb)) return { ok: true, value: { kind: 'help' } };
  switch (verb?.toLowerCase()) {
    case 'declare':
      return parseDeclare(rest);
    case 'update':
      return parseUpdate(rest, afterWords(raw, 2));
    case 'resolve':
      return parseResolve(rest, afterWords(raw, 2));
    case 'escalate': {
      const [word, ...extra] = rest;
      if (word === undefined) return fail('Which incident? `/incident escalate <id>`.');
      if (extra.length > 0) return fail('`/incident escalate` takes one incident id.');
      const id = readId(word);
      return id.ok ? { ok: true, value: { kind: 'escalate', id: id.value } } : id;
    }
    case 'list':
      return rest.length === 0
        ? { ok: true, value: { kind: 'list' } }
        : fail('`/incident list` takes no arguments.');
    default:
      return fail(`Unknown subcommand \`${echoed(verb ?? '', 40)}\`.`);
  }
}

function parseDeclare(words: string[]): ParseResult<IncidentCommand> {
  const [first, ...rest] = words;
  if (first === undefined)
    return fail(
      'Which severity? `/incident declare <sev1|sev2|sev3> <title…>`, e.g. `/incident declare sev2 API errors above 5 %`.',
    );
  const severity = parseSeverity(first);
  if (severity === undefined)
    return fail(
      `\`${echoed(first, 20)}\` is not a severity: use sev1, sev2 or sev3 (\`/incident declare sev2 <title…>\`).`,
    );
  let env: string | undefined;
  const title: string[] = [];
  for (let i = 0; i < rest.length; i += 1) {
    const word = rest[i] ?? '';
    if (word === '--env' || word.startsWith('--env=')) {
      if (env !== undefined) return fail('`--env` is given twice.');
      const value = (word === '--env' ? rest[++i] : word.slice('--env='.length))?.toLowerCase();
      if (!value) return fail('`--env` needs an environment, e.g. `--env production`.');
      if (!ENV_NAME_PATTERN.test(value)) return fail(`\`${echoed(value, 40)}\` is not an environment name.`);
      env = value;
    } else {
      title.push(word);
    }
  }
  const titleText = title.join(' ');
  if (titleText.length === 0)
    return fail(`Give the incident a title: \`/incident declare ${severity} <what is broken, for whom>\`.`);
  if (titleText.length > MAX_TITLE)
    return fail(
      `The title is too long (at most ${MAX_TITLE} characters); add details with \`/incident update\`.`,
    );
  return { ok: true, value: { kind: 'declare', severity, title: titleText, ...(env ? { env } : {}) } };
}

function parseUpdate(words: string[], text: string): ParseResult<IncidentCommand> {
  const [word] = words;
  if (word === undefined) return fail('Which incident? `/incident update <id> <text…>`.');
  const id = readId(word);
  if (!id.ok) return id;
  if (text.length === 0) return fail(`Say what changed: \`/incident update ${id.value} <text…>\`.`);
  if (text.length > MAX_NOTE) return fail(`The update is too long (at most ${MAX_NOTE} characters).`);
  return { ok: true, value: { kind: 'update', id: id.value, text } };
}

function parseResolve(words: string[], summary: string): ParseResult<IncidentCommand> {
  const [word] = words;
  if (word === undefined) return fail('Which incident? `/incident resolve <id> [summary…]`.');
  const id = readId(word);
  if (!id.ok) return id;
  if (summary.length > MAX_NOTE) return fail(`The summary is too long (at most ${MAX_NOTE} characters).`);
  return { ok: true, value: { kind: 'resolve', id: id.value, ...(summary ? { summary } : {}) } };
}

function readId(word: string): ParseResult<string> {
  const id = normalizeIncidentId(word);
  return id
    ? { ok: true, value: id }
    : fail(
        `\`${echoed(word, 40)}\` is not an incident id: they look like \`inc-7\` (\`/incident list\` shows them).`,
      );
}

/** The text after the first `count` words, trimmed, with its own spacing and line breaks. */
function afterWords(text: string, count: number): string {
  let rest = text.trimStart();
  for (let i = 0; i < count; i += 1) {
    const match = /^\S+\s*/.exec(rest);
    if (!match) return '';
    rest = rest.slice(match[0].length);
  }
  return rest.trim();
}

const fail = refusalsWith(INCIDENT_USAGE);

/** A word the user typed, safe inside a code span of the reply: cut, no backticks, Slack's control characters escaped. */
function echoed(text: string, max: number): string {
  return escapeText(shown(text, max));
}
