import { z } from 'zod';
import type { ChecksRequirement } from '../domain/deploy/commit-checks.js';
import { workflowInputs } from '../domain/deploy/workflow-inputs.js';
import { parseDuration } from '../domain/duration.js';
import { DEFAULT_FLAG_CHANNEL, DEFAULT_FLAG_PREFIX } from '../domain/flags/flag-change-event.js';
import { FLAG_NAME_PATTERN } from '../domain/flags/flag-name.js';
import { parsePrincipal, principalProblem } from '../domain/policy/principals.js';
import { incidentsSchema } from './incidents-schema.js';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** A Slack channel as chat.postMessage accepts it: `#name` or a channel ID. */
const channel = z
  .string()
  .regex(
    /^(#[a-z0-9][a-z0-9._-]{0,79}|[CGD][A-Z0-9]{2,})$/,
    'expected a channel like "#deployment-status" or an ID like C0123ABCD',
  );

/** Who may act: a Slack user ID (U…/W…), a user group handle (@release-managers) or a user group ID (S…). */
export const principal = z.string().superRefine((text, ctx) => {
  const problem = principalProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a 24-hour time like "02:00"');

const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'expected an IANA time zone such as UTC or Europe/Berlin');

/** `deploy.workerConcurrency` when greenlight.yml does not set it. */
export const DEFAULT_WORKER_CONCURRENCY = 100;

/** A duration such as `30s`, `5m`, `1h30m`, stored in milliseconds. */
export const duration = z.union([z.string(), z.number()]).transform((text, ctx) => {
  if (typeof text === 'number') {
    ctx.addIssue({
      code: 'custom',
      message: `a duration needs a unit, like "${text}s" or "${text}m" (got ${text})`,
    });
    return z.NEVER;
  }
  const parsed = parseDuration(text);
  if (!parsed.ok) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration such as 30s, 5m or 1h30m (${parsed.reason})`,
    });
    return z.NEVER;
  }
  return parsed.ms;
});

const flagName = z
  .string()
  .regex(FLAG_NAME_PATTERN, 'expected a flag name of letters, digits, "_", "-" or "." (at most 64)');

/**
 * Which checks on a commit must be green before it is deployed: `all` GitHub reports, `none`, or the names of
 * commit-status contexts and check runs.
 */
const requireChecks = z.unknown().transform((value, ctx): ChecksRequirement => {
  if (value === 'all' || value === 'none') return value;
  if (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((name) => typeof name === 'string' && name !== '')
  )
    return value as string[];
  ctx.addIssue({
    code: 'custom',
    message: Array.isArray(value)
      ? 'list at least one check name (statuses by context, check runs by name), or use "none"'
      : `expected all, none or a list of check names, got ${JSON.stringify(value)}`,
  });
  return z.NEVER;
});

const environment = z
  .strictObject({
    approvals: z.number().int().min(0).max(10).default(0),
    approvers: z.array(principal).default([]),
    deployers: z.array(principal).default([]),
    window: z
      .strictObject({
        days: z.array(z.enum(WEEKDAYS)).min(1),
        from: clock,
        to: clock,
        tz: timeZone.default('UTC'),
      })
      .optional(),
    /** This environment's own `deploy.requireChecks`. */
    requireChecks: requireChecks.optional(),
  })
  .superRefine((env, ctx) => {
    const problem = unreachableApprovals(env.approvals, env.approvers);
    if (problem) ctx.addIssue({ code: 'custom', path: ['approvals'], message: problem });
  });

/**
 * `approvals: N` must be reachable by the approvers listed. Distinct user IDs count one each; a user group counts
 * as any number, since its members are only known at run time (preflight checks them against Slack).
 */
function unreachableApprovals(approvals: number, approvers: readonly string[]): string | undefined {
  if (approvals === 0) return undefined;
  if (approvers.length === 0)
    return `${approvals} approval${approvals === 1 ? '' : 's'} needed but no approvers listed: add member IDs or @groups to \`approvers\`, or set approvals: 0`;
  if (approvers.some((text) => parsePrincipal(text).kind === 'group')) return undefined;
  const people = new Set(approvers).size;
  if (approvals <= people) return undefined;
  return `${approvals} approvals can never be given: only ${people} approver${people === 1 ? ' is' : 's are'} listed (${[...new Set(approvers)].join(', ')}); lower approvals to ${people} or add approvers (a @group counts as any number)`;
}

const inputsSchema = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/),
  z.union([z.string(), z.number(), z.boolean()]),
);

const healthCheck = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  expect: z.union([z.number().int(), z.array(z.number().int()).min(1)]).default(200),
  maxLatencyMs: z.number().int().positive().optional(),
  timeoutMs: z.number().int().positive().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

/** PromQL for a Prometheus-compatible `/api/v1/query`; `$env` is replaced by the environment's name. */
const DEFAULT_QUERIES = {
  errorRate:
    'sum(rate(http_requests_total{env="$env",track="canary",code=~"5.."}[1m])) / sum(rate(http_requests_total{env="$env",track="canary"}[1m]))',
  p95: 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{env="$env",track="canary"}[1m])))',
} as const;

