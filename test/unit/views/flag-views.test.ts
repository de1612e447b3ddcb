import { describe, expect, it } from 'vitest';
import type { FlagView } from '../../../src/domain/flags/flag-state.js';
import { flagAnnouncement, flagChangedReply, flagListReply } from '../../../views/flag-views.js';

function flag(index: number): FlagView {
  return {
    name: `feature_number_${index}_with_a_longish_name`,
    raw: index % 2 ? 'true' : 'false',
    isProtected: index % 5 === 0,
    isKnown: true,
    lastChange: {
      changeId: `c${index}`,
      by: 'U0ALICE',
      reason: 'r',
      at: '2026-11-22T10:00:00.000Z',
      source: 'slack',
    },
  };
}

function sectionTexts(blocks: readonly { type: string }[]): string[] {
  return blocks.flatMap((block) =>
    'text' in block && block.text ? [(block.text as { text: string }).text] : [],
  );
}

describe('flag views respect Slack Block Kit limits', () => {
  it('lists thousands of flags within 50 blocks and 3,000 characters a section, saying how many are left out', () => {
    const flags = Array.from({ length: 3_000 }, (_, i) => flag(i));
    const message = flagListReply(flags);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const text of sectionTexts(message.blocks)) expect(text.length).toBeLessThanOrEqual(3_000);
    const shown =
      sectionTexts(message.blocks)
        .join('\n')
        .match(/`feature_number_/g)?.length ?? 0;
    const last = JSON.stringify(message.blocks.at(-1));
    expect(last).toContain(`and ${3_000 - shown} more`);
  });

  it('lists a handful of flags completely', () => {
    const message = flagListReply([flag(1), flag(2)]);
    const text = sectionTexts(message.blocks).join('\n');
    expect(text).toContain(':large_green_circle: on  `feature_number_1_with_a_longish_name`');
    expect(text).toContain(':red_circle: off  `feature_number_2_with_a_longish_name`');
    expect(JSON.stringify(message.blocks)).not.toContain('more;');
  });

  it('escapes what users typed so a reason cannot ping @channel or inject links', () => {
    const notice = {
      name: 'scan_creation',
      enabled: false,
      old: 'true',
      by: 'U0ALICE',
      reason: '<!channel> see <http://evil|here> & <@U0BOB>',
      at: '2026-11-22T10:00:00.000Z',
      source: 'slack' as const,
    };
    const text = JSON.stringify(flagAnnouncement(notice).blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<http://evil');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('<@U0BOB>');
  });

  it('tells the person who flipped it the old and the new value, and when it reverts', () => {
    const reply = flagChangedReply({
      name: 'scan_creation',
      enabled: false,
      old: 'true',
      by: 'U0ALICE',
      reason: '',
      at: '2026-11-22T10:00:00.000Z',
      until: '2026-11-22T10:30:00.000Z',
      source: 'slack',
    });
    const text = sectionTexts(reply.blocks).join('\n');
    expect(text).toContain('Was `true` (enabled) → now `false` (disabled)');
    expect(text).toContain('enabled again automatically');
    expect(text).toContain('<!date^1795343400^');
  });
});
