import { WebClient } from '@slack/web-api';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { githubSetupProbe } from '../../../../src/adapters/github/setup-probe.js';
import { slackSetupProbe } from '../../../../src/adapters/slack/setup-probe.js';
import { fileSchema } from '../../../../src/config/file-schema.js';
import { formatChecklist } from '../../../../src/services/preflight/checklist.js';
import { runPreflight } from '../../../../src/services/preflight/preflight.js';
import { CANARY_PIPELINE } from '../../../helpers/config.js';
import { TEST_BOT_TOKEN } from '../../../helpers/credentials.js';
import { GHE_API, githubApi, OWNER, REPO, testGitHubClient } from '../../../helpers/github.js';

const SLACK_API = 'https://slack.example.com';

const config = fileSchema.parse({
  slack: { statusChannel: '#deployment-status', incidentChannel: 'C0INCIDENT' },
  github: { owner: OWNER, repo: REPO, workflow: 'deploy.yml', ref: 'main' },
  environments: {
    staging: { deployers: ['@eng'] },
    production: { approvals: 2, approvers: ['@release-managers', 'U0CAROL'] },
  },
  services: { api: {} },
  pipeline: CANARY_PIPELINE,
  rollback: { workflow: 'rollback.yml', inputs: { deployment_phase: 'rollback' } },
});

const DEPLOY_YML = `name: deploy
run-name: "deploy \${{ inputs.deployment_phase }} \${{ inputs.greenlight_id }}"
on:
  workflow_dispatch:
    inputs:
      deployment_phase: { required: true, type: string }
      environment: { required: true, type: choice, options: [staging, production] }
      ref: { required: true, type: string }
      greenlight_id: { required: true, type: string }
      traffic_percentage: { required: false, type: string }
jobs: {}
`;

const ROLLBACK_YML = `on:
  workflow_dispatch:
    inputs:
      deployment_phase: { required: true }
      environment: { required: true }
      ref: { required: true }
      greenlight_id: { required: true }
      service: { required: false }
      rollback_version: { required: false }
`;

const ALL_SCOPES = 'commands,chat:write,chat:write.public,channels:read,usergroups:read,channels:manage';

interface Channel {
  id: string;
  name: string;
  is_private: boolean;
  is_archived: boolean;
  is_member: boolean;
}

/** What Slack and GitHub answer; each case changes one thing of a setup that is right. */
interface World {
  authTest: { status: number; body: unknown; scopes?: string };
  /** conversations.list, page by page. */
  publicChannels: Channel[][];
  /** conversations.info by ID. */
  channelsById: Record<string, Channel | { error: string }>;
  groups: { id: string; handle: string; users: string[] }[];
  repository: { status: number; body: unknown; scopes?: string };
  commits: Record<string, number>;
  /** What statuses and check runs of a commit answer: their counts, or a refusal. */
  checks: { status: number; statuses: number; checkRuns: number };
  workflows: Record<string, { status: number; state?: string }>;
  files: Record<string, string | undefined>;
}

const channel = (id: string, name: string, more: Partial<Channel> = {}): Channel => ({
  id,
  name,
  is_private: false,
  is_archived: false,
  is_member: false,
  ...more,
});

function rightSetup(): World {
  return {
    authTest: {
      status: 200,
      body: {
        ok: true,
        url: 'https://acme.slack.com/',
        team: 'Acme',
        user: 'greenlight',
        user_id: 'U0BOT',
        bot_id: 'B0BOT',
      },
      scopes: ALL_SCOPES,
    },
    publicChannels: [[channel('C0GENERAL', 'general')], [channel('C0STATUS', 'deployment-status')]],
    channelsById: { C0INCIDENT: channel('C0INCIDENT', 'incidents', { is_private: true, is_member: true }) },
    groups: [
      { id: 'S0RM', handle: 'release-managers', users: ['U0ALICE', 'U0BOB'] },
      { id: 'S0ENG', handle: 'eng', users: ['U0DAVE'] },
    ],
    repository: {
      status: 200,
      body: {
        id: 1296269,
        name: REPO,
        full_name: `${OWNER}/${REPO}`,
        private: true,
        default_branch: 'main',
        permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
      },
    },
    commits: { main: 200 },
    checks: { status: 200, statuses: 2, checkRuns: 1 },
    workflows: {
      'deploy.yml': { status: 200, state: 'active' },
      'rollback.yml': { status: 200, state: 'active' },
    },
    files: { 'deploy.yml': DEPLOY_YML, 'rollback.yml': ROLLBACK_YML },
  };
}

