import { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SlackSim } from '../../../playground/sim/slack.js';
import { createMetrics } from '../../../src/adapters/http/metrics.js';
import { redisAuditLog } from '../../../src/adapters/redis/audit-log.js';
import { redisKeys } from '../../../src/adapters/redis/keys.js';
import { composeIncidents, flagFlipEntry } from '../../../src/compose/incidents.js';
import { createLogger } from '../../../src/logger.js';
import type { IncidentService } from '../../../src/services/incident-service.js';
import { TEST_BOT_TOKEN, testConfig, testKeys } from '../../helpers/config.js';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../../helpers/redis.js';
import { startTestSlack } from '../../helpers/simulators.js';

const T0 = Date.parse('2026-03-02T10:02:00Z');
const M = 60_000;

describe('IncidentService (real Redis, the Slack simulator at the edge)', () => {
  let prefix: string;
  let redis: Redis;
  let slack: SlackSim;
  let incidents: IncidentService;
  let clock: number;

  beforeEach(async () => {
    prefix = uniquePrefix('incsvc');
    redis = testRedis();
    slack = await startTestSlack();
    clock = T0;
    const config = testConfig(testRedisUrl(), prefix, { incidents: { page: [] } });
    const keys = redisKeys(config.file.redis.keyPrefix, config.file.flags.prefix);
    incidents = composeIncidents({
      config,
      redis,
      keys,
      web: new WebClient(TEST_BOT_TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }),
      audit: redisAuditLog(redis, keys),
      now: () => clock,
      logger: createLogger('silent'),
      metrics: createMetrics(),
    });
  });
  afterEach(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
    await slack.close();
  });

  const lastCard = () =>
    JSON.stringify(
      slack.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update').at(-1)?.args
        .blocks,
    );

  it('declares from an automatic rollback: SEV2, linked to the deployment, once per deployment', async () => {
    const request = {
      env: 'production',
      deploymentId: 'd1abc',
      reason: 'error rate 7.2 % above 5 %',
      readings: 'error rate 7.2 % · p95 310 ms (baseline 280 ms)',
      rollbackRunUrl: 'https://github.com/acme/platform/actions/runs/9009',
      version: 'v41',
    };
    const first = await incidents.declareFromRollback(request);
    if (!first.ok) throw new Error(first.message);
    expect(first.incident).toMatchObject({
      id: 'inc-1',
      severity: 'sev2',
      env: 'production',
      deploymentId: 'd1abc',
      declaredBy: 'greenlight',
      title: 'Automatic rollback of production: error rate 7.2 % above 5 %',
    });
    expect(first.incident.timeline[0]?.text).toBe(
      'Declared SEV2 by greenlight: automatic rollback of deployment d1abc',
    );
    const card = lastCard();
    expect(card).toContain(
      '*Rollback:* error rate 7.2 % · p95 310 ms (baseline 280 ms) · to `v41` · <https://github.com/acme/platform/actions/runs/9009|rollback run>',
    );
    expect(card).toContain('*Affected:* *production* · deployment `d1abc`');
    expect(card).toContain('• Confirm the rollback restored health');

    const again = await incidents.declareFromRollback(request);
    expect(again).toMatchObject({ ok: true, existing: true, incident: { id: 'inc-1' } });
    expect(await redis.zcard(testKeys(prefix).incidents())).toBe(1);
  });

  it('lands every one of many concurrent updates (compare-and-set), and appends notes to open incidents only', async () => {
    await incidents.declare({ by: 'U0ALICE', severity: 'sev2', title: 'one' });
    await incidents.declare({ by: 'U0ALICE', severity: 'sev3', title: 'two' });
    await incidents.declare({ by: 'U0ALICE', severity: 'sev3', title: 'three' });
    await incidents.resolve('inc-3', 'U0BOB');
    clock = T0 + 2 * M;
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) => incidents.update('inc-1', 'U0BOB', `note ${i}`)),
    );
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    const one = await incidents.get('inc-1');
    expect(one?.timeline).toHaveLength(13);
    expect(new Set(one?.timeline.map((e) => e.text)).size).toBe(13);

    const reached = await incidents.appendToOpen(
      flagFlipEntry({
        name: 'scan_creation',
        enabled: false,
        old: 'true',
        by: 'U0CAROL',
        reason: 'kill switch',
        at: new Date(T0 + 3 * M).toISOString(),
        source: 'slack',
        until: '2026-03-02T10:35:00.000Z',
      }),
    );
    expect(reached.sort()).toEqual(['inc-1', 'inc-2']);
    expect((await incidents.get('inc-2'))?.timeline.at(-1)).toEqual({
      at: T0 + 3 * M,
      by: 'U0CAROL',
      text: 'Flag `scan_creation` disabled by <@U0CAROL> until 10:35 UTC: kill switch',
    });
    expect((await incidents.get('inc-3'))?.timeline).toHaveLength(2);
    expect((await incidents.open()).map((s) => s.id)).toEqual(['inc-2', 'inc-1']);
  });

  it('keeps the incident when the card cannot be posted, and says so', async () => {
    // #incidents was archived and deleted since the config was written.
    slack.workspace.channels.delete('C0INCIDENTS');
    const outcome = await incidents.declare({ by: 'U0ALICE', severity: 'sev3', title: 'lonely' });
    expect(outcome).toMatchObject({ ok: true, warnings: ['card not posted: channel_not_found'] });
    expect((await incidents.get('inc-1'))?.status).toBe('open');
  });
});
