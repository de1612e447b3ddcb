import type { WebClient } from '@slack/web-api';
import type { SlackApp } from '../src/app.js';
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
import type { Deliveries, Reply, Tell } from './ports.js';
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
  /** Which deliveries of a request are the first (trigger_id claims): nothing happens twice. */
  deliveries: Deliveries;
  /** A direct message from the bot: the private answer after a modal, which has no response_url. */
  tell: Tell;
  client: Pick<WebClient, 'views' | 'chat'>;
  /** What `/rollback` needs from greenlight.yml: the environment names and the workflow it dispatches. */
  rollback: { environments: readonly string[]; workflow: string | undefined };
}

/** The slash commands greenlight serves; manifest.yml must declare exactly these (a test keeps them equal). */
export const SLASH_COMMANDS = ['/flag', '/deploy', '/rollback', '/incident'] as const;

/**
 * The only place that registers listeners: commands (served by greenlight's own dispatch), and through Bolt button
 * actions, modal submissions and the Home tab.
 */
export function registerCommands(slack: Pick<SlackApp, 'app' | 'command'>, deps: CommandDeps): void {
  const { app } = slack;
  const answers = { reply: deps.reply, deliveries: deps.deliveries, tell: deps.tell, client: deps.client };
  slack.command('/flag', flagCommand(deps));
  slack.command('/deploy', deployCommand(deps));
  slack.command('/rollback', rollbackCommand({ ...deps, ...deps.rollback }));
  slack.command('/incident', incidentCommand(deps));
  registerIncidentActions(app, { ...answers, incidents: deps.incidents, client: deps.client });
  if (deps.deploys) registerDeployActions(app, { ...answers, deploys: deps.deploys, client: deps.client });
  if (deps.rollbacks)
    registerRollbackActions(app, { ...answers, rollbacks: deps.rollbacks, client: deps.client });
  if (deps.home) registerHome(app, { ...answers, home: deps.home });
}
