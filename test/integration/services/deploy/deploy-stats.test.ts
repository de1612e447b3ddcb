import type { Redis } from 'ioredis';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { githubCommits } from '../../../../src/adapters/github/commits.js';
import { redisCommitTimeCache } from '../../../../src/adapters/redis/commit-time-cache.js';
import { redisKeys } from '../../../../src/adapters/redis/keys.js';
import { redisRegistryWindow } from '../../../../src/adapters/redis/registry-window.js';
import type { DeploymentState } from '../../../../src/domain/deploy/deployment-state.js';
import { resolveCommitTimes } from '../../../../src/services/deploy/commit-times.js';
import {
  commitJson,
  GHE_API,
  githubApi,
  githubErrorJson,
  OWNER,
  REPO,
  testGitHubClient,
} from '../../../helpers/github.js';
import { deleteKeys, testRedis, uniquePrefix } from '../../../helpers/redis.js';

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);
const COMMITS = `/repos/${OWNER}/${REPO}/commits`;
const T = Date.UTC(2026, 2, 10, 12);

function state(
  id: string,
  ref: string,
  requestedAt: number,
  more: Partial<DeploymentState> = {},
): DeploymentState {
  return {
    id,
    env: 'production',
    ref,
    requestedBy: 'U0ALICE',
    requestedAt,
    approvalsRequired: 0,
    status: 'succeeded',
    phases: [],
    gatesOpened: 0,
    timeline: [{ at: requestedAt, kind: 'requested', by: 'U0ALICE' }],
    finishedAt: requestedAt + 600_000,
    ...more,
  };
}

