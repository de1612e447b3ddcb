import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { asCodedError, RedisUnavailableError } from '../../errors.js';

export interface RedisWatch {
  /**
   * The error listener for one connection, queue or worker (`role` names it in the log). Every error is counted;
   * a lost connection is told once by the watch itself, so only errors that are not about reaching Redis are
   * logged here.
   */
  onError(role: string): (error: Error) => void;
  /** Watches this connection's state: its loss and its return are the two lines told. */
  follow(connection: Redis): void;
  close(): void;
}

export interface RedisWatchOptions {
  logger: Logger;
  /** Counts every error, whether logged or not (greenlight_redis_errors_total). */
  countError: () => void;
}

/**
 * Turns ioredis's stream of connection errors (one per retry per connection, each with a stack) into two log
 * lines: one when Redis goes away, naming where and why, and one when it comes back, saying after how long. The
 * connections themselves keep retrying with their capped backoff; nothing here reconnects.
 */
export function watchRedis(where: string, options: RedisWatchOptions): RedisWatch {
  const { logger, countError } = options;
  let state: 'unknown' | 'up' | 'down' = 'unknown';
  let downSince = 0;
  let followed: Redis | undefined;

  const wentDown = (reason: string) => {
    if (state === 'down') return;
    const first = state === 'unknown';
    state = 'down';
    downSince = Date.now();
    logger.warn(
      { event: 'redis.down', redis: where, reason },
      first
        ? `Redis at ${where} is unreachable (${reason}); retrying, /readyz answers 503 until it answers a PING`
        : `lost Redis at ${where} (${reason}); retrying, /readyz answers 503 until it is back`,
    );
  };
  const cameUp = () => {
    if (state === 'down') {
      const seconds = Math.round((Date.now() - downSince) / 1000);
      logger.info(
        { event: 'redis.up', redis: where, downSeconds: seconds },
        `Redis is back after ${seconds}s`,
      );
    }
    state = 'up';
  };
  const onConnectionError = (error: Error) => wentDown(reasonOf(error));
  const onClose = () => {
    if (state === 'up') wentDown('connection closed');
  };

  return {
    onError: (role) => (error) => {
      countError();
      if (isConnectionError(error)) return;
      logger.warn({ event: 'redis.error', role, err: error }, 'redis error');
    },
    follow(connection) {
      followed = connection;
      if (connection.status === 'ready') state = 'up';
      connection.on('ready', cameUp);
      connection.on('error', onConnectionError);
      connection.on('close', onClose);
    },
    close() {
      followed?.off('ready', cameUp);
      followed?.off('error', onConnectionError);
      followed?.off('close', onClose);
    },
  };
}

/**
 * A failure to reach Redis rather than an answer from it: a socket error (ECONNREFUSED, EPIPE, ECONNRESET…, which
 * carry a system error code), a refused TLS handshake, or one of the connection failures ioredis and BullMQ report
 * in words.
 */
function isConnectionError(error: Error): boolean {
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (syscall !== undefined || (typeof code === 'string' && /^E[A-Z]+$/.test(code))) return true;
  // A TLS handshake refused (an unknown CA, a wrong host name) is Redis out of reach too: told once, with its code.
  if (typeof code === 'string' && /CERT|^ERR_TLS|^ERR_SSL/.test(code)) return true;
  return asCodedError(error) instanceof RedisUnavailableError;
}

function reasonOf(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? error.message.split('\n')[0] ?? 'unknown error';
}