/** Datadog APM's trace metrics for the canary version; `$env` is replaced by the environment's name. */
const DEFAULT_DATADOG_QUERIES = {
  errorRate:
    'sum:trace.http.request.errors{env:$env,version:canary}.as_count() / sum:trace.http.request.hits{env:$env,version:canary}.as_count()',
  p95: 'p95:trace.http.request{env:$env,version:canary}',
} as const;

const analysis = z
  .strictObject({
    source: z.enum(['prometheus', 'datadog', 'redis-counters', 'health']).default('health'),
    /** How often readings are taken while a canary step holds or a monitoring window runs. */
    interval: duration.default(10_000),
    /** After this many readings in a row without data the rollout pauses and asks a human. */
    noDataToPause: z.number().int().positive().default(3),
    prometheusUrl: z.url({ protocol: /^https?$/ }).optional(),
    prometheus: z
      .strictObject({
        errorRate: z.string().min(1).default(DEFAULT_QUERIES.errorRate),
        p95: z.string().min(1).default(DEFAULT_QUERIES.p95),
        /** The stable version's p95, compared live; without it the p95 read before the first step is the baseline. */
        baselineP95: z.string().min(1).optional(),
        /** The unit `p95` and `baselineP95` answer in (Prometheus histograms are in seconds). */
        latencyUnit: z.enum(['seconds', 'milliseconds']).default('seconds'),
        timeoutMs: z.number().int().positive().default(2_000),
      })
      .default({ ...DEFAULT_QUERIES, latencyUnit: 'seconds', timeoutMs: 2_000 }),
    datadog: z
      .strictObject({
        /** The Datadog site the account lives on: datadoghq.com, datadoghq.eu, us3.datadoghq.com, us5…, ap1… */
        site: z
          .string()
          .regex(/^[a-z0-9.-]+\.(datadoghq\.(com|eu)|ddog-gov\.com)$|^(datadoghq\.(com|eu)|ddog-gov\.com)$/, {
            message: 'expected a Datadog site such as datadoghq.com, datadoghq.eu or us3.datadoghq.com',
          })
          .default('datadoghq.com'),
        /** The API's base URL when it is not the site's (a proxy); overrides `site`. */
        apiUrl: z.url({ protocol: /^https?$/ }).optional(),
        errorRate: z.string().min(1).default(DEFAULT_DATADOG_QUERIES.errorRate),
        p95: z.string().min(1).default(DEFAULT_DATADOG_QUERIES.p95),
        baselineP95: z.string().min(1).optional(),
        latencyUnit: z.enum(['seconds', 'milliseconds']).default('seconds'),
        /** Each reading asks for the points of this last stretch of time and takes the newest. */
        window: duration.default(120_000),
        timeoutMs: z.number().int().positive().default(2_000),
      })
      .default({
        ...DEFAULT_DATADOG_QUERIES,
        site: 'datadoghq.com',
        latencyUnit: 'seconds',
        window: 120_000,
        timeoutMs: 2_000,
      }),
    redisCounters: z
      .strictObject({
        /** The `perf:<endpoint>` sorted sets to take p95 from, e.g. `GET:/api/scans`. */
        endpoints: z.array(z.string().min(1)).default([]),
        /** Fewer request durations than this in a reading give no p95. */
        minSamples: z.number().int().positive().default(20),
        /** Put before `errors:`, `requests:` and `perf:` when the apps namespace their keys. */
        keyPrefix: z.string().default(''),
      })
      .default({ endpoints: [], minSamples: 20, keyPrefix: '' }),
    errorRate: z
      .strictObject({ warn: z.number().min(0).max(1), rollback: z.number().min(0).max(1) })
      .default({ warn: 0.01, rollback: 0.05 }),
    p95: z
      .strictObject({ rollbackAtRatioToBaseline: z.number().positive() })
      .default({ rollbackAtRatioToBaseline: 2 }),
    healthFailuresToRollback: z.number().int().positive().default(3),
  })
  .superRefine((value, ctx) => {
    if (value.source === 'prometheus' && value.prometheusUrl === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['prometheusUrl'],
        message: 'source "prometheus" needs a prometheusUrl',
      });
    }
    if (value.errorRate.warn > value.errorRate.rollback) {
      ctx.addIssue({
        code: 'custom',
        path: ['errorRate', 'warn'],
        message: 'the warn threshold must not be above the rollback threshold',
      });
    }
  });

