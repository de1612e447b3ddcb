import type { Answer } from '../http.js';
import {
  type Actor,
  commitJson,
  deploymentJson,
  deploymentStatusJson,
  errorJson,
  repositoryJson,
  type Site,
  userJson,
  workflowJson,
  workflowRunJson,
} from './json.js';
import { type Deployment, type DeploymentStatus, type Run, type SimRepo, shaOf } from './repo.js';
import { resolveInputs } from './workflow-file.js';

/** What a token may do, per permission of a fine-grained token or a GitHub App installation. */
export type Permission = 'actions' | 'deployments' | 'contents' | 'statuses' | 'checks' | 'metadata';
export type Access = 'none' | 'read' | 'write';

/** How a simulated server answers `return_run_details`: as github.com, as an older GHES (204), or 422. */
export type RunDetails = 'supported' | 'ignored' | 'rejected';

export interface RouteRequest {
  method: string;
  /** The path after the API base, without the query. */
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown> | undefined;
  headers: Record<string, string>;
  params: string[];
  repo: SimRepo | undefined;
  actor: Actor;
}

/** What routes need from the simulator besides the request. */
export interface RouteContext {
  site: Site;
  runDetails: RunDetails;
  maxInputs: number;
  nextId(): number;
  /** Creates a run for an accepted dispatch and starts its lifecycle. */
  createRun(
    repo: SimRepo,
    fields: Omit<Run, 'id' | 'status' | 'conclusion' | 'createdAt' | 'updatedAt' | 'startedAt'>,
  ): Run;
  requestCancel(run: Run): void;
  now(): number;
}

export interface Route {
  method: string;
  /** The operation id of GitHub's OpenAPI description (`actions/create-workflow-dispatch`). */
  name: string;
  /** Matched against the path after `/repos/{owner}/{repo}` (repository routes) or after the base. */
  pattern: RegExp;
  scope: 'repo' | 'root';
  permission?: [Permission, Access];
  /** `app`: signed with the App's JWT (`Authorization: Bearer <jwt>`), as GitHub's App endpoints are. */
  auth?: 'app';
  handle(request: RouteRequest, context: RouteContext): Answer;
}

const json = (status: number, body?: unknown, headers: Record<string, string> = {}): Answer => ({
  status,
  body,
  headers,
});
const problem = (status: number, message: string, documentation?: string): Answer =>
  json(status, errorJson(status, message, documentation));
export const notFound = (): Answer => problem(404, 'Not Found');
const invalid = (message: string, documentation: string): Answer => problem(422, message, documentation);

export const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

const DISPATCH_DOCS = 'rest/actions/workflows#create-a-workflow-dispatch-event';
const DEPLOYMENT_DOCS = 'rest/deployments/deployments#create-a-deployment';
const STATUS_DOCS = 'rest/deployments/statuses#create-a-deployment-status';
const DEPLOYMENT_STATES = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];

function page<T>(items: T[], query: URLSearchParams): T[] {
  const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30));
  const pageNumber = Math.max(1, Number(query.get('page') ?? 1) || 1);
  return items.slice((pageNumber - 1) * perPage, pageNumber * perPage);
}

/** GitHub's `created` filter: `>=T`, `<=T`, `>T`, `<T`, `A..B` or a date, compared at second precision. */
export function matchesCreated(filter: string, createdMs: number): boolean {
  const at = Math.floor(createdMs / 1_000) * 1_000;
  const parse = (text: string) => Date.parse(/T/.test(text) ? text : `${text}T00:00:00Z`);
  const range = /^(.+)\.\.(.+)$/.exec(filter);
  if (range) return at >= parse(range[1] as string) && at <= parse(range[2] as string);
  const compare = /^(>=|<=|>|<)?(.+)$/.exec(filter);
  const bound = parse(compare?.[2] ?? filter);
  switch (compare?.[1]) {
    case '>=':
      return at >= bound;
    case '<=':
      return at <= bound;
    case '>':
      return at > bound;
    case '<':
      return at < bound;
    default:
      return at >= bound && at < bound + 86_400_000;
  }
}

