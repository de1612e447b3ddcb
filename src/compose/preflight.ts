import { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { githubSetupProbe } from '../adapters/github/setup-probe.js';
import { slackSetupProbe } from '../adapters/slack/setup-probe.js';
import { slackClientOptions } from '../app.js';
import type { Config } from '../config.js';
import { boltLogger } from '../logger.js';
import { type PreflightPorts, runPreflight } from '../services/preflight/preflight.js';
import { composeGitHubClient } from './github-client.js';

/** Slack and GitHub clients for the checks, each answering within seconds: a check must never hang a start. */
export function preflightPorts(config: Config, logger: Logger): PreflightPorts {
  const { env, file } = config;
  const web = new WebClient(env.SLACK_BOT_TOKEN, {
    ...slackClientOptions(env),
    logger: boltLogger(logger.child({ component: 'preflight' })),
  });
  const ports: PreflightPorts = { slack: slackSetupProbe(web) };
  if (file.github) {
    const { octokit, installations } = composeGitHubClient(env, {
      ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}),
      logger: logger.child({ component: 'preflight' }),
      retries: 1,
      maxRateLimitWaitSeconds: 10,
    });
    ports.github = (repository) => githubSetupProbe(octokit, repository, installations);
  }
  return ports;
}

/**
 * The same checks as `npm run check`, run once after start-up: each failure is a warning in the log, and nothing
 * waits for them, so a wrong setup is told before the first deployment without ever keeping the bot from starting.
 */
export async function preflightAtStart(config: Config, logger: Logger): Promise<void> {
  try {
    const checks = await runPreflight(config.file, preflightPorts(config, logger));
    const failed = checks.filter((check) => !check.ok);
    for (const check of failed)
      logger.warn({ event: 'preflight.failed', area: check.area }, `preflight: ${check.text}`);
    if (failed.length === 0)
      logger.info(
        { event: 'preflight.passed', checks: checks.length },
        `preflight: all ${checks.length} checks passed`,
      );
  } catch (error) {
    logger.warn({ event: 'preflight.error', err: error }, 'preflight could not run');
  }
}