/** A repository as GitHub writes it, `owner/name`. */
const repository = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+$/,
    'expected a repository as owner/name, like "acme/api"',
  );

const service = z.strictObject({
  health: z.array(healthCheck).default([]),
  /** The repository the service is deployed from, when not `github.repo`: its phases are dispatched there. */
  repo: repository.optional(),
  /** The workflow its phases dispatch, when not the phase's (or `github.workflow`). */
  workflow: z.string().min(1).optional(),
  /** Where `/rollback <service>` dispatches, when not the service's repository and `rollback.workflow`. */
  rollback: z
    .strictObject({ repo: repository.optional(), workflow: z.string().min(1).optional() })
    .optional(),
});

const phase = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a phase id in snake_case'),
  title: z.string().min(1).max(75),
  workflow: z.string().min(1).optional(),
  inputs: inputsSchema.default({}),
  services: z.array(z.string()).optional(),
  gate: z.literal('approval').optional(),
  /** Watch the analysis for this long once the phase's run (if any) succeeded; a phase with only this dispatches nothing. */
  monitor: duration.optional(),
  /** Run the health probes of the deployment's services bot-side too: the phase passes only if they pass. */
  health: z.boolean().optional(),
  canary: z
    .strictObject({
      steps: z.array(z.number().int().min(1).max(100)).min(1),
      hold: duration.default(5 * 60_000),
      gate: z.literal('approval').optional(),
    })
    .optional(),
});