function listRuns(runs: Run[], query: URLSearchParams): Run[] {
  const branch = query.get('branch');
  const event = query.get('event');
  const status = query.get('status');
  const created = query.get('created');
  const headSha = query.get('head_sha');
  const actor = query.get('actor');
  return runs
    .filter((run) => branch === null || run.headBranch === branch)
    .filter(() => event === null || event === 'workflow_dispatch')
    .filter((run) => status === null || run.status === status || run.conclusion === status)
    .filter((run) => created === null || matchesCreated(created, run.createdAt))
    .filter((run) => headSha === null || run.headSha === headSha)
    .filter((run) => actor === null || run.actor.login === actor)
    .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
}

/** A page of a repository's runs (those `keep` keeps), filtered as the query asks, newest first. */
function runList(
  context: RouteContext,
  repo: SimRepo,
  query: URLSearchParams,
  keep = (_run: Run) => true,
): Answer {
  const runs = listRuns(repo.runs.filter(keep), query);
  return json(200, {
    total_count: runs.length,
    workflow_runs: page(runs, query).map((run) => runJson(context, repo, run)),
  });
}

export function runJson(context: RouteContext, repo: SimRepo, run: Run): Record<string, unknown> {
  return workflowRunJson(context.site, repoJson(context, repo), repo.fullName, {
    ...run,
    createdAt: iso(run.createdAt),
    updatedAt: iso(run.updatedAt),
    runStartedAt: iso(run.startedAt),
    event: 'workflow_dispatch',
  });
}

export function repoJson(context: RouteContext, repo: SimRepo): Record<string, unknown> {
  return repositoryJson(context.site, repo);
}

function deploymentView(context: RouteContext, deployment: Deployment): Record<string, unknown> {
  return deploymentJson(context.site, deployment.repo, {
    ...deployment,
    originalEnvironment: deployment.environment,
    createdAt: iso(deployment.createdAt),
    updatedAt: iso(deployment.statuses.at(-1)?.createdAt ?? deployment.createdAt),
  });
}

function statusView(context: RouteContext, deployment: Deployment, status: DeploymentStatus) {
  return deploymentStatusJson(context.site, deployment.repo, {
    ...status,
    createdAt: iso(status.createdAt),
    creator: deployment.creator,
  });
}

