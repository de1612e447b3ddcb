import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listen } from '../../../helpers/net.js';

export interface LoopbackServer {
  url: string;
  /** Every request's URL (path and query) and headers, in arrival order. */
  requests: { url: string; headers: IncomingMessage['headers'] }[];
  /** How many TCP connections the server accepted: one per socket a client opened. */
  connections(): number;
  /** Drops every connection, including ones a handler never answers, and stops listening. */
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 and a free port, so clients are tested over real sockets and timers. */
export async function loopbackServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<LoopbackServer> {
  const requests: LoopbackServer['requests'] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  server.on('connection', (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server, 0);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
