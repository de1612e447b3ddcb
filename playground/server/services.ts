import type { ServiceHealth } from '../web/protocol.js';

/** The config's `services`, as far as their health checks go. */
export type HealthChecks = Readonly<
  Record<string, { health: readonly { url: string; expect: number | readonly number[] }[] }>
>;

export interface SimulatedServices {
  list(): ServiceHealth[];
  /** A service that is down answers 503 to every one of its checks. */
  setHealthy(name: string, healthy: boolean): boolean;
  /** The status to answer a request for `path`, or undefined when no check asks for it. */
  answer(path: string): number | undefined;
}

/**
 * The services behind the playground config's health checks, served under `/services/…` by the playground: up,
 * each check answers what it expects (200 for `/services/api/health`, 401 for the gateway, which enforces API keys);
 * down, 503. Checks pointing anywhere else are left alone.
 */
export function simulatedServices(checks: HealthChecks): SimulatedServices {
  const served: { name: string; path: string; expect: number }[] = [];
  for (const [name, service] of Object.entries(checks)) {
    for (const check of service.health) {
      const path = new URL(check.url).pathname;
      if (!path.startsWith('/services/')) continue;
      const expect = typeof check.expect === 'number' ? check.expect : (check.expect[0] ?? 200);
      served.push({ name, path, expect });
    }
  }
  const down = new Set<string>();
  const statusOf = (check: { name: string; expect: number }) => (down.has(check.name) ? 503 : check.expect);
  return {
    list: () =>
      served.map((check) => ({
        name: check.name,
        path: check.path,
        status: statusOf(check),
        healthy: !down.has(check.name),
      })),
    setHealthy(name, healthy) {
      if (!served.some((check) => check.name === name)) return false;
      if (healthy) down.delete(name);
      else down.add(name);
      return true;
    },
    answer(path) {
      const check = served.find((each) => each.path === path);
      return check ? statusOf(check) : undefined;
    },
  };
}
