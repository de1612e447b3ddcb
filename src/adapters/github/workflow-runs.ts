import type { Octokit } from '@octokit/rest';
import { z } from 'zod';
import { MAX_WORKFLOW_INPUTS } from '../../domain/deploy/workflow-inputs.js';
import type {
  DispatchFailure,
  DispatchRequest,
  DispatchResult,
  RunRef,
  WorkflowRuns,
} from '../../services/deploy/ports.js';
import { ifNoneMatch } from './conditional-reads.js';
import {
  credentialName,
  type GitHubCredential,
  GitHubUnexpectedResponseError,
  githubMessage,
  githubStatus,
  grantFix,
  isRateLimited,
  isTransientGitHubError,
} from './github-errors.js';

type Actions = Octokit['rest']['actions'];

/** The only Actions calls greenlight makes; tests and callers can hand in anything that has them. */
export interface WorkflowRunsOctokit {
  rest: {
    actions: Pick<
      Actions,
      | 'createWorkflowDispatch'
      | 'listWorkflowRuns'
      | 'listWorkflowRunsForRepo'
      | 'getWorkflowRun'
      | 'cancelWorkflowRun'
    >;
  };
}

export interface WorkflowRun {
  id: number;
  /** GitHub's number for the run within its workflow (`#123` on GitHub's pages); what people see and say. */
  runNumber?: number;
  /** queued, in_progress, waiting, requested, pending, completed… (GitHub's words, kept as given). */
  status: string | null;
  /** Set once `status` is `completed`: success, failure, cancelled, timed_out, startup_failure… */
  conclusion: string | null;
  htmlUrl: string;
  runStartedAt?: string;
  updatedAt: string;
}

export type RunSnapshot =
  | { status: 'not_modified' }
  | { status: 'ok'; etag?: string; run: WorkflowRun }
  | { status: 'not_found' };

/** The port, and what GitHub answers before it is read in the deployment's terms (`getRun`, a run's fields). */
export interface GitHubWorkflowRuns extends WorkflowRuns {
  getRun(run: RunRef, etag?: string): Promise<RunSnapshot>;
  findRun(request: DispatchRequest): Promise<WorkflowRun | undefined>;
}

export interface WorkflowRunsOptions {
  /** Our clock and GitHub's may disagree by this much; the correlation id, not the time, picks the run. */
  clockSkewMs?: number;
  /** The credential in use, so a refusal names the one to fix (default `token`). */
  credential?: GitHubCredential;
}

const githubId = z.number().int().positive();

const dispatchResponse = z.object({ workflow_run_id: githubId, run_url: z.string(), html_url: z.string() });

const workflowRun = z.object({
  id: githubId,
  run_number: z.number().int().positive().optional(),
  name: z.string().nullish(),
  display_title: z.string().optional(),
  status: z.string().nullable(),
  conclusion: z.string().nullable(),
  html_url: z.string(),
  run_started_at: z.string().optional(),
  updated_at: z.string(),
});

const workflowRunList = z.object({ total_count: z.number(), workflow_runs: z.array(workflowRun) });

function toRun(run: z.infer<typeof workflowRun>): WorkflowRun {
  return {
    id: run.id,
    ...(run.run_number === undefined ? {} : { runNumber: run.run_number }),
    status: run.status,
    conclusion: run.conclusion,
    htmlUrl: run.html_url,
    ...(run.run_started_at ? { runStartedAt: run.run_started_at } : {}),
    updatedAt: run.updated_at,
  };
}

/**
 * What a run means for the deployment. Only `success` succeeds: `neutral`, `skipped`, `timed_out`,
 * `action_required` and the rest fail it, because a phase that did not clearly deploy must not count as deployed.
 */
export function runOutcome(
  run: Pick<WorkflowRun, 'status' | 'conclusion'>,
): 'running' | 'succeeded' | 'failed' | 'cancelled' {
  if (run.status !== 'completed') return 'running';
  if (run.conclusion === 'success') return 'succeeded';
  return run.conclusion === 'cancelled' ? 'cancelled' : 'failed';
}

/** Runs per page of a run list, GitHub's most. */
const LIST_PAGE = 100;

