import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PORT, PLAYGROUND_CONFIG, playgroundConfig } from '../../../../playground/launcher/config.js';
import { NO_REDIS, onPath, playgroundRedis } from '../../../../playground/launcher/redis.js';
import { PLAYGROUND_WORKSPACE, roleOf } from '../../../../playground/launcher/workspace.js';

describe('the playground launcher', () => {
  it('uses REDIS_URL when given, and without redis-server on the PATH says in one sentence how to get one', async () => {
    const given = await playgroundRedis({ REDIS_URL: 'redis://10.0.0.5:6379/2', PATH: '' });
    expect(given).toMatchObject({ ok: true, url: 'redis://10.0.0.5:6379/2', private: false });
    expect(await playgroundRedis({ PATH: mkdtempSync(join(tmpdir(), 'no-redis-')) })).toEqual({
      ok: false,
      message: NO_REDIS,
    });
    expect(NO_REDIS).toMatch(/apt-get install redis-server.*brew install redis.*docker compose up redis/);
    expect(onPath('sh', process.env.PATH)).toBe(true);
  });

  it('runs the bot on playground/greenlight.yml itself at the default port, and on a copy pointing elsewhere', () => {
    const dir = mkdtempSync(join(tmpdir(), 'playground-config-'));
    const here = playgroundConfig(`http://127.0.0.1:${DEFAULT_PORT}`, dir);
    expect(here).toMatchObject({ ok: true, path: PLAYGROUND_CONFIG });
    const elsewhere = playgroundConfig('http://127.0.0.1:51234', dir);
    if (!elsewhere.ok) throw new Error(elsewhere.problems.join('\n'));
    expect(elsewhere.path).toBe(join(dir, 'greenlight.yml'));
    const urls = Object.values(elsewhere.file.services).flatMap((service) =>
      service.health.map((check) => check.url),
    );
    expect(urls).toEqual([
      'http://127.0.0.1:51234/services/api/health',
      'http://127.0.0.1:51234/services/gateway/',
      'http://127.0.0.1:51234/services/web/',
    ]);
    expect(readFileSync(elsewhere.path, 'utf8')).not.toContain(`:${DEFAULT_PORT}/`);
  });

  it('mirrors the runbooks with short holds: staging without approvals, production gated with a canary', () => {
    const loaded = playgroundConfig(`http://127.0.0.1:${DEFAULT_PORT}`, tmpdir());
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    const { environments, pipeline, analysis } = loaded.file;
    expect(environments.staging?.approvals).toBe(0);
    expect(environments.production).toMatchObject({ approvals: 1, approvers: ['@release-managers'] });
    const canary = pipeline.find((phase) => phase.canary)?.canary;
    expect(canary).toMatchObject({ steps: [5, 10, 25, 50, 100], gate: 'approval' });
    expect(canary?.hold).toBeLessThanOrEqual(10_000);
    expect(analysis).toMatchObject({ source: 'redis-counters', errorRate: { warn: 0.01, rollback: 0.05 } });
  });

  it('tells who is who: deployers of @eng, approvers of @release-managers, and an outsider', () => {
    const groups = PLAYGROUND_WORKSPACE.usergroups ?? [];
    const access = {
      environments: {
        staging: { deployers: ['@eng'], approvers: [] },
        production: { deployers: ['@eng'], approvers: ['@release-managers', 'U0BOB'] },
      },
    };
    expect(['U0ALICE', 'U0BOB', 'U0CAROL', 'U0MALLORY'].map((user) => roleOf(user, groups, access))).toEqual([
      'deployer',
      'deployer and approver',
      'approver',
      'outsider',
    ]);
  });
});
