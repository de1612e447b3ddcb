import {
  applyDeploymentEvent,
  type DeploymentEvent,
  type DeploymentState,
} from '../../src/domain/deploy/deployment-state.js';

/** Applies events in order, failing the test on the first refusal. */
export function applyAll(state: DeploymentState, ...events: DeploymentEvent[]): DeploymentState {
  return events.reduce((current, event) => {
    const result = applyDeploymentEvent(current, event);
    if (!result.ok) throw new Error(`${event.type} refused: ${result.message}`);
    return result.state;
  }, state);
}
