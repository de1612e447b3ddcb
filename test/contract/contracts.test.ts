import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEPLOY_USAGE } from '../../commands/deploy/deploy-usage.js';
import { FLAG_USAGE } from '../../commands/flag/flag-usage.js';
import { INCIDENT_USAGE } from '../../commands/incident/incident-usage.js';
import { SLASH_COMMANDS } from '../../commands/index.js';
import { ROLLBACK_USAGE } from '../../commands/rollback/rollback-usage.js';
import { envSchema } from '../../src/config/env-schema.js';
import { SLACK_SCOPES } from '../../src/domain/preflight/slack-scopes.js';
import * as ids from '../../views/ids.js';

const root = resolve(import.meta.dirname, '../..');

/** What a file imports: packages by name, relative imports as repo-relative `.ts` paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/\bfrom '([^']+)'/g)].map(([, specifier = '']) =>
    specifier.startsWith('.')
      ? relative(root, resolve(root, dirname(file), specifier)).replace(/\.js$/, '.ts')
      : specifier,
  );
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(join(root, path)).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('contracts', () => {
  it('manifest.yml declares exactly the slash commands the code registers', () => {
    const manifest = parse(readFileSync(join(root, 'manifest.yml'), 'utf8')) as {
      features: { slash_commands: { command: string; url: string }[] };
      settings: { interactivity: { is_enabled: boolean; request_url: string } };
    };
    const declared = manifest.features.slash_commands.map((c) => c.command).sort();
    expect(declared).toEqual([...SLASH_COMMANDS].sort());
    for (const command of manifest.features.slash_commands) expect(command.url).toMatch(/\/slack\/events$/);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
  });

  it("manifest.yml's usage hints name every subcommand the help texts document", () => {
    const manifest = parse(readFileSync(join(root, 'manifest.yml'), 'utf8')) as {
      features: { slash_commands: { command: string; usage_hint: string }[] };
    };
    const usages: Record<string, string> = {
      '/deploy': DEPLOY_USAGE,
      '/flag': FLAG_USAGE,
      '/incident': INCIDENT_USAGE,
      '/rollback': ROLLBACK_USAGE,
    };
    for (const { command, usage_hint } of manifest.features.slash_commands) {
      const subcommands = [...(usages[command] ?? '').matchAll(new RegExp(`\`${command} ([a-z]+)`, 'g'))].map(
        (match) => match[1] ?? '',
      );
      for (const subcommand of subcommands)
        expect(usage_hint, command).toMatch(new RegExp(`\\b${subcommand}\\b`));
    }
  });

  it('manifest.yml asks for exactly the bot scopes greenlight knows a use for, and preflight checks', () => {
    const manifest = parse(readFileSync(join(root, 'manifest.yml'), 'utf8')) as {
      oauth_config: { scopes: { bot: string[] } };
    };
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(Object.keys(SLACK_SCOPES).sort());
  });

  it("the README's environment table lists every variable the bot reads", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Environment'), readme.indexOf('## Configuration'));
    for (const name of Object.keys(envSchema.shape)) expect(table, name).toContain(`\`${name}\``);
  });

  it('manifest.yml enables the Home tab and subscribes to app_home_opened, which the code listens to', () => {
    const manifest = parse(readFileSync(join(root, 'manifest.yml'), 'utf8')) as {
      features: { app_home?: { home_tab_enabled?: boolean } };
      settings: { event_subscriptions?: { request_url?: string; bot_events?: string[] } };
    };
    expect(manifest.features.app_home?.home_tab_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions?.request_url).toMatch(/\/slack\/events$/);
    expect(manifest.settings.event_subscriptions?.bot_events).toEqual(['app_home_opened']);
    const listeners = readFileSync(join(root, 'commands/home/home-listeners.ts'), 'utf8');
    expect(listeners).toContain("app.event('app_home_opened'");
  });

  it('registers every command in SLASH_COMMANDS and nothing else', () => {
    const registered = [
      // `slack.command`: greenlight's own dispatch of slash commands (src/app.ts), past Bolt's listener chain.
      ...readFileSync(join(root, 'commands/index.ts'), 'utf8').matchAll(/slack\.command\('([^']+)'/g),
    ].map((m) => m[1]);
    expect(registered.sort()).toEqual([...SLASH_COMMANDS].sort());
  });

  it('gives every action_id and modal callback_id a view emits a listener', () => {
    const listeners = [
      'commands/deploy/deploy-actions.ts',
      'commands/rollback/rollback-actions.ts',
      'commands/incident/incident-actions.ts',
      'commands/home/home-listeners.ts',
    ]
      .map((file) => readFileSync(join(root, file), 'utf8'))
      .join('\n');
    const constants = Object.entries(ids).filter(([, value]) => typeof value === 'string');
    for (const id of [...ids.ACTION_IDS, ...ids.VIEW_CALLBACK_IDS]) {
      const name = constants.find(([, value]) => value === id)?.[0];
      expect(name, `a constant for ${id}`).toBeDefined();
      // `click`, `button` and `submission` (commands/interactions.ts) register `app.action` / `app.view` with the
      // ack, the parse and the trigger_id claim; `prefixed(ID)` matches the Home tab's ids made unique per
      // environment or flag (`home_unlock:production`).
      expect(listeners).toMatch(
        new RegExp(`(app\\.(action|view)|button|click|submission)\\((prefixed\\()?${name}\\b`),
      );
    }
    expect(new Set(ids.ACTION_IDS).size).toBe(ids.ACTION_IDS.length);
  });

  it('reads process.env only in the config module', () => {
    const readers = ['src', 'commands', 'views']
      .flatMap(sourceFiles)
      .filter((file) => readFileSync(join(root, file), 'utf8').includes('process.env'));
    expect(readers).toEqual(['src/config.ts']);
  });

  it('keeps src/domain free of I/O: it imports only domain/ and zod', () => {
    const offenders = sourceFiles('src/domain').flatMap((file) =>
      importsOf(file)
        .filter((target) => target !== 'zod' && !target.startsWith('src/domain/'))
        .map((target) => `${file} → ${target}`),
    );
    expect(offenders).toEqual([]);
  });

  it('points ports inward: services import no adapters, commands or views', () => {
    const offenders = sourceFiles('src/services').flatMap((file) =>
      importsOf(file)
        .filter((target) => /^(src\/adapters|src\/compose|commands|views)\//.test(target))
        .map((target) => `${file} → ${target}`),
    );
    expect(offenders).toEqual([]);
  });

  it('lets adapters import of services and commands only the ports they implement (the ports.ts files)', () => {
    const offenders = sourceFiles('src/adapters').flatMap((file) =>
      importsOf(file)
        .filter((target) => /^(src\/services|commands)\//.test(target) && !target.endsWith('/ports.ts'))
        .map((target) => `${file} → ${target}`),
    );
    expect(offenders).toEqual([]);
  });

  it('keeps commands off the adapters: listeners reach the network through services and ports', () => {
    const offenders = sourceFiles('commands').flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('src/adapters/'))
        .map((target) => `${file} → ${target}`),
    );
    expect(offenders).toEqual([]);
  });

  it('keeps views pure: builders import no adapters or services and do no I/O', () => {
    const offenders = sourceFiles('views').flatMap((file) =>
      importsOf(file)
        .filter((target) => /^(ioredis|bullmq|undici|pino|node:)|^src\/(adapters|services)\//.test(target))
        .map((target) => `${file} → ${target}`),
    );
    expect(offenders).toEqual([]);
  });

  it('keeps the playground outside the bot: it runs src/main.ts as a process and reads only the config and flags', () => {
    const allowed = new Set([
      'src/config.ts',
      'src/config/file-schema.ts',
      'src/client/flag-client.ts',
      'src/domain/policy/principals.ts',
    ]);
    const offenders = sourceFiles('playground')
      .filter((file) => !file.startsWith('playground/sim/'))
      .flatMap((file) =>
        importsOf(file)
          .filter((target) => /^(src|commands|views)\//.test(target) && !allowed.has(target))
          .map((target) => `${file} → ${target}`),
      );
    expect(offenders).toEqual([]);
  });

  it('keeps the simulators apart: they import nothing of greenlight, and greenlight nothing of them', () => {
    const ofGreenlight = sourceFiles('playground/sim').filter((file) =>
      /from '(\.\.\/)+(src|commands|views)\//.test(readFileSync(join(root, file), 'utf8')),
    );
    expect(ofGreenlight).toEqual([]);
    const ofSimulators = ['src', 'commands', 'views']
      .flatMap(sourceFiles)
      .filter((file) => readFileSync(join(root, file), 'utf8').includes('playground/'));
    expect(ofSimulators).toEqual([]);
  });
});
