import { readFileSync } from 'node:fs';
import type { Env } from './env-schema.js';

export interface SentinelAddress {
  host: string;
  port: number;
}

/** TLS to Redis: on for `rediss://` (and `rediss+sentinel://`), trusting `ca` (REDIS_CA_FILE) when given. */
export interface RedisTls {
  ca?: string;
}

/**
 * Where greenlight's Redis is: one server (REDIS_URL), or a primary that Sentinel names and moves on failover
 * (REDIS_SENTINELS + REDIS_SENTINEL_NAME, or a `redis+sentinel://` REDIS_URL). Every connection is made from this
 * one value (`adapters/redis/connection.ts`).
 */
export type RedisTarget =
  | { kind: 'server'; url: string; tls?: RedisTls }
  | {
      kind: 'sentinel';
      sentinels: SentinelAddress[];
      /** The master group name the sentinels monitor. */
      name: string;
      sentinelPassword?: string;
      username?: string;
      password?: string;
      db: number;
      tls?: RedisTls;
    };

export type RedisTargetResult = { ok: true; target: RedisTarget } | { ok: false; problems: string[] };

const SENTINEL_URL =
  /^(rediss?)\+sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/@]+)\/([^/]+?)(?:\/(\d+))?\/?$/i;
const ADDRESS = /^\[?([^\]]+?)\]?:(\d{1,5})$/;

function addresses(list: string, variable: string): SentinelAddress[] | string {
  const found: SentinelAddress[] = [];
  for (const item of list
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const match = ADDRESS.exec(item);
    const port = Number(match?.[2]);
    if (!match?.[1] || !(port > 0 && port < 65_536))
      return `${variable} is malformed (expected host:port[,host:port…], got ${JSON.stringify(item)})`;
    found.push({ host: match[1], port });
  }
  return found.length > 0 ? found : `${variable} is malformed (no host:port in it)`;
}

function readCa(path: string | undefined): { ca?: string } | string {
  if (path === undefined) return {};
  try {
    return { ca: readFileSync(path, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return `REDIS_CA_FILE: ${path} cannot be read (${code ?? String(error)}): point it at the PEM file of the CA that signed Redis's certificate`;
  }
}

/**
 * The Redis target the environment describes, or every problem with it (each naming the variable). Reads
 * REDIS_CA_FILE, so a missing CA is found at start-up, not at the first connection.
 */
export function redisTargetOf(env: Env): RedisTargetResult {
  const problems: string[] = [];
  const sentinelUrl = SENTINEL_URL.exec(env.REDIS_URL);
  const scheme = sentinelUrl?.[1]?.toLowerCase() ?? new URL(env.REDIS_URL).protocol.replace(':', '');
  const secure = scheme === 'rediss';
  const ca = readCa(env.REDIS_CA_FILE);
  if (typeof ca === 'string') problems.push(ca);
  if (env.REDIS_CA_FILE !== undefined && !secure)
    problems.push(
      'REDIS_CA_FILE is set but REDIS_URL does not use TLS: use rediss:// (or rediss+sentinel://) to connect over TLS',
    );
  const tls = secure && typeof ca !== 'string' ? { tls: ca } : {};

  if (env.REDIS_URL.includes('+sentinel://') && !sentinelUrl)
    problems.push(
      'REDIS_URL is malformed: a Sentinel URL reads redis+sentinel://[:password@]host:port[,host:port…]/<master name>[/db]',
    );
  if (sentinelUrl && env.REDIS_SENTINELS !== undefined)
    problems.push('REDIS_SENTINELS is set and REDIS_URL names sentinels too: keep one of the two');
  if (env.REDIS_SENTINELS !== undefined && env.REDIS_SENTINEL_NAME === undefined)
    problems.push(
      'REDIS_SENTINEL_NAME is missing: the master group name the sentinels monitor (`sentinel monitor <name> …`)',
    );
  if (env.REDIS_SENTINEL_NAME !== undefined && env.REDIS_SENTINELS === undefined && !sentinelUrl)
    problems.push(
      'REDIS_SENTINELS is missing: REDIS_SENTINEL_NAME needs the sentinels, as host:port[,host:port…]',
    );

  let target: RedisTarget | undefined;
  const sentinelPassword = env.REDIS_SENTINEL_PASSWORD
    ? { sentinelPassword: env.REDIS_SENTINEL_PASSWORD }
    : {};
  if (sentinelUrl) {
    const [, , username, password, hosts = '', name = '', db] = sentinelUrl;
    const found = addresses(hosts, 'REDIS_URL');
    if (typeof found === 'string') problems.push(found);
    else
      target = {
        kind: 'sentinel',
        sentinels: found,
        name: decodeURIComponent(name),
        ...(username ? { username: decodeURIComponent(username) } : {}),
        ...(password ? { password: decodeURIComponent(password) } : {}),
        db: Number(db ?? 0),
        ...sentinelPassword,
        ...tls,
      };
  } else if (env.REDIS_SENTINELS !== undefined && env.REDIS_SENTINEL_NAME !== undefined) {
    // REDIS_URL's credentials, database and scheme still apply to the primary; its host is Sentinel's to name.
    const url = new URL(env.REDIS_URL);
    const found = addresses(env.REDIS_SENTINELS, 'REDIS_SENTINELS');
    if (typeof found === 'string') problems.push(found);
    else
      target = {
        kind: 'sentinel',
        sentinels: found,
        name: env.REDIS_SENTINEL_NAME,
        ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
        ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
        db: Number(url.pathname.replace(/^\//, '') || 0),
        ...sentinelPassword,
        ...tls,
      };
  } else {
    target = { kind: 'server', url: env.REDIS_URL, ...tls };
  }
  return problems.length > 0 || !target ? { ok: false, problems } : { ok: true, target };
}

/** Where Redis is, without credentials: safe to log. */
export function describeRedisTarget(target: RedisTarget): string {
  if (target.kind === 'sentinel')
    return `Sentinel master "${target.name}" via ${target.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`;
  try {
    const parsed = new URL(target.url);
    return `${parsed.hostname}:${parsed.port || '6379'}${parsed.pathname && parsed.pathname !== '/' ? parsed.pathname : ''}`;
  } catch {
    return 'REDIS_URL';
  }
}
