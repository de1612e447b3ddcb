import type { Logger } from 'pino';
import type { DeploymentState } from '../domain/deploy/deployment-state.js';
import { isFinished } from '../domain/deploy/deployment-state.js';
import type { DeployStatsResult } from '../domain/deploy/dora.js';
import {
  type HomeEnvironment,
  type HomeSnapshot,
  type HomeViewer,
  RECENT_DEPLOYMENTS,
} from '../domain/home/home-snapshot.js';
import type { DeployService } from './deploy/deploy-service.js';
import type { FlagService } from './flag-service.js';
import type { IncidentService } from './incident-service.js';
import type { HomePublisher, HomeViewers } from './ports.js';

export interface HomeServiceDeps {
  environments: readonly string[];
  /** Absent without a `github` section: the tab then shows locks and deployments as none. */
  deploys?: Pick<DeployService, 'status' | 'history' | 'stats' | 'unlock' | 'mayUnlock'>;
  flags: Pick<FlagService, 'list' | 'change'>;
  incidents: Pick<IncidentService, 'open'>;
  viewers: HomeViewers;
  publisher: HomePublisher;
  now: () => number;
  logger: Logger;
}

/** How long after opening the tab a person still gets it re-published on changes. */
export const HOME_VIEWER_WINDOW_MS = 30 * 60_000;
const DORA_WINDOW_MS = 30 * 24 * 3_600_000;
/**
 * The 30-day figures read the registry's month (and may ask GitHub for commit times): a refresh reuses figures this
 * young instead of computing them on every change. A cache, not state: losing it costs one computation.
 */
const DORA_FRESH_MS = 5 * 60_000;
/** Finished deployments are found among this many of the newest. */
const HISTORY_READ = 20;

/**
 * The App Home dashboard: what people see when they open greenlight's Home tab, re-published for those who opened
 * it lately when something on it changes (see `refresh`). Its buttons go through the same use cases and rules as the
 * commands: Unlock is `/deploy unlock`, Turn on/off is `/flag`, protected flags included.
 */
export class HomeService {
  private dora: { at: number; stats: DeployStatsResult } | undefined;

  constructor(private readonly deps: HomeServiceDeps) {}

  /** The tab was opened: remember the viewer, show them the dashboard now. */
  async opened(user: string): Promise<void> {
    await this.deps.viewers.seen(user, this.deps.now());
    await this.publishFor([user], await this.snapshot());
  }

  /** Something shown changed: one snapshot, published for each recent viewer (a durable, debounced job runs this). */
  async refresh(): Promise<number> {
    const users = await this.deps.viewers.recent(this.deps.now() - HOME_VIEWER_WINDOW_MS);
    if (users.length === 0) return 0;
    await this.publishFor(users, await this.snapshot());
    return users.length;
  }

  /** The tab's Unlock: `/deploy unlock`, and the viewer told what happened at the top of their tab. */
  async unlock(user: string, env: string): Promise<void> {
    const outcome = this.deps.deploys
      ? await this.deps.deploys.unlock(env, user)
      : { ok: false, message: 'Deployments are not set up in this greenlight.' };
    await this.publishFor([user], await this.snapshot(), { ok: outcome.ok, text: outcome.message });
  }

  /** The tab's Turn on/off: `/flag enable|disable`, with the same rules (protected flags too). */
  async setFlag(user: string, name: string, enabled: boolean): Promise<void> {
    const outcome = await this.deps.flags.change({
      actor: { id: user, name: '' },
      name,
      enabled,
      reason: 'from the Home tab',
      create: false,
    });
    const text = outcome.ok ? `\`${name}\` is now ${enabled ? 'on' : 'off'}.` : outcome.message;
    await this.publishFor([user], await this.snapshot(), { ok: outcome.ok, text });
  }

  private async publishFor(
    users: readonly string[],
    snapshot: HomeSnapshot,
    notice?: HomeViewer['notice'],
  ): Promise<void> {
    const locked = snapshot.environments.filter((env) => env.lock).map((env) => env.env);
    for (const user of users) {
      try {
        const allowed = await Promise.all(
          locked.map(async (env) => ((await this.deps.deploys?.mayUnlock(user, env)) ? env : undefined)),
        );
        const mayUnlock = new Set(allowed.filter((env): env is string => env !== undefined));
        await this.deps.publisher.publish(snapshot, { user, mayUnlock, ...(notice ? { notice } : {}) });
      } catch (error) {
        this.deps.logger.warn({ event: 'home.publish_failed', user, err: error }, 'home tab not published');
      }
    }
  }

  /** Everything the tab shows, read at once; a part that cannot be read is left out and named. */
  private async snapshot(): Promise<HomeSnapshot> {
    const { deploys, flags, incidents, now } = this.deps;
    const unavailable: string[] = [];
    const part = async <T>(name: string, read: () => Promise<T>, fallback: T): Promise<T> => {
      try {
        return await read();
      } catch (error) {
        this.deps.logger.warn(
          { event: 'home.read_failed', part: name, err: error },
          'home tab part not read',
        );
        unavailable.push(name);
        return fallback;
      }
    };
    const [environments, flagViews, open, stats] = await Promise.all([
      part('deployments', () => this.environments(), this.deps.environments.map(emptyEnvironment)),
      part('flags', () => flags.list(), []),
      part('incidents', () => incidents.open(), []),
      deploys
        ? part<DeployStatsResult | undefined>(
            'DORA figures',
            async () => {
              if (this.dora && now() - this.dora.at < DORA_FRESH_MS) return this.dora.stats;
              const result = await deploys.stats(undefined, DORA_WINDOW_MS);
              if (result.ok) this.dora = { at: now(), stats: result.stats };
              return result.ok ? result.stats : undefined;
            },
            undefined,
          )
        : undefined,
    ]);
    return {
      at: now(),
      environments,
      flags: flagViews,
      incidents: open,
      ...(stats ? { dora: stats.reports } : {}),
      ...(unavailable.length > 0 ? { unavailable } : {}),
    };
  }

  private async environments(): Promise<HomeEnvironment[]> {
    const { deploys } = this.deps;
    if (!deploys) return this.deps.environments.map(emptyEnvironment);
    const statuses = await deploys.status();
    return Promise.all(
      statuses.map(async (status) => ({
        env: status.env,
        ...(status.active ? { active: status.active } : {}),
        waiting: status.waiting,
        ...(status.lock ? { lock: status.lock } : {}),
        recent: finished(await deploys.history(status.env, HISTORY_READ)),
      })),
    );
  }
}

function emptyEnvironment(env: string): HomeEnvironment {
  return { env, waiting: [], recent: [] };
}

function finished(states: readonly DeploymentState[]): DeploymentState[] {
  return states.filter((state) => isFinished(state.status)).slice(0, RECENT_DEPLOYMENTS);
}
