import { fileURLToPath } from 'node:url';
import type { SlackSim } from '../playground/sim/slack.js';
import { type AppProcess, startAppProcess } from './lib/app-process.js';
import { forkScript } from './lib/child.js';
import { sleep } from './lib/clock.js';
import type { LoadResult } from './lib/load.js';
import { round, type Summary, summarize } from './lib/percentiles.js';
import type { AppKind, LoadGeneratorMessage, LoadPlan } from './lib/protocol.js';
import { startResponseSink } from './lib/response-sink.js';

const LOAD_GENERATOR = fileURLToPath(new URL('./load-generator.ts', import.meta.url));
const APPS: readonly AppKind[] = ['greenlight', 'bare-bolt'];
const FLAG = 'email_automation';

export interface AckLevel {
  id: string;
  label: string;
  plan: LoadPlan;
}

export interface AckLatencyOptions {
  redisUrl: string;
  keyPrefix: string;
  slack: SlackSim;
  rounds: number;
  levels: AckLevel[];
  log: (line: string) => void;
}

export interface AppLevelResult {
  latency: Summary;
  errors: number;
  /**
   * CPU time of the app's process per request (µs), including work done after the ack (greenlight's Redis read
   * and response_url reply): a load-independent measure of what each app does per command.
   */
  cpuMicrosPerRequest: number;
  /** CPU time of the bench process per request (µs): mostly the fake Slack answering greenlight's replies. */
  benchCpuMicrosPerRequest: number;
  perRound: Summary[];
  /** CPU time per request (µs) in each round, as `cpuMicrosPerRequest` is over all of them; absent in older results. */
  cpuMicrosPerRound?: number[];
  /** Open loop only. */
  serviceTime?: Summary;
  sendLag?: Summary;
  achievedRatePerSecond?: number;
}

export interface AckLevelResult {
  id: string;
  label: string;
  plan: LoadPlan;
  apps: Record<AppKind, AppLevelResult>;
  ratioP50: number;
  ratioP99: number;
  /** p99 ratio per round (greenlight p99 / bare p99 of the same round): how stable the ratio is. */
  ratioP99PerRound: number[];
  /** CPU-per-request ratio per round (greenlight / bare Bolt of the same round); absent in older results. */
  ratioCpuPerRound?: number[];
}

export interface AckLatencyResult {
  rounds: number;
  order: string;
  levels: AckLevelResult[];
  /**
   * Answers greenlight gave, in the ack body or posted to response_url (a counting sink, `lib/response-sink.ts`), against `/flag status`
   * requests it acked; `refused` ones were not JSON with a text or blocks.
   */
  greenlightReplies: {
    expected: number;
    received: number;
    /** Of `received`, the answers carried by the ack itself (absent in older results: all went to response_url). */
    inAck?: number;
    refused?: number;
    sample: string;
  };
  bareBoltReplies: number;
  /**
   * CPU time (ms per second) each app's process used while both sat idle for `IDLE_WINDOW_MS` before the warm-up:
   * timers and background work every request pays for in an open loop. Absent in older results.
   */
  idleCpuMillisPerSecond?: Record<AppKind, number>;
}

/** Long enough to cover BullMQ's 5 s blocking waits and the metrics' event-loop sampling. */
const IDLE_WINDOW_MS = 10_000;

/** Both apps' CPU over the same idle window (they idle side by side, so the machine treats them alike). */
async function idleCpu(servers: Map<AppKind, AppProcess>): Promise<Record<AppKind, number>> {
  const before = await Promise.all(APPS.map((kind) => servers.get(kind)?.cpuMicros() ?? 0));
  await sleep(IDLE_WINDOW_MS);
  const after = await Promise.all(APPS.map((kind) => servers.get(kind)?.cpuMicros() ?? 0));
  return Object.fromEntries(
    APPS.map((kind, index) => [
      kind,
      round(((after[index] ?? 0) - (before[index] ?? 0)) / IDLE_WINDOW_MS, 2),
    ]),
  ) as Record<AppKind, number>;
}

