import type { Redis } from 'ioredis';
import type { FlagChangeEvent } from '../../domain/flags/flag-change-event.js';
import { type FlagChangeRecord, readsAsEnabled } from '../../domain/flags/flag-state.js';
import type { FlagStore } from '../../services/ports.js';
import { AUDIT_MAX_LENGTH } from './audit-log.js';
import type { RedisKeys } from './keys.js';
import { luaCommand } from './lua-script.js';
import { type Replication, waitForReplicas } from './replication.js';

/** Flags in the apps' Redis; with `replication`, a flip is acknowledged only once its replicas have it. */
export function redisFlagStore(
  redis: Redis,
  keys: RedisKeys,
  channel: string,
  replication?: Replication,
): FlagStore {
  const setFlag = luaCommand<[string, string | null]>(redis, 'set-flag', 4);
  const readFlag = luaCommand<[string | null, string[]]>(redis, 'read-flag', 2);

  return {
    async write(change) {
      const event: FlagChangeEvent = {
        flag: change.name,
        enabled: readsAsEnabled(change.value),
        by: change.by,
        reason: change.reason,
        at: change.at,
      };
      const [status, old] = await setFlag(
        keys.flag(change.name),
        keys.flagMeta(change.name),
        keys.audit(),
        keys.flagNames(),
        change.value,
        change.changeId,
        change.expectedChangeId ?? '',
        change.by,
        change.reason,
        change.at,
        change.until ?? '',
        change.source,
        channel,
        JSON.stringify(event),
        AUDIT_MAX_LENGTH,
        change.name,
      );
      if (status !== 'ok') return { status: 'superseded' };
      await waitForReplicas(redis, replication);
      return { status: 'written', old: old ?? null };
    },

    async read(name) {
      const [raw, fields] = await readFlag(keys.flag(name), keys.flagMeta(name));
      const lastChange = toChangeRecord(fieldsToRecord(fields));
      return { name, raw: raw ?? null, ...(lastChange ? { lastChange } : {}) };
    },

    async readMany(names) {
      if (names.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const name of names) {
        pipeline.get(keys.flag(name));
        pipeline.hgetall(keys.flagMeta(name));
      }
      const replies = (await pipeline.exec()) ?? [];
      return names.map((name, index) => {
        const [rawError, raw] = replies[index * 2] ?? [];
        const [metaError, meta] = replies[index * 2 + 1] ?? [];
        if (rawError) throw rawError;
        if (metaError) throw metaError;
        const lastChange = toChangeRecord(meta as Record<string, string>);
        return { name, raw: (raw as string | null) ?? null, ...(lastChange ? { lastChange } : {}) };
      });
    },

    async names(limit) {
      // The set holds flag names only, so this costs the same with 1k or 1M other keys in the apps' Redis.
      const names: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await redis.sscan(keys.flagNames(), cursor, 'COUNT', 500);
        cursor = next;
        for (const name of found) {
          names.push(name);
          if (names.length >= limit) return names;
        }
      } while (cursor !== '0');
      return names;
    },
  };
}

/** HGETALL's flat reply (field, value, field, value…) as ioredis's hgetall gives it. */
function fieldsToRecord(fields: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let index = 0; index + 1 < fields.length; index += 2)
    record[fields[index] as string] = fields[index + 1] as string;
  return record;
}

function toChangeRecord(meta: Record<string, string> | undefined): FlagChangeRecord | undefined {
  if (!meta?.changeId) return undefined;
  return {
    changeId: meta.changeId,
    by: meta.by ?? '',
    reason: meta.reason ?? '',
    at: meta.at ?? '',
    source: meta.source === 'auto-revert' ? 'auto-revert' : 'slack',
    ...(meta.until ? { until: meta.until } : {}),
  };
}
