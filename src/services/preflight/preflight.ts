import type { FileConfig } from '../../config/file-schema.js';
import { closeMatches } from '../../domain/close-matches.js';
import { parsePrincipal } from '../../domain/policy/principals.js';
import { type WorkflowDispatch, workflowDispatches } from '../../domain/preflight/dispatches.js';
import { requiredSlackScopes, SLACK_SCOPES } from '../../domain/preflight/slack-scopes.js';
import { workflowInputProblems } from '../../domain/preflight/workflow-inputs-check.js';
import type { GitHubAccess, GitHubRepository, GitHubSetup, SlackGroup, SlackSetup } from './ports.js';

/** One line of the checklist: what was checked and, when it failed, the sentence that says how to fix it. */
export interface PreflightCheck {
  area: 'Config' | 'Slack' | 'GitHub';
  ok: boolean;
  text: string;
}

export interface PreflightPorts {
  slack: SlackSetup;
  /** The lookups on one repository; absent without a `github` section: nothing to check there. */
  github?: (repository: { owner: string; repo: string }) => GitHubSetup;
}

/**
 * Checks a setup against the real Slack and GitHub before it bites: the token's scopes, the channels and user
 * groups the config names, the repository, the ref, and every workflow greenlight dispatches, including whether
 * it declares each input greenlight sends. Read-only; each failure is one sentence naming what to fix.
 */
export async function runPreflight(config: FileConfig, ports: PreflightPorts): Promise<PreflightCheck[]> {
  const [slack, github] = await Promise.all([
    slackChecks(config, ports.slack),
    ports.github && config.github ? githubChecks(config, ports.github) : Promise.resolve([]),
  ]);
  return [...slack, ...github];
}

const pass = (area: PreflightCheck['area'], text: string): PreflightCheck => ({ area, ok: true, text });
const fail = (area: PreflightCheck['area'], text: string): PreflightCheck => ({ area, ok: false, text });

async function slackChecks(config: FileConfig, slack: SlackSetup): Promise<PreflightCheck[]> {
  const identity = await slack.identity();
  if (!identity.ok) return [fail('Slack', identity.problem)];
  const checks = [
    pass('Slack', `SLACK_BOT_TOKEN is accepted (bot @${identity.value.botUser} in ${identity.value.team})`),
  ];
  const needed = requiredSlackScopes(config);
  const granted = identity.value.scopes;
  if (granted === undefined) {
    checks.push(
      fail(
        'Slack',
        "Slack's answer to auth.test carried no x-oauth-scopes header, so the token's scopes cannot be checked: is SLACK_API_URL a proxy that drops it?",
      ),
    );
  } else {
    const missing = needed.filter((scope) => !granted.includes(scope));
    checks.push(
      missing.length === 0
        ? pass('Slack', `the token has the scopes this config uses: ${needed.join(', ')}`)
        : fail(
            'Slack',
            `the token lacks ${missing.map((scope) => `${scope} (${SLACK_SCOPES[scope]})`).join(', ')}: add ${missing.length === 1 ? 'it' : 'them'} under OAuth & Permissions (manifest.yml lists every scope) and reinstall the app`,
          ),
    );
  }
  const channels: [string, string | undefined][] = [
    ['slack.statusChannel', config.slack.statusChannel],
    ['slack.incidentChannel', config.slack.incidentChannel],
  ];
  for (const [key, reference] of channels) {
    if (reference !== undefined) checks.push(await channelCheck(slack, key, reference));
  }
  checks.push(...(await groupChecks(config, slack)));
  return checks;
}

async function channelCheck(slack: SlackSetup, key: string, reference: string): Promise<PreflightCheck> {
  const found = await slack.channel(reference);
  if (!found.ok) return fail('Slack', `${key} ${reference} could not be looked up: ${found.problem}`);
  const channel = found.value;
  if (channel === undefined) {
    return fail(
      'Slack',
      reference.startsWith('#')
        ? `${key}: Slack has no public channel ${reference}; create it or fix the name (for a private channel, give its ID and invite @greenlight)`
        : `${key}: Slack has no channel ${reference} that greenlight can see; check the ID (a private channel must have @greenlight invited)`,
    );
  }
  const shown = `#${channel.name} (${channel.id})`;
  if (channel.archived)
    return fail('Slack', `${key} ${shown} is archived: unarchive it or name another channel`);
  if (channel.private && !channel.member)
    return fail('Slack', `${key} ${shown} is private and greenlight is not in it: /invite @greenlight there`);
  return pass('Slack', `${key} ${shown} exists`);
}

