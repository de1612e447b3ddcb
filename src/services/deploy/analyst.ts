import type { HealthCheck, ProbeResult, Reading, SourceCursor } from '../../domain/analysis/reading.js';
import type { DeploymentState } from '../../domain/deploy/deployment-state.js';
import type { HealthProber, MetricSource } from './ports.js';

export interface AnalystDeps {
  /** Absent for the `health` source and without an `analysis` section: readings are the probes alone. */
  source?: MetricSource;
  prober: HealthProber;
  /** Each service's health checks from greenlight.yml. */
  checks: Readonly<Record<string, { health: readonly HealthCheck[] }>>;
  now: () => number;
}

/** Takes readings for a deployment: the metric source and the probes of the services it touches, at once. */
export class Analyst {
  constructor(private readonly deps: AnalystDeps) {}

  async read(
    state: DeploymentState,
    services: readonly string[],
    cursor: SourceCursor | undefined,
  ): Promise<{ reading: Reading; cursor: SourceCursor }> {
    const { source, now } = this.deps;
    const at = now();
    const [measured, probes] = await Promise.all([
      source
        ? source.read({ env: state.env, now: at, ...(cursor ? { cursor } : {}) })
        : Promise.resolve({ metrics: {}, cursor: { at, counters: {} } }),
      this.probe(services),
    ]);
    const reading: Reading = {
      at,
      source: state.analysis?.source ?? 'none',
      probes,
      ...measured.metrics,
    };
    return { reading, cursor: measured.cursor };
  }

  probe(services: readonly string[]): Promise<ProbeResult[]> {
    const targets = services.flatMap((service) =>
      (this.deps.checks[service]?.health ?? []).map((check) => ({ service, check })),
    );
    return targets.length === 0 ? Promise.resolve([]) : this.deps.prober.probe(targets);
  }
}