const dispatch: Route = {
  method: 'POST',
  name: 'actions/create-workflow-dispatch',
  pattern: /^\/actions\/workflows\/([^/]+)\/dispatches$/,
  scope: 'repo',
  permission: ['actions', 'write'],
  handle({ body, params, repo, actor }, context) {
    if (!repo) return notFound();
    const workflow = repo.workflow(params[0] as string);
    if (!workflow) return notFound();
    if (body === undefined) return problem(400, 'Problems parsing JSON', DISPATCH_DOCS);
    const permitted = new Set([
      'ref',
      'inputs',
      ...(context.runDetails === 'rejected' ? [] : ['return_run_details']),
    ]);
    const extra = Object.keys(body).find((key) => !permitted.has(key));
    if (extra !== undefined)
      return invalid(`Invalid request.\n\n"${extra}" is not a permitted key.`, DISPATCH_DOCS);
    if (typeof body.ref !== 'string')
      return invalid(`Invalid request.\n\n"ref" wasn't supplied.`, DISPATCH_DOCS);
    const given = body.inputs ?? {};
    if (given === null || typeof given !== 'object' || Array.isArray(given))
      return invalid(
        `Invalid request.\n\nFor 'properties/inputs', ${JSON.stringify(given)} is not an object.`,
        DISPATCH_DOCS,
      );
    const count = Object.keys(given).length;
    if (count > context.maxInputs)
      return invalid(
        `Invalid request.\n\nFor 'properties/inputs', ${count} properties were provided, but at most ${context.maxInputs} are allowed.`,
        DISPATCH_DOCS,
      );
    if (!workflow.dispatchable)
      return invalid("Workflow does not have 'workflow_dispatch' trigger", DISPATCH_DOCS);
    const ref = repo.resolveRef(body.ref);
    if (!ref) return invalid(`No ref found for: ${body.ref}`, DISPATCH_DOCS);
    const resolved = resolveInputs(workflow, given as Record<string, unknown>);
    if (!resolved.ok) {
      const found = resolved.problem;
      if (found.kind === 'unexpected')
        return invalid(
          `Unexpected inputs provided: ${JSON.stringify(found.names).replace(/","/g, '", "')}`,
          DISPATCH_DOCS,
        );
      if (found.kind === 'missing')
        return invalid(`Required input '${found.name}' not provided`, DISPATCH_DOCS);
      return invalid(`Provided value '${found.value}' for input '${found.name}' ${found.why}`, DISPATCH_DOCS);
    }
    const run = context.createRun(repo, {
      repo: repo.fullName,
      workflowId: workflow.id,
      workflow: workflow.file,
      path: workflow.path,
      name: workflow.name,
      runNumber: repo.runs.filter((existing) => existing.workflowId === workflow.id).length + 1,
      ref: body.ref,
      headBranch: ref.kind === 'branch' ? ref.name : null,
      headSha: ref.sha,
      displayTitle: '',
      inputs: resolved.inputs,
      actor,
    });
    if (body.return_run_details === true && context.runDetails === 'supported')
      return json(200, {
        workflow_run_id: run.id,
        run_url: `${context.site.api}/repos/${repo.fullName}/actions/runs/${run.id}`,
        html_url: `${context.site.web}/${repo.fullName}/actions/runs/${run.id}`,
      });
    return json(204);
  },
};

const runsOfWorkflow: Route = {
  method: 'GET',
  name: 'actions/list-workflow-runs',
  pattern: /^\/actions\/workflows\/([^/]+)\/runs$/,
  scope: 'repo',
  permission: ['actions', 'read'],
  handle({ query, params, repo }, context) {
    const workflow = repo?.workflow(params[0] as string);
    if (!repo || !workflow) return notFound();
    return runList(context, repo, query, (run) => run.workflowId === workflow.id);
  },
};

const runsOfRepo: Route = {
  method: 'GET',
  name: 'actions/list-workflow-runs-for-repo',
  pattern: /^\/actions\/runs$/,
  scope: 'repo',
  permission: ['actions', 'read'],
  handle({ query, repo }, context) {
    if (!repo) return notFound();
    return runList(context, repo, query);
  },
};

const getRun: Route = {
  method: 'GET',
  name: 'actions/get-workflow-run',
  pattern: /^\/actions\/runs\/(\d+)$/,
  scope: 'repo',
  permission: ['actions', 'read'],
  handle({ params, repo }, context) {
    const run = repo?.runs.find((candidate) => candidate.id === Number(params[0]));
    if (!repo || !run) return notFound();
    return json(200, runJson(context, repo, run));
  },
};

const cancelRun: Route = {
  method: 'POST',
  name: 'actions/cancel-workflow-run',
  pattern: /^\/actions\/runs\/(\d+)\/cancel$/,
  scope: 'repo',
  permission: ['actions', 'write'],
  handle({ params, repo }, context) {
    const run = repo?.runs.find((candidate) => candidate.id === Number(params[0]));
    if (!run) return notFound();
    if (run.status === 'completed')
      return problem(
        409,
        'Cannot cancel a workflow run that is completed.',
        'rest/actions/workflow-runs#cancel-a-workflow-run',
      );
    context.requestCancel(run);
    return json(202, {});
  },
};

const listWorkflows: Route = {
  method: 'GET',
  name: 'actions/list-repo-workflows',
  pattern: /^\/actions\/workflows$/,
  scope: 'repo',
  permission: ['actions', 'read'],
  handle({ repo, query }, context) {
    if (!repo) return notFound();
    const workflows = [...repo.workflows.values()].map((workflow) =>
      workflowJson(context.site, repo.fullName, workflow),
    );
    return json(200, { total_count: workflows.length, workflows: page(workflows, query) });
  },
};

