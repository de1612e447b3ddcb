import { preflightPorts } from './compose/preflight.js';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { formatChecklist } from './services/preflight/checklist.js';
import { type PreflightCheck, runPreflight } from './services/preflight/preflight.js';

/**
 * `npm run check`: the config, then the setup against the real Slack and GitHub, as a ✓/✗ checklist. Exits 1 on
 * any ✗, so it can gate a deploy of greenlight itself.
 */
function finish(title: string, checks: readonly PreflightCheck[]): void {
  // Exits once the checklist is written: the clients' keep-alive sockets would otherwise hold the process open.
  process.stdout.write(formatChecklist(title, checks), () =>
    process.exit(checks.some((check) => !check.ok) ? 1 : 0),
  );
}

const loaded = loadConfig();
if (loaded.ok) {
  const { config } = loaded;
  // Rate limits and client warnings go to stderr; the checklist alone is on stdout.
  const logger = createLogger('error', process.stderr);
  const checks = await runPreflight(config.file, preflightPorts(config, logger));
  finish(`greenlight check: ${config.configPath}${config.usedExample ? ' (the example config)' : ''}`, [
    { area: 'Config', ok: true, text: 'the config and environment variables load' },
    ...checks,
  ]);
} else {
  finish(
    'greenlight check',
    loaded.problems.map((problem) => ({
      area: 'Config',
      ok: false,
      text: problem.replaceAll('\n', '\n      '),
    })),
  );
}
