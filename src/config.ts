import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ENV_HELP, type Env, envSchema } from './config/env-schema.js';
import { type FileConfig, fileSchema } from './config/file-schema.js';

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
  if (!envResult.success) problems.push(...describeEnvIssues(envResult.error));

  const requested = environment.GREENLIGHT_CONFIG?.trim();
  let configPath = resolve(cwd, requested || DEFAULT_CONFIG);
  let usedExample = false;
  if (!requested && !existsSync(configPath) && existsSync(resolve(cwd, EXAMPLE_CONFIG))) {
    configPath = resolve(cwd, EXAMPLE_CONFIG);
    usedExample = true;
  }
  const file = readConfigFile(configPath);
  if (!file.ok) problems.push(...file.problems);

  if (problems.length > 0 || !envResult.success || !file.ok) return { ok: false, problems };
  return { ok: true, config: { env: envResult.data, file: file.value, configPath, usedExample } };
}

/** Reads and validates one config file; exported for tests and for checking a file before deploying it. */
export function readConfigFile(
  path: string,
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
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    return { ok: false, problems: document.errors.map((e) => `${path}: ${e.message.split('\n')[0]}`) };
  }
  const parsed = fileSchema.safeParse(document.toJS());
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((issue) => `${path}: ${describeIssue(issue)}`) };
  }
  return { ok: true, value: parsed.data };
}

function describeEnvIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '');
    const missing = issue.code === 'invalid_type' && issue.message.includes('undefined');
    const empty = issue.code === 'too_small';
    const help = ENV_HELP[name];
    const what = missing || empty ? 'is missing' : `is malformed (${issue.message})`;
    return `${name} ${what}${help ? `: ${help}` : ''}`;
  });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path
    .map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`))
    .join('');
  const where = path.replace(/^\./, '') || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return `${where}: unknown setting ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  return `${where}: ${issue.message}`;
}