const getWorkflow: Route = {
  method: 'GET',
  name: 'actions/get-workflow',
  pattern: /^\/actions\/workflows\/([^/]+)$/,
  scope: 'repo',
  permission: ['actions', 'read'],
  handle({ repo, params }, context) {
    const workflow = repo?.workflow(params[0] as string);
    if (!repo || !workflow) return notFound();
    return json(200, workflowJson(context.site, repo.fullName, workflow));
  },
};

const getRepo: Route = {
  method: 'GET',
  name: 'repos/get',
  pattern: /^$/,
  scope: 'repo',
  permission: ['metadata', 'read'],
  handle({ repo }, context) {
    return repo ? json(200, repoJson(context, repo)) : notFound();
  },
};

const getContent: Route = {
  method: 'GET',
  name: 'repos/get-content',
  pattern: /^\/contents(?:\/(.*))?$/,
  scope: 'repo',
  permission: ['contents', 'read'],
  handle({ repo, params, query }, context) {
    if (!repo) return notFound();
    const ref = query.get('ref');
    if (ref !== null && !repo.resolveCommitish(ref))
      return problem(404, `No commit found for the ref ${ref}`);
    const path = (params[0] ?? '').replace(/\/$/, '');
    const api = `${context.site.api}/repos/${repo.fullName}`;
    const web = `${context.site.web}/${repo.fullName}`;
    const branch = ref ?? repo.defaultBranch;
    const entry = (entryPath: string, type: 'file' | 'dir', size: number, sha: string) => ({
      type,
      size,
      name: entryPath.slice(entryPath.lastIndexOf('/') + 1),
      path: entryPath,
      sha,
      url: `${api}/contents/${entryPath}?ref=${branch}`,
      git_url: `${api}/git/${type === 'file' ? 'blobs' : 'trees'}/${sha}`,
      html_url: `${web}/${type === 'file' ? 'blob' : 'tree'}/${branch}/${entryPath}`,
      download_url:
        type === 'file' ? `${context.site.web}/raw/${repo.fullName}/${branch}/${entryPath}` : null,
      _links: {
        self: `${api}/contents/${entryPath}?ref=${branch}`,
        git: `${api}/git/blobs/${sha}`,
        html: `${web}/blob/${branch}/${entryPath}`,
      },
    });
    const text = repo.file(path);
    if (text !== undefined) {
      const sha = shaOf(`blob ${text}`);
      const content = Buffer.from(text)
        .toString('base64')
        .replace(/(.{60})/g, '$1\n');
      return json(200, {
        ...entry(path, 'file', Buffer.byteLength(text), sha),
        encoding: 'base64',
        content: `${content}\n`,
      });
    }
    const entries = repo.entries(path);
    if (entries.length === 0) return notFound();
    return json(
      200,
      entries.map((found) => {
        const text = found.type === 'file' ? (repo.file(found.path) ?? '') : '';
        return entry(
          found.path,
          found.type,
          Buffer.byteLength(text),
          shaOf(`${found.type} ${found.path} ${text}`),
        );
      }),
    );
  },
};

const getCommit: Route = {
  method: 'GET',
  name: 'repos/get-commit',
  pattern: /^\/commits\/([^/]+)$/,
  scope: 'repo',
  permission: ['contents', 'read'],
  handle({ repo, params }, context) {
    if (!repo) return notFound();
    const ref = params[0] as string;
    const resolved = repo.resolveCommitish(ref);
    const commit = resolved && repo.commits.get(resolved.sha);
    if (!commit) return invalid(`No commit found for SHA: ${ref}`, 'rest/commits/commits#get-a-commit');
    return json(200, commitJson(context.site, repo.fullName, commit));
  },
};

