import { connect, createServer, type Socket } from 'node:net';
import { listen } from '../../playground/launcher/net.js';

export { freePort, listen } from '../../playground/launcher/net.js';

export interface RedisProxy {
  url: string;
  /** Holds every reply from Redis until resume(): a Redis that is up but slow. */
  stall(): void;
  resume(): void;
  /** Drops every connection and refuses new ones: Redis is down. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of the test Redis on `port` (0 = any), so one client can lose Redis, or find it late,
 * without the other tests noticing.
 */
export async function startRedisProxy(targetUrl: string, port = 0): Promise<RedisProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let held: [Socket, Buffer][] = [];
  let stalled = false;
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (stalled) held.push([client, chunk]);
      else client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  const bound = await listen(server, port);
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    held = [];
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      dropAll();
    });
  return {
    url: `redis://127.0.0.1:${bound}${target.pathname}`,
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
      for (const [client, chunk] of held) if (!client.destroyed) client.write(chunk);
      held = [];
    },
    down: stop,
    async up() {
      await listen(server, bound);
    },
    close: stop,
  };
}
