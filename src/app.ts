import type { Server } from 'node:http';
import {
  App,
  type CustomRoute,
  HTTPReceiver,
  type Receiver,
  type ReceiverEvent,
  SocketModeReceiver,
} from '@slack/bolt';
import type { ExtendedErrorHandlerArgs } from '@slack/bolt/dist/App.js';
import type { Logger } from 'pino';
import type { Reply, Tell } from '../commands/ports.js';
import type { Metrics } from './adapters/http/metrics.js';
import { ingressGuard } from './adapters/slack/envelope.js';
import { summarizeRequest } from './adapters/slack/request-summary.js';
import type { Env } from './config.js';
import { errorSink } from './error-sink.js';
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

/** Counts a request by outcome and times it to the end of its work (after the ack), as every request is. */
async function measured(
  metrics: Metrics,
  kind: string,
  name: string,
  work: () => Promise<void>,
): Promise<void> {
  const stopTimer = metrics.requestSeconds.startTimer({ kind, name });
  try {
    await work();
    metrics.requests.inc({ kind, name, outcome: 'ok' });
  } catch (error) {
    metrics.requests.inc({ kind, name, outcome: 'error' });
    throw error;
  } finally {
    stopTimer();
  }
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

/**
 * A slash command's handler: the command's payload as Slack sent it (the guard has checked its envelope) and the
 * ack. Nothing else of Bolt's listener arguments: greenlight answers through response_url itself.
 */
export type CommandHandler = (args: {
  command: Record<string, unknown>;
  ack: ReceiverEvent['ack'];
}) => Promise<void>;

export interface SlackApp {
  app: App;
  /**
   * Serves a slash command: its requests go from the ingress guard straight to `handler`, measured and with the
   * error sink as Bolt's listeners have, past Bolt's middleware and the matching of every listener greenlight
   * registers (what most of a command's CPU in front of the ack went to).
   */
  command(name: string, handler: CommandHandler): void;
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
  // answered without reaching Bolt's routing, and every request is acked whatever its listeners do. A slash command
  // greenlight serves goes on to its handler; everything else to Bolt's routing.
  const guard = ingressGuard({ logger, reply: options.reply, tell: options.tell });
  const sink = errorSink(logger, metrics, options.reply);
  const commands = new Map<string, (event: ReceiverEvent) => Promise<void>>();
  const processEvent = app.processEvent.bind(app);
  const dispatch = (event: ReceiverEvent): Promise<void> => {
    const command = event.body.command;
    const serve = typeof command === 'string' ? commands.get(command) : undefined;
    return serve ? serve(event) : processEvent(event);
  };
  app.processEvent = (event) => guard(event, dispatch);

  app.use(async ({ body, next }) => {
    const { kind, name } = summarizeRequest(body);
    await measured(metrics, kind, name, next);
  });
  app.error(({ error, body }: ExtendedErrorHandlerArgs) => sink(error, body));

  return {
    app,
    command(name, handler) {
      // Label children looked up once per command, not per request.
      const seconds = metrics.requestSeconds.labels('command', name);
      const ok = metrics.requests.labels('command', name, 'ok');
      const failed = metrics.requests.labels('command', name, 'error');
      commands.set(name, async ({ body, ack }) => {
        const stopTimer = seconds.startTimer();
        try {
          await handler({ command: body, ack });
          ok.inc();
        } catch (error) {
          failed.inc();
          stopTimer();
          return sink(error, body);
        }
        stopTimer();
      });
    },
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
