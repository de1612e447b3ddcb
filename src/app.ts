import type { Server } from 'node:http';
import { App, type CustomRoute, HTTPReceiver, type Receiver, SocketModeReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Reply, Tell } from '../commands/ports.js';
import type { Metrics } from './adapters/http/metrics.js';
import { ingressGuard } from './adapters/slack/envelope.js';
import { summarizeRequest } from './adapters/slack/request-summary.js';
import type { Env } from './config.js';
import { registerErrorSink } from './error-sink.js';
import { boltLogger } from './logger.js';

export interface SlackAppOptions {
  env: Pick<Env, 'SLACK_BOT_TOKEN' | 'SLACK_SIGNING_SECRET' | 'SLACK_APP_TOKEN' | 'SLACK_API_URL' | 'PORT'>;
  logger: Logger;
  metrics: Metrics;
  routes: CustomRoute[];
  /**
   * The bot's identity from auth.test, read on every request. Until it is known, requests are served without it
   * (slash commands need no bot ID), so Bolt never calls auth.test in front of an ack.
   */
  identity: () => Partial<BotIdentity>;
  /** How the error sink answers a user privately (response_url). */
  reply: Reply;
  /** A direct message, for what has no response_url (an unusable modal submission). */
  tell: Tell;
}

export interface BotIdentity {
  botId: string;
  botUserId: string;
}

/** A few quick retries, not the client's default of ten over half an hour: a user is waiting on the answer. */
export function slackClientOptions(env: Pick<Env, 'SLACK_API_URL'>) {
  return {
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1_000 },
    timeout: 5_000,
    ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
  };
}

export interface SlackApp {
  app: App;
  /** Starts listening; resolves to the HTTP server (HTTP mode) so callers can read the bound port. */
  start(): Promise<Server | undefined>;
  stop(): Promise<void>;
}

/** The Bolt app with its receiver, metrics and error sink; listeners are registered by the caller. */
export function createSlackApp(options: SlackAppOptions): SlackApp {
  const { env, logger, metrics } = options;
  const bolt = boltLogger(logger);
  const clientOptions = slackClientOptions(env);
  const socketMode = Boolean(env.SLACK_APP_TOKEN);
  const receiver: Receiver = env.SLACK_APP_TOKEN
    ? new SocketModeReceiver({
        appToken: env.SLACK_APP_TOKEN,
        customRoutes: options.routes,
        installerOptions: { port: env.PORT, clientOptions },
        logger: bolt,
      })
    : new HTTPReceiver({
        signingSecret: env.SLACK_SIGNING_SECRET,
        endpoints: '/slack/events',
        customRoutes: options.routes,
        logger: bolt,
      });
  const app = new App({
    authorize: async () => ({ botToken: env.SLACK_BOT_TOKEN, ...options.identity() }),
    receiver,
    logger: bolt,
    clientOptions,
    extendedErrorHandler: true,
    // Bolt's conversation store keeps nothing greenlight reads, and costs an Error per request in front of the ack.
    convoStore: false,
  });

  // Both receivers hand every request to processEvent: the guard stands in front of it, so an unusable request is
  // answered without reaching Bolt's routing, and every request is acked whatever its listeners do.
  const guard = ingressGuard({ logger, reply: options.reply, tell: options.tell });
  const processEvent = app.processEvent.bind(app);
  app.processEvent = (event) => guard(event, processEvent);

  app.use(async ({ body, next }) => {
    const { kind, name } = summarizeRequest(body);
    const stopTimer = metrics.requestSeconds.startTimer({ kind, name });
    try {
      await next();
      metrics.requests.inc({ kind, name, outcome: 'ok' });
    } catch (error) {
      metrics.requests.inc({ kind, name, outcome: 'error' });
      throw error;
    } finally {
      stopTimer();
    }
  });
  registerErrorSink(app, logger, metrics, options.reply);

  return {
    app,
    async start() {
      if (socketMode) {
        await app.start();
        return undefined;
      }
      return (await app.start(env.PORT)) as Server;
    },
    stop: () => app.stop() as Promise<void>,
  };
}
