import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../../src/config/env-schema.js';
import { describeRedisTarget, redisTargetOf } from '../../../src/config/redis-target.js';
import { loadConfig } from '../../../src/config.js';

const credentials = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret', GITHUB_TOKEN: 'ghp_x' };
const env = (extra: Record<string, string>) => envSchema.parse({ ...credentials, ...extra });

function caFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'greenlight-ca-')), 'ca.pem');
  writeFileSync(path, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  return path;
}

describe('redisTargetOf', () => {
  it('reads one server from REDIS_URL, as before', () => {
    expect(redisTargetOf(env({ REDIS_URL: 'redis://cache:6380/2' }))).toEqual({
      ok: true,
      target: { kind: 'server', url: 'redis://cache:6380/2' },
    });
  });

  it('reads sentinels from REDIS_SENTINELS and REDIS_SENTINEL_NAME, with REDIS_URL’s password and database', () => {
    const result = redisTargetOf(
      env({
        REDIS_URL: 'redis://:s3cret@ignored:6379/3',
        REDIS_SENTINELS: 'sentinel-1:26379, sentinel-2:26380,[::1]:26381',
        REDIS_SENTINEL_NAME: 'mymaster',
        REDIS_SENTINEL_PASSWORD: 'watch',
      }),
    );
    expect(result).toEqual({
      ok: true,
      target: {
        kind: 'sentinel',
        sentinels: [
          { host: 'sentinel-1', port: 26379 },
          { host: 'sentinel-2', port: 26380 },
          { host: '::1', port: 26381 },
        ],
        name: 'mymaster',
        password: 's3cret',
        sentinelPassword: 'watch',
        db: 3,
      },
    });
    if (result.ok) expect(describeRedisTarget(result.target)).not.toContain('s3cret');
  });

  it('reads a redis+sentinel:// URL, and TLS with a CA from rediss+sentinel:// and REDIS_CA_FILE', () => {
    expect(
      redisTargetOf(env({ REDIS_URL: 'redis+sentinel://:p%40ss@10.0.0.1:26379,10.0.0.2:26379/main/1' })),
    ).toEqual({
      ok: true,
      target: {
        kind: 'sentinel',
        sentinels: [
          { host: '10.0.0.1', port: 26379 },
          { host: '10.0.0.2', port: 26379 },
        ],
        name: 'main',
        password: 'p@ss',
        db: 1,
      },
    });
    const result = redisTargetOf(
      env({ REDIS_URL: 'rediss+sentinel://s1:26379/main', REDIS_CA_FILE: caFile() }),
    );
    expect(result).toMatchObject({
      ok: true,
      target: { kind: 'sentinel', db: 0, tls: { ca: expect.stringContaining('BEGIN CERTIFICATE') } },
    });
    expect(redisTargetOf(env({ REDIS_URL: 'rediss://cache:6380/0' }))).toEqual({
      ok: true,
      target: { kind: 'server', url: 'rediss://cache:6380/0', tls: {} },
    });
  });

  it('names every problem and the variable to fix', () => {
    const problems = (extra: Record<string, string>) => {
      const result = redisTargetOf(env(extra));
      return result.ok ? [] : result.problems;
    };
    expect(problems({ REDIS_SENTINELS: 's1:26379' })).toEqual([
      expect.stringMatching(/^REDIS_SENTINEL_NAME is missing: the master group name/),
    ]);
    expect(problems({ REDIS_SENTINEL_NAME: 'mymaster' })).toEqual([
      expect.stringMatching(/^REDIS_SENTINELS is missing/),
    ]);
    expect(problems({ REDIS_SENTINELS: 's1', REDIS_SENTINEL_NAME: 'm' })).toEqual([
      expect.stringMatching(/^REDIS_SENTINELS is malformed \(expected host:port/),
    ]);
    expect(problems({ REDIS_URL: 'redis+sentinel://s1:26379' })).toEqual([
      expect.stringMatching(/^REDIS_URL is malformed: a Sentinel URL reads/),
    ]);
    expect(problems({ REDIS_URL: 'redis://cache:6379', REDIS_CA_FILE: caFile() })).toEqual([
      expect.stringMatching(/^REDIS_CA_FILE is set but REDIS_URL does not use TLS/),
    ]);
    expect(problems({ REDIS_URL: 'rediss://cache:6379', REDIS_CA_FILE: '/nonexistent/ca.pem' })).toEqual([
      expect.stringMatching(/^REDIS_CA_FILE: \/nonexistent\/ca.pem cannot be read \(ENOENT\)/),
    ]);
  });

  it('is checked at config load with the other problems', () => {
    const dir = mkdtempSync(join(tmpdir(), 'greenlight-config-'));
    writeFileSync(
      join(dir, 'greenlight.yml'),
      'slack: { statusChannel: "#deployment-status" }\nenvironments:\n  production: { approvers: ["@release-managers"] }\n',
    );
    const result = loadConfig(
      { ...credentials, REDIS_SENTINELS: 's1:26379', REDIS_WAIT_REPLICAS: 'two' },
      dir,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.join('\n')).toMatch(/REDIS_WAIT_REPLICAS is malformed/);
    const sentinelOnly = loadConfig({ ...credentials, REDIS_SENTINELS: 's1:26379' }, dir);
    expect(sentinelOnly.ok ? [] : sentinelOnly.problems).toEqual([
      expect.stringMatching(/^REDIS_SENTINEL_NAME is missing/),
    ]);
  });
});
