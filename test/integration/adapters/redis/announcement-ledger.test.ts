import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redisAnnouncementLedger } from '../../../../src/adapters/redis/announcement-ledger.js';
import { redisKeys } from '../../../../src/adapters/redis/keys.js';
import { createDeployment } from '../../../../src/domain/deploy/deployment-state.js';
import { planDeployment } from '../../../../src/domain/deploy/plan.js';
import { applyAll } from '../../../helpers/deployment-events.js';
import { deleteKeys, testRedis, uniquePrefix } from '../../../helpers/redis.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');

/** A production deployment waiting at its start gate for one approval. */
function gatedState() {
  const planned = planDeployment(
    {
      github: { workflow: 'deploy.yml', ref: 'main' },
      environments: { production: { approvals: 1, approvers: ['U0CAROL'] } },
      services: {},
      pipeline: [{ id: 'validation', title: 'Validation', inputs: {} }],
    },
    { env: 'production', greenlightId: 'd1' },
  );
  if (!planned.ok) throw new Error(planned.message);
  return createDeployment({ plan: planned.plan, requestedBy: 'U0ALICE' }, T0);
}

describe('announcement ledger', () => {
  let prefix: string;
  let redis: Redis;
  beforeEach(() => {
    prefix = uniquePrefix('announced');
    redis = testRedis();
  });
  afterEach(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });
  const ledger = () => redisAnnouncementLedger(redis, redisKeys(prefix, `${prefix}feature:`));

  it('knows which state and which gate the timeline shows, and how far the replies went', async () => {
    const gated = gatedState();
    expect(gated.gate).toBeDefined();
    await ledger().shown('d1', gated);
    const read = await ledger().read('d1');
    expect(read.shows(gated)).toBe(true);
    expect(read.gateShown).toBe(gated.gate?.seq);
    const approved = applyAll(gated, { type: 'cancel', user: 'U0ALICE', access: { ok: true }, at: T0 + 1 });
    expect(read.shows(approved)).toBe(false);
    expect(read.replied).toBeUndefined();
    await ledger().replied('d1', 3);
    expect((await ledger().read('d1')).replied).toBe(3);
  });

  it('asks each approver once per gate, and again after a send that failed', async () => {
    expect(await ledger().askedApprover('d1', 1, 'U0CAROL')).toBe(false);
    expect(await ledger().askedApprover('d1', 1, 'U0CAROL')).toBe(true);
    expect(await ledger().askedApprover('d1', 2, 'U0CAROL')).toBe(false);
    await ledger().forgetApprover('d1', 1, 'U0CAROL');
    expect(await ledger().askedApprover('d1', 1, 'U0CAROL')).toBe(false);
  });
});
