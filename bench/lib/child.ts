import { type ChildProcess, fork } from 'node:child_process';

const TSX_LOADER = import.meta.resolve('tsx');
const running = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A TypeScript script run with tsx in its own Node process, talking over the IPC channel. */
export interface Child<Out> {
  process: ChildProcess;
  send(message: unknown): void;
  /** The next message (including ones already queued) that `match` accepts; rejects on timeout or exit. */
  next<T extends Out>(match: (message: Out) => message is T, timeoutMs: number): Promise<T>;
  /** Asks the child to stop (a `{ type: 'stop' }` message), and kills it if it has not exited in time. */
  stop(timeoutMs?: number): Promise<void>;
}

export function forkScript<Out extends { type: string }>(script: string, args: string[] = []): Child<Out> {
  const child = fork(script, args, {
    execArgv: [
      '--import',
      TSX_LOADER,
      ...(process.env.BENCH_CHILD_NODE_ARGS ? process.env.BENCH_CHILD_NODE_ARGS.split(' ') : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  running.add(child);
  const queue: Out[] = [];
  const waiters = new Set<() => void>();
  let exited = false;
  child.on('message', (message) => {
    queue.push(message as Out);
    for (const wake of waiters) wake();
  });
  child.once('exit', () => {
    exited = true;
    running.delete(child);
    for (const wake of waiters) wake();
  });

  return {
    process: child,
    send(message) {
      child.send(message as object);
    },
    next<T extends Out>(match: (message: Out) => message is T, timeoutMs: number) {
      return new Promise<T>((resolve, reject) => {
        const check = () => {
          const index = queue.findIndex(match);
          if (index >= 0) {
            const [found] = queue.splice(index, 1);
            done();
            resolve(found as T);
            return;
          }
          if (exited) {
            done();
            reject(new Error(`${script} exited (code ${child.exitCode}) before answering`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${script} did not answer within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop(timeoutMs = 5_000) {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.connected) child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await gone;
      clearTimeout(timer);
    },
  };
}
