import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { useE2E } from '../helpers/e2e.js';
import { freePort } from '../helpers/net.js';

const APP_TOKEN = 'xapp-1-A0GREEN-socket-token';

describe('Socket Mode (SLACK_APP_TOKEN set)', () => {
  let wss: WebSocketServer;
  let wsPort = 0;
  // Before the simulators start: Slack's apps.connections.open answers with this socket's URL.
  beforeEach(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((done) => wss.once('listening', done));
    wsPort = (wss.address() as { port: number }).port;
  });
  // Registered before the harness's, so it runs after the bot has stopped.
  afterEach(async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((done) => wss.close(() => done()));
  });
  const e2e = useE2E('socket', {
    slack: () => ({ appToken: APP_TOKEN, socketModeUrl: `ws://127.0.0.1:${wsPort}/link/` }),
  });

  it('receives a slash command over the socket, acks the envelope, and serves health on PORT', async () => {
    const acks: Record<string, unknown>[] = [];
    let socket: WebSocket | undefined;
    wss.on('connection', (ws) => {
      socket = ws;
      ws.on('message', (data) => acks.push(JSON.parse(data.toString())));
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0GREEN' } }));
    });

    const port = await freePort();
    await e2e.startBot({}, { env: { SLACK_APP_TOKEN: APP_TOKEN, PORT: port } });

    expect(e2e.slack.callsOf('apps.connections.open')[0]).toMatchObject({ token: 'app', auth: 'bearer' });
    await vi.waitFor(() => expect(socket).toBeDefined());

    // Over the socket Slack sends the same fields it would post, unsigned, in an envelope.
    const command = e2e.slack.commandRequest('/flag', 'enable email_automation', { user: 'U0ALICE' });
    socket?.send(
      JSON.stringify({
        envelope_id: 'env-1',
        type: 'slash_commands',
        accepts_response_payload: true,
        payload: Object.fromEntries(new URLSearchParams(command.request.body)),
      }),
    );
    await vi.waitFor(() => expect(acks.some((ack) => ack.envelope_id === 'env-1')).toBe(true));
    const reply = await e2e.slack.waitFor(() =>
      e2e.slack.responses.find((post) => post.url === command.responseUrl),
    );
    expect(JSON.stringify(reply.body.blocks)).toContain('is now *enabled*');
    expect(await e2e.redis.get(e2e.keys.flag('email_automation'))).toBe('true');

    // A read is answered in the envelope's ack, as Slack lets a slash command's ack carry a message.
    const status = e2e.slack.commandRequest('/flag', 'status email_automation', { user: 'U0ALICE' });
    socket?.send(
      JSON.stringify({
        envelope_id: 'env-2',
        type: 'slash_commands',
        accepts_response_payload: true,
        payload: Object.fromEntries(new URLSearchParams(status.request.body)),
      }),
    );
    const answered = await vi.waitFor(() => {
      const ack = acks.find((candidate) => candidate.envelope_id === 'env-2');
      if (!ack) throw new Error('env-2 not acked yet');
      return ack;
    });
    expect(answered.payload).toMatchObject({ response_type: 'ephemeral' });
    expect(JSON.stringify(answered.payload)).toContain('`true` (enabled)');
    expect(e2e.slack.responses.filter((post) => post.url === status.responseUrl)).toEqual([]);

    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
  });
});
