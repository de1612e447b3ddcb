import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';

/** Listens on 127.0.0.1 (port 0 = any free port) and resolves to the bound port. */
export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** A loopback port nothing listens on (for a moment): a "down" service, or a port to start one on. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe, 0);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
