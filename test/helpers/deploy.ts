import nock from 'nock';
import { createLogger } from '../../src/logger.js';
import { type Greenlight, startGreenlight } from '../../src/runtime.js';
import { ABORT_REASON_BLOCK, ABORT_REASON_INPUT, DEPLOY_ABORT_MODAL } from '../../views/ids.js';
import { testConfig } from './config.js';
import { interaction, type SignedRequest } from './slack.js';

/** GitHub Enterprise Server as the deploy e2e tests use it: the REST API under a path. */
export const GHE = 'https://ghe.test';
export const GHE_REPO_API = '/api/v3/repos/acme/platform';

export interface FakeDispatch {
  workflow: string;
  runId: number;
  body: { ref: string; inputs: Record<string, string>; return_run_details?: boolean };
}

export interface FakeGitHub {
  /** Every request greenlight made to GitHub, as `METHOD /path`, matched or not. */
  requests: string[];
  dispatches: FakeDispatch[];
  /** Run ids greenlight asked GitHub to cancel. */
  cancelled: number[];
  /** Deployments created, with the `payload.greenlight_id` each was created for. */
  deployments: { id: number; greenlightId: string | undefined }[];
  /** Deployment statuses, in the order they were set. */
  statuses: { deploymentId: number; state: string }[];
  /** While true, runs dispatched (and not completed by `complete`) answer `in_progress` to every poll. */
  hold: boolean;
  /** Completes a held run with a conclusion (default success); the next poll sees it. */
  complete(runId: number, conclusion?: string): void;
}

/**
 * GitHub as GHES answers the deploy flow: dispatch with run details, runs that finish on their first poll (unless
 * held), Deployments and their statuses, and run cancellation. Anything else answers 404 and is still recorded.
 */
export function fakeGitHub(
  options: { hold?: boolean; finalStatusDelayMs?: number; dispatchDelayMs?: number } = {},
): FakeGitHub {
  const runs = new Map<number, { status: 'in_progress' | 'completed'; conclusion: string | null }>();
  const fake: FakeGitHub = {
    requests: [],
    dispatches: [],
    cancelled: [],
    deployments: [],
    statuses: [],
    hold: options.hold ?? false,
    complete(runId, conclusion = 'success') {
      runs.set(runId, { status: 'completed', conclusion });
    },
  };
  const parse = (body: unknown) =>
    (typeof body === 'string' ? JSON.parse(body) : body) as Record<string, unknown>;
  const scope = nock(GHE)
    .persist()
    .post(new RegExp(`^${GHE_REPO_API}/actions/workflows/([^/]+)/dispatches$`))
    .reply((uri, body, callback) => {
      const runId = 9001 + fake.dispatches.length;
      fake.dispatches.push({
        workflow: decodeURIComponent(uri.split('/').at(-2) ?? ''),
        runId,
        body: parse(body) as unknown as FakeDispatch['body'],
      });
      // The run exists on GitHub from the moment the dispatch is accepted, however late the answer arrives.
      runs.set(runId, { status: 'in_progress', conclusion: null });
      const answer = () =>
        callback(null, [
          200,
          {
            workflow_run_id: runId,
            run_url: `${GHE}${GHE_REPO_API}/actions/runs/${runId}`,
            html_url: `${GHE}/acme/platform/actions/runs/${runId}`,
          },
        ]);
      if (options.dispatchDelayMs) setTimeout(answer, options.dispatchDelayMs);
      else answer();
    })
    .get(new RegExp(`^${GHE_REPO_API}/actions/runs/(\\d+)$`))
    .reply((uri) => {
      const runId = Number(uri.split('/').at(-1));
      const run = runs.get(runId);
      if (!run) return [404, { message: 'Not Found', status: '404' }];
      const done = run.status === 'completed' || !fake.hold;
      return [
        200,
        {
          id: runId,
          name: 'production-deployment',
          display_title: `deploy ${runId}`,
          status: done ? 'completed' : 'in_progress',
          conclusion: done ? (run.conclusion ?? 'success') : null,
          html_url: `${GHE}/acme/platform/actions/runs/${runId}`,
          run_started_at: new Date().toISOString(),
          updated_at: new Date().toISOString(),
        },
        { etag: `W/"run-${runId}-${done ? 'done' : 'running'}"` },
      ];
    })
    .post(new RegExp(`^${GHE_REPO_API}/actions/runs/(\\d+)/cancel$`))
    .reply((uri) => {
      const runId = Number(uri.split('/').at(-2));
      fake.cancelled.push(runId);
      const run = runs.get(runId);
      if (run?.status === 'completed')
        return [409, { message: 'Cannot cancel a workflow run that is completed.', status: '409' }];
      runs.set(runId, { status: 'completed', conclusion: 'cancelled' });
      return [202, {}];
    })
    .post(`${GHE_REPO_API}/deployments`)
    .reply((_uri, body) => {
      const id = 77 + fake.deployments.length;
      const payload = parse(body).payload as { greenlight_id?: string } | undefined;
      fake.deployments.push({ id, greenlightId: payload?.greenlight_id });
      return [201, { id, sha: 'a'.repeat(40), ref: 'main', environment: 'production', task: 'deploy' }];
    })
    .post(new RegExp(`^${GHE_REPO_API}/deployments/(\\d+)/statuses$`))
    .reply((uri, body, callback) => {
      const deploymentId = Number(uri.split('/').at(-2));
      const state = String(parse(body).state);
      fake.statuses.push({ deploymentId, state });
      const answer = () => callback(null, [201, { id: fake.statuses.length, state }]);
      // A slow answer to the final status (success, failure, inactive) keeps the finalizing step in flight.
      if (state !== 'in_progress' && options.finalStatusDelayMs)
        setTimeout(answer, options.finalStatusDelayMs);
      else answer();
    });
  for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
    scope[method](/.*/).reply(404, { message: 'Not Found', status: '404' });
  }
  scope.on('request', (req: { method?: string; path?: string }) => {
    fake.requests.push(`${req.method ?? '?'} ${req.path ?? '?'}`);
  });
  return fake;
}

