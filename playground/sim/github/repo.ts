import { createHash } from 'node:crypto';
import type { Actor } from './json.js';
import { parseWorkflow, type WorkflowFile, type WorkflowSpec, workflowYaml } from './workflow-file.js';

/** A stable, realistic-looking 40-hex SHA for a name (`main` of `acme/platform` is always the same commit). */
export function shaOf(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

export interface CommitSpec {
  sha: string;
  message?: string;
  authoredAt?: string;
  /** `null`: GitHub has no committer for it (the author date is then all there is). */
  committedAt?: string | null;
}

export interface RepoSpec {
  /** `owner/name`. */
  fullName: string;
  defaultBranch?: string;
  /** Branch name → SHA (a name instead of a SHA makes one: `{ main: 'main' }`). Default: the default branch. */
  branches?: Record<string, string>;
  tags?: Record<string, string>;
  commits?: CommitSpec[];
  /** Workflows by their parts, or as raw YAML (`{ file, yaml }`) to serve a file exactly as written. */
  workflows?: (WorkflowSpec | { file: string; yaml: string })[];
  /** Any other file, for the contents API: path → text. */
  files?: Record<string, string>;
  private?: boolean;
  /** What the repository JSON says the authenticated user may do (`permissions`); default: push, not admin. */
  permissions?: Partial<Record<'admin' | 'maintain' | 'push' | 'triage' | 'pull', boolean>>;
}

export type CommitState = 'error' | 'failure' | 'pending' | 'success';

export interface CommitStatus {
  id: number;
  context: string;
  state: CommitState;
  description: string | null;
  targetUrl: string | null;
  createdAt: string;
}

export interface CheckRun {
  id: number;
  name: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  startedAt: string;
  completedAt: string | null;
  /** The check suite it belongs to: a workflow run's `check_suite_id` for the jobs of a run. */
  checkSuiteId: number;
  /** The GitHub App that reported it (`github-actions` for workflow jobs). */
  app: string;
  /** The workflow run whose job it is, if any. */
  runId?: number;
}

export interface StoredCommit {
  sha: string;
  message: string;
  authoredAt: string;
  committedAt: string | null;
  author: Actor;
}

/** A dispatched workflow run, as the simulator keeps it. */
export interface Run {
  id: number;
  repo: string;
  workflowId: number;
  /** The workflow's file name (`production-deployment.yml`). */
  workflow: string;
  path: string;
  name: string;
  runNumber: number;
  /** The ref as the dispatch named it. */
  ref: string;
  /** `head_branch`: the branch's name, or null for a tag ref, as GitHub reports it. */
  headBranch: string | null;
  headSha: string;
  displayTitle: string;
  /** The inputs the run got: what was sent, with the workflow's defaults filled in. */
  inputs: Record<string, string>;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  createdAt: number;
  updatedAt: number;
  startedAt: number;
  actor: Actor;
}

export interface DeploymentStatus {
  id: number;
  deploymentId: number;
  state: string;
  description: string;
  environment: string;
  logUrl: string;
  environmentUrl: string;
  createdAt: number;
  /** Set by GitHub itself (`auto_inactive`), not by a request. */
  automatic?: boolean;
}

export interface Deployment {
  id: number;
  repo: string;
  sha: string;
  ref: string;
  task: string;
  payload: unknown;
  environment: string;
  description: string | null;
  requiredContexts?: string[];
  autoMerge: boolean;
  transientEnvironment: boolean;
  productionEnvironment: boolean;
  createdAt: number;
  creator: Actor;
  statuses: DeploymentStatus[];
}

export type ResolvedRef = { sha: string; kind: 'branch' | 'tag' | 'sha'; name: string };

const DEFAULT_TIME = '2026-03-01T10:00:00Z';

/** One repository: its refs, commits, workflow files, runs and deployments. */
export class SimRepo {
  readonly owner: string;
  readonly name: string;
  readonly defaultBranch: string;
  readonly private: boolean;
  readonly permissions: Record<'admin' | 'maintain' | 'push' | 'triage' | 'pull', boolean>;
  readonly branches = new Map<string, string>();
  readonly tags = new Map<string, string>();
  readonly commits = new Map<string, StoredCommit>();
  readonly workflows = new Map<string, WorkflowFile & { id: number; createdAt: string }>();
  readonly files = new Map<string, string>();
  readonly statuses = new Map<string, CommitStatus[]>();
  readonly checkRuns = new Map<string, CheckRun[]>();
  readonly runs: Run[] = [];
  readonly deployments: Deployment[] = [];

  constructor(
    readonly id: number,
    spec: RepoSpec,
    private readonly ids: () => number,
  ) {
    const [owner, name] = spec.fullName.split('/');
    if (!owner || !name) throw new Error(`repository must be owner/name, not ${spec.fullName}`);
    this.owner = owner;
    this.name = name;
    this.defaultBranch = spec.defaultBranch ?? 'main';
    this.private = spec.private ?? true;
    this.permissions = {
      admin: false,
      maintain: false,
      push: true,
      triage: true,
      pull: true,
      ...spec.permissions,
    };
    for (const commit of spec.commits ?? []) this.addCommit(commit);
    const branches = spec.branches ?? { [this.defaultBranch]: this.defaultBranch };
    for (const [branch, sha] of Object.entries(branches)) this.setBranch(branch, sha);
    for (const [tag, sha] of Object.entries(spec.tags ?? {})) this.setTag(tag, sha);
    for (const workflow of spec.workflows ?? []) this.addWorkflow(workflow);
    for (const [path, text] of Object.entries(spec.files ?? {})) this.files.set(path, text);
  }

  get fullName(): string {
    return `${this.owner}/${this.name}`;
  }

  private shaFor(shaOrName: string): string {
    return /^[0-9a-f]{40}$/.test(shaOrName) ? shaOrName : shaOf(`${this.fullName}:${shaOrName}`);
  }

  addCommit(spec: CommitSpec): StoredCommit {
    const commit: StoredCommit = {
      sha: spec.sha,
      message: spec.message ?? 'Ship it',
      authoredAt: spec.authoredAt ?? spec.committedAt ?? DEFAULT_TIME,
      committedAt: spec.committedAt === undefined ? DEFAULT_TIME : spec.committedAt,
      author: { login: 'alice', id: 583_231, type: 'User' },
    };
    this.commits.set(commit.sha, commit);
    return commit;
  }

  /** Points a branch at a commit (a name instead of a SHA makes one); creates the commit if it is new. */
  setBranch(branch: string, shaOrName: string): string {
    const sha = this.shaFor(shaOrName);
    if (!this.commits.has(sha)) this.addCommit({ sha });
    this.branches.set(branch, sha);
    return sha;
  }

  setTag(tag: string, shaOrName: string): string {
    const sha = this.shaFor(shaOrName);
    if (!this.commits.has(sha)) this.addCommit({ sha });
    this.tags.set(tag, sha);
    return sha;
  }

  addWorkflow(workflow: WorkflowSpec | { file: string; yaml: string }): WorkflowFile {
    const yaml = 'yaml' in workflow ? workflow.yaml : workflowYaml(workflow);
    const parsed = parseWorkflow(workflow.file, yaml);
    const existing = this.workflows.get(workflow.file);
    this.workflows.set(workflow.file, {
      ...parsed,
      id: existing?.id ?? this.ids(),
      createdAt: existing?.createdAt ?? DEFAULT_TIME,
    });
    return parsed;
  }

  /** By file name or numeric id, as the REST API accepts either. */
  workflow(idOrFile: string): (WorkflowFile & { id: number; createdAt: string }) | undefined {
    const byFile = this.workflows.get(idOrFile);
    if (byFile) return byFile;
    return [...this.workflows.values()].find((workflow) => String(workflow.id) === idOrFile);
  }

  /** A file's text for the contents API: a workflow's YAML or a declared file. */
  file(path: string): string | undefined {
    const workflow = [...this.workflows.values()].find((candidate) => candidate.path === path);
    return workflow?.yaml ?? this.files.get(path);
  }

  /** Paths directly under `dir`, for a directory listing. */
  entries(dir: string): { path: string; type: 'file' | 'dir' }[] {
    const prefix = dir === '' ? '' : `${dir.replace(/\/$/, '')}/`;
    const paths = [...[...this.workflows.values()].map((workflow) => workflow.path), ...this.files.keys()];
    const seen = new Map<string, 'file' | 'dir'>();
    for (const path of paths) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash < 0) seen.set(path, 'file');
      else seen.set(`${prefix}${rest.slice(0, slash)}`, 'dir');
    }
    return [...seen].map(([path, type]) => ({ path, type }));
  }

  /**
   * A branch or tag as a dispatch or a deployment names it (`main`, `refs/heads/main`, `v1.2`, `refs/tags/v1.2`).
   * A SHA is not a ref: GitHub dispatches only on branches and tags.
   */
  resolveRef(ref: string): ResolvedRef | undefined {
    const heads = /^refs\/heads\/(.+)$/.exec(ref)?.[1];
    const tags = /^refs\/tags\/(.+)$/.exec(ref)?.[1];
    const branch = heads ?? (tags === undefined ? ref : undefined);
    if (branch !== undefined && this.branches.has(branch))
      return { sha: this.branches.get(branch) as string, kind: 'branch', name: branch };
    const tag = tags ?? (heads === undefined ? ref : undefined);
    if (tag !== undefined && this.tags.has(tag))
      return { sha: this.tags.get(tag) as string, kind: 'tag', name: tag };
    return undefined;
  }

  /** A branch, a tag or a commit SHA (full, or a unique prefix of at least 7), as "Get a commit" accepts. */
  resolveCommitish(ref: string): ResolvedRef | undefined {
    const named = this.resolveRef(ref);
    if (named) return named;
    if (!/^[0-9a-f]{7,40}$/.test(ref)) return undefined;
    const matches = [...this.commits.keys()].filter((sha) => sha.startsWith(ref));
    return matches.length === 1 ? { sha: matches[0] as string, kind: 'sha', name: ref } : undefined;
  }

  setStatus(sha: string, status: Omit<CommitStatus, 'id' | 'createdAt'>): CommitStatus {
    const stored = { ...status, id: this.ids(), createdAt: new Date().toISOString() };
    this.statuses.set(sha, [...(this.statuses.get(sha) ?? []), stored]);
    return stored;
  }

  /** The newest status of each context, newest first, as the combined status lists them. */
  latestStatuses(sha: string): CommitStatus[] {
    const latest = new Map<string, CommitStatus>();
    for (const status of this.statuses.get(sha) ?? []) latest.set(status.context, status);
    return [...latest.values()].reverse();
  }

  /** A check run reported by an app (a CI service: `app` defaults to `github-actions`), in a suite of its own. */
  setCheckRun(
    sha: string,
    check: Omit<CheckRun, 'id' | 'startedAt' | 'completedAt' | 'checkSuiteId' | 'app' | 'runId'> & {
      app?: string;
    },
  ): CheckRun {
    const now = new Date().toISOString();
    const id = this.ids();
    const stored: CheckRun = {
      ...check,
      id,
      startedAt: now,
      completedAt: check.status === 'completed' ? now : null,
      checkSuiteId: id + 9_000_000,
      app: check.app ?? 'github-actions',
    };
    const others = (this.checkRuns.get(sha) ?? []).filter((existing) => existing.name !== check.name);
    this.checkRuns.set(sha, [...others, stored]);
    return stored;
  }

  /**
   * Every check run on a commit, as `GET …/commits/{ref}/check-runs` lists them: those apps reported (`setCheckRun`),
   * then one per job of each workflow run on the commit, in the run's check suite and following its status, as
   * GitHub Actions reports jobs. So greenlight's own deployment runs show up on the commit they ran at, as on GitHub.
   */
  checkRunsOn(sha: string): CheckRun[] {
    const jobs = this.runs
      .filter((run) => run.headSha === sha)
      .flatMap((run) =>
        (this.workflow(run.workflow)?.jobs ?? [run.name]).map(
          (name, index): CheckRun => ({
            id: run.id * 100 + index,
            name,
            status: run.status,
            conclusion: run.conclusion,
            startedAt: new Date(run.startedAt).toISOString(),
            completedAt: run.status === 'completed' ? new Date(run.updatedAt).toISOString() : null,
            checkSuiteId: run.id + 7_000_000,
            app: 'github-actions',
            runId: run.id,
          }),
        ),
      );
    return [...(this.checkRuns.get(sha) ?? []), ...jobs];
  }

  /**
   * The required contexts that are not green on `sha` (all contexts when `required` is undefined, as GitHub does
   * for a deployment created without `required_contexts`): statuses by context, check runs by name.
   */
  failingContexts(sha: string, required: string[] | undefined): { context: string; state: string }[] {
    const states = new Map<string, string>();
    for (const status of this.latestStatuses(sha)) states.set(status.context, status.state);
    for (const check of this.checkRunsOn(sha))
      states.set(check.name, check.status === 'completed' ? (check.conclusion ?? 'pending') : 'pending');
    const green = (state: string | undefined) =>
      state === 'success' || state === 'neutral' || state === 'skipped';
    const names = required ?? [...states.keys()];
    return names
      .filter((name) => !green(states.get(name)))
      .map((name) => ({ context: name, state: states.get(name) ?? 'missing' }));
  }
}
