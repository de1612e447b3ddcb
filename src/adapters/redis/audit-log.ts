import type { Redis } from 'ioredis';
import type { AuditLog } from '../../services/ports.js';
import type { RedisKeys } from './keys.js';

export const AUDIT_MAX_LENGTH = 100_000;

/** Appends to the audit stream; the flag Lua script appends its own entries in the same transaction. */
export function redisAuditLog(redis: Redis, keys: RedisKeys): AuditLog {
  return {
    async record(entry) {
      await redis.xadd(keys.audit(), 'MAXLEN', '~', AUDIT_MAX_LENGTH, '*', ...Object.entries(entry).flat());
    },
  };
}
