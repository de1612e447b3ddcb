export const INCIDENT_USAGE = [
  '*Usage of /incident*',
  '`/incident declare <sev1|sev2|sev3> <title…> [--env <env>]`: declare an incident; its card goes to the incident channel',
  '`/incident update <id> <text…>`: add to its timeline, e.g. `/incident update inc-7 error rate back under 1 %`',
  '`/incident resolve <id> [summary…]`: resolve it (and its PagerDuty page)',
  '`/incident escalate <id>`: raise it one severity (SEV3 → SEV2 → SEV1)',
  '`/incident list`: the open incidents',
  'SEV1: complete outage or data loss · SEV2: significant degradation or security breach · SEV3: minor, limited impact',
].join('\n');
