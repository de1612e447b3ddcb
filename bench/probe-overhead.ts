import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Agent, request } from 'undici';
import { undiciHealthProber } from '../src/adapters/analysis/health-probes.js';
import type { HealthTarget } from '../src/services/deploy/ports.js';
import { forkScript } from './lib/child.js';
import { round, type Summary, summarize } from './lib/percentiles.js';

const TARGET = fileURLToPath(new URL('./probe-target.ts', import.meta.url));

/**
 * A full garbage collection between two timed batches, so one way's garbage is never collected (and charged) while
 * the other way is timed. `--expose-gc` set at run time gives a fresh context a `gc` function.
 */
let gc: (() => void) | undefined;
function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

type TargetMessage =
  | { type: 'ready'; port: number }
  | { type: 'cpu'; id: number; micros: number }
  | { type: 'stopped' };

export interface ProbeLevel {
  /** Health checks per call (`probe(targets)` with this many targets, or as many bare requests at once). */
  targets: number;
  /** Calls per way and round. */
  callsPerRound: number;
  warmupCalls: number;
}

export interface ProbeOverheadOptions {
  levels: ProbeLevel[];
  rounds: number;
  log: (line: string) => void;
}

/**
 * `prober`: `undiciHealthProber().probe(targets)`. `bare`: `undici.request(url, { dispatcher })` and `body.dump()`.
 * `bare-timeout`: the same with an `AbortSignal.timeout` per request, passed to the request and the body read, as
 * the prober does: it shows how much of the prober's extra cost is that per-probe deadline.
 */
export type ProbeWay = 'prober' | 'bare' | 'bare-timeout';

const WAYS: readonly ProbeWay[] = ['prober', 'bare', 'bare-timeout'];

export interface ProbeWayResult {
  /** Latency of one call (all of its targets answered), ms. */
  latency: Summary;
  /** CPU time (user + system) of the bench process per health check, µs. */
  cpuMicrosPerProbe: number;
  probes: number;
}

export interface ProbeLevelResult {
  targets: number;
  calls: number;
  ways: Record<ProbeWay, ProbeWayResult>;
  ratioP50: number;
  ratioP99: number;
  ratioCpu: number;
  /** prober p50 − bare p50, µs per call. */
  extraMicrosP50: number;
  ratioP50PerRound: number[];
  ratioCpuPerRound: number[];
  /** bare-timeout CPU per probe / bare CPU per probe. */
  ratioCpuTimeoutOnly: number;
  /** Probes the prober judged unhealthy, bare requests that did not answer 200 (both must be 0). */
  failures: number;
}

export interface ProbeOverheadResult {
  rounds: number;
  order: string;
  /** CPU time of the target server's process per health check, µs (the same server for both ways). */
  serverCpuMicrosPerProbe: number;
  levels: ProbeLevelResult[];
}

/**
 * What a health check costs through `undiciHealthProber().probe(targets)` compared with the least a client can do:
 * `undici.request(url, { dispatcher })` on a kept-alive Agent configured like the prober's, then `body.dump()`.
 * All check the same loopback server (another process, answering at once), in the same run: per level, a warm-up,
 * then `rounds` rounds in which the ways take turns, the order reversed every other round. Calls are sequential, so a call's latency is the
 * time until all of its targets answered, never time spent queued behind another call.
 */
