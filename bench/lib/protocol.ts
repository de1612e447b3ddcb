import type { LoadResult } from './load.js';
import type { SlashRequestSpec } from './slash-request.js';

/** Messages between the bench (parent) and its child processes, over the Node IPC channel. */

export type LoadPlan =
  | { kind: 'closed'; concurrency: number; total: number }
  | { kind: 'open'; ratePerSecond: number; total: number };

export interface LoadRun {
  type: 'run';
  runId: number;
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  path: string;
  plan: LoadPlan;
  request: SlashRequestSpec;
}

export type LoadGeneratorMessage =
  | { type: 'ready' }
  | ({ type: 'result'; runId: number; answeredInAck: number; ackSample?: string } & LoadResult)
  | { type: 'failed'; runId: number; error: string };

export type AppKind = 'greenlight' | 'bare-bolt';

/** `/deploy` set-up for a greenlight process: GitHub faked on a loopback port, greenlight.yml overrides. */
export interface DeploySetup {
  /** `GITHUB_API_URL` (the fake GitHub, `…/api/v3`). */
  githubApiUrl: string;
  /** Merged into the test config's YAML object: `github`, `environments`, `pipeline`, `deploy`. */
  config: Record<string, unknown>;
  /**
   * false turns off the GitHub client's write spacing (at least 1 s between mutating requests, process-wide,
   * as GitHub asks of integrations); production leaves it on.
   */
  spaceWrites: boolean;
  /** `GITHUB_WEBHOOK_SECRET`: workflow_run webhooks on, run lists read only every `deploy.webhookPollInterval`. */
  webhookSecret?: string;
}

export interface ServerStart {
  type: 'start';
  kind: AppKind;
  redisUrl: string;
  keyPrefix: string;
  slackApiUrl: string;
  deploy?: DeploySetup;
}

export type ServerMessage =
  | { type: 'listening'; port: number }
  /** Answer to `{ type: 'cpu' }`: the process's user + system CPU time so far, in microseconds. */
  | { type: 'cpu'; id: number; micros: number }
  | { type: 'failed'; error: string }
  | { type: 'stopped' };

export interface WatcherStart {
  type: 'start';
  redisUrl: string;
  prefix: string;
  channel: string;
  flag: string;
}

export type WatcherMessage =
  | { type: 'ready'; value: boolean | undefined }
  | { type: 'pong'; id: number; at: number }
  | {
      type: 'change';
      flag: string;
      enabled: boolean;
      /** Wall-clock ms (timeOrigin + now) when onChange ran. */
      at: number;
      /** What `peek(flag)` returned inside the listener: the cache must already hold the new value. */
      peeked: boolean | undefined;
    }
  | { type: 'failed'; error: string };
