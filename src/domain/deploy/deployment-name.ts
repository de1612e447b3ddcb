import type { DeploymentState } from './deployment-state.js';

/** A name people can read and type: the environment and its deployment number. */
const NAME = /^([a-z][a-z0-9_-]*)-([1-9]\d{0,8})$/;

/**
 * What people call a deployment: `production-42`, the environment's 42nd. The opaque id (`d…`, the record's key and
 * every dispatch's `greenlight_id`) stays internal; a deployment recorded before numbers existed keeps its id.
 */
export function deploymentName(state: Pick<DeploymentState, 'id' | 'env' | 'number'>): string {
  return state.number === undefined ? state.id : `${state.env}-${state.number}`;
}

/** Whether `text` has the shape of a deployment's name (`production-42`), lower-cased as names are. */
export function isDeploymentName(text: string): boolean {
  return NAME.test(text.toLowerCase());
}
