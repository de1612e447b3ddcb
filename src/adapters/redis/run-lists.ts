import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { RunListState, RunLists } from '../../services/deploy/ports.js';
import type { RedisKeys } from './keys.js';

/** A list not read for a day describes runs long finished: it is dropped. */
const RUN_LIST_TTL_SECONDS = 24 * 3_600;

const listedRun = z.object({
  id: z.number(),
  runNumber: z.number().int().positive().optional(),
  status: z.enum(['running', 'completed']),
  conclusion: z.string().optional(),
});
const runListState = z.object({
  polledAt: z.number(),
  pages: z.array(z.object({ etag: z.string().optional(), runs: z.array(listedRun) })),
});

/** The sweep's last read of each repository's run list, in Redis, so whichever replica sweeps next can send its ETags. */
export function redisRunLists(redis: Redis, keys: RedisKeys): RunLists {
  const key = ({ owner, repo }: { owner: string; repo: string }) => keys.runList(`${owner}/${repo}`);
  return {
    async get(repo) {
      const raw = await redis.get(key(repo));
      if (raw === null) return undefined;
      try {
        const parsed = runListState.safeParse(JSON.parse(raw));
        return parsed.success ? (parsed.data as RunListState) : undefined;
      } catch {
        return undefined;
      }
    },
    async set(repo, state) {
      await redis.set(key(repo), JSON.stringify(state), 'EX', RUN_LIST_TTL_SECONDS);
    },
  };
}