/** Each user group an environment names exists, and its approvers can give the approvals it needs. */
async function groupChecks(config: FileConfig, slack: SlackSetup): Promise<PreflightCheck[]> {
  const named = Object.entries(config.environments).flatMap(([env, settings]) =>
    (['approvers', 'deployers'] as const).flatMap((role) =>
      settings[role].map((text) => ({ env, role, text, principal: parsePrincipal(text) })),
    ),
  );
  if (!named.some((entry) => entry.principal.kind === 'group')) return [];
  const listed = await slack.groups();
  if (!listed.ok)
    return [fail('Slack', `the user groups in environments could not be read: ${listed.problem}`)];
  const groups = listed.value;
  const find = (text: string): SlackGroup | undefined =>
    groups.find((group) => (text.startsWith('@') ? `@${group.handle}` === text : group.id === text));
  const checks: PreflightCheck[] = [];
  const unknown = new Set<string>();
  for (const entry of named) {
    if (entry.principal.kind !== 'group' || find(entry.text) || unknown.has(entry.text)) continue;
    unknown.add(entry.text);
    const guess = closeMatches(
      entry.text.replace(/^@/, ''),
      groups.map((group) => group.handle),
      1,
    )[0];
    checks.push(
      fail(
        'Slack',
        `environments.${entry.env}.${entry.role}: ${entry.text} is not an enabled user group in this workspace${guess ? `; did you mean @${guess}?` : ''}`,
      ),
    );
  }
  for (const [env, settings] of Object.entries(config.environments)) {
    if (settings.approvals === 0 || settings.approvers.some((text) => unknown.has(text))) continue;
    const usersOf = (text: string) =>
      parsePrincipal(text).kind === 'user' ? [text] : (find(text)?.users ?? []);
    const people = new Set(settings.approvers.flatMap(usersOf)).size;
    if (people >= settings.approvals) continue;
    const listed = settings.approvers
      .map((text) =>
        parsePrincipal(text).kind === 'user' ? text : `${text}: ${plural(usersOf(text).length, 'member')}`,
      )
      .join(', ');
    checks.push(
      fail(
        'Slack',
        `environments.${env} needs ${settings.approvals} approval${settings.approvals === 1 ? '' : 's'}, but its approvers add up to ${people} ${people === 1 ? 'person' : 'people'} (${listed}): lower approvals or add approvers`,
      ),
    );
  }
  if (checks.length === 0) {
    const used = [
      ...new Set(named.filter((entry) => entry.principal.kind === 'group').map((entry) => entry.text)),
    ];
    checks.push(
      pass(
        'Slack',
        `user groups ${used.map((text) => `${text} (${plural(find(text)?.users.length ?? 0, 'member')})`).join(', ')} exist`,
      ),
    );
  }
  return checks;
}

/**
 * Every repository greenlight dispatches to (`github.repo`, and each service's own), each with its access, its
 * `github.ref` and the workflows dispatched there with their inputs; `github.repo` also with its commit checks.
 */
async function githubChecks(
  config: FileConfig,
  github: (repository: { owner: string; repo: string }) => GitHubSetup,
): Promise<PreflightCheck[]> {
  const settings = config.github;
  if (!settings) return [];
  const main = `${settings.owner}/${settings.repo}`;
  const dispatches = workflowDispatches(config);
  const repositories = [...new Set([main, ...dispatches.map((dispatch) => dispatch.repository || main)])];
  const checks = await Promise.all(
    repositories.map((slug) => {
      const [owner = '', repo = ''] = slug.split('/');
      const own = dispatches.filter((dispatch) => (dispatch.repository || main) === slug);
      return repositoryChecks(config, github({ owner, repo }), slug, slug === main, own);
    }),
  );
  return checks.flat();
}

