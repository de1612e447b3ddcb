import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface BotProcess {
  /** `http://127.0.0.1:<port>`, where the bot serves Slack (`/slack/events`) and GitHub (`/github/webhooks`). */
  url: string;
  pid: number | undefined;
  /** Resolves with the exit code when the bot ends, for whatever reason. */
  exited: Promise<number | null>;
  /** SIGTERM (the bot's own graceful stop), SIGKILL if it has not ended in time. */
  stop(): Promise<void>;
}

export interface BotOptions {
  /** The repository: where `src/main.ts` is. */
  root: string;
  /** The bot's whole environment, besides PATH and HOME (nothing else of the caller's leaks in). */
  env: Record<string, string>;
  /** Every line the bot writes (pino JSON) goes here. */
  logPath: string;
  /** Told of each log line at level error or above, in a word. */
  onError(line: string): void;
  startTimeoutMs?: number;
}

/**
 * Starts the real bot exactly as `npm run dev` does (`node --import tsx src/main.ts`: the same start path and config
 * loader as production, no build step), and resolves once it logged `greenlight.started` with its port.
 */
export function startBot(options: BotOptions): Promise<BotProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: options.root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(options.logPath, { flags: 'a' });
  const recent: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 12_000);
      await exited;
      clearTimeout(killer);
    }
    await new Promise<void>((resolve) => log.end(resolve));
  };
  return new Promise<BotProcess>((resolve, reject) => {
    let started = false;
    const timer = setTimeout(() => {
      void stop();
      reject(
        new Error(
          `the bot did not start within ${options.startTimeoutMs ?? 30_000} ms:\n${recent.join('\n')}`,
        ),
      );
    }, options.startTimeoutMs ?? 30_000);
    const onLine = (line: string) => {
      log.write(`${line}\n`);
      recent.push(line);
      if (recent.length > 20) recent.shift();
      const entry = parseLine(line);
      if (entry && entry.level >= 50) options.onError(entry.msg);
      if (!started && entry?.event === 'greenlight.started' && typeof entry.port === 'number') {
        started = true;
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${entry.port}`, pid: child.pid, exited, stop });
      }
    };
    for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', onLine);
    void exited.then((code) => {
      if (started) return;
      clearTimeout(timer);
      reject(new Error(`the bot exited (code ${code}) before it started:\n${recent.join('\n')}`));
    });
  });
}

interface LogEntry {
  level: number;
  msg: string;
  event?: string;
  port?: number;
}

/** A pino line's level, message and event; undefined for a line that is not one (a crash's stack trace). */
function parseLine(line: string): LogEntry | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const entry = parsed as Record<string, unknown>;
    return {
      level: typeof entry.level === 'number' ? entry.level : 30,
      msg: `${typeof entry.event === 'string' ? `${entry.event}: ` : ''}${String(entry.msg ?? '')}`,
      ...(typeof entry.event === 'string' ? { event: entry.event } : {}),
      ...(typeof entry.port === 'number' ? { port: entry.port } : {}),
    };
  } catch {
    return undefined;
  }
}
