import { preflightAtStart } from './compose/preflight.js';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { FatalStartError, startGreenlight } from './runtime.js';

const SHUTDOWN_DEADLINE_MS = 9_000;

const loaded = loadConfig();
if (!loaded.ok) {
  process.stderr.write(
    `greenlight cannot start; fix these and start again:\n${loaded.problems.map((p) => `  - ${p.replaceAll('\n', '\n    ')}`).join('\n')}\n`,
  );
  process.exit(1);
}
const { config } = loaded;
const logger = createLogger(config.env.LOG_LEVEL);
if (config.usedExample) {
  logger.warn(
    { event: 'config.example_used', path: config.configPath },
    'no greenlight.yml; using the example config',
  );
}

try {
  const greenlight = await startGreenlight(config, { logger });
  void preflightAtStart(config, logger);
  const shutdown = (signal: string) => {
    logger.info(
      { event: 'greenlight.stopping', signal },
      'stopping: no new work, handing back in-flight jobs',
    );
    setTimeout(() => {
      logger.warn({ event: 'greenlight.stop_deadline' }, 'shutdown deadline reached; exiting anyway');
      process.exit(0);
    }, SHUTDOWN_DEADLINE_MS).unref();
    greenlight.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ event: 'greenlight.stop_failed', err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  if (error instanceof FatalStartError) {
    process.stderr.write(`greenlight cannot start: ${error.message}\n`);
  } else {
    logger.fatal({ event: 'greenlight.start_failed', err: error }, 'greenlight failed to start');
  }
  process.exit(1);
}
