import { z } from 'zod';
import { parseDuration } from '../domain/duration.js';
import type { Severity } from '../domain/incidents/incident.js';
import {
  DEFAULT_SEVERITY_POLICY,
  SEVERITIES,
  type SeverityRule,
} from '../domain/incidents/severity-policy.js';

const respondWithin = z.string().transform((text, ctx) => {
  const parsed = parseDuration(text);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as 5m or 1h (${parsed.reason})` });
    return z.NEVER;
  }
  return parsed.ms;
});

function severityRule(defaults: SeverityRule) {
  return z
    .strictObject({
      respondWithin: respondWithin.default(defaults.respondWithin),
      action: z.string().trim().min(1).max(200).default(defaults.action),
      meaning: z.string().trim().min(1).max(200).default(defaults.meaning),
    })
    .default(defaults);
}

const severity = z.enum(SEVERITIES as [Severity, ...Severity[]]);

const DEFAULT_PAGE: Severity[] = ['sev1'];

/**
 * `incidents:` in greenlight.yml: whether each incident gets its own channel, which severities page PagerDuty
 * (with PAGERDUTY_ROUTING_KEY), and the severity policy shown on every card (the runbooks' by default; any field
 * left out keeps its default).
 */
export const incidentsSchema = z
  .strictObject({
    createChannel: z.boolean().default(false),
    page: z.array(severity).default(DEFAULT_PAGE),
    severities: z
      .strictObject({
        sev1: severityRule(DEFAULT_SEVERITY_POLICY.sev1),
        sev2: severityRule(DEFAULT_SEVERITY_POLICY.sev2),
        sev3: severityRule(DEFAULT_SEVERITY_POLICY.sev3),
      })
      .default({ ...DEFAULT_SEVERITY_POLICY }),
  })
  .default({ createChannel: false, page: DEFAULT_PAGE, severities: { ...DEFAULT_SEVERITY_POLICY } });

export type IncidentsConfig = z.infer<typeof incidentsSchema>;
