import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import type { FileConfig } from '../../src/config/file-schema.js';
import { readConfigFile } from '../../src/config.js';

/** The playground's greenlight.yml. */
export const PLAYGROUND_CONFIG = resolve(import.meta.dirname, '../greenlight.yml');
/** Where the playground listens unless told otherwise; the config's health checks name it. */
export const DEFAULT_PORT = 4400;
const CONFIGURED_ORIGIN = `http://127.0.0.1:${DEFAULT_PORT}`;

export type PlaygroundConfig =
  | { ok: true; path: string; file: FileConfig }
  | { ok: false; problems: string[] };

/**
 * The config the bot runs with: `playground/greenlight.yml` itself when the playground listens where its health
 * checks point, else a copy in `dir` with the playground's own origin put in. Checked with greenlight's own loader
 * before the bot is started, so a mistake is named here.
 */
export function playgroundConfig(origin: string, dir: string): PlaygroundConfig {
  let path = PLAYGROUND_CONFIG;
  if (origin !== CONFIGURED_ORIGIN) {
    path = join(dir, 'greenlight.yml');
    writeFileSync(path, readFileSync(PLAYGROUND_CONFIG, 'utf8').replaceAll(CONFIGURED_ORIGIN, origin));
  }
  const loaded = readConfigFile(path);
  return loaded.ok ? { ok: true, path, file: loaded.value } : loaded;
}

/** What the app's manifest.yml declares: its slash commands (the ones Slack's client accepts) and bot scopes. */
export function readManifest(root: string): { commands: string[]; scopes: string[] } {
  const manifest = parse(readFileSync(join(root, 'manifest.yml'), 'utf8')) as {
    features?: { slash_commands?: { command: string }[] };
    oauth_config?: { scopes?: { bot?: string[] } };
  };
  return {
    commands: (manifest.features?.slash_commands ?? []).map((command) => command.command),
    scopes: manifest.oauth_config?.scopes?.bot ?? [],
  };
}
