import type { PlanAnalysisConfig } from '../../src/domain/deploy/plan.js';

/** greenlight.yml's `analysis` with the runbooks' thresholds, read from Prometheus every 10 s. */
export const RUNBOOK_ANALYSIS: PlanAnalysisConfig = {
  source: 'prometheus',
  interval: 10_000,
  noDataToPause: 3,
  errorRate: { warn: 0.01, rollback: 0.05 },
  p95: { rollbackAtRatioToBaseline: 2 },
  healthFailuresToRollback: 3,
};