async function repositoryChecks(
  config: FileConfig,
  github: GitHubSetup,
  slug: string,
  main: boolean,
  dispatches: readonly WorkflowDispatch[],
): Promise<PreflightCheck[]> {
  const settings = config.github;
  if (!settings) return [];
  const access = await github.access();
  if (!access.ok) return [fail('GitHub', access.problem)];
  const installed = accessCheck(slug, access.value);
  if (!installed.ok) return [installed];
  const who = access.value.mode === 'app' ? 'the GitHub App' : 'GITHUB_TOKEN';
  const repository = await github.repository();
  if (!repository.ok) return [fail('GitHub', repository.problem)];
  if (repository.value === undefined) {
    return [
      fail(
        'GitHub',
        `GitHub has no repository ${slug} that ${who} can see: check ${main ? 'github.owner and github.repo' : repositoryKeys(config, slug)}, and give ${access.value.mode === 'app' ? 'the App' : 'the token'} access to that repository`,
      ),
    ];
  }
  const checks = [
    installed,
    pass('GitHub', `repository ${repository.value.fullName} exists`),
    dispatchPermission(repository.value, who),
  ];
  const commit = await github.commit(settings.ref);
  if (!commit.ok) checks.push(fail('GitHub', commit.problem));
  else if (commit.value === undefined)
    checks.push(
      fail(
        'GitHub',
        `github.ref "${settings.ref}" is no branch, tag or commit of ${slug}: ${main ? 'fix github.ref in greenlight.yml' : `create it there, or greenlight cannot dispatch in ${slug}`}`,
      ),
    );
  else {
    checks.push(
      pass(
        'GitHub',
        `github.ref ${settings.ref} is ${commit.value.sha.slice(0, 7)}${main ? '' : ` in ${slug}`}`,
      ),
    );
    if (main && requiresChecks(config))
      checks.push(await checksReadable(github, settings.ref, commit.value.sha, who));
  }

  for (const workflow of [...new Set(dispatches.map((dispatch) => dispatch.workflow))]) {
    checks.push(...(await workflowChecks(config, github, slug, workflow, dispatches)));
  }
  return checks;
}

/** The greenlight.yml keys that name a repository other than `github.repo`. */
function repositoryKeys(config: FileConfig, slug: string): string {
  const keys = Object.entries(config.services).flatMap(([name, service]) => [
    ...(service.repo === slug ? [`services.${name}.repo`] : []),
    ...(service.rollback?.repo === slug ? [`services.${name}.rollback.repo`] : []),
  ]);
  return keys.join(', ') || 'the repositories in greenlight.yml';
}

/** Whether some environment deploys only green commits, so `/deploy` must read commit statuses and check runs. */
function requiresChecks(config: FileConfig): boolean {
  return Object.values(config.environments).some(
    (environment) => (environment.requireChecks ?? config.deploy.requireChecks) !== 'none',
  );
}

/** `/deploy` reads the commit's statuses and check runs before it queues: a token that may not is refused every time. */
async function checksReadable(
  github: GitHubSetup,
  ref: string,
  sha: string,
  who: string,
): Promise<PreflightCheck> {
  const read = await github.checks(sha);
  if (!read.ok)
    return fail(
      'GitHub',
      `${read.problem}; until then every /deploy is refused, since deploy.requireChecks needs them`,
    );
  const { statuses, checkRuns } = read.value;
  return pass(
    'GitHub',
    `${who} may read the checks of a commit (${ref}: ${statuses} ${statuses === 1 ? 'status' : 'statuses'}, ${plural(checkRuns, 'check run')})`,
  );
}

/** How greenlight authenticates to the repository: a token, or the GitHub App, which must be installed there. */
function accessCheck(slug: string, access: GitHubAccess): PreflightCheck {
  if (access.mode === 'token') return pass('GitHub', `authenticates to ${slug} with GITHUB_TOKEN`);
  if (access.installationId === undefined)
    return fail(
      'GitHub',
      `the GitHub App is not installed on ${slug}: install it there (the App's page → Install App → the account → Only select repositories → ${slug}), or greenlight cannot dispatch, record deployments or read runs in it`,
    );
  const missing = APP_PERMISSIONS.filter(
    ({ name, access: needed }) => rank(access.permissions?.[name]) < rank(needed),
  );
  if (access.permissions && missing.length > 0)
    return fail(
      'GitHub',
      `the GitHub App's installation on ${slug} (${access.installationId}) lacks ${missing.map((permission) => permission.label).join(', ')}: add ${missing.length === 1 ? 'it' : 'them'} under the App's Permissions & events, then accept the new permissions in the installation's settings`,
    );
  return pass('GitHub', `authenticates to ${slug} as the GitHub App (installation ${access.installationId})`);
}

