import type { Redis } from 'ioredis';
import { expect, vi } from 'vitest';
import type { DeploymentState } from '../../src/domain/deploy/deployment-state.js';
import type { IncidentState } from '../../src/domain/incidents/incident.js';
import { testKeys } from './config.js';

/** A deployment document as a test reads it from Redis. */
export interface StoredDeployment {
  state: DeploymentState;
  meta: {
    message?: { channel: string; ts: string };
    finalized?: boolean;
    githubDeploymentId?: number;
  };
}

export interface StoredIncident {
  state: IncidentState;
  meta: {
    message?: { channel: string; ts: string };
    channel?: { id: string; name: string };
    paging?: unknown;
  };
}

/** What greenlight keeps in Redis, read the way a test needs it: every key through `redisKeys()`. */
export function records(redis: Redis, prefix: string) {
  const keys = testKeys(prefix);
  const deployment = async (id: string): Promise<StoredDeployment> => {
    const raw = await redis.hget(keys.deployment(id), 'doc');
    if (!raw) throw new Error(`no deployment ${id}`);
    return JSON.parse(raw) as StoredDeployment;
  };
  return {
    keys,
    deployment,
    state: async (id: string) => (await deployment(id)).state,
    /** Deployment ids of an environment, oldest first. */
    deploymentIds: (env: string) => redis.zrange(keys.deploymentsOf(env), '0', '-1'),
    /** The internal id of the deployment a requester's confirmation names (`Deployment production-42 of …`). */
    async idFromReply(reply: { text?: unknown }): Promise<string> {
      const name = /^Deployment (\S+) of /.exec(String(reply.text))?.[1];
      if (!name) throw new Error(`not accepted: ${String(reply.text)}`);
      const id = await redis.hget(keys.deploymentNames(), name);
      if (!id) throw new Error(`no deployment is named ${name}`);
      return id;
    },
    /** Waits for a deployment of `env` newer than the `known` count, and answers its id. */
    async nextDeployment(env: string, known: number, timeout = 5_000): Promise<string> {
      return vi.waitFor(
        async () => {
          const ids = await redis.zrange(keys.deploymentsOf(env), '0', '-1');
          const id = ids.length > known ? ids.at(-1) : undefined;
          if (!id) throw new Error(`no new deployment of ${env} yet`);
          return id;
        },
        { timeout, interval: 20 },
      );
    },
    async waitForStatus(
      id: string,
      status: string,
      { finalized = false, timeout = 10_000 }: { finalized?: boolean; timeout?: number } = {},
    ): Promise<StoredDeployment> {
      return vi.waitFor(
        async () => {
          const record = await deployment(id);
          expect(record.state.status).toBe(status);
          if (finalized) expect(record.meta.finalized).toBe(true);
          return record;
        },
        { timeout, interval: 50 },
      );
    },
    async incident(id: string): Promise<StoredIncident | null> {
      const raw = await redis.hget(keys.incident(id), 'doc');
      return raw ? (JSON.parse(raw) as StoredIncident) : null;
    },
    /** Every audit entry, oldest first, as field → value. */
    async audit(): Promise<Record<string, string>[]> {
      const entries = await redis.xrange(keys.audit(), '-', '+');
      return entries.map(([, fields]) => {
        const entry: Record<string, string> = {};
        for (let index = 0; index < fields.length; index += 2)
          entry[fields[index] as string] = fields[index + 1] as string;
        return entry;
      });
    },
  };
}

export type Records = ReturnType<typeof records>;
