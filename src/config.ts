import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { type Document, isMap, isNode, isScalar, LineCounter, parseDocument, type YAMLError } from 'yaml';
import type { z } from 'zod';
import { type ConfigProblem, describeIssue } from './config/describe-issue.js';
import { ENV_HELP, type Env, envSchema } from './config/env-schema.js';
import { type FileConfig, fileSchema } from './config/file-schema.js';
import { GITHUB_AUTH_VARIABLES, resolveGitHubAuth } from './config/github-auth.js';
import { redisTargetOf } from './config/redis-target.js';

export type { Env } from './config/env-schema.js';
export type { EnvironmentConfig, FileConfig, FlagsConfig } from './config/file-schema.js';

export interface Config {
  env: Env;
  file: FileConfig;
  /** The YAML file that was read, for logs and /readyz. */
  configPath: string;
  /** Set when no greenlight.yml existed and the example was used, so the operator can be told. */
  usedExample: boolean;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

const DEFAULT_CONFIG = 'greenlight.yml';
const EXAMPLE_CONFIG = 'greenlight.example.yml';

/**
 * The only reader of `process.env` and of greenlight.yml. Every problem is collected (environment and file
 * together) so an operator fixes them all in one go; each names the variable or the YAML path.
 */
export function loadConfig(
  environment: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): ConfigResult {
  const problems: string[] = [];

  const envResult = envSchema.safeParse(environment);
  if (!envResult.success) problems.push(...describeEnvIssues(envResult.error, environment));
  // Which GitHub credential is asked for is told even when other variables are wrong.
  const githubEnv = envSchema
    .pick({ GITHUB_TOKEN: true, GITHUB_APP_ID: true, GITHUB_APP_PRIVATE_KEY: true })
    .safeParse(environment);
  const auth = githubEnv.success ? resolveGitHubAuth(githubEnv.data, cwd) : undefined;
  if (auth && !auth.ok) problems.push(...auth.problems);

  const requested = environment.GREENLIGHT_CONFIG?.trim();
  let configPath = resolve(cwd, requested || DEFAULT_CONFIG);
  let usedExample = false;
  if (!requested && !existsSync(configPath) && existsSync(resolve(cwd, EXAMPLE_CONFIG))) {
    configPath = resolve(cwd, EXAMPLE_CONFIG);
    usedExample = true;
  }
  // Problems name the file as the operator knows it (greenlight.yml, or what GREENLIGHT_CONFIG says).
  const file = readConfigFile(
    configPath,
    relative(cwd, configPath).startsWith('..') ? configPath : relative(cwd, configPath),
  );
  if (!file.ok) problems.push(...file.problems);

  if (envResult.success) {
    const redis = redisTargetOf(envResult.data);
    if (!redis.ok) problems.push(...redis.problems);
  }
  if (envResult.success && file.ok) problems.push(...crossCheck(envResult.data, file.value));
  if (problems.length > 0 || !envResult.success || !auth?.ok || !file.ok) return { ok: false, problems };
  const env = { ...envResult.data };
  for (const name of GITHUB_AUTH_VARIABLES) {
    const value = auth.env[name];
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return { ok: true, config: { env, file: file.value, configPath, usedExample } };
}

/** Reads and validates one config file; exported for tests and for checking a file before deploying it. */
export function readConfigFile(
  path: string,
  shownAs: string = path,
): { ok: true; value: FileConfig } | { ok: false; problems: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : String(error);
    return {
      ok: false,
      problems: [
        `GREENLIGHT_CONFIG: ${path} ${reason}: copy greenlight.example.yml to greenlight.yml, or point GREENLIGHT_CONFIG at your file`,
      ],
    };
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter });
  if (document.errors.length > 0)
    return { ok: false, problems: describeYamlErrors(shownAs, document.errors) };
  const parsed = fileSchema.safeParse(document.toJS(), { reportInput: true });
  if (!parsed.success) {
    const located = parsed.error.issues
      .flatMap((issue) => describeIssue(issue, fileSchema))
      .map((problem) => ({ problem, line: lineOf(document, lineCounter, problem) }))
      .sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    return {
      ok: false,
      problems: located.map(
        ({ problem, line }) =>
          `${shownAs}${line ? `:${line}` : ''}: ${yamlPath(problem.path)}: ${problem.message}`,
      ),
    };
  }
  return { ok: true, value: parsed.data };
}

/**
 * One problem per YAML error, each with the snippet the parser drew under it, once. Errors on a line already
 * reported are left out: they are usually the same mistake seen again further on.
 */
function describeYamlErrors(path: string, errors: readonly YAMLError[]): string[] {
  const seen = new Set<number>();
  const problems: string[] = [];
  for (const error of errors) {
    const [start] = error.linePos ?? [];
    if (start && seen.has(start.line)) continue;
    if (start) seen.add(start.line);
    const [headline = '', ...snippet] = error.message.split('\n');
    const what = headline.replace(/ at line \d+, column \d+:?$/, '');
    const where = start ? `${path}:${start.line}:${start.col}` : path;
    const drawn = snippet.filter((line, index) => line.trim() !== '' || index < snippet.length - 1);
    problems.push(
      `${where}: YAML: ${what}${drawn.length > 0 ? `\n${drawn.join('\n').replace(/^\n+/, '')}` : ''}`,
    );
  }
  return problems;
}

/** The line of the value (or, for an unknown key, of the key) a problem is about, when the file has one. */
function lineOf(document: Document, lineCounter: LineCounter, problem: ConfigProblem): number | undefined {
  const node = document.getIn(problem.path, true);
  let offset: number | undefined;
  if (problem.key !== undefined && isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && item.key.value === problem.key);
    offset = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
  } else if (isNode(node)) {
    offset = node.range?.[0];
  } else if (problem.path.length > 0) {
    // A missing value: point at the mapping that should hold it.
    const parent = document.getIn(problem.path.slice(0, -1), true);
    offset = isNode(parent) ? parent.range?.[0] : undefined;
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

function yamlPath(path: readonly (string | number)[]): string {
  const joined = path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`)).join('');
  return joined.replace(/^\./, '') || '(top level)';
}

/** Variables whose value may be echoed in an error: never a token, a secret or a URL that may carry a password. */
const ECHOED_ENV = new Set(['PORT', 'LOG_LEVEL', 'SLACK_API_URL', 'GITHUB_API_URL', 'PAGERDUTY_EVENTS_URL']);

/** What the file asks of the environment: the Datadog keys for a Datadog source. */
function crossCheck(env: Env, file: FileConfig): string[] {
  if (file.analysis?.source !== 'datadog') return [];
  return (['DD_API_KEY', 'DD_APP_KEY'] as const)
    .filter((name) => env[name] === undefined)
    .map((name) => `${name} is missing: ${ENV_HELP[name]}`);
}

function describeEnvIssues(error: z.ZodError, environment: NodeJS.ProcessEnv): string[] {
  return error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '');
    const missing = issue.code === 'invalid_type' && issue.message.includes('undefined');
    const empty = issue.code === 'too_small';
    const help = ENV_HELP[name];
    const value = environment[name];
    const got = ECHOED_ENV.has(name) && value !== undefined ? `, got ${JSON.stringify(value)}` : '';
    const what = missing || empty ? 'is missing' : `is malformed (${issue.message}${got})`;
    return `${name} ${what}${help ? `: ${help}` : ''}`;
  });
}
