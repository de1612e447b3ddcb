import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redisKeys } from '../../../../src/adapters/redis/keys.js';
import { redisRollbackClaims } from '../../../../src/adapters/redis/rollback-claims.js';
import { deleteKeys, testRedis, uniquePrefix } from '../../../helpers/redis.js';

describe('rollback claims: one rollback per service, whichever kind', () => {
  let prefix: string;
  let redis: Redis;
  const others: Redis[] = [];
  beforeEach(() => {
    prefix = uniquePrefix('claims');
    redis = testRedis();
  });
  afterEach(async () => {
    for (const other of others.splice(0)) other.disconnect();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });
  const claims = (connection: Redis = redis) =>
    redisRollbackClaims(connection, redisKeys(prefix, `${prefix}feature:`));

  it('a rollout claiming api and web is refused whole when a /rollback holds web, and claims nothing', async () => {
    expect(await claims().claimRollback('production', ['web'], 'manual-1')).toBeUndefined();
    expect(await claims().claimRollback('production', ['api', 'web'], 'rollout-1')).toBe('manual-1');
    expect(await claims().rollbackHolder('production', 'api')).toBeUndefined();
    // Asking again for what it holds is no refusal; the holder frees only its own claims.
    expect(await claims().claimRollback('production', ['web'], 'manual-1')).toBeUndefined();
    await claims().releaseRollback('production', ['api', 'web'], 'rollout-1');
    expect(await claims().rollbackHolder('production', 'web')).toBe('manual-1');
    await claims().releaseRollback('production', ['web'], 'manual-1');
    expect(await claims().claimRollback('production', ['api', 'web'], 'rollout-1')).toBeUndefined();
    expect(await claims().rollbackHolder('production', 'api')).toBe('rollout-1');
  });

  it('of many rollbacks racing for overlapping services from several connections, exactly one wins each service', async () => {
    const connections = Array.from({ length: 4 }, () => testRedis());
    others.push(...connections);
    const contenders = Array.from({ length: 40 }, (_, index) => ({
      id: `d${index}`,
      services: index % 2 === 0 ? ['api', 'web'] : [index % 4 === 1 ? 'api' : 'web'],
    }));
    const answers = await Promise.all(
      contenders.map(({ id, services }, index) =>
        claims(connections[index % connections.length]).claimRollback('production', services, id),
      ),
    );
    const winners = contenders.filter((_, index) => answers[index] === undefined);
    const held = new Map(
      await Promise.all(
        ['api', 'web'].map(
          async (service) => [service, await claims().rollbackHolder('production', service)] as const,
        ),
      ),
    );
    // Every winner holds all its services, and no service is held by two.
    for (const winner of winners)
      for (const service of winner.services) expect(held.get(service)).toBe(winner.id);
    expect(new Set(winners.flatMap((winner) => winner.services)).size).toBe(
      winners.flatMap((winner) => winner.services).length,
    );
    // A loser is told a holder that really holds one of the services it asked for.
    contenders.forEach(({ services }, index) => {
      const answer = answers[index];
      if (answer !== undefined) expect(services.map((service) => held.get(service))).toContain(answer);
    });
  });
});
