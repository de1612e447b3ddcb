import type { Metrics } from '../adapters/http/metrics.js';
import type { HealthProber } from '../services/deploy/ports.js';
import type { Pager } from '../services/ports.js';

/**
 * The ports whose failures are results rather than exceptions (a page not sent, a probe without an answer), counted
 * under their own dependency in `greenlight_dependency_errors_total`, as the error sink counts what is thrown.
 */
export function countedPager(pager: Pager, metrics: Pick<Metrics, 'dependencyErrors'>): Pager {
  return {
    async send(event) {
      const result = await pager.send(event);
      if (!result.ok) metrics.dependencyErrors.inc({ dependency: 'pagerduty' });
      return result;
    },
  };
}

/** A probe that got no answer at all counts; one that got a non-healthy status is the app speaking, not a failure. */
export function countedProber(
  prober: HealthProber,
  metrics: Pick<Metrics, 'dependencyErrors'>,
): HealthProber {
  return {
    async probe(targets) {
      const results = await prober.probe(targets);
      const unanswered = results.filter((result) => result.status === undefined).length;
      if (unanswered > 0) metrics.dependencyErrors.inc({ dependency: 'probe' }, unanswered);
      return results;
    },
    close: () => prober.close(),
  };
}