/** The abort modal submitted as Slack sends it: a signed `view_submission` with the reason in the input's state. */
export function abortSubmission(deploymentId: string, reason: string | null, userId: string): SignedRequest {
  return interaction({
    type: 'view_submission',
    team: { id: 'T0TEST', domain: 'acme' },
    user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: 'T0TEST' },
    api_app_id: 'A0GREEN',
    token: 'deprecated-verification-token',
    trigger_id: `${Date.now()}.5678.fedcba`,
    view: {
      id: 'V0MODAL',
      team_id: 'T0TEST',
      type: 'modal',
      callback_id: DEPLOY_ABORT_MODAL,
      private_metadata: deploymentId,
      hash: '1700000000.abcdef',
      title: { type: 'plain_text', text: 'Abort deployment' },
      blocks: [],
      state: {
        values: {
          [ABORT_REASON_BLOCK]: { [ABORT_REASON_INPUT]: { type: 'plain_text_input', value: reason } },
        },
      },
      app_id: 'A0GREEN',
      bot_id: 'B0BOT',
    },
    response_urls: [],
    is_enterprise_install: false,
  });
}

interface BlockLike {
  type?: string;
  text?: { text?: string } | string;
  elements?: { text?: string }[];
}

/** Everything a user reads in a message: its blocks' texts (sections, contexts), one per line; else `text`. */
export function visibleText(message: { text?: unknown; blocks?: unknown }): string {
  const blocks = Array.isArray(message.blocks) ? (message.blocks as BlockLike[]) : [];
  if (blocks.length === 0) return typeof message.text === 'string' ? message.text : '';
  return blocks
    .flatMap((block) => [
      typeof block.text === 'string' ? block.text : (block.text?.text ?? ''),
      ...(block.elements ?? []).map((element) => element.text ?? ''),
    ])
    .filter(Boolean)
    .join('\n');
}

/**
 * The real bot for /deploy tests: GHES at `GHE`, a two-phase pipeline (validation, then a database migration
 * behind an approval gate), production needing one approval by U0CAROL (override with `production`), fast polls.
 */
export async function startDeployBot(
  redisUrl: string,
  prefix: string,
  production: Record<string, unknown> = {},
  overrides: Record<string, unknown> = {},
): Promise<Greenlight> {
  const config = testConfig(redisUrl, prefix, {
    github: { owner: 'acme', repo: 'platform', workflow: 'production-deployment.yml', ref: 'main' },
    environments: {
      staging: { approvals: 0 },
      production: { approvals: 1, approvers: ['U0CAROL'], deployers: [], ...production },
    },
    pipeline: [
      { id: 'validation', title: 'Pre-deployment validation', inputs: { deployment_phase: 'validation' } },
      {
        id: 'database_migration',
        title: 'Database migration',
        gate: 'approval',
        inputs: { deployment_phase: 'database_migration' },
      },
    ],
    deploy: { pollInterval: '1s', gateTimeout: '1h', lockOnFailure: true },
    ...overrides,
  });
  config.env.GITHUB_API_URL = `${GHE}/api/v3`;
  return startGreenlight(config, {
    logger: createLogger('silent'),
    botIdentity: { botId: 'B0BOT', botUserId: 'U0BOT' },
    github: {
      retryAfterBaseValue: 0,
      spaceWrites: false,
      runs: { sleep: async () => {}, findRunDelaysMs: [0] },
    },
  });
}
