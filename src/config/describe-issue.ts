import type { z } from 'zod';
import { closeMatches } from '../domain/close-matches.js';

/** A config problem a person can act on: where (a YAML path, and the key when a key is the problem) and what. */
export interface ConfigProblem {
  path: (string | number)[];
  /** The unknown key itself, so its line can be found (the path names the object holding it). */
  key?: string;
  message: string;
}

/**
 * Rewrites one zod issue for a person editing greenlight.yml: unknown keys get the closest known one, a wrong
 * value is echoed next to what was expected, a missing one says so. `schema` is the schema that was parsed (for
 * the keys it knows); the issue must come from a parse with `reportInput: true`.
 */
export function describeIssue(issue: z.core.$ZodIssue, schema: z.core.$ZodType): ConfigProblem[] {
  const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(schema, path);
    return issue.keys.map((key) => ({ path, key, message: unknownKey(key, known) }));
  }
  const input: unknown = 'input' in issue ? issue.input : undefined;
  switch (issue.code) {
    case 'invalid_type':
      return [
        {
          path,
          message:
            input === undefined
              ? `missing: expected ${article(issue.expected)}`
              : `expected ${article(issue.expected)}, got ${show(input)}${nullHint(input)}`,
        },
      ];
    case 'invalid_value': {
      const options = issue.values.map(String);
      const guess = typeof input === 'string' ? closeMatches(input, options, 1)[0] : undefined;
      const got = input === undefined ? 'missing' : `got ${show(input)}`;
      return [
        {
          path,
          message: `${got}, expected one of ${options.join(', ')}${guess ? `; did you mean ${guess}?` : ''}`,
        },
      ];
    }
    case 'invalid_union': {
      const expected = [
        ...new Set(
          issue.errors.flat().flatMap((e) => (e.code === 'invalid_type' ? [article(e.expected)] : [])),
        ),
      ];
      if (expected.length === 0) break;
      const list =
        expected.length === 1 ? expected[0] : `${expected.slice(0, -1).join(', ')} or ${expected.at(-1)}`;
      return [{ path, message: `expected ${list}, got ${show(input)}` }];
    }
    case 'custom':
      // greenlight's own rules word their sentences themselves, echoing what they need.
      return [{ path, message: issue.message }];
  }
  const echo = isScalar(input) && !issue.message.includes(show(input)) ? ` (got ${show(input)})` : '';
  return [{ path, message: `${issue.message}${echo}` }];
}

function isScalar(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function unknownKey(key: string, known: readonly string[]): string {
  const guess = closeMatches(key, known, 1)[0];
  if (guess) return `unknown setting "${key}": did you mean "${guess}"?`;
  return known.length > 0
    ? `unknown setting "${key}" (known here: ${known.join(', ')})`
    : `unknown setting "${key}"`;
}

/** A YAML value as the person wrote it, short. */
function show(value: unknown): string {
  if (value === null) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}…` : value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** The most common way to get nothing where a channel was meant: `#` starts a YAML comment unless quoted. */
function nullHint(value: unknown): string {
  return value === null
    ? ' (an empty value; a value starting with # must be quoted, like "#deployment-status")'
    : '';
}

function article(type: string): string {
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

interface SchemaDef {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  element?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  options?: z.core.$ZodType[];
}

/** The keys the object schema at `path` accepts (through defaults, optionals, transforms, arrays and records). */
export function knownKeysAt(schema: z.core.$ZodType, path: readonly (string | number)[]): string[] {
  const def = unwrap(schema)._zod.def as unknown as SchemaDef;
  if (path.length === 0) return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
  const [head, ...rest] = path;
  const next =
    def.type === 'object'
      ? def.shape?.[String(head)]
      : def.type === 'array'
        ? def.element
        : def.type === 'record'
          ? def.valueType
          : undefined;
  return next ? knownKeysAt(next, rest) : [];
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  const def = schema._zod.def as unknown as SchemaDef;
  if (def.innerType && ['optional', 'default', 'prefault', 'nullable', 'readonly'].includes(def.type))
    return unwrap(def.innerType);
  if (def.type === 'pipe' && def.in) return unwrap(def.in);
  return schema;
}
