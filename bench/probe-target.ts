/**
 * Child process: the service a health probe checks, answering `GET /health…` at once with a small JSON body on
 * kept-alive connections. In a process of its own so that the bench process's CPU time is the prober's alone.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const BODY = '{"status":"ok"}';

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(BODY.length) });
  res.end(BODY);
});
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port });
});

process.on('message', (raw) => {
  const message = raw as { type: string; id?: number };
  if (message.type === 'cpu') {
    const usage = process.cpuUsage();
    process.send?.({ type: 'cpu', id: message.id, micros: usage.user + usage.system });
    return;
  }
  if (message.type === 'stop') {
    server.closeAllConnections();
    server.close(() => {
      process.send?.({ type: 'stopped' });
      process.exit(0);
    });
  }
});