interface Collected {
  latencies: number[];
  serviceMs: number[];
  sendLagMs: number[];
  errors: number;
  perRound: Summary[];
  cpuPerRound: number[];
  elapsedMs: number;
  cpuMicros: number;
  benchCpuMicros: number;
}

/**
 * Ack latency of `/flag status` under load, greenlight against a bare Bolt app. Each app runs in its own process,
 * the load generator in a third; runs alternate between the apps (ABBA per round, so slow drift of the machine
 * favours neither) and each app's samples are pooled over the rounds.
 */
export async function runAckLatency(options: AckLatencyOptions): Promise<AckLatencyResult> {
  const { slack, log } = options;
  const servers = new Map<AppKind, AppProcess>();
  const sink = await startResponseSink();
  const generator = forkScript<LoadGeneratorMessage>(LOAD_GENERATOR);
  try {
    for (const kind of APPS) {
      servers.set(
        kind,
        await startAppProcess(kind, {
          redisUrl: options.redisUrl,
          keyPrefix: options.keyPrefix,
          slackApiUrl: slack.apiUrl,
        }),
      );
    }
    await generator.next(
      (m): m is Extract<LoadGeneratorMessage, { type: 'ready' }> => m.type === 'ready',
      30_000,
    );

    let runId = 0;
    let greenlightAcked = 0;
    /** Answers greenlight gave in the ack body itself, which owe no response_url reply. */
    let greenlightAnsweredInAck = 0;
    let ackSample: string | undefined;
    const runOnce = async (
      kind: AppKind,
      plan: LoadPlan,
    ): Promise<LoadResult & { cpuMicros: number; benchCpuMicros: number }> => {
      runId += 1;
      const id = runId;
      const server = servers.get(kind);
      if (!server) throw new Error(`${kind} is not running`);
      const origin = server.origin;
      const cpuBefore = await server.cpuMicros();
      const benchCpuBefore = process.cpuUsage();
      generator.send({
        type: 'run',
        runId: id,
        origin,
        path: '/slack/events',
        plan,
        request: {
          command: '/flag',
          text: `status ${FLAG}`,
          userId: 'U0ALICE',
          responseUrl: sink.base(kind),
        },
      });
      const answer = await generator.next(
        (m): m is Extract<LoadGeneratorMessage, { type: 'result' | 'failed' }> =>
          (m.type === 'result' || m.type === 'failed') && m.runId === id,
        120_000,
      );
      if (answer.type === 'failed') throw new Error(`load run ${id} against ${kind} failed: ${answer.error}`);
      if (kind === 'greenlight') {
        greenlightAcked += answer.latencies.length;
        greenlightAnsweredInAck += answer.answeredInAck;
        ackSample = answer.ackSample ?? ackSample;
        // Let greenlight finish the replies it owes before the next run, so its tail never lands in the baseline's.
        const owed = greenlightAcked - greenlightAnsweredInAck;
        const drained = await sink.waitForCount('greenlight', owed, 30_000);
        if (!drained) log(`  warning: greenlight owes ${owed - sink.tally('greenlight').count} replies`);
      }
      const cpuMicros = (await server.cpuMicros()) - cpuBefore;
      const benchCpu = process.cpuUsage(benchCpuBefore);
      await sleep(100);
      return { ...answer, cpuMicros, benchCpuMicros: benchCpu.user + benchCpu.system };
    };

    // After start-up's own work (compilation, the flag-name migration) has settled.
    await sleep(2_000);
    const idle = await idleCpu(servers);
    log(`ack latency: idle CPU ms/s: greenlight ${idle.greenlight}, bare Bolt ${idle['bare-bolt']}`);
    log('ack latency: warm-up round (every level, both apps, discarded)');
    for (const level of options.levels) {
      for (const kind of APPS) await runOnce(kind, level.plan);
    }

    const collected = new Map<string, Collected>();
    const key = (level: AckLevel, kind: AppKind) => `${level.id}/${kind}`;
    for (let roundIndex = 0; roundIndex < options.rounds; roundIndex += 1) {
      const order: AppKind[] =
        roundIndex % 2 === 0 ? ['greenlight', 'bare-bolt'] : ['bare-bolt', 'greenlight'];
      for (const level of options.levels) {
        for (const kind of order) {
          const result = await runOnce(kind, level.plan);
          const entry = collected.get(key(level, kind)) ?? {
            latencies: [],
            serviceMs: [],
            sendLagMs: [],
            errors: 0,
            perRound: [],
            cpuPerRound: [],
            elapsedMs: 0,
            cpuMicros: 0,
            benchCpuMicros: 0,
          };
          entry.latencies.push(...result.latencies);
          entry.serviceMs.push(...(result.serviceMs ?? []));
          entry.sendLagMs.push(...(result.sendLagMs ?? []));
          entry.errors += result.errors;
          entry.perRound.push(summarize(result.latencies));
          entry.cpuPerRound.push(Math.round(result.cpuMicros / (result.latencies.length + result.errors)));
          entry.elapsedMs += result.elapsedMs;
          entry.cpuMicros += result.cpuMicros;
          entry.benchCpuMicros += result.benchCpuMicros;
          collected.set(key(level, kind), entry);
          const summary = summarize(result.latencies);
          log(
            `  round ${roundIndex + 1} ${level.label.padEnd(16)} ${kind.padEnd(10)} p50 ${summary.p50.toFixed(3)} ms  p99 ${summary.p99.toFixed(3)} ms${result.errors ? `  errors ${result.errors}` : ''}`,
          );
        }
      }
    }

    const levels = options.levels.map((level): AckLevelResult => {
      const apps = Object.fromEntries(
        APPS.map((kind) => {
          const entry = collected.get(key(level, kind));
          if (!entry) throw new Error(`no samples for ${key(level, kind)}`);
          const result: AppLevelResult = {
            latency: summarize(entry.latencies),
            errors: entry.errors,
            cpuMicrosPerRequest: Math.round(entry.cpuMicros / (entry.latencies.length + entry.errors)),
            benchCpuMicrosPerRequest: Math.round(
              entry.benchCpuMicros / (entry.latencies.length + entry.errors),
            ),
            perRound: entry.perRound,
            cpuMicrosPerRound: entry.cpuPerRound,
            ...(level.plan.kind === 'open'
              ? {
                  serviceTime: summarize(entry.serviceMs),
                  sendLag: summarize(entry.sendLagMs),
                  achievedRatePerSecond: round(
                    ((entry.latencies.length + entry.errors) / entry.elapsedMs) * 1_000,
                    1,
                  ),
                }
              : {}),
          };
          return [kind, result];
        }),
      ) as Record<AppKind, AppLevelResult>;
      return {
        id: level.id,
        label: level.label,
        plan: level.plan,
        apps,
        ratioP50: round(apps.greenlight.latency.p50 / apps['bare-bolt'].latency.p50, 2),
        ratioP99: round(apps.greenlight.latency.p99 / apps['bare-bolt'].latency.p99, 2),
        ratioP99PerRound: apps.greenlight.perRound.map((summary, index) =>
          round(summary.p99 / (apps['bare-bolt'].perRound[index]?.p99 ?? Number.NaN), 2),
        ),
        ratioCpuPerRound: (apps.greenlight.cpuMicrosPerRound ?? []).map((micros, index) =>
          round(micros / (apps['bare-bolt'].cpuMicrosPerRound?.[index] ?? Number.NaN), 2),
        ),
      };
    });

    return {
      rounds: options.rounds,
      order: 'ABBA: greenlight first in odd rounds, bare Bolt first in even rounds, per level',
      levels,
      greenlightReplies: {
        expected: greenlightAcked,
        received: sink.tally('greenlight').count + greenlightAnsweredInAck,
        inAck: greenlightAnsweredInAck,
        refused: sink.tally('greenlight').refused,
        sample: ackSample ?? JSON.stringify(sink.tally('greenlight').last ?? ''),
      },
      bareBoltReplies: sink.tally('bare-bolt').count + sink.tally('bare-bolt').refused,
      idleCpuMillisPerSecond: idle,
    };
  } finally {
    await generator.stop();
    for (const server of servers.values()) await server.stop();
    await sink.close();
  }
}