export const fileSchema = z
  .strictObject({
    slack: z.strictObject({
      statusChannel: channel,
      incidentChannel: channel.optional(),
    }),
    github: z
      .strictObject({
        owner: z.string().min(1),
        repo: z.string().min(1),
        workflow: z.string().min(1),
        ref: z.string().min(1).default('main'),
      })
      .optional(),
    redis: z
      .strictObject({
        keyPrefix: z
          .string()
          .regex(/^[A-Za-z0-9_.:-]+:$/, 'expected a prefix ending in ":" such as "greenlight:"')
          .default('greenlight:'),
      })
      .default({ keyPrefix: 'greenlight:' }),
    environments: z.record(
      z.string().regex(/^[a-z][a-z0-9_-]*$/, 'expected a lower-case environment name'),
      environment,
    ),
    services: z.record(z.string(), service).default({}),
    pipeline: z.array(phase).default([]),
    deploy: z
      .strictObject({
        /** An unanswered approval gate cancels the deployment after this long. */
        gateTimeout: duration.default(60 * 60_000),
        /**
         * How often unfinished deployments are re-driven (lost steps recovered). Without webhooks, each repository's
         * run list is read twice per interval (one conditional request per repository, a free 304 while nothing
         * changed), so a run's end is seen within half of it.
         */
        pollInterval: duration.default(5_000),
        /**
         * With webhooks (GITHUB_WEBHOOK_SECRET set), workflow_run events move deployments on and the run lists are
         * read only this often, as a safety net for a lost delivery.
         */
        webhookPollInterval: duration.default(60_000),
        /** A failed deployment leaves its environment locked until someone runs `/deploy unlock`. */
        lockOnFailure: z.boolean().default(true),
        /** Checks that must be green on the commit before `/deploy` queues it (an approver may `--override`). */
        requireChecks: requireChecks.default('all'),
        /**
         * How many deployment jobs (a phase's dispatch, a run's end, a reading…) one replica runs at once. They
         * mostly wait on GitHub and Redis, so many at once cost little CPU; too few and a burst of phase handoffs
         * queues behind itself.
         */
        workerConcurrency: z.number().int().min(1).max(1_000).default(DEFAULT_WORKER_CONCURRENCY),
      })
      .default({
        gateTimeout: 60 * 60_000,
        pollInterval: 5_000,
        webhookPollInterval: 60_000,
        lockOnFailure: true,
        requireChecks: 'all',
        workerConcurrency: DEFAULT_WORKER_CONCURRENCY,
      }),
    rollback: z
      .strictObject({
        workflow: z.string().min(1).optional(),
        inputs: inputsSchema.default({}),
        /** `/rollback` leaves the environment locked until someone runs `/deploy unlock` (automatic rollbacks always do). */
        lockEnvironment: z.boolean().default(true),
      })
      .optional(),
    analysis: analysis.optional(),
    incidents: incidentsSchema,
    flags: z
      .strictObject({
        prefix: z.string().min(1).default(DEFAULT_FLAG_PREFIX),
        channel: z.string().min(1).default(DEFAULT_FLAG_CHANNEL),
        known: z.array(flagName).default([]),
        protected: z.array(flagName).default([]),
        approverEnvironment: z.string().default('production'),
        maxFor: duration.default(7 * 24 * 3_600_000),
      })
      .default({
        prefix: DEFAULT_FLAG_PREFIX,
        channel: DEFAULT_FLAG_CHANNEL,
        known: [],
        protected: [],
        approverEnvironment: 'production',
        maxFor: 7 * 24 * 3_600_000,
      }),
  })
  .superRefine((file, ctx) => {
    if (file.rollback) {
      checkInputs(ctx, ['rollback', 'inputs'], 'rollback', file.rollback.inputs, [
        'rollback_version',
        'service',
      ]);
    }
    if (file.flags.protected.length > 0 && !file.environments[file.flags.approverEnvironment]) {
      ctx.addIssue({
        code: 'custom',
        path: ['flags', 'approverEnvironment'],
        message: `protected flags need approvers, but there is no environment "${file.flags.approverEnvironment}" to take them from`,
      });
    }
    for (const [index, step] of file.pipeline.entries()) {
      checkInputs(
        ctx,
        ['pipeline', index, 'inputs'],
        step.id,
        step.inputs,
        step.canary ? ['traffic_percentage'] : [],
      );
      for (const service of step.services ?? []) {
        if (!file.services[service]) {
          ctx.addIssue({
            code: 'custom',
            path: ['pipeline', index, 'services'],
            message: `unknown service "${service}" (known: ${Object.keys(file.services).join(', ') || 'none'})`,
          });
        }
      }
    }
  });

/** Refuses at load, not mid-deploy, a phase whose dispatch GitHub would reject (SPEC: at most 10 inputs). */
function checkInputs(
  ctx: z.RefinementCtx,
  path: (string | number)[],
  phase: string,
  inputs: Record<string, string | number | boolean>,
  added: readonly string[],
): void {
  const placeholders = Object.fromEntries(added.map((name) => [name, '']));
  const result = workflowInputs(
    { ...inputs, ...placeholders },
    { environment: '', ref: '', greenlightId: '' },
  );
  if (!result.ok) ctx.addIssue({ code: 'custom', path, message: `phase "${phase}": ${result.message}` });
}

export type FileConfig = z.infer<typeof fileSchema>;
export type EnvironmentConfig = z.infer<typeof environment>;
export type FlagsConfig = FileConfig['flags'];
export type AnalysisConfig = z.infer<typeof analysis>;
