import { afterEach, describe, expect, it } from 'vitest';
import { type GitHubSim, startGitHubSim } from '../../../../playground/sim/github.js';
import {
  createGitHubClientWithInstallations,
  type GitHubClientOptions,
  type SpacingClock,
} from '../../../../src/adapters/github/client.js';
import { TEST_GITHUB_TOKEN } from '../../../helpers/credentials.js';
import { APP_REPOS as REPOS, simApp, testAppKeys } from '../../../helpers/github-app.js';

let sim: GitHubSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** A clock that never waits: each sleep is recorded (with the write it held up) and moves time on. */
function recordingClock(): SpacingClock & { slept: { before: string; ms: number }[]; next: string } {
  let now = 1_000_000;
  const clock = {
    slept: [] as { before: string; ms: number }[],
    next: '',
    now: () => now,
    async sleep(ms: number) {
      clock.slept.push({ before: clock.next, ms });
      now += ms;
    },
  };
  return clock;
}

async function writesThrough(
  credentials: Pick<GitHubClientOptions, 'spaceWrites'> & ({ app: true } | { token: true }),
) {
  sim = await startGitHubSim({
    repos: REPOS,
    ...('app' in credentials
      ? {
          tokens: {},
          app: simApp([
            { id: 7001, repos: ['acme/api', 'acme/web'] },
            { id: 7002, repos: ['globex/tools'] },
          ]),
        }
      : {}),
  });
  const clock = recordingClock();
  const { appId, privateKey } = testAppKeys();
  const { octokit } = createGitHubClientWithInstallations({
    ...('app' in credentials ? { app: { appId, privateKey } } : { token: TEST_GITHUB_TOKEN }),
    baseUrl: sim.apiUrl,
    retryAfterBaseValue: 0,
    spaceWrites: credentials.spaceWrites ?? true,
    spacingClock: clock,
  } as GitHubClientOptions);
  const write = async (fullName: string) => {
    const [owner = '', repo = ''] = fullName.split('/');
    clock.next = fullName;
    await octokit.rest.actions.createWorkflowDispatch({
      owner,
      repo,
      workflow_id: 'deploy.yml',
      ref: 'main',
      inputs: { deployment_phase: 'backend', environment: 'staging', ref: 'main', greenlight_id: 'gl_1' },
    });
  };
  for (const repo of ['acme/api', 'globex/tools', 'acme/web', 'globex/tools', 'acme/api']) await write(repo);
  expect(sim.requestsTo('actions/create-workflow-dispatch').map((request) => request.status)).toEqual([
    204, 204, 204, 204, 204,
  ]);
  return clock.slept;
}

describe('write spacing (GitHub’s second between mutating requests)', () => {
  it('with a GitHub App, is per installation: one installation’s writes never wait for another’s', async () => {
    expect(await writesThrough({ app: true })).toEqual([
      // acme/web shares installation 7001 with acme/api, so it waits; globex/tools (7002) never waits for them: its
      // second write comes a second after its first (acme/web's wait) and goes at once.
      { before: 'acme/web', ms: 1_000 },
      { before: 'acme/api', ms: 1_000 },
    ]);
  });

  it('with a token, is one queue: every write waits for the one before', async () => {
    expect(await writesThrough({ token: true })).toEqual(
      ['globex/tools', 'acme/web', 'globex/tools', 'acme/api'].map((before) => ({ before, ms: 1_000 })),
    );
  });

  it('off (the default), never waits', async () => {
    expect(await writesThrough({ app: true, spaceWrites: false })).toEqual([]);
  });
});
