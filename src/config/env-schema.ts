import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Where to get each credential, so a missing one is fixed without reading the docs. */
export const ENV_HELP: Readonly<Record<string, string>> = {
  SLACK_BOT_TOKEN:
    "the Bot User OAuth Token (xoxb-…) on your Slack app's OAuth & Permissions page (create the app from manifest.yml)",
  SLACK_SIGNING_SECRET: 'the Signing Secret under Basic Information → App Credentials of your Slack app',
  SLACK_APP_TOKEN:
    'an app-level token (xapp-…) with connections:write, under Basic Information → App-Level Tokens; leave unset for HTTP mode',
  SLACK_API_URL: 'a URL such as https://slack.com/api/; leave unset for Slack itself',
  GITHUB_TOKEN:
    'create a token with actions:write, deployments:write, contents:read on the deployed repository',
  GITHUB_APP_ID:
    "the App ID (or Client ID) on your GitHub App's General settings page; set it with GITHUB_APP_PRIVATE_KEY instead of GITHUB_TOKEN",
  GITHUB_APP_PRIVATE_KEY:
    "the private key (.pem) generated under your GitHub App's General settings → Private keys: its text, or the path of the file",
  GITHUB_API_URL: 'the REST base URL, such as https://github.example.com/api/v3 on GitHub Enterprise Server',
  GITHUB_WEBHOOK_SECRET: 'the secret of the repository webhook that sends workflow_run events',
  PAGERDUTY_ROUTING_KEY:
    'the Integration Key of an Events API v2 integration on your PagerDuty service; leave unset not to page',
  PAGERDUTY_EVENTS_URL: 'the Events API v2 endpoint; leave unset for https://events.pagerduty.com/v2/enqueue',
  DD_API_KEY: 'a Datadog API key (Organization Settings → API Keys); needed for analysis.source: datadog',
  DD_APP_KEY:
    'a Datadog application key with the timeseries_query scope (Organization Settings → Application Keys); needed for analysis.source: datadog',
  REDIS_URL:
    'a URL such as redis://127.0.0.1:6379/0, rediss://… for TLS, or redis+sentinel://host:26379,host2:26379/mymaster/0',
  REDIS_SENTINELS:
    'the sentinels as host:port[,host:port…], e.g. sentinel-1:26379,sentinel-2:26379,sentinel-3:26379',
  REDIS_SENTINEL_NAME:
    'the master group name the sentinels monitor (`sentinel monitor <name> …` in sentinel.conf)',
  REDIS_SENTINEL_PASSWORD:
    "the sentinels' own password (`requirepass` in sentinel.conf); leave unset if they have none",
  REDIS_CA_FILE: "the PEM file of the CA that signed Redis's TLS certificate (with a rediss:// REDIS_URL)",
  REDIS_WAIT_REPLICAS:
    'a whole number of replicas (0 = do not wait) that must have a flag change and a dispatch mark before greenlight goes on',
  PORT: 'a TCP port number such as 3000',
  LOG_LEVEL: `one of ${LOG_LEVELS.join(', ')}`,
};

const nonEmpty = z.string().trim().min(1);
const httpUrl = z
  .url({ protocol: /^https?$/ })
  .transform((value) => (value.endsWith('/') ? value : `${value}/`));
const redisServerUrl = z.url({ protocol: /^rediss?$/ });
/** One server (`redis://`, `rediss://`), or sentinels (`redis+sentinel://…`, read by `redis-target.ts`). */
const redisUrl = z
  .string()
  .trim()
  .refine((value) => /^rediss?\+sentinel:\/\//i.test(value) || redisServerUrl.safeParse(value).success, {
    message: 'expected redis://, rediss://, redis+sentinel:// or rediss+sentinel://',
  });

export const envSchema = z.object({
  SLACK_BOT_TOKEN: nonEmpty,
  SLACK_SIGNING_SECRET: nonEmpty,
  SLACK_APP_TOKEN: z
    .string()
    .trim()
    .regex(/^xapp-/, 'expected an app-level token starting with xapp-')
    .optional(),
  SLACK_API_URL: httpUrl.optional(),
  /** Secret. One of GITHUB_TOKEN and the GitHub App (GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY): config.ts checks. */
  GITHUB_TOKEN: nonEmpty.optional(),
  GITHUB_APP_ID: z
    .string()
    .trim()
    .regex(/^(\d+|Iv[0-9A-Za-z.]+)$/, 'expected the numeric App ID or the Client ID (Iv…)')
    .optional(),
  /** Secret: PEM text or a file's path; config.ts replaces a path by the file's PEM. Never logged (see logger.ts). */
  GITHUB_APP_PRIVATE_KEY: nonEmpty.optional(),
  GITHUB_API_URL: z
    .url({ protocol: /^https?$/ })
    .transform((value) => value.replace(/\/+$/, ''))
    .optional(),
  GITHUB_WEBHOOK_SECRET: nonEmpty.optional(),
  /** Secret: pages PagerDuty for the severities `incidents.page` lists. Never logged (see logger.ts). */
  PAGERDUTY_ROUTING_KEY: nonEmpty.optional(),
  PAGERDUTY_EVENTS_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Secrets: Datadog's API and application keys, for `analysis.source: datadog`. Never logged (see logger.ts). */
  DD_API_KEY: nonEmpty.optional(),
  DD_APP_KEY: nonEmpty.optional(),
  REDIS_URL: redisUrl.default('redis://127.0.0.1:6379/0'),
  REDIS_SENTINELS: nonEmpty.optional(),
  REDIS_SENTINEL_NAME: nonEmpty.optional(),
  /** Secret: never logged (see logger.ts). */
  REDIS_SENTINEL_PASSWORD: nonEmpty.optional(),
  REDIS_CA_FILE: nonEmpty.optional(),
  REDIS_WAIT_REPLICAS: z.coerce.number().int().min(0).max(16).default(0),
  GREENLIGHT_CONFIG: nonEmpty.optional(),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});

export type Env = z.infer<typeof envSchema>;
