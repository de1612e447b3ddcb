import type { Severity } from './incident.js';

/** Every severity, most severe first. */
export const SEVERITIES: readonly Severity[] = ['sev1', 'sev2', 'sev3'];

/** What a severity means and what it asks of the responders (the runbooks' incident classification). */
export interface SeverityRule {
  /** How soon someone must respond, in milliseconds. */
  respondWithin: number;
  action: string;
  meaning: string;
}

export type SeverityPolicy = Readonly<Record<Severity, SeverityRule>>;

/** The runbooks' classification: SEV1 < 5 min, SEV2 < 15 min, SEV3 < 30 min. */
export const DEFAULT_SEVERITY_POLICY: SeverityPolicy = {
  sev1: {
    respondWithin: 5 * 60_000,
    action: 'Immediate rollback + escalation',
    meaning: 'Complete service outage or data loss',
  },
  sev2: {
    respondWithin: 15 * 60_000,
    action: 'Assess + rollback if needed',
    meaning: 'Significant performance degradation or security breach',
  },
  sev3: {
    respondWithin: 30 * 60_000,
    action: 'Monitor + plan fix',
    meaning: 'Minor issues, limited user impact',
  },
};

/** `SEV1`: how people write it. */
export function severityLabel(severity: Severity): string {
  return severity.toUpperCase();
}

/** The severity a user typed (`sev1`, `SEV1`), or undefined. */
export function parseSeverity(text: string): Severity | undefined {
  const lower = text.toLowerCase();
  return SEVERITIES.find((severity) => severity === lower);
}

/** One step up (SEV3 → SEV2 → SEV1); undefined at SEV1, which cannot be raised. */
export function escalationOf(severity: Severity): Severity | undefined {
  const index = SEVERITIES.indexOf(severity);
  return index > 0 ? SEVERITIES[index - 1] : undefined;
}

/** PagerDuty's Events API v2 severity for ours. */
export function pagerSeverityOf(severity: Severity): 'critical' | 'error' | 'warning' {
  return severity === 'sev1' ? 'critical' : severity === 'sev2' ? 'error' : 'warning';
}
