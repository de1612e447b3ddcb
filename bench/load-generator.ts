/**
 * Child process: the load generator, kept apart from the servers so its CPU time never shows up in theirs.
 * Receives `LoadRun`s over IPC, pre-signs every request body, runs the plan over keep-alive connections and
 * sends back the latencies. Each in-flight request has a keep-alive connection of its own (`Connections`).
 */
import { Connections } from './lib/connections.js';
import { closedLoop, type LoadResult, openLoop, type Send } from './lib/load.js';
import type { LoadGeneratorMessage, LoadRun } from './lib/protocol.js';
import { signedSlashRequest } from './lib/slash-request.js';

const pools = new Map<string, Connections>();
/** Neither app routes it, so both answer 404 at once: opens connections without running any listener. */
const PRIME_PATH = '/bench/prime';
/** Connections opened before an open-loop run; at 500 req/s and sub-millisecond acks a few are busy at once. */
const OPEN_LOOP_CONNECTIONS = 16;

function poolFor(origin: string): Connections {
  let pool = pools.get(origin);
  if (!pool) {
    pool = new Connections(origin, 128);
    pools.set(origin, pool);
  }
  return pool;
}

/** Acks that carried the command's answer (a JSON body with a text), and the last such body. */
interface AckAnswers {
  answeredInAck: number;
  ackSample?: string;
}

async function run(message: LoadRun): Promise<LoadResult & AckAnswers> {
  const pool = poolFor(message.origin);
  const answers: AckAnswers = { answeredInAck: 0 };
  const total = message.plan.total;
  const requests = Array.from({ length: total }, () => signedSlashRequest(message.request));
  const send: Send = async (index) => {
    const request = requests[index];
    if (!request) return false;
    const client = await pool.acquire();
    try {
      const response = await client.request({
        path: message.path,
        method: 'POST',
        headers: request.headers,
        body: request.body,
      });
      // Read whole either way (an empty ack is 0 bytes): greenlight answers a quick read in the ack itself.
      const body = await response.body.text();
      if (body.startsWith('{') && body.includes('"text"')) {
        answers.answeredInAck += 1;
        answers.ackSample = body;
      }
      return response.statusCode === 200;
    } finally {
      pool.release(client);
    }
  };
  await pool.prime(
    PRIME_PATH,
    message.plan.kind === 'closed' ? message.plan.concurrency : OPEN_LOOP_CONNECTIONS,
  );
  const result =
    message.plan.kind === 'closed'
      ? await closedLoop(send, message.plan.concurrency, total)
      : await openLoop(send, message.plan.ratePerSecond, total);
  return { ...result, ...answers };
}

function reply(message: LoadGeneratorMessage): void {
  process.send?.(message);
}

process.on('message', (raw) => {
  const message = raw as LoadRun | { type: 'stop' };
  if (message.type === 'stop') {
    void Promise.all([...pools.values()].map((pool) => pool.close())).finally(() => process.exit(0));
    return;
  }
  run(message).then(
    (result) => reply({ type: 'result', runId: message.runId, ...result }),
    (error: unknown) => reply({ type: 'failed', runId: message.runId, error: String(error) }),
  );
});
reply({ type: 'ready' });