export async function runProbeOverhead(options: ProbeOverheadOptions): Promise<ProbeOverheadResult> {
  const { log } = options;
  const server = forkScript<TargetMessage>(TARGET);
  const prober = undiciHealthProber();
  // The prober's Agent settings, so connection reuse is the same on both sides.
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: 5_000,
    bodyTimeout: 5_000,
  });
  const timedAgent = new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: 5_000,
    bodyTimeout: 5_000,
  });
  let cpuQuery = 0;
  const serverCpu = async () => {
    cpuQuery += 1;
    const id = cpuQuery;
    server.send({ type: 'cpu', id });
    const answer = await server.next(
      (m): m is Extract<TargetMessage, { type: 'cpu' }> => m.type === 'cpu' && m.id === id,
      5_000,
    );
    return answer.micros;
  };
  try {
    const ready = await server.next(
      (m): m is Extract<TargetMessage, { type: 'ready' }> => m.type === 'ready',
      30_000,
    );
    const origin = `http://127.0.0.1:${ready.port}`;
    log(
      `probe overhead: undiciHealthProber vs bare undici.request (and with a timeout signal), ${options.rounds} rounds`,
    );
    const levels: ProbeLevelResult[] = [];
    let serverMicros = 0;
    let serverProbes = 0;
    for (const level of options.levels) {
      const targets: HealthTarget[] = Array.from({ length: level.targets }, (_, index) => ({
        service: `svc${index}`,
        check: { url: `${origin}/health/${index}`, expect: 200, timeoutMs: 2_000 },
      }));
      const urls = targets.map((target) => target.check.url);
      let failures = 0;
      const calls: Record<ProbeWay, () => Promise<void>> = {
        prober: async () => {
          const results = await prober.probe(targets);
          for (const result of results) if (!result.ok) failures += 1;
        },
        bare: async () => {
          await Promise.all(
            urls.map(async (url) => {
              const response = await request(url, { dispatcher: agent });
              await response.body.dump();
              if (response.statusCode !== 200) failures += 1;
            }),
          );
        },
        'bare-timeout': async () => {
          await Promise.all(
            urls.map(async (url) => {
              const signal = AbortSignal.timeout(2_000);
              const response = await request(url, { dispatcher: timedAgent, signal });
              // undici's default limit: only the signal differs from `bare`.
              await response.body.dump({ signal, limit: 131_072 });
              if (response.statusCode !== 200) failures += 1;
            }),
          );
        },
      };
      const run = async (way: ProbeWay, count: number) => {
        const latencies: number[] = [];
        collectGarbage();
        const cpuBefore = process.cpuUsage();
        for (let call = 0; call < count; call += 1) {
          const started = performance.now();
          await calls[way]();
          latencies.push(performance.now() - started);
        }
        const cpu = process.cpuUsage(cpuBefore);
        return { latencies, cpuMicros: cpu.user + cpu.system };
      };
      for (const way of WAYS) await run(way, level.warmupCalls);
      failures = 0;
      const pooled: Record<ProbeWay, { latencies: number[]; cpuMicros: number }> = {
        prober: { latencies: [], cpuMicros: 0 },
        bare: { latencies: [], cpuMicros: 0 },
        'bare-timeout': { latencies: [], cpuMicros: 0 },
      };
      const ratioP50PerRound: number[] = [];
      const ratioCpuPerRound: number[] = [];
      const serverBefore = await serverCpu();
      for (let round_ = 0; round_ < options.rounds; round_ += 1) {
        const order = round_ % 2 === 0 ? [...WAYS] : [...WAYS].reverse();
        const thisRound: Partial<Record<ProbeWay, { latencies: number[]; cpuMicros: number }>> = {};
        for (const way of order) {
          const measured = await run(way, level.callsPerRound);
          thisRound[way] = measured;
          pooled[way].latencies.push(...measured.latencies);
          pooled[way].cpuMicros += measured.cpuMicros;
        }
        const { prober: p, bare: b } = thisRound as Record<
          ProbeWay,
          { latencies: number[]; cpuMicros: number }
        >;
        ratioP50PerRound.push(round(summarize(p.latencies).p50 / summarize(b.latencies).p50, 2));
        ratioCpuPerRound.push(round(p.cpuMicros / b.cpuMicros, 2));
      }
      serverMicros += (await serverCpu()) - serverBefore;
      serverProbes += WAYS.length * options.rounds * level.callsPerRound * level.targets;
      const probes = options.rounds * level.callsPerRound * level.targets;
      const way = (name: ProbeWay): ProbeWayResult => ({
        latency: summarize(pooled[name].latencies),
        cpuMicrosPerProbe: round(pooled[name].cpuMicros / probes, 1),
        probes,
      });
      const ways = { prober: way('prober'), bare: way('bare'), 'bare-timeout': way('bare-timeout') };
      const result: ProbeLevelResult = {
        targets: level.targets,
        calls: options.rounds * level.callsPerRound,
        ways,
        ratioP50: round(ways.prober.latency.p50 / ways.bare.latency.p50, 2),
        ratioP99: round(ways.prober.latency.p99 / ways.bare.latency.p99, 2),
        ratioCpu: round(ways.prober.cpuMicrosPerProbe / ways.bare.cpuMicrosPerProbe, 2),
        ratioCpuTimeoutOnly: round(ways['bare-timeout'].cpuMicrosPerProbe / ways.bare.cpuMicrosPerProbe, 2),
        extraMicrosP50: round((ways.prober.latency.p50 - ways.bare.latency.p50) * 1_000, 1),
        ratioP50PerRound,
        ratioCpuPerRound,
        failures,
      };
      levels.push(result);
      log(
        `  ${level.targets} target(s) per call: p50 ${ways.prober.latency.p50.toFixed(3)} vs ${ways.bare.latency.p50.toFixed(3)} ms (×${result.ratioP50}), p99 ${ways.prober.latency.p99.toFixed(3)} vs ${ways.bare.latency.p99.toFixed(3)} ms (×${result.ratioP99}), CPU ${ways.prober.cpuMicrosPerProbe} vs ${ways.bare.cpuMicrosPerProbe} µs per probe (×${result.ratioCpu})`,
      );
    }
    return {
      rounds: options.rounds,
      order: 'prober, bare, bare-timeout in odd rounds, the reverse in even ones',
      serverCpuMicrosPerProbe: round(serverMicros / serverProbes, 1),
      levels,
    };
  } finally {
    await prober.close();
    await agent.close();
    await timedAgent.close();
    await server.stop();
  }
}
