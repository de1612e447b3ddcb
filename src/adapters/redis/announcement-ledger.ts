import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { DeploymentState } from '../../domain/deploy/deployment-state.js';
import type { AnnouncementLedger } from '../../services/deploy/ports.js';
import type { RedisKeys } from './keys.js';

/** Long after a deployment ends nobody retries its announcement: the hash then goes. */
const KEEP_MS = 14 * 24 * 3_600_000;

function digest(state: DeploymentState): string {
  return createHash('sha1').update(JSON.stringify(state)).digest('base64url');
}

/**
 * What Slack shows of each deployment, in one small hash beside its record (`keys.announcement`), so a retried or
 * repeated announcement job knows what is done. Kept apart from the record: writing it must not look like a change
 * of the deployment.
 */
export function redisAnnouncementLedger(redis: Redis, keys: RedisKeys): AnnouncementLedger {
  const write = async (id: string, fields: Record<string, string | number>) => {
    const key = keys.announcement(id);
    await redis.multi().hset(key, fields).pexpire(key, KEEP_MS).exec();
  };
  return {
    async read(id) {
      const [shown, gate, replied] = await redis.hmget(keys.announcement(id), 'shown', 'gate', 'replied');
      return {
        shows: (state) => shown !== null && shown === digest(state),
        ...(gate !== null && gate !== '' ? { gateShown: Number(gate) } : {}),
        ...(replied !== null ? { replied: Number(replied) } : {}),
      };
    },
    async shown(id, state) {
      const open = state.status === 'awaiting_approval' && state.gate !== undefined;
      await write(id, { shown: digest(state), gate: open && state.gate ? state.gate.seq : '' });
    },
    async replied(id, count) {
      await write(id, { replied: count });
    },
    async askedApprover(id, seq, user) {
      const key = keys.announcement(id);
      const [claimed] = (await redis
        .multi()
        .hsetnx(key, `asked:${seq}:${user}`, Date.now())
        .pexpire(key, KEEP_MS)
        .exec()) ?? [[null, 0]];
      return claimed?.[1] === 0;
    },
    async forgetApprover(id, seq, user) {
      await redis.hdel(keys.announcement(id), `asked:${seq}:${user}`);
    },
  };
}