const combinedStatus: Route = {
  method: 'GET',
  name: 'repos/get-combined-status-for-ref',
  pattern: /^\/commits\/([^/]+)\/status$/,
  scope: 'repo',
  permission: ['statuses', 'read'],
  handle({ repo, params, query }, context) {
    const resolved = repo?.resolveCommitish(params[0] as string);
    if (!repo || !resolved) return notFound();
    const statuses = repo.latestStatuses(resolved.sha);
    const states = statuses.map((status) => status.state);
    const state =
      states.includes('error') || states.includes('failure')
        ? 'failure'
        : states.length === 0 || states.includes('pending')
          ? 'pending'
          : 'success';
    return json(200, {
      state,
      // The state covers every context; the list is paged (`per_page`, `page`), as GitHub pages it.
      statuses: page(statuses, query).map((status) => ({
        id: status.id,
        context: status.context,
        state: status.state,
        description: status.description,
        target_url: status.targetUrl,
        created_at: status.createdAt,
        updated_at: status.createdAt,
      })),
      sha: resolved.sha,
      total_count: statuses.length,
      repository: repoJson(context, repo),
      commit_url: `${context.site.api}/repos/${repo.fullName}/commits/${resolved.sha}`,
      url: `${context.site.api}/repos/${repo.fullName}/commits/${resolved.sha}/status`,
    });
  },
};

const checkRuns: Route = {
  method: 'GET',
  name: 'checks/list-for-ref',
  pattern: /^\/commits\/([^/]+)\/check-runs$/,
  scope: 'repo',
  permission: ['checks', 'read'],
  handle({ repo, params, query }, context) {
    const resolved = repo?.resolveCommitish(params[0] as string);
    if (!repo || !resolved) return notFound();
    const name = query.get('check_name');
    const status = query.get('status');
    const runs = repo
      .checkRunsOn(resolved.sha)
      .filter((check) => name === null || check.name === name)
      .filter((check) => status === null || check.status === status);
    return json(200, {
      total_count: runs.length,
      check_runs: page(runs, query).map((check) => ({
        id: check.id,
        name: check.name,
        head_sha: resolved.sha,
        status: check.status,
        conclusion: check.conclusion,
        started_at: check.startedAt,
        completed_at: check.completedAt,
        url: `${context.site.api}/repos/${repo.fullName}/check-runs/${check.id}`,
        html_url:
          check.runId === undefined
            ? `${context.site.web}/${repo.fullName}/runs/${check.id}`
            : `${context.site.web}/${repo.fullName}/actions/runs/${check.runId}/job/${check.id}`,
        details_url: `${context.site.web}/${repo.fullName}/runs/${check.id}`,
        check_suite: { id: check.checkSuiteId },
        app: {
          slug: check.app,
          name: check.app === 'github-actions' ? 'GitHub Actions' : check.app,
        },
      })),
    });
  },
};

const getBranch: Route = {
  method: 'GET',
  name: 'repos/get-branch',
  pattern: /^\/branches\/(.+)$/,
  scope: 'repo',
  permission: ['contents', 'read'],
  handle({ repo, params }, context) {
    const name = params[0] as string;
    const sha = repo?.branches.get(name);
    const commit = sha ? repo?.commits.get(sha) : undefined;
    if (!repo || !commit) return problem(404, 'Branch not found', 'rest/branches/branches#get-a-branch');
    return json(200, {
      name,
      commit: commitJson(context.site, repo.fullName, commit),
      protected: false,
      _links: {
        self: `${context.site.api}/repos/${repo.fullName}/branches/${name}`,
        html: `${context.site.web}/${repo.fullName}/tree/${name}`,
      },
    });
  },
};

