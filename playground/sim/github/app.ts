import { createPublicKey, type KeyObject, randomBytes, verify } from 'node:crypto';
import type { Answer } from '../http.js';
import { errorJson, type Site, userJson } from './json.js';
import type { Access, Permission, Route } from './routes.js';

/** One installation of the App: the repositories it was given and the permissions it was granted. */
export interface SimInstallation {
  id: number;
  /** The account it is installed on (`acme`); by default the owner of its first repository. */
  account?: string;
  /** `owner/name` of every repository it may reach. */
  repos: string[];
  /** Default: every permission greenlight's README asks for. */
  permissions?: Partial<Record<Permission, Access>>;
}

/** A GitHub App registered on the simulated GitHub. */
export interface SimApp {
  id: number;
  /** The App's client ID, also accepted as the JWT's `iss` (GitHub's current advice). */
  clientId?: string;
  slug?: string;
  /** PEM of the App's public key: JWTs are verified with it (RS256), as GitHub does with the key it generated. */
  publicKey: string;
  installations: SimInstallation[];
  /** How long an installation token lives (GitHub: one hour). */
  tokenLifetimeMs?: number;
}

/** What an installation token may do: its installation's repositories and permissions, until it expires. */
export interface InstallationToken {
  installationId: number;
  login: string;
  repos: string[];
  permissions: Partial<Record<Permission, Access>>;
  expiresAt: number;
}

/** The permissions greenlight's README asks the App for. */
export const APP_PERMISSIONS: Record<Permission, Access> = {
  actions: 'write',
  deployments: 'write',
  contents: 'read',
  checks: 'read',
  statuses: 'read',
  metadata: 'read',
};

const MAX_JWT_LIFETIME_S = 600;
const JWT_UNREADABLE = 'A JSON web token could not be decoded';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * GitHub's side of App authentication: JWTs checked as GitHub checks them (RS256 with the App's public key, `iss`
 * the App, `iat` not in the future, `exp` in the future and at most ten minutes on), installations per repository,
 * and installation tokens that expire after an hour (then answer 401 "Bad credentials").
 */
export class SimAppAuth {
  private readonly key: KeyObject;
  private readonly tokens = new Map<string, InstallationToken>();
  /** Every token issued, oldest first (for tests that watch refreshes). */
  readonly issued: { installationId: number; token: string; expiresAt: number }[] = [];

  constructor(
    readonly app: SimApp,
    private readonly now: () => number,
  ) {
    this.key = createPublicKey(app.publicKey);
  }

  get slug(): string {
    return this.app.slug ?? 'greenlight';
  }

  /** Undefined for a JWT GitHub accepts; else the 401 message GitHub answers. */
  checkJwt(jwt: string): string | undefined {
    const [header, payload, signature] = jwt.split('.');
    if (header === undefined || payload === undefined || signature === undefined) return JWT_UNREADABLE;
    let claims: { iss?: unknown; iat?: unknown; exp?: unknown };
    try {
      const alg = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown }).alg;
      if (alg !== 'RS256') return JWT_UNREADABLE;
      const signed = verify(
        'RSA-SHA256',
        Buffer.from(`${header}.${payload}`),
        this.key,
        Buffer.from(signature, 'base64url'),
      );
      if (!signed) return JWT_UNREADABLE;
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return JWT_UNREADABLE;
    }
    if (String(claims.iss) !== String(this.app.id) && claims.iss !== this.app.clientId) return JWT_UNREADABLE;
    const nowS = Math.floor(this.now() / 1000);
    if (typeof claims.iat !== 'number' || claims.iat > nowS + 60)
      return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued.";
    if (typeof claims.exp !== 'number' || claims.exp <= nowS)
      return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires.";
    if (claims.exp > nowS + MAX_JWT_LIFETIME_S)
      return "'Expiration time' claim ('exp') is too far in the future.";
    return undefined;
  }

  /** The grant of an installation token; `expired` once its hour is over; undefined for a token not ours. */
  tokenGrant(token: string): InstallationToken | 'expired' | undefined {
    const grant = this.tokens.get(token);
    if (!grant) return undefined;
    return grant.expiresAt <= this.now() ? 'expired' : grant;
  }

  installationOf(repo: string): SimInstallation | undefined {
    return this.app.installations.find((installation) => installation.repos.includes(repo));
  }

  /** `POST /app/installations/{id}/access_tokens` and `GET /repos/{owner}/{repo}/installation`, `GET /app`. */
  routes(site: Site): Route[] {
    const installationJson = (installation: SimInstallation) => {
      const account = installation.account ?? installation.repos[0]?.split('/')[0] ?? 'acme';
      return {
        id: installation.id,
        account: userJson(site, { login: account, id: 2_000 + installation.id, type: 'Organization' }),
        repository_selection: 'selected',
        access_tokens_url: `${site.api}/app/installations/${installation.id}/access_tokens`,
        repositories_url: `${site.api}/installation/repositories`,
        html_url: `${site.web}/organizations/${account}/settings/installations/${installation.id}`,
        app_id: this.app.id,
        app_slug: this.slug,
        target_id: 2_000 + installation.id,
        target_type: 'Organization',
        permissions: installation.permissions ?? APP_PERMISSIONS,
        events: ['workflow_run'],
        created_at: '2026-01-05T09:00:00Z',
        updated_at: '2026-01-05T09:00:00Z',
        single_file_name: null,
        suspended_at: null,
        suspended_by: null,
      };
    };
    const missing = (documentation: string): Answer => ({
      status: 404,
      body: errorJson(404, 'Not Found', documentation),
    });
    return [
      {
        method: 'GET',
        name: 'apps/get-authenticated',
        pattern: /^\/app$/,
        scope: 'root',
        auth: 'app',
        handle: () => ({
          status: 200,
          body: {
            id: this.app.id,
            slug: this.slug,
            client_id: this.app.clientId ?? `Iv1.${this.app.id}`,
            name: this.slug,
            owner: userJson(site, { login: 'acme', id: 1_001, type: 'Organization' }),
            permissions: APP_PERMISSIONS,
            events: ['workflow_run'],
            installations_count: this.app.installations.length,
          },
        }),
      },
      {
        method: 'GET',
        name: 'apps/get-repo-installation',
        pattern: /^\/installation$/,
        scope: 'repo',
        auth: 'app',
        handle: (request) => {
          const installation = request.repo ? this.installationOf(request.repo.fullName) : undefined;
          return installation
            ? { status: 200, body: installationJson(installation) }
            : missing('rest/apps/apps#get-a-repository-installation-for-the-authenticated-app');
        },
      },
      {
        method: 'POST',
        name: 'apps/create-installation-access-token',
        pattern: /^\/app\/installations\/(\d+)\/access_tokens$/,
        scope: 'root',
        auth: 'app',
        handle: (request) => {
          const installation = this.app.installations.find((each) => String(each.id) === request.params[0]);
          if (!installation) return missing('rest/apps/apps#create-an-installation-access-token-for-an-app');
          const token = `ghs_${randomBytes(18).toString('hex')}`;
          const expiresAt = this.now() + (this.app.tokenLifetimeMs ?? 3_600_000);
          const permissions = installation.permissions ?? APP_PERMISSIONS;
          this.tokens.set(token, {
            installationId: installation.id,
            login: `${this.slug}[bot]`,
            repos: installation.repos,
            permissions,
            expiresAt,
          });
          this.issued.push({ installationId: installation.id, token, expiresAt });
          return {
            status: 201,
            body: {
              token,
              expires_at: iso(expiresAt),
              permissions,
              repository_selection: 'selected',
            },
          };
        },
      },
    ];
  }
}