/** GitHub's `created` filter takes seconds. */
function isoSeconds(at: Date): string {
  return at.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Pages of the run list read when looking for a dispatched run: a busy repository starts many runs a minute. */
const FIND_RUN_PAGES = 3;

type Posted =
  | { kind: 'details'; runId: number; htmlUrl: string }
  | { kind: 'accepted' }
  | { kind: 'details_unsupported' }
  | { kind: 'transient'; error: unknown }
  | { kind: 'rejected'; reason: DispatchFailure; message: string };

/**
 * Dispatches phases as `workflow_dispatch` runs and tracks them. The run id comes from `return_run_details`
 * (github.com since February 2026); a server that does not know that parameter (Enterprise Server answers 422)
 * is remembered and the run is found instead by the `greenlight_id` input, which only works when the workflow
 * puts it in its title:
 *
 * ```yaml
 * run-name: "Deploy ${{ inputs.environment }} (${{ inputs.greenlight_id }})"
 * ```
 *
 * A dispatch is not idempotent, so it is never blindly retried: after a 5xx greenlight first looks for the run
 * it may have started, and dispatches again only when there is none.
 */
export function githubWorkflowRuns(
  octokit: WorkflowRunsOctokit,
  options: WorkflowRunsOptions = {},
): GitHubWorkflowRuns {
  const clockSkewMs = options.clockSkewMs ?? 60_000;
  const credential = options.credential ?? 'token';
  let runDetailsSupported = true;

  const post = async (request: DispatchRequest, withDetails: boolean): Promise<Posted> => {
    const { owner, repo, workflow, ref, inputs } = request;
    try {
      const response = await octokit.rest.actions.createWorkflowDispatch({
        owner,
        repo,
        workflow_id: workflow,
        ref,
        inputs: { ...inputs },
        ...(withDetails ? { return_run_details: true } : {}),
        // Octokit would repeat a 5xx on its own and could start the phase twice; dispatch() decides instead.
        request: { retries: 0 },
      });
      // A server that ignores the parameter answers 204, and so does a 200 without the fields: look the run up.
      const details = dispatchResponse.safeParse(response.data);
      return details.success
        ? { kind: 'details', runId: details.data.workflow_run_id, htmlUrl: details.data.html_url }
        : { kind: 'accepted' };
    } catch (error) {
      return classifyDispatchError(error, request, withDetails, credential);
    }
  };

  const findRun = async (request: DispatchRequest): Promise<WorkflowRun | undefined> => {
    const since = isoSeconds(new Date(request.dispatchedAfter.getTime() - clockSkewMs));
    const match = await lookForRun(request, since);
    return match && toRun(match);
  };

  /**
   * The run whose title carries the dispatch's `greenlight_id`, among the workflow's dispatched runs since the
   * dispatch. No `branch=` filter: a tag's run has an empty or odd `head_branch` on some servers, and a filter that
   * missed it would make a recovering process dispatch the phase a second time.
   */
  const lookForRun = async (
    request: DispatchRequest,
    since: string,
  ): Promise<z.infer<typeof workflowRun> | undefined> => {
    for (let page = 1; page <= FIND_RUN_PAGES; page += 1) {
      const response = await octokit.rest.actions.listWorkflowRuns({
        owner: request.owner,
        repo: request.repo,
        workflow_id: request.workflow,
        event: 'workflow_dispatch',
        created: `>=${since}`,
        exclude_pull_requests: true,
        per_page: 100,
        page,
      });
      const list = workflowRunList.safeParse(response.data);
      if (!list.success)
        throw new GitHubUnexpectedResponseError(
          'GET /repos/{owner}/{repo}/actions/workflows/{workflow}/runs',
          list.error,
        );
      const runs = list.data.workflow_runs;
      const match = runs.find(
        (run) =>
          run.display_title?.includes(request.correlationId) || run.name?.includes(request.correlationId),
      );
      if (match || runs.length < 100) return match;
    }
    return undefined;
  };

  const pending = (request: DispatchRequest): DispatchResult => ({
    ok: false,
    reason: 'run_pending',
    message: `GitHub accepted the dispatch of \`${request.workflow}\` without naming its run: it is looked for by its \`greenlight_id\`.`,
  });

  const getRun = async ({ owner, repo, runId }: RunRef, etag?: string): Promise<RunSnapshot> => {
    let data: unknown;
    let responseEtag: string | undefined;
    try {
      const response = await octokit.rest.actions.getWorkflowRun({
        owner,
        repo,
        run_id: runId,
        ...ifNoneMatch(etag),
      });
      data = response.data;
      responseEtag = response.headers.etag;
    } catch (error) {
      // Octokit throws on 304 like on any non-2xx; for a conditional request it is the cheap, common answer.
      if (githubStatus(error) === 304) return { status: 'not_modified' };
      if (githubStatus(error) === 404) return { status: 'not_found' };
      throw error;
    }
    const run = workflowRun.safeParse(data);
    if (!run.success)
      throw new GitHubUnexpectedResponseError('GET /repos/{owner}/{repo}/actions/runs/{run_id}', run.error);
    return { status: 'ok', ...(responseEtag ? { etag: responseEtag } : {}), run: toRun(run.data) };
  };

  return {
    findRun,
    /**
     * One request. A 204 without the run's id answers `run_pending` (the caller looks for the run later, in a
     * delayed job); a 5xx is thrown, never repeated here: the caller looks for the run before it sends again.
     * `return_run_details` answers the run's id but not its number (`#123`); it is not read here (a counted request
     * per run), it comes with the run list the sweep reads anyway, or with the run's first webhook.
     */
    async dispatch(request) {
      const invalid = checkDispatchInputs(request);
      if (invalid) return invalid;
      let posted = await post(request, runDetailsSupported);
      if (posted.kind === 'details_unsupported') {
        // Nothing was dispatched; this server will not know the parameter next time either.
        runDetailsSupported = false;
        posted = await post(request, false);
      }
      switch (posted.kind) {
        case 'details':
          return {
            ok: true,
            runId: posted.runId,
            htmlUrl: posted.htmlUrl,
            via: 'return_run_details',
          };
        case 'rejected':
          return { ok: false, reason: posted.reason, message: posted.message };
        case 'accepted':
          return pending(request);
        case 'transient':
        case 'details_unsupported':
          throw posted.kind === 'transient' ? posted.error : new Error('return_run_details refused twice');
      }
    },

    async listRuns({ owner, repo }, { createdSince, page }, etag) {
      let data: unknown;
      let responseEtag: string | undefined;
      try {
        const response = await octokit.rest.actions.listWorkflowRunsForRepo({
          owner,
          repo,
          event: 'workflow_dispatch',
          created: `>=${isoSeconds(createdSince)}`,
          exclude_pull_requests: true,
          per_page: LIST_PAGE,
          page,
          ...ifNoneMatch(etag),
        });
        data = response.data;
        responseEtag = response.headers.etag;
      } catch (error) {
        if (githubStatus(error) === 304) return { status: 'unchanged' };
        if (isTransientGitHubError(error)) return { status: 'unavailable', cause: error };
        throw error;
      }
      const list = workflowRunList.safeParse(data);
      if (!list.success)
        throw new GitHubUnexpectedResponseError('GET /repos/{owner}/{repo}/actions/runs', list.error);
      const runs = list.data.workflow_runs.map((run) => {
        const numbered = {
          id: run.id,
          ...(run.run_number === undefined ? {} : { runNumber: run.run_number }),
        };
        return runOutcome(run) === 'running'
          ? { ...numbered, status: 'running' as const }
          : { ...numbered, status: 'completed' as const, conclusion: run.conclusion ?? 'failure' };
      });
      return {
        status: 'ok',
        ...(responseEtag ? { etag: responseEtag } : {}),
        runs,
        more: runs.length === LIST_PAGE && page * LIST_PAGE < list.data.total_count,
      };
    },

    getRun,

    /** GitHub's answer in the deployment's terms; a 5xx or a rate limit is `unavailable`, for the next sweep. */
    async poll(run, etag) {
      let snapshot: RunSnapshot;
      try {
        snapshot = await getRun(run, etag);
      } catch (error) {
        if (isTransientGitHubError(error)) return { status: 'unavailable', cause: error };
        throw error;
      }
      if (snapshot.status === 'not_modified') return { status: 'unchanged' };
      if (snapshot.status === 'not_found') return { status: 'gone' };
      const etagOf = snapshot.etag ? { etag: snapshot.etag } : {};
      return runOutcome(snapshot.run) === 'running'
        ? { status: 'running', ...etagOf }
        : { status: 'completed', ...etagOf, conclusion: snapshot.run.conclusion ?? 'failure' };
    },

    async cancelRun({ owner, repo, runId }) {
      try {
        await octokit.rest.actions.cancelWorkflowRun({ owner, repo, run_id: runId });
        return { ok: true, state: 'cancel_requested' };
      } catch (error) {
        const status = githubStatus(error);
        // 409: "Cannot cancel a workflow run that is completed." — the run is already where Abort wants it.
        if (status === 409) return { ok: true, state: 'already_finished' };
        if (status === 404)
          return {
            ok: false,
            reason: 'run_not_found',
            message: `GitHub has no workflow run ${runId} in ${owner}/${repo}.`,
          };
        if (status === 403 && !isRateLimited(error))
          return {
            ok: false,
            reason: 'forbidden',
            message: `${credentialName(credential)} may not cancel runs in ${owner}/${repo} (${githubMessage(error)}): give it Actions: read and write.`,
          };
        throw error;
      }
    },
  };
}

function checkDispatchInputs(request: DispatchRequest): DispatchResult | undefined {
  const count = Object.keys(request.inputs).length;
  if (count > MAX_WORKFLOW_INPUTS)
    return {
      ok: false,
      reason: 'too_many_inputs',
      message: `The phase has ${count} workflow inputs but GitHub accepts at most ${MAX_WORKFLOW_INPUTS}; drop ${count - MAX_WORKFLOW_INPUTS} from its inputs in greenlight.yml.`,
    };
  if (request.inputs.greenlight_id !== request.correlationId)
    return {
      ok: false,
      reason: 'invalid_inputs',
      message:
        'The `greenlight_id` input must carry the correlation id, or the run could not be found; build inputs with workflowInputs().',
    };
  return undefined;
}

function classifyDispatchError(
  error: unknown,
  request: DispatchRequest,
  withDetails: boolean,
  credential: GitHubCredential,
): Posted {
  const status = githubStatus(error);
  const said = githubMessage(error);
  const where = `\`${request.workflow}\` in ${request.owner}/${request.repo}`;
  if (status === 422 && withDetails && /return_run_details/i.test(said))
    return { kind: 'details_unsupported' };
  if (isRateLimited(error)) throw error; // the client already waited as long as it was allowed to
  if (isTransientGitHubError(error)) return { kind: 'transient', error };
  const rejected = (reason: DispatchFailure, message: string): Posted => ({
    kind: 'rejected',
    reason,
    message,
  });
  // One sentence each: what GitHub said, then what to fix. Nothing was dispatched.
  const refused = `GitHub refused the dispatch of ${where}: ${said}`;
  switch (status) {
    case 401:
      return rejected(
        'unauthorized',
        credential === 'app'
          ? `${refused} — GitHub did not accept the GitHub App's credentials: check GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY (see \`npm run check\`)`
          : `${refused} — set GITHUB_TOKEN to a valid token with Actions: read and write (see \`npm run check\`)`,
      );
    case 403:
      return rejected(
        'forbidden',
        `${refused} — ${grantFix(credential, 'Actions: read and write', `${request.owner}/${request.repo}`)} (see \`npm run check\`)`,
      );
    case 404:
      return rejected(
        'workflow_not_found',
        `${refused} — check github.workflow in greenlight.yml and that ${credential === 'app' ? `the GitHub App (GITHUB_APP_ID) is installed on ${request.owner}/${request.repo}` : 'the token can see the repository'} (see \`npm run check\`)`,
      );
    case 422:
      if (/no ref found|ref.*not found/i.test(said))
        return rejected(
          'ref_not_found',
          `${refused} — there is no branch or tag \`${request.ref}\` to run it on (any more)`,
        );
      if (/workflow_dispatch/i.test(said))
        return rejected(
          'not_dispatchable',
          `${refused} — give ${request.workflow} an \`on: workflow_dispatch\` trigger with the inputs greenlight sends (see \`npm run check\`)`,
        );
      if (/\binputs?\b/i.test(said))
        return rejected(
          'invalid_inputs',
          `${refused} — declare them in ${request.workflow} under \`on.workflow_dispatch.inputs\` (see \`npm run check\`)`,
        );
      return rejected('rejected', refused);
    default:
      throw error;
  }
}
