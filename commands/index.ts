import type { App } from '@slack/bolt';
import { type FlagCommandDeps, flagCommand } from './flag/flag-command.js';

export type CommandDeps = FlagCommandDeps;

/** The slash commands greenlight serves; manifest.yml must declare exactly these (a test keeps them equal). */
export const SLASH_COMMANDS = ['/flag'] as const;

/** The only place that calls app.command(...). */
export function registerCommands(app: App, deps: CommandDeps): void {
  app.command('/flag', flagCommand(deps));
}
