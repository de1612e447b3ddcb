import { describe, expect, it } from 'vitest';
import { blocksToHtml, messageToHtml } from '../../../../playground/web/render/blocks.js';
import type { MrkdwnContext } from '../../../../playground/web/render/mrkdwn.js';

const context: MrkdwnContext = {
  users: new Map([['U0CAROL', 'carol']]),
  channels: new Map(),
  usergroups: new Map(),
  now: Date.UTC(2026, 10, 22, 10),
  timeZone: 'UTC',
};
const render = (blocks: unknown[]) => blocksToHtml(blocks, context);
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const plain = (text: string) => ({ type: 'plain_text', text, emoji: true });

/** The HTML of one element the page would find by `selector`-like attribute, for assertions that read well. */
function attribute(html: string, name: string): string | undefined {
  return new RegExp(`${name}="([^"]*)"`).exec(html)?.[1];
}

/** An attribute's value as the browser reads it. */
function attributeValue(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

describe('Block Kit as a Slack client lays it out', () => {
  it('renders a timeline: header, fields, context, divider and an actions block with styled buttons', () => {
    const html = render([
      { type: 'header', text: plain(':rocket: Deploy main to production') },
      {
        type: 'section',
        block_id: 'summary',
        fields: [mrkdwn('*Environment*\nproduction'), mrkdwn('*Requested by*\n<@U0CAROL>')],
      },
      { type: 'context', elements: [mrkdwn('greenlight_id `d1`'), plain('5 %')] },
      { type: 'divider' },
      {
        type: 'actions',
        block_id: 'deploy_gate:1',
        elements: [
          {
            type: 'button',
            action_id: 'deploy_approve',
            value: 'd1',
            style: 'primary',
            text: plain('Approve'),
          },
          { type: 'button', action_id: 'deploy_abort', value: 'd1', style: 'danger', text: plain('Abort') },
        ],
      },
    ]);
    expect(html).toContain('<div class="bk-header">🚀 Deploy main to production</div>');
    expect(html).toContain('<div class="bk-field"><b>Environment</b><br>production</div>');
    expect(html).toContain('<span class="mk-mention mk-user">@carol</span>');
    expect(html).toContain(
      '<span class="bk-context-text">greenlight_id <code class="mk-code">d1</code></span>',
    );
    expect(html).toContain('<hr class="bk-divider">');
    expect(html).toContain(
      '<button type="button" class="bk-button bk-primary" data-action-id="deploy_approve" data-value="d1">Approve</button>',
    );
    expect(html).toContain('class="bk-button bk-danger" data-action-id="deploy_abort"');
    expect(html).toContain('<div class="bk-actions" data-block-id="deploy_gate:1">');
    expect(html).not.toContain('bk-unknown');
  });

  it('carries a button’s confirm dialog, rendered, for the page to ask before it clicks', () => {
    const html = render([
      {
        type: 'section',
        text: mrkdwn('Traffic at *25 %*'),
        accessory: {
          type: 'button',
          action_id: 'deploy_rollback',
          value: 'd1',
          style: 'danger',
          text: plain('Roll back'),
          confirm: {
            title: plain('Roll back production?'),
            text: mrkdwn('Traffic goes back to *v1.0.0*.'),
            confirm: plain('Roll back'),
            deny: plain('Keep going'),
            style: 'danger',
          },
        },
      },
    ]);
    expect(html).toContain('<div class="bk-accessory"><button type="button" class="bk-button bk-danger"');
    const confirm = JSON.parse(attributeValue(attribute(html, 'data-confirm') ?? '{}'));
    expect(confirm).toEqual({
      title: 'Roll back production?',
      text: 'Traffic goes back to <b>v1.0.0</b>.',
      confirm: 'Roll back',
      deny: 'Keep going',
      style: 'danger',
    });
  });

  it('renders a modal’s inputs with what Slack’s client checks: required, lengths, placeholder, hint', () => {
    const html = render([
      {
        type: 'input',
        block_id: 'reason',
        label: plain('Why roll back?'),
        hint: plain('Shown on the timeline'),
        element: {
          type: 'plain_text_input',
          action_id: 'reason_input',
          multiline: true,
          min_length: 3,
          max_length: 500,
          placeholder: plain('error rate after the deploy'),
        },
      },
      {
        type: 'input',
        block_id: 'note',
        optional: true,
        label: plain('Note'),
        element: { type: 'plain_text_input', action_id: 'note_input', initial_value: 'a "quoted" <note>' },
      },
      {
        type: 'input',
        block_id: 'severity',
        label: plain('Severity'),
        element: {
          type: 'static_select',
          action_id: 'severity_select',
          initial_option: { text: plain('SEV2'), value: 'sev2' },
          options: [
            { text: plain('SEV1'), value: 'sev1' },
            { text: plain('SEV2'), value: 'sev2' },
          ],
        },
      },
    ]);
    expect(html).toContain(
      '<textarea class="bk-textarea" data-block-id="reason" data-action-id="reason_input" data-input-key="reason/reason_input" id="input-reason-reason_input" placeholder="error rate after the deploy" required minlength="3" maxlength="500" rows="3"></textarea>',
    );
    expect(html).toContain('<div class="bk-hint">Shown on the timeline</div>');
    expect(html).toContain('<div class="bk-error" data-error-for="reason"></div>');
    expect(html).toContain('value="a &quot;quoted&quot; &lt;note&gt;"');
    expect(html).toContain('Note <span class="bk-optional">(optional)</span>');
    expect(html).not.toMatch(/id="input-note-note_input"[^>]*required/);
    expect(html).toContain('<option value="sev2" selected>SEV2</option>');
  });

  it('shows images as their alt text, loading nothing', () => {
    const html = render([
      { type: 'image', image_url: 'https://cdn.example/chart.png', alt_text: 'error rate' },
    ]);
    expect(html).toContain('🖼 error rate');
    expect(html).not.toContain('<img');
  });

  it('renders rich_text: styled runs, links, mentions, lists and quotes', () => {
    const html = render([
      {
        type: 'rich_text',
        elements: [
          {
            type: 'rich_text_section',
            elements: [
              { type: 'text', text: 'Deploys ', style: { bold: true } },
              { type: 'user', user_id: 'U0CAROL' },
              { type: 'emoji', name: 'rocket' },
              { type: 'link', url: 'https://example.com', text: 'docs' },
            ],
          },
          {
            type: 'rich_text_list',
            style: 'ordered',
            elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: 'one' }] }],
          },
          { type: 'rich_text_quote', elements: [{ type: 'text', text: 'quoted', style: { code: true } }] },
        ],
      },
    ]);
    expect(html).toContain('<b>Deploys </b><span class="mk-mention mk-user">@carol</span>🚀');
    expect(html).toContain('>docs</a>');
    expect(html).toContain('<ol><li>one</li></ol>');
    expect(html).toContain('<blockquote class="mk-quote"><code class="mk-code">quoted</code></blockquote>');
  });

  it('names what it cannot show instead of dropping it', () => {
    expect(render([{ type: 'video', title: plain('demo') }])).toContain('[block not shown here: video]');
    expect(render([{ type: 'actions', elements: [{ type: 'datepicker', action_id: 'when' }] }])).toContain(
      '[element not shown here: datepicker]',
    );
  });

  it('shows a message without blocks from its text, as mrkdwn', () => {
    expect(messageToHtml({ text: '*Flag* scan_creation is off' }, context)).toBe(
      '<div class="bk-text"><b>Flag</b> scan_creation is off</div>',
    );
    expect(messageToHtml({ text: 'fallback', blocks: [{ type: 'divider' }] }, context)).toBe(
      '<hr class="bk-divider">',
    );
  });
});
