import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { Client } from 'undici';
import type { SlackSim } from '../playground/sim/slack.js';
import { startAppProcess } from './lib/app-process.js';
import { forkScript } from './lib/child.js';
import { sleep, wallNow } from './lib/clock.js';
import { round, type Summary, summarize } from './lib/percentiles.js';
import type { WatcherMessage } from './lib/protocol.js';
import { signedSlashRequest } from './lib/slash-request.js';

const WATCHER = fileURLToPath(new URL('./flag-watcher.ts', import.meta.url));
const TAG = 'propagation';

export interface PropagationOptions {
  redisUrl: string;
  keyPrefix: string;
  /** greenlight's `flags.prefix` and `flags.channel` for that key prefix (testConfig's layout). */
  flagPrefix: string;
  channel: string;
  flag: string;
  userId: string;
  slack: SlackSim;
  samples: number;
  /** Unmeasured changes first, so greenlight's change path is JIT-compiled like in a long-running bot. */
  warmup: number;
  /** Pause after each change is fully done (acked, seen, replied to), so samples never overlap. */
  spacingMs: number;
  log: (line: string) => void;
}

export interface PropagationResult {
  flag: string;
  samples: number;
  /** Signed request leaving the bench → the other process's onChange listener running with `peek` = new value. */
  propagation: Summary;
  /** Same request → its HTTP 200 (the ack), for comparison. */
  ack: Summary;
  /**
   * Same request → the PUBLISH reaching a second subscriber inside the bench process: greenlight's share of the
   * propagation (the rest is Redis fan-out and the flag client).
   */
  toPublish: Summary;
  /** Listener calls where `peek` did not yet return the new value (must be 0). */
  peekMismatches: number;
  /** The watcher's clock minus ours, estimated from the fastest of 50 IPC round trips (ms). */
  clockOffsetMs: number;
  clockOffsetRttMs: number;
  /** chat.postMessage calls (one announcement per change) and response_url replies during the run. */
  announcements: number;
  replies: number;
  lastReply: string;
}

type Change = Extract<WatcherMessage, { type: 'change' }>;

/**
 * Flag propagation: greenlight in one process, an app with the flag client in another, the bench (the "Slack
 * client") in a third. Each sample is one signed `/flag disable` or `/flag enable` (alternating, so every sample
 * really changes the value), timed from just before the request leaves to the watcher's listener.
 */
export async function runFlagPropagation(options: PropagationOptions): Promise<PropagationResult> {
  const { slack, log, flag } = options;
  const app = await startAppProcess('greenlight', {
    redisUrl: options.redisUrl,
    keyPrefix: options.keyPrefix,
    slackApiUrl: slack.apiUrl,
  });
  const watcher = forkScript<WatcherMessage>(WATCHER);
  const client = new Client(app.origin, { keepAliveTimeout: 30_000 });
  const subscriber = new Redis(options.redisUrl, { connectionName: 'greenlight-bench-subscriber' });
  let publishedAt = Number.NaN;
  subscriber.on('message', () => {
    publishedAt = wallNow();
  });
  try {
    await subscriber.subscribe(options.channel);
    watcher.send({
      type: 'start',
      redisUrl: options.redisUrl,
      prefix: options.flagPrefix,
      channel: options.channel,
      flag,
    });
    const ready = await watcher.next(
      (m): m is Extract<WatcherMessage, { type: 'ready' | 'failed' }> =>
        m.type === 'ready' || m.type === 'failed',
      30_000,
    );
    if (ready.type === 'failed') throw new Error(`flag watcher failed: ${ready.error}`);

    const offset = await estimateClockOffset(watcher);
    log(
      `propagation: watcher clock offset ${offset.offsetMs.toFixed(3)} ms (rtt ${offset.rttMs.toFixed(3)} ms)`,
    );

    const announcementsBefore = slack.callsOf('chat.postMessage').length;
    let repliesExpected = slack.tagged(TAG).count;
    const change = async (enabled: boolean) => {
      const request = signedSlashRequest({
        command: '/flag',
        text: enabled ? `enable ${flag}` : `disable ${flag} propagation bench`,
        userId: options.userId,
        responseUrl: slack.responseUrlBase(TAG),
      });
      const seen = watcher.next(
        (m): m is Change => m.type === 'change' && m.flag === flag && m.enabled === enabled,
        10_000,
      );
      publishedAt = Number.NaN;
      const sentAt = wallNow();
      const response = await client.request({
        path: '/slack/events',
        method: 'POST',
        headers: request.headers,
        body: request.body,
      });
      await response.body.dump();
      const ackedAt = wallNow();
      if (response.statusCode !== 200)
        throw new Error(`/flag ${enabled ? 'enable' : 'disable'} got HTTP ${response.statusCode}`);
      const event = await seen;
      repliesExpected += 1;
      await slack.waitFor(
        () => (slack.tagged(TAG).count >= repliesExpected ? true : undefined),
        10_000,
        'greenlight’s reply',
      );
      return {
        propagationMs: event.at - sentAt,
        ackMs: ackedAt - sentAt,
        toPublishMs: publishedAt - sentAt,
        peeked: event.peeked,
      };
    };

    // Start from "on", so the first measured sample is a disable.
    if (ready.value !== true) await change(true);
    log(`propagation: warming up (${options.warmup} unmeasured changes)`);
    for (let index = 0; index < options.warmup; index += 1) await change(index % 2 === 1);
    if (options.warmup % 2 === 1) await change(true);
    const propagation: number[] = [];
    const acks: number[] = [];
    const toPublish: number[] = [];
    let peekMismatches = 0;
    for (let index = 0; index < options.samples; index += 1) {
      const enabled = index % 2 === 1;
      const sample = await change(enabled);
      propagation.push(sample.propagationMs);
      acks.push(sample.ackMs);
      toPublish.push(sample.toPublishMs);
      if (sample.peeked !== enabled) peekMismatches += 1;
      await sleep(options.spacingMs);
    }
    const summary = summarize(propagation);
    log(`  propagation p50 ${summary.p50.toFixed(3)} ms  p99 ${summary.p99.toFixed(3)} ms  (n=${summary.n})`);
    return {
      flag,
      samples: options.samples,
      propagation: summary,
      ack: summarize(acks),
      toPublish: summarize(toPublish.filter((value) => Number.isFinite(value))),
      peekMismatches,
      clockOffsetMs: round(offset.offsetMs),
      clockOffsetRttMs: round(offset.rttMs),
      announcements: slack.callsOf('chat.postMessage').length - announcementsBefore,
      replies: slack.tagged(TAG).count,
      lastReply: JSON.stringify(slack.tagged(TAG).last?.body ?? ''),
    };
  } finally {
    subscriber.disconnect();
    await client.close();
    await watcher.stop();
    await app.stop();
  }
}

/** NTP-style: the offset is the child's stamp minus the midpoint of the fastest round trip. */
async function estimateClockOffset(
  watcher: ReturnType<typeof forkScript<WatcherMessage>>,
): Promise<{ offsetMs: number; rttMs: number }> {
  let best = { offsetMs: Number.NaN, rttMs: Number.POSITIVE_INFINITY };
  for (let id = 0; id < 50; id += 1) {
    const sentAt = wallNow();
    watcher.send({ type: 'ping', id });
    const pong = await watcher.next(
      (m): m is Extract<WatcherMessage, { type: 'pong' }> => m.type === 'pong' && m.id === id,
      5_000,
    );
    const backAt = wallNow();
    const rttMs = backAt - sentAt;
    if (rttMs < best.rttMs) best = { offsetMs: pong.at - (sentAt + backAt) / 2, rttMs };
  }
  return best;
}
