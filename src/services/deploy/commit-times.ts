import type { DeploymentState } from '../../domain/deploy/deployment-state.js';
import type { CommitTimeGap } from '../../domain/deploy/dora.js';
import type { CachedCommit, Commits, CommitTimeCache } from './ports.js';

export interface CommitTimesDeps {
  commits: Pick<Commits, 'commitTime'>;
  cache: CommitTimeCache;
  repo: { owner: string; repo: string };
  /** GitHub lookups per call; deployments beyond it stay without lead time until a later call. Default 100. */
  maxLookups?: number;
  /** Lookups in flight at once. Default 4. */
  concurrency?: number;
  logger: { warn(fields: object, message: string): void };
}

export interface CommitTimes {
  /** Commit time (epoch ms) by deployment id. */
  times: Map<string, number>;
  /** The deployments without one, and why. */
  gaps: Map<string, CommitTimeGap>;
  /** How many refs were asked of GitHub during this call. */
  lookedUp: number;
}

export const DEFAULT_MAX_LOOKUPS = 100;
const FULL_SHA = /^[0-9a-f]{40}$/;

/**
 * Where a deployment's commit time is cached: a full SHA is the same commit forever, so it is its own key; a branch
 * or tag moves, so its answer is pinned to the deployment (`<ref>@<id>`).
 */
export function commitCacheField(deployment: Pick<DeploymentState, 'id' | 'ref' | 'sha'>): string {
  const commit = deployment.sha ?? deployment.ref;
  return FULL_SHA.test(commit) ? commit : `${deployment.ref}@${deployment.id}`;
}

/**
 * The commit times of deployed refs, for lead time: from the cache first, then GitHub for at most `maxLookups`
 * refs, newest deployments first, a few at a time. Never throws for GitHub's sake: a ref GitHub does not know is
 * `not_found`; once GitHub fails (down, rate-limited, token refused) the remaining lookups are not attempted and
 * count as `unavailable`, so a broken GitHub costs one failed request, not a hundred.
 */
export async function resolveCommitTimes(
  deployments: readonly Pick<DeploymentState, 'id' | 'ref' | 'sha' | 'requestedAt'>[],
  deps: CommitTimesDeps,
): Promise<CommitTimes> {
  const newestFirst = [...deployments].sort((a, b) => b.requestedAt - a.requestedAt);
  const fieldOf = new Map(newestFirst.map((deployment) => [deployment.id, commitCacheField(deployment)]));
  const fields = [...new Set(fieldOf.values())];
  const known = await deps.cache.get(fields);
  const pending = fields.filter((field) => !known.has(field));
  const maxLookups = deps.maxLookups ?? DEFAULT_MAX_LOOKUPS;
  const toLookUp = pending.slice(0, maxLookups);
  // The commit GitHub recorded for the deployment, when known: a branch may have moved on since.
  const refOf = new Map(
    newestFirst.map((deployment) => [fieldOf.get(deployment.id) ?? '', deployment.sha ?? deployment.ref]),
  );

  const fetched = new Map<string, CachedCommit>();
  const fieldGaps = new Map<string, CommitTimeGap>(
    pending.slice(maxLookups).map((f) => [f, 'not_looked_up']),
  );
  let broken = false;
  let asked = 0;
  const queue: string[] = [];
  const worker = async () => {
    for (let field = queue.shift(); field !== undefined; field = queue.shift()) {
      if (broken) {
        fieldGaps.set(field, 'unavailable');
        continue;
      }
      const ref = refOf.get(field) ?? field;
      asked += 1;
      try {
        const result = await deps.commits.commitTime({ ...deps.repo, ref });
        if (result.ok) {
          fetched.set(field, { sha: result.sha, at: result.at });
        } else if (result.reason === 'not_found') {
          fieldGaps.set(field, 'not_found');
        } else {
          broken = true;
          fieldGaps.set(field, 'unavailable');
          deps.logger.warn({ event: 'stats.commit_lookup_refused', ref }, result.message);
        }
      } catch (error) {
        broken = true;
        fieldGaps.set(field, 'unavailable');
        deps.logger.warn({ event: 'stats.commit_lookup_failed', ref, err: error }, 'commit time not read');
      }
    }
  };
  // The first lookup goes alone: when GitHub is down, that one (retried) request is all it costs.
  const first = toLookUp.slice(0, 1);
  const rest = toLookUp.slice(1);
  for (const batch of [first, rest]) {
    queue.push(...batch);
    const workers = Math.max(1, Math.min(deps.concurrency ?? 4, batch.length));
    await Promise.all(Array.from({ length: workers }, worker));
  }
  if (fetched.size > 0) {
    try {
      await deps.cache.set(fetched);
    } catch (error) {
      deps.logger.warn({ event: 'stats.commit_cache_failed', err: error }, 'commit times not cached');
    }
  }

  const times = new Map<string, number>();
  const gaps = new Map<string, CommitTimeGap>();
  for (const deployment of newestFirst) {
    const field = fieldOf.get(deployment.id) ?? '';
    const commit = known.get(field) ?? fetched.get(field);
    if (commit) times.set(deployment.id, commit.at);
    else gaps.set(deployment.id, fieldGaps.get(field) ?? 'unavailable');
  }
  return { times, gaps, lookedUp: asked };
}
