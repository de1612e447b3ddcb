import { describe, expect, it } from 'vitest';
import {
  formatSlackDate,
  type MrkdwnContext,
  mrkdwnToHtml,
  plainTextToHtml,
} from '../../../../playground/web/render/mrkdwn.js';

/** 2026-11-22 10:00:00 UTC, a Sunday. */
const NOW = Date.UTC(2026, 10, 22, 10, 0, 0);
const context: MrkdwnContext = {
  users: new Map([['U0ALICE', 'alice']]),
  channels: new Map([['C0INCIDENTS', 'incidents']]),
  usergroups: new Map([['S0REL', 'release-managers']]),
  now: NOW,
  timeZone: 'UTC',
};
const html = (text: string) => mrkdwnToHtml(text, context);

describe('mrkdwn as a Slack client shows it', () => {
  it.each([
    ['*Running*', '<b>Running</b>'],
    ['_at 5 %_', '<i>at 5 %</i>'],
    ['~cancelled~', '<s>cancelled</s>'],
    ['*bold* and _italic_ and ~gone~', '<b>bold</b> and <i>italic</i> and <s>gone</s>'],
    ['_*both*_', '<i><b>both</b></i>'],
    ['(*in brackets*)', '(<b>in brackets</b>)'],
  ])('formats %s', (text, expected) => {
    expect(html(text)).toBe(expected);
  });

  it.each([
    ['5 * 3 * 2', '5 * 3 * 2'],
    ['snake_case_name', 'snake_case_name'],
    ['a*b*c', 'a*b*c'],
    ['* not bold *', '* not bold *'],
  ])('leaves %s alone: marks inside words or next to spaces are text', (text, expected) => {
    expect(html(text)).toBe(expected);
  });

  it('keeps code literal, inline and in blocks, with Slack’s escapes undone once', () => {
    expect(html('run `/deploy *staging*` now')).toBe(
      'run <code class="mk-code">/deploy *staging*</code> now',
    );
    expect(html('```\nif a &lt; b &amp;&amp; _c_\n```')).toBe(
      '<pre class="mk-pre">if a &lt; b &amp;&amp; _c_\n</pre>',
    );
  });

  it('escapes HTML: Slack’s escaped text shows as typed and nothing in it becomes markup', () => {
    expect(html('&lt;script&gt;alert(1)&lt;/script&gt; &amp; "quotes"')).toBe(
      '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;',
    );
    expect(html('<javascript:alert(1)|click me>')).toBe('click me');
    expect(html('<https://x.example/?a=1&amp;b="2"|a &lt;b&gt;label&lt;/b&gt;>')).toBe(
      '<a class="mk-link" href="https://x.example/?a=1&amp;b=&quot;2&quot;" target="_blank" rel="noopener noreferrer">a &lt;b&gt;label&lt;/b&gt;</a>',
    );
  });

  it('links, with or without a label, code in the label kept', () => {
    expect(html('<https://github.example/acme/platform/commit/e1e24c8|`e1e24c8`>')).toBe(
      '<a class="mk-link" href="https://github.example/acme/platform/commit/e1e24c8" target="_blank" rel="noopener noreferrer"><code class="mk-code">e1e24c8</code></a>',
    );
    expect(html('<https://github.example/acme/platform/actions/runs/7|run #7>')).toBe(
      '<a class="mk-link" href="https://github.example/acme/platform/actions/runs/7" target="_blank" rel="noopener noreferrer">run #7</a>',
    );
    expect(html('<https://example.com>')).toContain('>https://example.com</a>');
    expect(html('<mailto:ops@example.com|mail ops>')).toContain('href="mailto:ops@example.com"');
  });

  it('names people, channels and groups; a label in the token wins', () => {
    expect(html('by <@U0ALICE>')).toBe('by <span class="mk-mention mk-user">@alice</span>');
    expect(html('<@U0NOBODY>')).toContain('@U0NOBODY');
    expect(html('see <#C0INCIDENTS>')).toContain('#incidents');
    expect(html('<#C0OTHER|ops>')).toContain('#ops');
    expect(html('<!subteam^S0REL>')).toContain('@release-managers');
    expect(html('<!subteam^S0NEW|@oncall>')).toContain('@oncall');
    expect(html('<!here> <!channel>')).toBe(
      '<span class="mk-mention mk-special">@here</span> <span class="mk-mention mk-special">@channel</span>',
    );
  });

  it('shows <!date^…> in the viewer’s zone, with the fallback only when the token is broken', () => {
    const seconds = Math.floor(Date.UTC(2026, 10, 22, 9, 30) / 1_000);
    expect(html(`<!date^${seconds}^{date_short_pretty} {time}|2026-11-22 09:30 UTC>`)).toBe(
      `<time class="mk-date" datetime="2026-11-22T09:30:00.000Z">Today 9:30 AM</time>`,
    );
    expect(html('<!date^soon^{time}|whenever>')).toBe('whenever');
    expect(
      mrkdwnToHtml(`<!date^${seconds}^{time}|x>`, { ...context, timeZone: 'America/New_York' }),
    ).toContain('4:30 AM');
  });

  it.each([
    ['{date_num}', '2026-11-20'],
    ['{date}', 'November 20th, 2026'],
    ['{date_short}', 'Nov 20, 2026'],
    ['{date_long}', 'Friday, November 20th, 2026'],
    ['{date_pretty}', 'November 20th, 2026'],
    ['{time_secs}', '11:05:09 PM'],
    ['{ago}', '1 day ago'],
    ['at {unknown}', 'at {unknown}'],
  ])('formats %s', (format, expected) => {
    const seconds = Math.floor(Date.UTC(2026, 10, 20, 23, 5, 9) / 1_000);
    expect(formatSlackDate(seconds, format, context)).toBe(expected);
  });

  it('says yesterday and tomorrow, and 1st, 2nd, 3rd, 11th', () => {
    const day = (d: number) => Math.floor(Date.UTC(2026, 10, d, 12) / 1_000);
    expect(formatSlackDate(day(21), '{date_pretty}', context)).toBe('Yesterday');
    expect(formatSlackDate(day(23), '{date_long_pretty}', context)).toBe('Tomorrow');
    expect([1, 2, 3, 11, 22].map((d) => formatSlackDate(day(d), '{date}', context))).toEqual([
      'November 1st, 2026',
      'November 2nd, 2026',
      'November 3rd, 2026',
      'November 11th, 2026',
      'November 22nd, 2026',
    ]);
  });

  it('turns shortcodes into emoji, keeps unknown ones, and breaks lines', () => {
    expect(html(':rocket: :lock: :large_green_circle:\n:custom_party:')).toBe('🚀 🔒 🟢<br>:custom_party:');
    expect(html('`:rocket:`')).toBe('<code class="mk-code">:rocket:</code>');
  });

  it('quotes lines starting with >', () => {
    expect(html('&gt; first\n&gt; second\nafter')).toBe(
      '<blockquote class="mk-quote">first<br>second</blockquote>after',
    );
  });

  it('shows plain_text as typed, emoji unless turned off', () => {
    expect(plainTextToHtml('*Approve* :rocket: <b>')).toBe('*Approve* 🚀 &lt;b&gt;');
    expect(plainTextToHtml(':rocket:', false)).toBe(':rocket:');
  });
});
