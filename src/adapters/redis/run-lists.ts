import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { RunListState, RunLists } from '../../services/deploy/ports.js';
import { jsonValues } from './json-value.js';
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
  const values = jsonValues(redis, runListState, RUN_LIST_TTL_SECONDS);
  const key = ({ owner, repo }: { owner: string; repo: string }) => keys.runList(`${owner}/${repo}`);
  return {
    get: async (repo) => (await values.get(key(repo))) as RunListState | undefined,
    set: (repo, state) => values.set(key(repo), state),
  };
}