const notFound = { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' };

function mock(world: World): void {
  const slack = nock(SLACK_API).persist();
  slack
    .post('/api/auth.test')
    .reply(() => [
      world.authTest.status,
      world.authTest.body,
      world.authTest.scopes === undefined ? {} : { 'x-oauth-scopes': world.authTest.scopes },
    ]);
  slack.post('/api/conversations.list').reply((_uri, body) => {
    const cursor = new URLSearchParams(String(body)).get('cursor');
    const page = cursor ? Number(cursor) : 0;
    const next = page + 1 < world.publicChannels.length ? String(page + 1) : '';
    return [
      200,
      { ok: true, channels: world.publicChannels[page] ?? [], response_metadata: { next_cursor: next } },
    ];
  });
  slack.post('/api/conversations.info').reply((_uri, body) => {
    const found = world.channelsById[new URLSearchParams(String(body)).get('channel') ?? ''];
    if (found === undefined) return [200, { ok: false, error: 'channel_not_found' }];
    return [200, 'error' in found ? { ok: false, ...found } : { ok: true, channel: found }];
  });
  slack.post('/api/usergroups.list').reply(200, { ok: true, usergroups: world.groups });

  const github = githubApi(GHE_API).persist();
  const repoPath = `/repos/${OWNER}/${REPO}`;
  github
    .get(repoPath)
    .reply(() => [
      world.repository.status,
      world.repository.body,
      world.repository.scopes === undefined ? {} : { 'x-oauth-scopes': world.repository.scopes },
    ]);
  const sha = 'acb5820ced9479c074f688cc328bf03f341a511d';
  const checksAnswer = (key: 'statuses' | 'check_runs', count: number) => () =>
    world.checks.status === 200
      ? [200, { total_count: count, [key]: [] }]
      : [world.checks.status, { message: 'Resource not accessible by personal access token', status: '403' }];
  github
    .get(`${repoPath}/commits/${sha}/status`)
    .query(true)
    .reply(checksAnswer('statuses', world.checks.statuses));
  github
    .get(`${repoPath}/commits/${sha}/check-runs`)
    .query(true)
    .reply(checksAnswer('check_runs', world.checks.checkRuns));
  github
    .get(new RegExp(`${repoPath}/commits/[^/?]+$`))
    .query(true)
    .reply((uri) => {
      const ref = decodeURIComponent(uri.split('/commits/')[1]?.split('?')[0] ?? '');
      const status = world.commits[ref] ?? 422;
      if (status !== 200)
        return [status, { message: `No commit found for SHA: ${ref}`, status: String(status) }];
      const date = '2026-11-20T09:00:00Z';
      return [
        200,
        {
          sha: 'acb5820ced9479c074f688cc328bf03f341a511d',
          commit: { author: { date }, committer: { date } },
        },
      ];
    });
  github.get(new RegExp(`${repoPath}/actions/workflows/[^/]+$`)).reply((uri) => {
    const file = decodeURIComponent(uri.split('/').at(-1) ?? '');
    const workflow = world.workflows[file];
    if (workflow?.status !== 200) return [workflow?.status ?? 404, notFound];
    return [
      200,
      { id: 161335, name: file, path: `.github/workflows/${file}`, state: workflow.state ?? 'active' },
    ];
  });
  github
    .get(new RegExp(`${repoPath}/contents/`))
    .query({ ref: 'main' })
    .reply((uri) => {
      const path = decodeURIComponent(uri.split('/contents/')[1]?.split('?')[0] ?? '');
      const text = world.files[path.replace('.github/workflows/', '')];
      if (text === undefined) return [404, notFound];
      const content = Buffer.from(text)
        .toString('base64')
        .replace(/(.{60})/g, '$1\n');
      return [
        200,
        { type: 'file', encoding: 'base64', size: text.length, name: path.split('/').at(-1), path, content },
      ];
    });
}

async function check(world: World) {
  mock(world);
  const slack = new WebClient(TEST_BOT_TOKEN, {
    slackApiUrl: `${SLACK_API}/api/`,
    retryConfig: { retries: 0 },
  });
  return runPreflight(config, {
    slack: slackSetupProbe(slack),
    github: (repository) => githubSetupProbe(testGitHubClient({ retries: 0 }), repository),
  });
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('preflight against Slack and GitHub', () => {
  it('passes a setup that is right, one ✓ per check', async () => {
    const checks = await check(rightSetup());
    expect(formatChecklist('greenlight check', checks)).toBe(`greenlight check

Slack
  ✓ SLACK_BOT_TOKEN is accepted (bot @greenlight in Acme)
  ✓ the token has the scopes this config uses: commands, chat:write, chat:write.public, channels:read, usergroups:read
  ✓ slack.statusChannel #deployment-status (C0STATUS) exists
  ✓ slack.incidentChannel #incidents (C0INCIDENT) exists
  ✓ user groups @eng (1 member), @release-managers (2 members) exist

GitHub
  ✓ authenticates to acme/platform with GITHUB_TOKEN
  ✓ repository acme/platform exists
  ✓ GITHUB_TOKEN may dispatch workflows (write access to acme/platform)
  ✓ github.ref main is acb5820
  ✓ GITHUB_TOKEN may read the checks of a commit (main: 2 statuses, 1 check run)
  ✓ workflow \`deploy.yml\` accepts every input greenlight sends it (phase \`validation\`, canary phase \`traffic_switch\`)
  ✓ workflow \`rollback.yml\` accepts every input greenlight sends it (an automatic rollback, /rollback)

All 12 checks passed.
`);
  });

  it.each<{ case: string; change: (world: World) => void; problem: string }>([
    {
      case: 'Slack refuses the token',
      change: (w) => {
        w.authTest = { status: 200, body: { ok: false, error: 'invalid_auth' } };
      },
      problem:
        "Slack refuses SLACK_BOT_TOKEN (invalid_auth): copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page",
    },
    {
      case: 'Slack cannot be reached',
      change: (w) => {
        w.authTest = { status: 503, body: 'upstream unavailable' };
      },
      problem: 'Slack could not be reached (',
    },
    {
      case: 'a scope the config uses is missing',
      change: (w) => {
        w.authTest.scopes = 'commands,chat:write,chat:write.public,usergroups:read';
      },
      problem:
        'the token lacks channels:read (checking that the status and incident channels exist (npm run check, and at start)): add it under OAuth & Permissions (manifest.yml lists every scope) and reinstall the app',
    },
    {
      case: 'Slack does not say which scopes the token has',
      change: (w) => {
        w.authTest.scopes = undefined;
      },
      problem: "Slack's answer to auth.test carried no x-oauth-scopes header",
    },
    {
      case: 'the status channel does not exist',
      change: (w) => {
        w.publicChannels = [[channel('C0GENERAL', 'general')]];
      },
      problem:
        'slack.statusChannel: Slack has no public channel #deployment-status; create it or fix the name (for a private channel, give its ID and invite @greenlight)',
    },
    {
      case: 'the status channel is archived',
      change: (w) => {
        w.publicChannels = [[channel('C0STATUS', 'deployment-status', { is_archived: true })]];
      },
      problem:
        'slack.statusChannel #deployment-status (C0STATUS) is archived: unarchive it or name another channel',
    },
    {
      case: 'the incident channel is private and the bot is not in it',
      change: (w) => {
        w.channelsById.C0INCIDENT = channel('C0INCIDENT', 'incidents', { is_private: true });
      },
      problem:
        'slack.incidentChannel #incidents (C0INCIDENT) is private and greenlight is not in it: /invite @greenlight there',
    },
    {
      case: 'the incident channel ID is unknown',
      change: (w) => {
        w.channelsById = {};
      },
      problem:
        'slack.incidentChannel: Slack has no channel C0INCIDENT that greenlight can see; check the ID (a private channel must have @greenlight invited)',
    },
    {
      case: 'an approver group that does not exist',
      change: (w) => {
        w.groups = [
          { id: 'S0RM', handle: 'release-manager', users: ['U0ALICE', 'U0BOB'] },
          { id: 'S0ENG', handle: 'eng', users: ['U0DAVE'] },
        ];
      },
      problem:
        'environments.production.approvers: @release-managers is not an enabled user group in this workspace; did you mean @release-manager?',
    },
    {
      case: 'fewer approvers than approvals, once the groups are counted',
      change: (w) => {
        w.groups = [
          { id: 'S0RM', handle: 'release-managers', users: ['U0CAROL'] },
          { id: 'S0ENG', handle: 'eng', users: ['U0DAVE'] },
        ];
      },
      problem:
        'environments.production needs 2 approvals, but its approvers add up to 1 person (@release-managers: 1 member, U0CAROL): lower approvals or add approvers',
    },
    {
      case: 'the repository does not exist, or the token cannot see it',
      change: (w) => {
        w.repository = { status: 404, body: notFound };
      },
      problem:
        'GitHub has no repository acme/platform that GITHUB_TOKEN can see: check github.owner and github.repo, and give the token access to that repository',
    },
    {
      case: 'GitHub refuses the token',
      change: (w) => {
        w.repository = { status: 401, body: { message: 'Bad credentials', status: '401' } };
      },
      problem:
        'GitHub refuses GITHUB_TOKEN (Bad credentials): set a valid token with Actions: read and write, Deployments: read and write, Contents: read',
    },
    {
      case: 'GitHub cannot be reached',
      change: (w) => {
        w.repository = { status: 502, body: { message: 'Server Error' } };
      },
      problem:
        'GitHub could not be reached reading acme/platform (Server Error): check GITHUB_API_URL and the network',
    },
    {
      case: 'the token may only read the repository',
      change: (w) => {
        w.repository.body = {
          ...(w.repository.body as object),
          permissions: { admin: false, maintain: false, push: false, triage: false, pull: true },
        };
      },
      problem:
        'GITHUB_TOKEN can read acme/platform but not write to it, so it cannot dispatch workflows: use a token of an account with write access, with Actions: read and write (fine-grained) or the repo scope (classic)',
    },
    {
      case: 'a classic token without the repo scope',
      change: (w) => {
        w.repository.scopes = 'read:org, workflow';
      },
      problem:
        'GITHUB_TOKEN is a classic token without the repo scope, so it cannot dispatch workflows: add the repo scope, or use a fine-grained token with Actions: read and write',
    },
    {
      case: 'a ref the repository does not have',
      change: (w) => {
        w.commits = {};
      },
      problem:
        'github.ref "main" is no branch, tag or commit of acme/platform: fix github.ref in greenlight.yml',
    },
    {
      case: 'a token that may not read commit statuses or check runs',
      change: (w) => {
        w.checks.status = 403;
      },
      problem:
        'GITHUB_TOKEN may not read the commit statuses or check runs of acme/platform (Resource not accessible by personal access token): give it Commit statuses: read and Checks: read, or set deploy.requireChecks: none; until then every /deploy is refused, since deploy.requireChecks needs them',
    },
    {
      case: 'a workflow that does not exist',
      change: (w) => {
        w.workflows['rollback.yml'] = { status: 404 };
      },
      problem:
        'workflow `rollback.yml` is not in acme/platform: check rollback.workflow names a file in .github/workflows on the default branch (GitHub only dispatches workflows it lists there)',
    },
    {
      case: 'a disabled workflow',
      change: (w) => {
        w.workflows['deploy.yml'] = { status: 200, state: 'disabled_manually' };
      },
      problem:
        'workflow `deploy.yml` is disabled manually: enable it (Actions → deploy.yml → ⋯ → Enable workflow), or GitHub refuses every dispatch',
    },
    {
      case: 'a workflow that is not on the configured ref',
      change: (w) => {
        w.files['deploy.yml'] = undefined;
      },
      problem:
        'workflow `deploy.yml` (.github/workflows/deploy.yml) is not on github.ref main: GitHub runs a dispatched workflow as the file is at the ref deployed, so merge it there',
    },
    {
      case: 'a workflow without workflow_dispatch',
      change: (w) => {
        w.files['rollback.yml'] = 'on:\n  push:\n    branches: [main]\n';
      },
      problem:
        'workflow `rollback.yml` has no `workflow_dispatch` trigger, so greenlight cannot start it: add `workflow_dispatch:` under `on:` with the inputs `deployment_phase`, `environment`, `ref`, `greenlight_id`, `rollback_version`, `service`',
    },
    {
      case: 'a rollback workflow that does not declare service (every /rollback would fail with 422)',
      change: (w) => {
        w.files['rollback.yml'] = ROLLBACK_YML.replace('      service: { required: false }\n', '');
      },
      problem:
        'workflow `rollback.yml` does not declare input `service`, which /rollback sends: add `service: { required: false, type: string }` under `on.workflow_dispatch.inputs`, or GitHub refuses the dispatch (422 Unexpected inputs provided)',
    },
    {
      case: 'a required input greenlight never sends',
      change: (w) => {
        w.files['deploy.yml'] = DEPLOY_YML.replace('jobs: {}', '').concat(
          '      region: { required: true }\n',
        );
      },
      problem:
        "workflow `deploy.yml` requires input `region`, which every phase does not send: add it to every phase's `inputs` in greenlight.yml, make it `required: false`, or give it a `default`",
    },
    {
      case: 'an environment the workflow does not offer',
      change: (w) => {
        w.files['deploy.yml'] = DEPLOY_YML.replace('options: [staging, production]', 'options: [production]');
      },
      problem:
        'workflow `deploy.yml` input `environment` is a choice of production, but phase `validation` sends "staging": add "staging" to its options',
    },
    {
      case: 'a workflow file that is not YAML',
      change: (w) => {
        w.files['rollback.yml'] = 'on: [workflow_dispatch\n';
      },
      problem: '.github/workflows/rollback.yml at main is not valid YAML (',
    },
  ])('$case: one ✗ that says what to fix', async ({ change, problem }) => {
    const world = rightSetup();
    change(world);
    const failed = (await check(world)).filter((result) => !result.ok);
    expect(failed.length, JSON.stringify(failed, null, 2)).toBeGreaterThan(0);
    expect(failed[0]?.text).toContain(problem);
    // Only the environment choice repeats (once per phase that sends it): every other mistake is one line.
    if (!problem.includes('is a choice of')) expect(failed).toHaveLength(1);
  });
});