function rank(access: string | undefined): number {
  return ['read', 'write', 'admin'].indexOf(access ?? '') + 1;
}

/** What greenlight does with a repository, as a GitHub App's repository permissions (README: GitHub App). */
const APP_PERMISSIONS = [
  { name: 'actions', access: 'write', label: 'Actions: Read and write' },
  { name: 'deployments', access: 'write', label: 'Deployments: Read and write' },
  { name: 'contents', access: 'read', label: 'Contents: Read' },
  { name: 'checks', access: 'read', label: 'Checks: Read' },
  { name: 'statuses', access: 'read', label: 'Commit statuses: Read' },
] as const;

function dispatchPermission(repository: GitHubRepository, who: string): PreflightCheck {
  const { classicScopes, canWrite, fullName } = repository;
  if (
    classicScopes !== undefined &&
    !classicScopes.includes('repo') &&
    !classicScopes.includes('public_repo')
  )
    return fail(
      'GitHub',
      `GITHUB_TOKEN is a classic token without the repo scope, so it cannot dispatch workflows: add the repo scope, or use a fine-grained token with Actions: read and write`,
    );
  if (canWrite === false)
    return fail(
      'GitHub',
      `GITHUB_TOKEN can read ${fullName} but not write to it, so it cannot dispatch workflows: use a token of an account with write access, with Actions: read and write (fine-grained) or the repo scope (classic)`,
    );
  if (canWrite === undefined)
    return pass(
      'GitHub',
      `${who} may dispatch (GitHub did not report its permissions; the first dispatch tells)`,
    );
  return pass('GitHub', `${who} may dispatch workflows (write access to ${fullName})`);
}

async function workflowChecks(
  config: FileConfig,
  github: GitHubSetup,
  slug: string,
  workflow: string,
  dispatches: readonly WorkflowDispatch[],
): Promise<PreflightCheck[]> {
  const ref = config.github?.ref ?? 'main';
  const found = await github.workflow(workflow);
  if (!found.ok) return [fail('GitHub', found.problem)];
  if (found.value === undefined) {
    return [
      fail(
        'GitHub',
        `workflow \`${workflow}\` is not in ${slug}: check ${configKeysNaming(config, workflow)} names a file in .github/workflows on the default branch (GitHub only dispatches workflows it lists there)`,
      ),
    ];
  }
  if (found.value.state !== 'active') {
    return [
      fail(
        'GitHub',
        `workflow \`${workflow}\` is ${found.value.state.replace(/_/g, ' ')}: enable it (Actions → ${workflow} → ⋯ → Enable workflow), or GitHub refuses every dispatch`,
      ),
    ];
  }
  const trigger = await github.dispatchTrigger(found.value.path, ref);
  if (!trigger.ok) return [fail('GitHub', trigger.problem)];
  if (trigger.value === undefined) {
    return [
      fail(
        'GitHub',
        `workflow \`${workflow}\` (${found.value.path}) is not on github.ref ${ref}: GitHub runs a dispatched workflow as the file is at the ref deployed, so merge it there`,
      ),
    ];
  }
  const problems = workflowInputProblems(workflow, trigger.value, dispatches);
  if (problems.length > 0) return problems.map((problem) => fail('GitHub', problem));
  const senders = dispatches
    .filter((dispatch) => dispatch.workflow === workflow)
    .map((dispatch) => dispatch.sender);
  return [
    pass(
      'GitHub',
      `workflow \`${workflow}\` accepts every input greenlight sends it (${senders.join(', ')})`,
    ),
  ];
}

/** Which greenlight.yml keys name a workflow, so a missing one is fixed in the right place. */
function configKeysNaming(config: FileConfig, workflow: string): string {
  const keys = [
    ...(config.github?.workflow === workflow ? ['github.workflow'] : []),
    ...config.pipeline.flatMap((phase, index) =>
      phase.workflow === workflow ? [`pipeline[${index}].workflow`] : [],
    ),
    ...(config.rollback?.workflow === workflow ? ['rollback.workflow'] : []),
    ...Object.entries(config.services).flatMap(([name, service]) => [
      ...(service.workflow === workflow ? [`services.${name}.workflow`] : []),
      ...(service.rollback?.workflow === workflow ? [`services.${name}.rollback.workflow`] : []),
    ]),
  ];
  return keys.join(', ') || 'greenlight.yml';
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