describe('/deploy stats reads', () => {
  let redis: Redis;
  let prefix: string;
  const keysOf = () => redisKeys(`${prefix}greenlight:`, `${prefix}feature:`);

  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix('stats');
  });
  afterEach(async () => {
    nock.cleanAll();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  /** Stored the way DeployService stores them: hash {version, doc} and the request-time index. */
  async function storeDeployment(deployment: DeploymentState): Promise<void> {
    const keys = keysOf();
    await redis.hset(keys.deployment(deployment.id), {
      version: '3',
      doc: JSON.stringify({ state: deployment, plan: { phases: [] }, meta: { repliesPosted: 1 } }),
    });
    await redis.zadd(keys.deploymentsOf(deployment.env), deployment.requestedAt, deployment.id);
  }

  async function storeIncident(id: string, declaredAt: number, doc: unknown): Promise<void> {
    const keys = keysOf();
    await redis.hset(keys.incident(id), { version: '1', doc: JSON.stringify(doc) });
    await redis.zadd(keys.incidents(), declaredAt, id);
  }

  describe('registry window', () => {
    it('reads deployments requested in [from, to), newest first, and cuts a read over the limit', async () => {
      for (const [id, at] of [
        ['before', T - 1],
        ['first', T],
        ['second', T + 1_000],
        ['third', T + 2_000],
        ['at-end', T + 3_000],
      ] as const) {
        await storeDeployment(state(id, 'main', at));
      }
      const window = redisRegistryWindow(redis, keysOf());

      const all = await window.deployments('production', T, T + 3_000, 10);
      expect(all.items.map((d) => d.id)).toEqual(['third', 'second', 'first']);
      expect(all.truncatedAt).toBeUndefined();
      expect(all.unreadable).toBe(0);

      const capped = await window.deployments('production', T, T + 3_000, 2);
      expect(capped.items.map((d) => d.id)).toEqual(['third', 'second']);
      expect(capped.truncatedAt).toBe(T + 1_000);

      expect((await window.deployments('staging', T, T + 3_000, 10)).items).toEqual([]);
    });

    it('reads incidents stored bare or as a record {state, meta}, skipping what it cannot read', async () => {
      await storeIncident('inc-1', T, {
        id: 'inc-1',
        severity: 'sev2',
        title: 'Checkout errors',
        status: 'resolved',
        declaredBy: 'U0ALICE',
        declaredAt: T,
        resolvedAt: T + 3_600_000,
        env: 'production',
        deploymentId: 'd1',
        timeline: [],
      });
      await storeIncident('inc-2', T + 1_000, {
        state: {
          id: 'inc-2',
          severity: 'sev1',
          title: 'Outage',
          status: 'open',
          declaredBy: 'greenlight',
          declaredAt: T + 1_000,
          timeline: [],
        },
        meta: { paging: { dedupKey: 'greenlight-inc-2', action: 'trigger', status: 'sent', at: T } },
      });
      await storeIncident('inc-3', T + 2_000, { id: 'inc-3', title: 'no dates' });
      await redis.zadd(keysOf().incidents(), T + 2_500, 'inc-deleted');

      const read = await redisRegistryWindow(redis, keysOf()).incidents(T, T + 10_000, 100);
      expect(read.items).toEqual([
        { id: 'inc-2', status: 'open', declaredAt: T + 1_000 },
        {
          id: 'inc-1',
          status: 'resolved',
          declaredAt: T,
          resolvedAt: T + 3_600_000,
          env: 'production',
          deploymentId: 'd1',
        },
      ]);
      expect(read.unreadable).toBe(2);
    });
  });

  describe('commit times', () => {
    const logger = {
      lines: [] as string[],
      warn: (_fields: object, message: string) => logger.lines.push(message),
    };
    const deps = (more: { maxLookups?: number; concurrency?: number } = {}) => ({
      commits: githubCommits(testGitHubClient({ baseUrl: GHE_API })),
      cache: redisCommitTimeCache(redis, keysOf().commitTimes()),
      repo: { owner: OWNER, repo: REPO },
      logger,
      ...more,
    });
    const reply = (sha: string, committedAt: string) => commitJson({ sha, committedAt });

    it('asks GitHub once per commit, then answers from the cache (by SHA, or ref@deployment)', async () => {
      const deployments = [
        state('d1', SHA_A, T),
        state('d2', SHA_A, T + 1), // the same commit again: one lookup
        state('d3', 'main', T + 2),
      ];
      const api = githubApi(GHE_API)
        .get(`${COMMITS}/${SHA_A}`)
        .query({ per_page: '1' })
        .reply(200, reply(SHA_A, '2026-03-09T12:00:00Z'))
        .get(`${COMMITS}/main`)
        .query({ per_page: '1' })
        .reply(200, reply(SHA_B, '2026-03-10T08:00:00Z'));

      const first = await resolveCommitTimes(deployments, deps());
      api.done();
      expect(first.lookedUp).toBe(2);
      expect(Object.fromEntries(first.times)).toEqual({
        d1: Date.parse('2026-03-09T12:00:00Z'),
        d2: Date.parse('2026-03-09T12:00:00Z'),
        d3: Date.parse('2026-03-10T08:00:00Z'),
      });
      expect(await redis.hgetall(keysOf().commitTimes())).toEqual({
        [SHA_A]: JSON.stringify({ sha: SHA_A, at: Date.parse('2026-03-09T12:00:00Z') }),
        'main@d3': JSON.stringify({ sha: SHA_B, at: Date.parse('2026-03-10T08:00:00Z') }),
      });

      // No interceptor left: any request would fail. The cache answers everything.
      const second = await resolveCommitTimes(deployments, deps());
      expect(second.lookedUp).toBe(0);
      expect(second.times).toEqual(first.times);
      expect(second.gaps.size).toBe(0);
    });

    it('looks up at most maxLookups refs per call, newest first; the rest come with the next call', async () => {
      const deployments = [state('old', 'v1', T), state('mid', 'v2', T + 1), state('new', 'v3', T + 2)];
      const api = githubApi(GHE_API)
        .get(`${COMMITS}/v3`)
        .query(true)
        .reply(200, reply(SHA_A, '2026-03-10T00:00:00Z'))
        .get(`${COMMITS}/v2`)
        .query(true)
        .reply(422, githubErrorJson(422, 'No commit found for SHA: v2', 'commits/commits#get-a-commit'));

      const first = await resolveCommitTimes(deployments, deps({ maxLookups: 2 }));
      api.done();
      expect([...first.times.keys()]).toEqual(['new']);
      expect(Object.fromEntries(first.gaps)).toEqual({ mid: 'not_found', old: 'not_looked_up' });

      const later = githubApi(GHE_API)
        .get(`${COMMITS}/v2`)
        .query(true)
        .reply(422, githubErrorJson(422, 'No commit found for SHA: v2', 'commits/commits#get-a-commit'))
        .get(`${COMMITS}/v1`)
        .query(true)
        .reply(200, reply(SHA_B, '2026-03-09T00:00:00Z'));
      const second = await resolveCommitTimes(deployments, deps({ maxLookups: 2 }));
      later.done();
      expect([...second.times.keys()].sort()).toEqual(['new', 'old']);
      expect(Object.fromEntries(second.gaps)).toEqual({ mid: 'not_found' });
    });

    it('stops asking once GitHub fails: one failed request, the rest unavailable, never an error', async () => {
      const deployments = [state('a', 'v1', T), state('b', 'v2', T + 1), state('c', 'v3', T + 2)];
      const api = githubApi(GHE_API).get(`${COMMITS}/v3`).query(true).times(4).reply(503, 'unavailable');

      const result = await resolveCommitTimes(deployments, deps({ concurrency: 1 }));
      api.done();
      expect(result.times.size).toBe(0);
      expect(Object.fromEntries(result.gaps)).toEqual({
        a: 'unavailable',
        b: 'unavailable',
        c: 'unavailable',
      });
      expect(result.lookedUp).toBe(1);
      expect(logger.lines).toContain('commit time not read');
      expect(await redis.exists(keysOf().commitTimes())).toBe(0);
    });
  });
});
