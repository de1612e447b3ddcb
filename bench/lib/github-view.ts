import type { GitHubRequest, GitHubSim } from '../../playground/sim/github.js';

/** The operation ids of the GitHub requests the benches time and count. */
export const ROUTES = {
  dispatch: 'actions/create-workflow-dispatch',
  getRun: 'actions/get-workflow-run',
  createDeployment: 'repos/create-deployment',
  deploymentStatus: 'repos/create-deployment-status',
} as const;

/** The deployment a correlation id (`<deployment>-<phase>-<step>`, `<deployment>-rollback`) belongs to. */
export function deploymentOf(correlationId: string | undefined): string | undefined {
  return correlationId?.replace(/-(?:[^-]+-\d+|rollback)$/, '');
}

export interface Described {
  /** The `inputs` of a workflow dispatch. */
  inputs?: Record<string, string>;
  /** greenlight's deployment the request is about (dispatch, run poll, Deployment, status). */
  deploymentId?: string;
  /** The `state` of a deployment status. */
  state?: string;
}

/**
 * What a recorded GitHub request says about greenlight's deployments, read from its body and the simulator's state
 * (memoized: the benches ask again on every request while they wait).
 */
export function describer(github: GitHubSim): (request: GitHubRequest) => Described {
  const seen = new WeakMap<GitHubRequest, Described>();
  const payloadId = (payload: unknown) => (payload as { greenlight_id?: string } | undefined)?.greenlight_id;
  return (request) => {
    const known = seen.get(request);
    if (known) return known;
    const body = request.body as
      | { inputs?: Record<string, string>; payload?: unknown; state?: string }
      | undefined;
    let described: Described = {};
    if (request.route === ROUTES.dispatch)
      described = {
        ...(body?.inputs ? { inputs: body.inputs } : {}),
        ...withId(deploymentOf(body?.inputs?.greenlight_id)),
      };
    else if (request.runId !== undefined)
      described = withId(deploymentOf(github.run(request.runId)?.inputs.greenlight_id));
    else if (request.route === ROUTES.createDeployment) described = withId(payloadId(body?.payload));
    else if (request.route === ROUTES.deploymentStatus) {
      const deployment = github.deployments().find((each) => each.id === Number(request.params[0]));
      described = {
        ...withId(payloadId(deployment?.payload)),
        ...(body?.state ? { state: body.state } : {}),
      };
    }
    seen.set(request, described);
    return described;
  };
}

function withId(deploymentId: string | undefined): Described {
  return deploymentId ? { deploymentId } : {};
}

/** `performance.now()` of the last mutating request (POST), or -Infinity. */
export function lastWriteAt(github: GitHubSim): number {
  return github.requests.findLast((request) => request.method !== 'GET')?.at ?? Number.NEGATIVE_INFINITY;
}

/** When a poll of the run first answered it `completed`: where greenlight stops tracking it. */
export function completionSeenAt(github: GitHubSim, runId: number): number | undefined {
  return github.requests.find(
    (request) =>
      request.route === ROUTES.getRun &&
      request.runId === runId &&
      request.status === 200 &&
      (request.response as { status?: string } | undefined)?.status === 'completed',
  )?.at;
}

/** When the dispatch that started the run arrived. */
export function dispatchedAt(github: GitHubSim, runId: number): number | undefined {
  return github.requests.find((request) => request.route === ROUTES.dispatch && request.runId === runId)?.at;
}