const getRef: Route = {
  method: 'GET',
  name: 'git/get-ref',
  pattern: /^\/git\/ref\/(heads|tags)\/(.+)$/,
  scope: 'repo',
  permission: ['contents', 'read'],
  handle({ repo, params }, context) {
    const [kind, name] = params as [string, string];
    const sha = kind === 'heads' ? repo?.branches.get(name) : repo?.tags.get(name);
    if (!repo || !sha) return notFound();
    return json(200, {
      ref: `refs/${kind}/${name}`,
      node_id: Buffer.from(`REF_refs/${kind}/${name}`).toString('base64'),
      url: `${context.site.api}/repos/${repo.fullName}/git/refs/${kind}/${name}`,
      object: { sha, type: 'commit', url: `${context.site.api}/repos/${repo.fullName}/git/commits/${sha}` },
    });
  },
};

const createDeployment: Route = {
  method: 'POST',
  name: 'repos/create-deployment',
  pattern: /^\/deployments$/,
  scope: 'repo',
  permission: ['deployments', 'write'],
  handle({ repo, body, actor }, context) {
    if (!repo) return notFound();
    if (body === undefined) return problem(400, 'Problems parsing JSON', DEPLOYMENT_DOCS);
    if (typeof body.ref !== 'string')
      return invalid(`Invalid request.\n\n"ref" wasn't supplied.`, DEPLOYMENT_DOCS);
    const required = body.required_contexts;
    if (
      required !== undefined &&
      (!Array.isArray(required) || required.some((name) => typeof name !== 'string'))
    )
      return invalid(
        `Invalid request.\n\nFor 'properties/required_contexts', ${JSON.stringify(required)} is not an array of strings.`,
        DEPLOYMENT_DOCS,
      );
    const resolved = repo.resolveCommitish(body.ref);
    if (!resolved) return invalid(`No ref found for: ${body.ref}`, DEPLOYMENT_DOCS);
    const failing = repo.failingContexts(resolved.sha, required as string[] | undefined);
    if (failing.length > 0)
      return json(409, {
        message: `Conflict: Commit status checks failed for ${body.ref}.`,
        errors: [{ contexts: failing, resource: 'Deployment', field: 'required_contexts', code: 'invalid' }],
        documentation_url: `https://docs.github.com/enterprise-server@3.14/${DEPLOYMENT_DOCS}`,
        status: '409',
      });
    const environment = typeof body.environment === 'string' ? body.environment : 'production';
    const payload =
      body.payload === undefined
        ? {}
        : typeof body.payload === 'string'
          ? safeJson(body.payload)
          : body.payload;
    const deployment: Deployment = {
      id: context.nextId(),
      repo: repo.fullName,
      sha: resolved.sha,
      ref: body.ref,
      task: typeof body.task === 'string' ? body.task : 'deploy',
      payload,
      environment,
      description: typeof body.description === 'string' ? body.description : null,
      ...(required === undefined ? {} : { requiredContexts: required as string[] }),
      autoMerge: body.auto_merge !== false,
      transientEnvironment: body.transient_environment === true,
      productionEnvironment:
        typeof body.production_environment === 'boolean'
          ? body.production_environment
          : environment === 'production',
      createdAt: context.now(),
      creator: actor,
      statuses: [],
    };
    repo.deployments.push(deployment);
    return json(201, deploymentView(context, deployment));
  },
};

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const listDeployments: Route = {
  method: 'GET',
  name: 'repos/list-deployments',
  pattern: /^\/deployments$/,
  scope: 'repo',
  permission: ['deployments', 'read'],
  handle({ repo, query }, context) {
    if (!repo) return notFound();
    const filters = (['sha', 'ref', 'task', 'environment'] as const).map(
      (field) => [field, query.get(field)] as const,
    );
    const deployments = repo.deployments
      .filter((deployment) =>
        filters.every(([field, value]) => value === null || deployment[field] === value),
      )
      .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
    return json(
      200,
      page(deployments, query).map((deployment) => deploymentView(context, deployment)),
    );
  },
};

const getDeployment: Route = {
  method: 'GET',
  name: 'repos/get-deployment',
  pattern: /^\/deployments\/(\d+)$/,
  scope: 'repo',
  permission: ['deployments', 'read'],
  handle({ repo, params }, context) {
    const deployment = repo?.deployments.find((candidate) => candidate.id === Number(params[0]));
    return deployment ? json(200, deploymentView(context, deployment)) : notFound();
  },
};

