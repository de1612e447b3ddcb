import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { type GitHubSim, type GitHubSimOptions, startGitHubSim } from '../../playground/sim/github.js';
import { type SlackSim, type SlackSimOptions, startSlackSim } from '../../playground/sim/slack.js';
import { TEST_BOT_TOKEN, TEST_GITHUB_TOKEN, TEST_SIGNING_SECRET } from './credentials.js';

// No vitest here: the artefact smoke test (scripts/smoke.ts) starts the same simulators outside the test runner.

/** The GitHub simulator as tests use it: greenlight's repository, the test token the only one accepted. */
export function startTestGitHub(options: GitHubSimOptions = {}): Promise<GitHubSim> {
  return startGitHubSim({ tokens: { [TEST_GITHUB_TOKEN]: { login: 'greenlight-bot' } }, ...options });
}

/** The bot scopes manifest.yml asks for: what the token of an app installed from it has. */
export function manifestScopes(): string[] {
  const manifest = parse(readFileSync(resolve(import.meta.dirname, '../../manifest.yml'), 'utf8')) as {
    oauth_config: { scopes: { bot: string[] } };
  };
  return manifest.oauth_config.scopes.bot;
}

/**
 * The Slack simulator as tests use it: the test bot token and signing secret, the manifest's scopes, Slack's rate
 * limits off.
 */
export function startTestSlack(options: SlackSimOptions = {}): Promise<SlackSim> {
  return startSlackSim({
    botToken: TEST_BOT_TOKEN,
    signingSecret: TEST_SIGNING_SECRET,
    scopes: manifestScopes(),
    ...options,
  });
}
