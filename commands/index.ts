import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { DeployService } from '../src/services/deploy/deploy-service.js';
import type { RollbackService } from '../src/services/deploy/rollback-service.js';
import type { FlagService } from '../src/services/flag-service.js';
import type { HomeService } from '../src/services/home-service.js';
import type { IncidentService } from '../src/services/incident-service.js';
import { registerDeployActions } from './deploy/deploy-actions.js';
import { deployCommand } from './deploy/deploy-command.js';
import { flagCommand } from './flag/flag-command.js';
import { registerHome } from './home/home-listeners.js';
import { registerIncidentActions } from './incident/incident-actions.js';
import { incidentCommand } from './incident/incident-command.js';
import type { Reply } from './ports.js';
import { registerRollbackActions } from './rollback/rollback-actions.js';
import { rollbackCommand } from './rollback/rollback-command.js';

export interface CommandDeps {
  /** The App Home dashboard and its buttons. */
  home?: HomeService;
  flags: FlagService;
  /** Absent when greenlight.yml has no `github` section: /deploy then says how to set it up. */
  deploys: DeployService | undefined;
  /** `/rollback` and its confirmation; absent without a `github` section, as `deploys` is. */
  rollbacks: RollbackService | undefined;
  /** `/incident` and the incident card's buttons. */
  incidents: IncidentService;
  reply: Reply;
  client: Pick<WebClient, 'views' | 'chat'>;
  /** What `/rollback` needs from greenlight.yml: the environment names and the workflow it dispatches. */
  rollback: { environments: readonly string[]; workflow: string | undefined };
}

/** The slash commands greenlight serves; manifest.yml must declare exactly these (a test keeps them equal). */
export const SLASH_COMMANDS = ['/flag', '/deploy', '/rollback', '/incident'] as const;

/** The only place that registers listeners: commands, button actions, modal submissions and the Home tab. */
export function registerCommands(app: App, deps: CommandDeps): void {
  app.command('/flag', flagCommand(deps));
  app.command('/deploy', deployCommand(deps));
  app.command('/rollback', rollbackCommand({ ...deps, ...deps.rollback }));
  app.command('/incident', incidentCommand(deps));
  registerIncidentActions(app, deps);
  if (deps.deploys)
    registerDeployActions(app, { deploys: deps.deploys, reply: deps.reply, client: deps.client });
  if (deps.rollbacks) registerRollbackActions(app, { rollbacks: deps.rollbacks, client: deps.client });
  if (deps.home) registerHome(app, { home: deps.home });
}
