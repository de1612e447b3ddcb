import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { vi } from 'vitest';
import { freePort } from './net.js';

/** One `redis-server` (or sentinel) process of a test's own. */
export interface RedisServerProcess {
  port: number;
  /** Everything it logged so far. */
  output(): string;
  /** SIGKILL, as when a machine dies: nothing is flushed, clients see their sockets reset. */
  kill(): Promise<void>;
}

/**
 * Starts `redis-server <args>` and resolves once it logs `readyText`. Persistence is the caller's to choose; the
 * process is killed with the test process if the test forgets.
 */
export async function startRedisServer(
  args: string[],
  port: number,
  readyText = 'Ready to accept connections',
): Promise<RedisServerProcess> {
  const child: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let output = '';
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.off('exit', killOnExit);
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(readyText)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code}:\n${output}`));
    });
  });
  return {
    port,
    output: () => output,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export interface SentinelGroup {
  name: string;
  primary: RedisServerProcess;
  replica: RedisServerProcess;
  sentinels: RedisServerProcess[];
  /** `host:port,…` as REDIS_SENTINELS takes it. */
  sentinelList: string;
  /** A client that follows the primary through the sentinels, as greenlight's do. */
  client(): Redis;
  /** The port of the node the sentinels currently name as primary. */
  primaryPort(): Promise<number>;
  stop(): Promise<void>;
}

const MASTER = 'greenlight-test';

/**
 * A primary, one replica and three sentinels (quorum 2) on free loopback ports, with AOF `everysec` as the README
 * recommends and configs generated in a temporary directory. Resolves once the replica is in sync and every
 * sentinel knows the replica and the two other sentinels, so a failover can happen as soon as the primary dies.
 * The sentinels call the primary down after 1 s (production uses more).
 */
export async function startSentinelGroup(): Promise<SentinelGroup> {
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-sentinel-'));
  const processes: RedisServerProcess[] = [];
  const clients: Redis[] = [];
  const stop = async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await Promise.all(processes.splice(0).map((server) => server.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const dataNode = async (label: string, extra: string[]) => {
      const port = await freePort();
      const nodeDir = mkdtempSync(join(dir, `${label}-`));
      const server = await startRedisServer(
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          nodeDir,
          '--save',
          '',
          '--appendonly',
          'yes',
          '--appendfsync',
          'everysec',
          ...extra,
        ],
        port,
      );
      processes.push(server);
      return server;
    };
    const primary = await dataNode('primary', []);
    const replica = await dataNode('replica', ['--replicaof', '127.0.0.1', String(primary.port)]);
    const sentinels: RedisServerProcess[] = [];
    for (let index = 0; index < 3; index += 1) {
      const port = await freePort();
      const config = join(dir, `sentinel-${index}.conf`);
      writeFileSync(
        config,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${MASTER} 127.0.0.1 ${primary.port} 2`,
          `sentinel down-after-milliseconds ${MASTER} 1000`,
          `sentinel failover-timeout ${MASTER} 10000`,
          `sentinel parallel-syncs ${MASTER} 1`,
          '',
        ].join('\n'),
      );
      const sentinel = await startRedisServer([config, '--sentinel'], port, 'Sentinel ID is');
      processes.push(sentinel);
      sentinels.push(sentinel);
    }

    const direct = (port: number) => {
      const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, lazyConnect: false });
      // Its node may be the one a test kills: retrying is all it does about it.
      client.on('error', () => {});
      clients.push(client);
      return client;
    };
    const replicaClient = direct(replica.port);
    const sentinelClients = sentinels.map((sentinel) => direct(sentinel.port));
    await vi.waitFor(
      async () => {
        if (!(await replicaClient.info('replication')).includes('master_link_status:up'))
          throw new Error('replica not in sync yet');
        for (const sentinel of sentinelClients) {
          const replicas = (await sentinel.call('SENTINEL', 'REPLICAS', MASTER)) as unknown[];
          const others = (await sentinel.call('SENTINEL', 'SENTINELS', MASTER)) as unknown[];
          if (replicas.length < 1 || others.length < 2) throw new Error('sentinels still discovering');
        }
      },
      { timeout: 15_000, interval: 100 },
    );
    const sentinelList = sentinels.map((sentinel) => `127.0.0.1:${sentinel.port}`).join(',');
    const [firstSentinel] = sentinelClients;
    return {
      name: MASTER,
      primary,
      replica,
      sentinels,
      sentinelList,
      client() {
        const client = new Redis({
          sentinels: sentinels.map((sentinel) => ({ host: '127.0.0.1', port: sentinel.port })),
          name: MASTER,
          maxRetriesPerRequest: 20,
          sentinelRetryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
          retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
        });
        client.on('error', () => {});
        clients.push(client);
        return client;
      },
      async primaryPort() {
        const address = (await firstSentinel?.call(
          'SENTINEL',
          'GET-MASTER-ADDR-BY-NAME',
          MASTER,
        )) as string[];
        return Number(address[1]);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface TlsRedis {
  /** `rediss://127.0.0.1:<port>/0`. */
  url: string;
  /** The PEM file of the CA that signed the server's certificate (what REDIS_CA_FILE names). */
  caFile: string;
  /** The CA's certificate, for a test's own client. */
  ca: string;
  stop(): Promise<void>;
}

/**
 * A `redis-server` that speaks only TLS (`--port 0 --tls-port …`), with a CA and a certificate for 127.0.0.1 made
 * by openssl in a temporary directory. Clients need not present a certificate.
 */
export async function startTlsRedis(): Promise<TlsRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-tls-'));
  const file = (name: string) => join(dir, name);
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=greenlight test CA'].concat(
      ['-keyout', file('ca.key'), '-out', file('ca.pem')],
    ),
  );
  openssl(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', file('server.key')].concat([
      '-out',
      file('server.csr'),
    ]),
  );
  writeFileSync(file('san.ext'), 'subjectAltName = IP:127.0.0.1, DNS:localhost\n');
  openssl(
    ['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key')].concat([
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      file('san.ext'),
      '-out',
      file('server.pem'),
    ]),
  );
  const port = await freePort();
  const server = await startRedisServer(
    ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '']
      .concat([
        '--appendonly',
        'no',
        '--tls-cert-file',
        file('server.pem'),
        '--tls-key-file',
        file('server.key'),
      ])
      .concat(['--tls-ca-cert-file', file('ca.pem'), '--tls-auth-clients', 'no']),
    port,
  );
  return {
    url: `rediss://127.0.0.1:${port}/0`,
    caFile: file('ca.pem'),
    ca: readFileSync(file('ca.pem'), 'utf8'),
    async stop() {
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
