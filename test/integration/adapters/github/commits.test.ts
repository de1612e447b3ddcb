import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { githubCommits } from '../../../../src/adapters/github/commits.js';
import { GitHubUnexpectedResponseError } from '../../../../src/adapters/github/github-errors.js';
import {
  commitJson,
  GHE_API,
  GITHUB_API,
  githubApi,
  githubErrorJson,
  OWNER,
  REPO,
  testGitHubClient,
} from '../../../helpers/github.js';

const SHA = 'acb5820ced9479c074f688cc328bf03f341a511d';
const COMMITS = `/repos/${OWNER}/${REPO}/commits`;
const commit = commitJson;
const commits = (baseUrl = GHE_API) => githubCommits(testGitHubClient({ baseUrl }));
const request = (ref: string) => ({ owner: OWNER, repo: REPO, ref });

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('commitTime', () => {
  it('reads the committer date under an Enterprise Server base URL with a path, asking for one file', async () => {
    const api = githubApi(GHE_API)
      .get(`${COMMITS}/${SHA}`)
      .query({ per_page: '1' })
      .reply(200, commit({ sha: SHA, committedAt: '2026-03-01T10:00:00Z' }));

    expect(await commits().commitTime(request(SHA))).toEqual({
      ok: true,
      sha: SHA,
      at: Date.parse('2026-03-01T10:00:00Z'),
    });
    api.done();
  });

  it('resolves a branch name (its slash encoded in the path) to its head commit', async () => {
    const api = githubApi(GHE_API)
      .get(`${COMMITS}/release%2F2026.03`)
      .query(true)
      .reply(200, commit({ sha: SHA }));

    expect(await commits().commitTime(request('release/2026.03'))).toMatchObject({ ok: true, sha: SHA });
    api.done();
  });

  it('falls back to the author date when there is no committer', async () => {
    const api = githubApi(GITHUB_API)
      .get(`${COMMITS}/${SHA}`)
      .query(true)
      .reply(200, commit({ sha: SHA, committedAt: null, authoredAt: '2026-02-27T23:59:59Z' }));

    expect(await commits(GITHUB_API).commitTime(request(SHA))).toEqual({
      ok: true,
      sha: SHA,
      at: Date.parse('2026-02-27T23:59:59Z'),
    });
    api.done();
  });

  it('answers not_found for a ref GitHub does not know (422), asked once', async () => {
    const api = githubApi(GHE_API)
      .get(`${COMMITS}/deadbeef`)
      .query(true)
      .reply(422, githubErrorJson(422, 'No commit found for SHA: deadbeef', 'commits/commits#get-a-commit'));

    const result = await commits().commitTime(request('deadbeef'));
    expect(result).toMatchObject({ ok: false, reason: 'not_found' });
    expect(result.ok ? '' : result.message).toContain('No commit found for SHA: deadbeef');
    api.done();
  });

  it('answers not_found for a 404 and forbidden for a token without contents:read', async () => {
    const api = githubApi(GHE_API)
      .get(`${COMMITS}/gone`)
      .query(true)
      .reply(404, githubErrorJson(404, 'Not Found', 'commits/commits#get-a-commit'))
      .get(`${COMMITS}/main`)
      .query(true)
      .reply(
        403,
        githubErrorJson(
          403,
          'Resource not accessible by personal access token',
          'commits/commits#get-a-commit',
        ),
      );

    expect(await commits().commitTime(request('gone'))).toMatchObject({ ok: false, reason: 'not_found' });
    const forbidden = await commits().commitTime(request('main'));
    expect(forbidden).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(forbidden.ok ? '' : forbidden.message).toContain('Contents: read');
    api.done();
  });

  it('throws once GitHub still fails after the client retried a 5xx', async () => {
    const api = githubApi(GHE_API).get(`${COMMITS}/${SHA}`).query(true).times(4).reply(502, 'Bad Gateway');

    await expect(commits().commitTime(request(SHA))).rejects.toMatchObject({ status: 502 });
    api.done();
  });

  it('throws on a 200 without the dates it depends on', async () => {
    const api = githubApi(GHE_API).get(`${COMMITS}/${SHA}`).query(true).reply(200, { sha: SHA });

    await expect(commits().commitTime(request(SHA))).rejects.toBeInstanceOf(GitHubUnexpectedResponseError);
    api.done();
  });
});
