import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ENV_HELP, type Env } from './env-schema.js';

export const GITHUB_AUTH_VARIABLES = ['GITHUB_TOKEN', 'GITHUB_APP_ID', 'GITHUB_APP_PRIVATE_KEY'] as const;
type GitHubAuthVariable = (typeof GITHUB_AUTH_VARIABLES)[number];

const APP_SETUP =
  'set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY to use a GitHub App instead (README: GitHub App)';

/**
 * How greenlight authenticates to GitHub: exactly one of GITHUB_TOKEN and a GitHub App (GITHUB_APP_ID with
 * GITHUB_APP_PRIVATE_KEY). The App's key may be given as PEM text (with `\n` escapes, as .env files hold it) or as
 * the path of the .pem file; either way the returned environment carries the PEM, checked to be a private key, so
 * a wrong key is told at start, not at the first deployment.
 */
export function resolveGitHubAuth(
  env: Pick<Env, GitHubAuthVariable>,
  cwd: string,
): { ok: true; env: Pick<Env, GitHubAuthVariable> } | { ok: false; problems: string[] } {
  const token = env.GITHUB_TOKEN !== undefined;
  const appId = env.GITHUB_APP_ID !== undefined;
  const appKey = env.GITHUB_APP_PRIVATE_KEY !== undefined;
  if (!token && !appId && !appKey)
    return { ok: false, problems: [`GITHUB_TOKEN is missing: ${ENV_HELP.GITHUB_TOKEN}; or ${APP_SETUP}`] };
  if (token && (appId || appKey))
    return {
      ok: false,
      problems: [
        `GITHUB_TOKEN and ${appId ? 'GITHUB_APP_ID' : 'GITHUB_APP_PRIVATE_KEY'} are both set, and greenlight authenticates one way: unset GITHUB_TOKEN to use the GitHub App, or unset GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY to use the token`,
      ],
    };
  if (token) return { ok: true, env };
  if (!appId) return { ok: false, problems: [`GITHUB_APP_ID is missing: ${ENV_HELP.GITHUB_APP_ID}`] };
  if (!env.GITHUB_APP_PRIVATE_KEY)
    return { ok: false, problems: [`GITHUB_APP_PRIVATE_KEY is missing: ${ENV_HELP.GITHUB_APP_PRIVATE_KEY}`] };
  const pem = readPrivateKey(env.GITHUB_APP_PRIVATE_KEY, cwd);
  if (!pem.ok) return { ok: false, problems: [pem.problem] };
  return { ok: true, env: { ...env, GITHUB_APP_PRIVATE_KEY: pem.pem } };
}

function readPrivateKey(
  value: string,
  cwd: string,
): { ok: true; pem: string } | { ok: false; problem: string } {
  let pem = value.replaceAll('\\n', '\n').trim();
  if (!pem.startsWith('-----BEGIN')) {
    try {
      pem = readFileSync(resolve(cwd, value), 'utf8').trim();
    } catch (error) {
      // The value is never echoed: it may be a key pasted without its header.
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'unreadable';
      return {
        ok: false,
        problem: `GITHUB_APP_PRIVATE_KEY is neither a PEM private key (-----BEGIN … PRIVATE KEY-----) nor the path of a readable file (${reason}): ${ENV_HELP.GITHUB_APP_PRIVATE_KEY}`,
      };
    }
  }
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
  } catch {
    return {
      ok: false,
      problem: `GITHUB_APP_PRIVATE_KEY is not an RSA private key in PEM: ${ENV_HELP.GITHUB_APP_PRIVATE_KEY}`,
    };
  }
  return { ok: true, pem: `${pem}\n` };
}
