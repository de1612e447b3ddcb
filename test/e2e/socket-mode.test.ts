import type { Redis } from 'ioredis';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { createLogger } from '../../src/logger.js';
import { type Greenlight, startGreenlight } from '../../src/runtime.js';
import { captureResponses, fakeSlackApi, isolateNetwork } from '../helpers/bot.js';
import { testConfig } from '../helpers/config.js';
import { freePort } from '../helpers/net.js';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { RESPONSE_HOST } from '../helpers/slack.js';

describe('Socket Mode (SLACK_APP_TOKEN set)', () => {
  const prefix = uniquePrefix('socket');
  let redis: Redis;
  let wss: WebSocketServer;
  let bot: Greenlight | undefined;

  beforeAll(() => isolateNetwork());
  afterAll(() => nock.enableNetConnect());
  afterEach(async () => {
    await bot?.stop();
    await new Promise((done) => wss.close(done));
    await deleteKeys(redis, prefix);
    redis.disconnect();
    nock.cleanAll();
  });

  it('receives a slash command over the socket, acks the envelope, and serves health on PORT', async () => {
    redis = testRedis();
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((done) => wss.once('listening', done));
    const wsPort = (wss.address() as { port: number }).port;
    const acks: Record<string, unknown>[] = [];
    let socket: WebSocket | undefined;
    wss.on('connection', (ws) => {
      socket = ws;
      ws.on('message', (data) => acks.push(JSON.parse(data.toString())));
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0GREEN' } }));
    });
    const slack = fakeSlackApi({
      'apps.connections.open': () => ({ ok: true, url: `ws://127.0.0.1:${wsPort}/link/?ticket=t` }),
    });
    const responses = captureResponses();

    const config = testConfig(testRedisUrl(), prefix);
    const port = await freePort();
    config.env = { ...config.env, SLACK_APP_TOKEN: 'xapp-1-A0GREEN-socket-token', PORT: port };
    bot = await startGreenlight(config, {
      logger: createLogger('silent'),
      botIdentity: { botId: 'B0', botUserId: 'U0BOT' },
    });

    const open = slack.calls.find((call) => call.method === 'apps.connections.open');
    expect(open?.authorization).toBe('Bearer xapp-1-A0GREEN-socket-token');
    await vi.waitFor(() => expect(socket).toBeDefined());

    socket?.send(
      JSON.stringify({
        envelope_id: 'env-1',
        type: 'slash_commands',
        accepts_response_payload: true,
        payload: {
          token: 'x',
          team_id: 'T0TEST',
          team_domain: 'acme',
          channel_id: 'C0OPS',
          channel_name: 'ops',
          user_id: 'U0ALICE',
          user_name: 'alice',
          command: '/flag',
          text: 'enable email_automation',
          api_app_id: 'A0GREEN',
          response_url: `${RESPONSE_HOST}/commands/socket/1`,
          trigger_id: '1.2.3',
        },
      }),
    );
    await vi.waitFor(() => expect(acks.some((ack) => ack.envelope_id === 'env-1')).toBe(true));
    const { body } = await responses.next();
    expect(JSON.stringify(body.blocks)).toContain('is now *enabled*');
    expect(await redis.get(`${prefix}feature:email_automation`)).toBe('true');

    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
  });
});
