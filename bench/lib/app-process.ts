import { fileURLToPath } from 'node:url';
import { forkScript } from './child.js';
import type { AppKind, DeploySetup, ServerMessage } from './protocol.js';

const SERVER = fileURLToPath(new URL('../server-process.ts', import.meta.url));

export interface AppProcess {
  kind: AppKind;
  origin: string;
  /** CPU time (user + system) the app's process has used so far, in microseconds. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts one app under test in its own process and resolves once it listens (greenlight: once /readyz is 200). */
export async function startAppProcess(
  kind: AppKind,
  options: { redisUrl: string; keyPrefix: string; slackApiUrl: string; deploy?: DeploySetup },
): Promise<AppProcess> {
  const child = forkScript<ServerMessage>(SERVER);
  child.send({ type: 'start', kind, ...options });
  const started = await child
    .next(
      (m): m is Extract<ServerMessage, { type: 'listening' | 'failed' }> =>
        m.type === 'listening' || m.type === 'failed',
      30_000,
    )
    .catch(async (error: unknown) => {
      await child.stop();
      throw error;
    });
  if (started.type === 'failed') {
    await child.stop();
    throw new Error(`${kind} did not start: ${started.error}`);
  }
  let query = 0;
  return {
    kind,
    origin: `http://127.0.0.1:${started.port}`,
    async cpuMicros() {
      query += 1;
      const id = query;
      child.send({ type: 'cpu', id });
      const answer = await child.next(
        (m): m is Extract<ServerMessage, { type: 'cpu' }> => m.type === 'cpu' && m.id === id,
        5_000,
      );
      return answer.micros;
    },
    stop: () => child.stop(),
  };
}
