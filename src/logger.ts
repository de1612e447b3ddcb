import type { Logger as BoltLogger } from '@slack/bolt';
import { LogLevel } from '@slack/bolt';
import { type Logger, pino } from 'pino';

/** Paths pino blanks wherever they occur in a logged object. */
const REDACT_PATHS = [
  'token',
  '*.token',
  'botToken',
  '*.botToken',
  'appToken',
  '*.appToken',
  'signingSecret',
  '*.signingSecret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-slack-signature"]',
  '*.headers["x-slack-signature"]',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'GITHUB_TOKEN',
  'GITHUB_APP_PRIVATE_KEY',
  '*.GITHUB_APP_PRIVATE_KEY',
  'privateKey',
  '*.privateKey',
  'GITHUB_WEBHOOK_SECRET',
  '*.SLACK_BOT_TOKEN',
  '*.SLACK_SIGNING_SECRET',
  '*.SLACK_APP_TOKEN',
  '*.GITHUB_TOKEN',
  '*.GITHUB_WEBHOOK_SECRET',
  'PAGERDUTY_ROUTING_KEY',
  '*.PAGERDUTY_ROUTING_KEY',
  'DD_API_KEY',
  '*.DD_API_KEY',
  'DD_APP_KEY',
  '*.DD_APP_KEY',
  'apiKey',
  '*.apiKey',
  'appKey',
  '*.appKey',
  'headers["dd-api-key"]',
  '*.headers["dd-api-key"]',
  'headers["dd-application-key"]',
  '*.headers["dd-application-key"]',
  'routing_key',
  '*.routing_key',
  'routingKey',
  '*.routingKey',
];

/** Slack, GitHub and bearer tokens that may hide inside free text (library messages, error strings). */
const SECRET_IN_TEXT =
  /\b(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})|(Bearer\s+)[A-Za-z0-9._~+/-]+=*/g;

export function scrubSecrets(text: string): string {
  return text.replace(SECRET_IN_TEXT, (_match, token: string | undefined, bearer: string | undefined) =>
    token ? `${token.slice(0, 5)}[REDACTED]` : `${bearer ?? ''}[REDACTED]`,
  );
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'greenlight' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg)) as Parameters<
              typeof method
            >,
          );
        },
      },
      serializers: {
        err: (error: unknown) => {
          const serialized = pino.stdSerializers.err(error as Error);
          return {
            ...serialized,
            message: scrubSecrets(serialized.message ?? ''),
            stack: scrubSecrets(serialized.stack ?? ''),
          };
        },
      },
    },
    destination,
  );
}

const PINO_TO_BOLT: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  fatal: LogLevel.ERROR,
  silent: LogLevel.ERROR,
};

/** Bolt and its clients log through pino, so their lines are structured and scrubbed too. */
export function boltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: 'bolt' });
  const text = (parts: unknown[]) =>
    scrubSecrets(parts.map((part) => (typeof part === 'string' ? part : safeJson(part))).join(' '));
  // Bolt logs at debug on every ack: the line is built and scrubbed only when its level is on.
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...parts: unknown[]) => {
      if (child.isLevelEnabled(level)) child[level](text(parts));
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    setLevel: () => {},
    getLevel: () => PINO_TO_BOLT[logger.level] ?? LogLevel.INFO,
    setName: () => {},
  };
}

function safeJson(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
