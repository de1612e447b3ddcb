import { describe, expect, it } from 'vitest';
import {
  type IncidentCommand,
  parseIncidentArgs,
} from '../../../../commands/incident/parse-incident-args.js';

describe('parseIncidentArgs', () => {
  const accepted: [string, IncidentCommand][] = [
    ['', { kind: 'help' }],
    ['  help ', { kind: 'help' }],
    ['--help', { kind: 'help' }],
    ['declare sev1 API is down', { kind: 'declare', severity: 'sev1', title: 'API is down' }],
    ['DECLARE SEV2   p95   doubled  ', { kind: 'declare', severity: 'sev2', title: 'p95 doubled' }],
    [
      'declare sev3 slow exports --env staging',
      { kind: 'declare', severity: 'sev3', title: 'slow exports', env: 'staging' },
    ],
    [
      'declare sev3 --env=Staging slow exports',
      { kind: 'declare', severity: 'sev3', title: 'slow exports', env: 'staging' },
    ],
    ['declare sev2 a &lt;b&gt; &amp; c', { kind: 'declare', severity: 'sev2', title: 'a <b> & c' }],
    [
      'update inc-7 error rate back under 1 %',
      { kind: 'update', id: 'inc-7', text: 'error rate back under 1 %' },
    ],
    ['update INC-12 line one\nline two', { kind: 'update', id: 'inc-12', text: 'line one\nline two' }],
    ['update 7 done', { kind: 'update', id: 'inc-7', text: 'done' }],
    ['update #7   spaced   out', { kind: 'update', id: 'inc-7', text: 'spaced   out' }],
    ['resolve inc-7', { kind: 'resolve', id: 'inc-7' }],
    [
      'resolve inc-7 rolled back; root cause: bad index',
      { kind: 'resolve', id: 'inc-7', summary: 'rolled back; root cause: bad index' },
    ],
    ['escalate inc-3', { kind: 'escalate', id: 'inc-3' }],
    ['list', { kind: 'list' }],
    ['LIST', { kind: 'list' }],
  ];
  it.each(accepted)('%j', (text, expected) => {
    expect(parseIncidentArgs(text)).toEqual({ ok: true, value: expected });
  });

  const refused: [string, RegExp][] = [
    ['declare', /Which severity\?/],
    ['declare sev4 something', /`sev4` is not a severity/],
    ['declare API down', /`API` is not a severity/],
    ['declare sev1', /Give the incident a title/],
    ['declare sev1 --env', /`--env` needs an environment/],
    ['declare sev1 down --env prod --env staging', /`--env` is given twice/],
    ['declare sev1 down --env Prod!', /is not an environment name/],
    [`declare sev1 ${'x'.repeat(151)}`, /too long \(at most 150/],
    ['update', /Which incident\?/],
    ['update inc-7', /Say what changed/],
    ['update incident-7 text', /`incident-7` is not an incident id/],
    ['update inc-0 text', /is not an incident id/],
    [`update inc-7 ${'y'.repeat(1001)}`, /too long \(at most 1000/],
    ['resolve', /Which incident\?/],
    ['resolve nope', /`nope` is not an incident id/],
    ['escalate', /Which incident\?/],
    ['escalate inc-1 inc-2', /takes one incident id/],
    ['list open', /takes no arguments/],
    ['delcare sev1 typo', /Unknown subcommand `delcare`/],
    ['<!channel> x', /Unknown subcommand `&lt;!channel&gt;`/],
  ];
  it.each(refused)('refuses %j', (text, message) => {
    const result = parseIncidentArgs(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatch(message);
    expect(result.usage).toContain('/incident declare <sev1|sev2|sev3> <title…>');
  });

  it('never throws, whatever the text', () => {
    for (const text of [
      '\u0000',
      'update \n\n',
      'declare \t sev1 \t',
      '`',
      'resolve inc-99999999999',
      '  ',
    ]) {
      expect(() => parseIncidentArgs(text)).not.toThrow();
    }
  });
});