const createDeploymentStatus: Route = {
  method: 'POST',
  name: 'repos/create-deployment-status',
  pattern: /^\/deployments\/(\d+)\/statuses$/,
  scope: 'repo',
  permission: ['deployments', 'write'],
  handle({ repo, params, body }, context) {
    const deployment = repo?.deployments.find((candidate) => candidate.id === Number(params[0]));
    if (!repo || !deployment) return notFound();
    if (body === undefined) return problem(400, 'Problems parsing JSON', STATUS_DOCS);
    if (typeof body.state !== 'string' || !DEPLOYMENT_STATES.includes(body.state))
      return invalid(
        `Invalid request.\n\nFor 'properties/state', ${JSON.stringify(body.state)} is not one of ${JSON.stringify(DEPLOYMENT_STATES)}.`,
        STATUS_DOCS,
      );
    const description = typeof body.description === 'string' ? body.description : '';
    if (description.length > 140)
      return json(422, {
        message: 'Validation Failed',
        errors: [
          {
            resource: 'DeploymentStatus',
            code: 'custom',
            field: 'description',
            message: 'description is too long (maximum is 140 characters)',
          },
        ],
        documentation_url: `https://docs.github.com/enterprise-server@3.14/${STATUS_DOCS}`,
        status: '422',
      });
    const environment = typeof body.environment === 'string' ? body.environment : deployment.environment;
    const status: DeploymentStatus = {
      id: context.nextId(),
      deploymentId: deployment.id,
      state: body.state,
      description,
      environment,
      logUrl:
        typeof body.log_url === 'string'
          ? body.log_url
          : typeof body.target_url === 'string'
            ? body.target_url
            : '',
      environmentUrl: typeof body.environment_url === 'string' ? body.environment_url : '',
      createdAt: context.now(),
    };
    deployment.statuses.push(status);
    // auto_inactive (default true): a success makes earlier successful deployments of the environment inactive.
    if (status.state === 'success' && body.auto_inactive !== false)
      for (const earlier of repo.deployments) {
        if (earlier === deployment || earlier.environment !== environment) continue;
        if (earlier.statuses.at(-1)?.state !== 'success') continue;
        earlier.statuses.push({
          ...status,
          id: context.nextId(),
          deploymentId: earlier.id,
          state: 'inactive',
          description: '',
          automatic: true,
        });
      }
    return json(201, statusView(context, deployment, status));
  },
};

const listDeploymentStatuses: Route = {
  method: 'GET',
  name: 'repos/list-deployment-statuses',
  pattern: /^\/deployments\/(\d+)\/statuses$/,
  scope: 'repo',
  permission: ['deployments', 'read'],
  handle({ repo, params, query }, context) {
    const deployment = repo?.deployments.find((candidate) => candidate.id === Number(params[0]));
    if (!deployment) return notFound();
    const statuses = [...deployment.statuses].reverse();
    return json(
      200,
      page(statuses, query).map((status) => statusView(context, deployment, status)),
    );
  },
};

const authenticatedUser: Route = {
  method: 'GET',
  name: 'users/get-authenticated',
  pattern: /^\/user$/,
  scope: 'root',
  handle({ actor }, context) {
    return json(200, userJson(context.site, actor));
  },
};

/** Every REST route the simulator answers, in match order. */
export const ROUTES: Route[] = [
  dispatch,
  runsOfWorkflow,
  getWorkflow,
  listWorkflows,
  runsOfRepo,
  cancelRun,
  getRun,
  getRepo,
  getContent,
  combinedStatus,
  checkRuns,
  getCommit,
  getBranch,
  getRef,
  createDeployment,
  listDeployments,
  getDeployment,
  createDeploymentStatus,
  listDeploymentStatuses,
  authenticatedUser,
];
