import type { DeclaredDispatch } from '../../domain/preflight/workflow-inputs-check.js';

/**
 * What a probe of the outside world found, or why it could not look: a sentence for the checklist (Slack or
 * GitHub refusing the token, being unreachable, a scope missing for the lookup itself).
 */
export type Probe<T> = { ok: true; value: T } | { ok: false; problem: string };

export interface SlackIdentity {
  team: string;
  botUser: string;
  /** The token's scopes from the `x-oauth-scopes` header; undefined when Slack's answer did not carry it. */
  scopes: readonly string[] | undefined;
}

export interface SlackChannel {
  id: string;
  name: string;
  private: boolean;
  archived: boolean;
  /** Whether the bot is in it: a private channel must have it invited. */
  member: boolean;
}

export interface SlackGroup {
  id: string;
  handle: string;
  users: readonly string[];
}

/** The Slack lookups preflight makes; read-only. */
export interface SlackSetup {
  identity(): Promise<Probe<SlackIdentity>>;
  /** A channel by `#name` or ID; undefined when Slack knows none that the token can see. */
  channel(reference: string): Promise<Probe<SlackChannel | undefined>>;
  /** The workspace's enabled user groups with their members. */
  groups(): Promise<Probe<readonly SlackGroup[]>>;
}

export interface GitHubRepository {
  fullName: string;
  /** Write access for the token's account (`permissions.push`); undefined when GitHub does not say. */
  canWrite: boolean | undefined;
  /** A classic token's scopes (`x-oauth-scopes`); undefined for fine-grained and App tokens. */
  classicScopes: readonly string[] | undefined;
}

export interface GitHubWorkflow {
  /** The file, e.g. `.github/workflows/production-deployment.yml`. */
  path: string;
  /** `active`, or why it is not (`disabled_manually`, `disabled_inactivity`…). */
  state: string;
}

/** How greenlight authenticates to one repository: its token, or the installation of its GitHub App there. */
export type GitHubAccess =
  | { mode: 'token' }
  | {
      mode: 'app';
      installationId: number | undefined;
      /** What the installation was granted, by GitHub's permission names (`actions: write`). */
      permissions?: Readonly<Record<string, string>>;
    };

/** The GitHub lookups preflight makes on one repository greenlight dispatches to; read-only. */
export interface GitHubSetup {
  /** With a GitHub App, whether it is installed on the repository (a token needs no lookup). */
  access(): Promise<Probe<GitHubAccess>>;
  /** Undefined when GitHub answers 404: no such repository, or the token may not see it. */
  repository(): Promise<Probe<GitHubRepository | undefined>>;
  /** The commit a branch, tag or SHA resolves to; undefined when there is none. */
  commit(ref: string): Promise<Probe<{ sha: string } | undefined>>;
  /** A workflow by file name or ID; undefined when the repository has none such. */
  workflow(workflow: string): Promise<Probe<GitHubWorkflow | undefined>>;
  /** The `workflow_dispatch` trigger of the workflow file at `ref`; undefined when the file is not at that ref. */
  dispatchTrigger(path: string, ref: string): Promise<Probe<DeclaredDispatch | undefined>>;
  /** How many commit statuses and check runs GitHub lets the token read on a commit (what `/deploy` reads). */
  checks(sha: string): Promise<Probe<{ statuses: number; checkRuns: number }>>;
}

export function found<T>(value: T): Probe<T> {
  return { ok: true, value };
}

export function cannotTell(problem: string): Probe<never> {
  return { ok: false, problem };
}
