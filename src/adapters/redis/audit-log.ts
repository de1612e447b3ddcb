import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.js';

export const AUDIT_MAX_LENGTH = 100_000;

/** One audited action: an event name and flat string fields (who, what, why, outcome). */
export interface AuditEntry {
  action: string;
  by: string;
  at: string;
  [field: string]: string;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
}

/** Appends to the audit stream; the flag Lua script appends its own entries in the same transaction. */
export function redisAuditLog(redis: Redis, keys: RedisKeys): AuditLog {
  return {
    async record(entry) {
      await redis.xadd(keys.audit(), 'MAXLEN', '~', AUDIT_MAX_LENGTH, '*', ...Object.entries(entry).flat());
    },
  };
}
