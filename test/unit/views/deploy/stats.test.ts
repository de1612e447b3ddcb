import { describe, expect, it } from 'vitest';
import type { DeployStatsResult } from '../../../../src/domain/deploy/dora.js';
import { DAY_MS, type DoraReport } from '../../../../src/domain/deploy/dora.js';
import { deployStatsReply, FAILURES_SHOWN, spanText } from '../../../../views/deploy/stats.js';

const TO = Date.UTC(2026, 2, 31);
const FROM = TO - 30 * DAY_MS;

function report(env: string, more: Partial<DoraReport> = {}): DoraReport {
  return {
    env,
    window: { from: FROM, to: TO },
    deployments: { succeeded: 0, failed: 0, rolledBack: 0, cancelled: 0, unfinished: 0, rollbacks: 0 },
    gaps: { leadTimeMissing: 0, openIncidents: 0, unrestoredRollbacks: 0 },
    ...more,
  };
}

function result(reports: DoraReport[], more: Partial<DeployStatsResult> = {}): DeployStatsResult {
  return {
    window: { from: FROM, to: TO, ms: 30 * DAY_MS },
    reports,
    commitTimeGaps: { not_found: 0, unavailable: 0, not_looked_up: 0, moved: 0 },
    incidentsWithoutEnv: 0,
    unreadable: { deployments: 0, incidents: 0 },
    ...more,
  };
}

type Block = { type: string; text?: { text: string }; elements?: { text: string }[] };
const texts = (blocks: unknown[]) =>
  (blocks as Block[]).flatMap((block) => [
    ...(block.text ? [block.text.text] : []),
    ...(block.elements ?? []).map((element) => element.text),
  ]);

describe('deployStatsReply', () => {
  it('says what is missing instead of printing zeros', () => {
    const message = deployStatsReply(result([report('qa')]), '30d');
    const shown = texts(message.blocks).join('\n');
    expect(shown).toContain('*qa* · 0 deployments');
    expect(shown).toContain('🚀 *Deploy frequency*: no finished deployment in the window');
    expect(shown).toContain('💥 *Change-failure rate*: no finished deployment in the window');
    expect(shown).toContain('🩹 *Time to restore*: nothing restored in the window');
    expect(shown).toContain('⏱️ *Lead time*: no successful deployment in the window');
    expect(shown).not.toMatch(/\b0%|NaN|undefined/);
  });

  it('lists a few failed changes and counts the rest', () => {
    const failed = Array.from({ length: 8 }, (_, i) => ({
      id: `d${i}`,
      name: `production-${i + 1}`,
      ref: 'main',
      status: 'rolled_back' as const,
      finishedAt: FROM + i * DAY_MS,
      causes: ['rolled_back' as const],
      incidents: [],
    }));
    const message = deployStatsReply(
      result([
        report('production', {
          deployments: { succeeded: 2, failed: 0, rolledBack: 8, cancelled: 0, unfinished: 0, rollbacks: 0 },
          changeFailureRate: { rate: 0.8, failures: 8, n: 10, band: 'low', meetsTarget: false, failed },
        }),
      ]),
      '30d',
    );
    const shown = texts(message.blocks).join('\n');
    expect(shown.match(/ {6}• /g)).toHaveLength(FAILURES_SHOWN);
    expect(shown).toContain(`…and ${8 - FAILURES_SHOWN} more`);
  });

  it('stays within Slack limits for many environments with long names and many failures', () => {
    const failed = Array.from({ length: 40 }, (_, i) => ({
      id: `d${'x'.repeat(60)}${i}`,
      name: `production-${'x'.repeat(60)}${i}`,
      ref: `release/${'y'.repeat(240)}`,
      status: 'failed' as const,
      causes: ['rollback_started' as const, 'incident' as const],
      incidents: ['inc-1', 'inc-2', 'inc-3', 'inc-4'],
    }));
    const reports = Array.from({ length: 80 }, (_, i) =>
      report(`env-${'z'.repeat(60)}-${i}`, {
        changeFailureRate: { rate: 1, failures: 40, n: 40, band: 'low', meetsTarget: false, failed },
        gaps: { leadTimeMissing: 40, openIncidents: 3, unrestoredRollbacks: 2 },
      }),
    );
    const message = deployStatsReply(
      result(reports, {
        commitTimeGaps: { not_found: 1, unavailable: 2, not_looked_up: 3, moved: 4 },
        incidentsWithoutEnv: 2,
        unreadable: { deployments: 1, incidents: 1 },
      }),
      '365d',
    );
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const text of texts(message.blocks)) expect(text.length).toBeLessThanOrEqual(3_000);
    const shown = texts(message.blocks).join('\n');
    expect(shown).toMatch(/…and \d+ more environments: ask `\/deploy stats <env>`\./);
    expect(shown).toContain(
      'Commit times missing: 1 not found on GitHub, 4 whose branch has moved on since, 2 not read (GitHub did not answer), 3 not looked up yet (a call looks up 100; ask again).',
    );
    expect(shown).toContain('2 incidents name no environment or deployment and are left out.');
    expect(message.text.length).toBeLessThanOrEqual(300);
  });

  it.each([
    [45_000, '45s'],
    [6 * 60_000, '6m'],
    [150 * 60_000, '2h 30m'],
    [24 * 3_600_000, '1d'],
    [62.4 * 3_600_000, '2d 14h'],
  ])('spans %i ms as %s', (ms, text) => expect(spanText(ms)).toBe(text));
});
