import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';

export interface BareBolt {
  port: number;
  stop(): Promise<void>;
}

/**
 * The baseline: a bare Bolt app in HTTP mode with the same signing secret and an empty `/flag` handler that only
 * acks. Whatever greenlight's ack costs beyond this is greenlight's own overhead.
 */
export async function startBareBolt(options: { signingSecret: string; token: string }): Promise<BareBolt> {
  const app = new App({
    receiver: new HTTPReceiver({ signingSecret: options.signingSecret, logLevel: LogLevel.ERROR }),
    token: options.token,
    botId: 'B0BOT',
    botUserId: 'U0BOT',
    logLevel: LogLevel.ERROR,
  });
  app.command('/flag', async ({ ack }) => {
    await ack();
  });
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  return {
    port: (server.address() as AddressInfo).port,
    stop: async () => {
      await app.stop();
    },
  };
}
