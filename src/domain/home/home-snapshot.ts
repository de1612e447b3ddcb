import type { DeploymentState } from '../deploy/deployment-state.js';
import type { DoraReport } from '../deploy/dora.js';
import type { FlagView } from '../flags/flag-state.js';
import type { IncidentState } from '../incidents/incident.js';

/** A lock on an environment as the Home tab shows it (the lanes' `EnvironmentLock`). */
export interface HomeLock {
  by: string;
  reason: string;
  /** ISO times. */
  at: string;
  until?: string;
}

/** One environment on the Home tab: what runs there, what waits, the lock, and how the last deployments ended. */
export interface HomeEnvironment {
  env: string;
  active?: DeploymentState;
  waiting: readonly DeploymentState[];
  lock?: HomeLock;
  /** The newest finished deployments, newest first (at most 5). */
  recent: readonly DeploymentState[];
}

/** Everything the Home tab shows, read once and rendered for each viewer. */
export interface HomeSnapshot {
  at: number;
  environments: readonly HomeEnvironment[];
  flags: readonly FlagView[];
  /** Open incidents, newest first. */
  incidents: readonly IncidentState[];
  /** DORA figures of the last 30 days, production first; absent when they could not be computed. */
  dora?: readonly DoraReport[];
  /** Set when part of the snapshot could not be read (named, e.g. `flags`). */
  unavailable?: readonly string[];
}

/** What differs between viewers: which buttons they may press, and the answer to their last press. */
export interface HomeViewer {
  user: string;
  /** The environments whose lock this viewer may lift (deployers and approvers, as `/deploy unlock`). */
  mayUnlock: ReadonlySet<string>;
  /** One sentence at the top: what their last press did, or why it did nothing. */
  notice?: { ok: boolean; text: string };
}

/** How many finished deployments each environment lists. */
export const RECENT_DEPLOYMENTS = 5;
