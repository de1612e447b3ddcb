import { describe, expect, it } from 'vitest';
import {
  type BlockKitProblem,
  slackErrorMessages,
  validateMessage,
  validateMessageBlocks,
  validateView,
} from '../../../../playground/sim/block-kit.js';

const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const section = (text: string) => ({ type: 'section', text: mrkdwn(text) });
const button = (actionId: string, text = 'Go') => ({
  type: 'button',
  action_id: actionId,
  text: plain(text),
});
const modal = (more: Record<string, unknown> = {}) => ({
  type: 'modal',
  title: plain('Abort deployment'),
  blocks: [section('Sure?')],
  ...more,
});

/** The one problem Slack reports for these blocks: its JSON pointer and message. */
function onlyProblem(problems: BlockKitProblem[]): BlockKitProblem {
  expect(problems).toHaveLength(1);
  return problems[0] as BlockKitProblem;
}

describe('Block Kit validation: messages', () => {
  it('accepts what greenlight sends: sections, contexts, actions with buttons and confirm dialogs', () => {
    const blocks = [
      { type: 'header', text: plain('Deploy') },
      section('*production*'),
      { type: 'section', fields: [mrkdwn('*Ref*'), mrkdwn('`main`')] },
      { type: 'context', elements: [mrkdwn('requested by <@U1>')] },
      { type: 'divider' },
      {
        type: 'actions',
        block_id: 'deploy_gate:1',
        elements: [
          { ...button('deploy_approve', 'Approve'), style: 'primary', value: 'd1' },
          {
            ...button('deploy_rollback', 'Roll back'),
            style: 'danger',
            confirm: {
              title: plain('Roll back?'),
              text: mrkdwn('Sure?'),
              confirm: plain('Yes'),
              deny: plain('No'),
            },
          },
        ],
      },
    ];
    expect(validateMessage({ text: 'fallback', blocks })).toEqual([]);
  });

  it('refuses more than 50 blocks in a message, allows 100 in a modal', () => {
    const blocks = Array.from({ length: 51 }, (_, index) => section(`line ${index}`));
    expect(onlyProblem(validateMessageBlocks(blocks))).toEqual({
      pointer: '/blocks',
      message: 'no more than 50 items allowed',
    });
    expect(validateView(modal({ blocks: blocks.slice(0, 100) }))).toEqual([]);
    expect(onlyProblem(validateView(modal({ blocks: [...blocks, ...blocks] }))).pointer).toBe('/view/blocks');
  });

  it('refuses a section text over 3,000 characters and says where, as Slack words it', () => {
    const problems = validateMessageBlocks([section('ok'), section('x'.repeat(3_001))]);
    expect(slackErrorMessages(problems)).toEqual([
      '[ERROR] must be less than 3001 characters [json-pointer:/blocks/1/text/text]',
    ]);
    expect(validateMessageBlocks([section('x'.repeat(3_000))])).toEqual([]);
  });

  it('refuses an empty text and a text object that is not one', () => {
    expect(onlyProblem(validateMessageBlocks([section('')])).pointer).toBe('/blocks/0/text/text');
    expect(onlyProblem(validateMessageBlocks([{ type: 'section', text: 'plain string' }])).pointer).toBe(
      '/blocks/0/text',
    );
    expect(onlyProblem(validateMessageBlocks([{ type: 'section' }])).message).toBe(
      'must provide either text or fields',
    );
  });

  it('refuses a header over 150 characters, or in mrkdwn', () => {
    expect(
      onlyProblem(validateMessageBlocks([{ type: 'header', text: plain('h'.repeat(151)) }])).pointer,
    ).toBe('/blocks/0/text/text');
    expect(onlyProblem(validateMessageBlocks([{ type: 'header', text: mrkdwn('*h*') }]))).toEqual({
      pointer: '/blocks/0/text/type',
      message: 'must be plain_text',
    });
  });

  it('refuses more than 10 fields, and a field over 2,000 characters', () => {
    const fields = Array.from({ length: 11 }, (_, index) => mrkdwn(`f${index}`));
    expect(onlyProblem(validateMessageBlocks([{ type: 'section', fields }])).pointer).toBe(
      '/blocks/0/fields',
    );
    expect(
      onlyProblem(validateMessageBlocks([{ type: 'section', fields: [mrkdwn('f'.repeat(2_001))] }])).pointer,
    ).toBe('/blocks/0/fields/0/text');
  });

  it('refuses more than 10 context elements and more than 25 actions elements', () => {
    const context = { type: 'context', elements: Array.from({ length: 11 }, () => mrkdwn('c')) };
    expect(onlyProblem(validateMessageBlocks([context])).pointer).toBe('/blocks/0/elements');
    const actions = { type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button(`a${i}`)) };
    expect(onlyProblem(validateMessageBlocks([actions])).pointer).toBe('/blocks/0/elements');
    expect(onlyProblem(validateMessageBlocks([{ type: 'actions', elements: [] }])).message).toBe(
      'must provide at least 1 items',
    );
  });

  it('refuses a button label over 75 characters, in mrkdwn, or with an unknown style', () => {
    const actions = (element: Record<string, unknown>) => [{ type: 'actions', elements: [element] }];
    expect(onlyProblem(validateMessageBlocks(actions(button('a', 'l'.repeat(76))))).pointer).toBe(
      '/blocks/0/elements/0/text/text',
    );
    expect(
      onlyProblem(validateMessageBlocks(actions({ ...button('a'), text: mrkdwn('*go*') }))).pointer,
    ).toBe('/blocks/0/elements/0/text/type');
    expect(onlyProblem(validateMessageBlocks(actions({ ...button('a'), style: 'green' }))).pointer).toBe(
      '/blocks/0/elements/0/style',
    );
    expect(
      onlyProblem(validateMessageBlocks(actions({ ...button('a'), value: 'v'.repeat(2_001) }))).pointer,
    ).toBe('/blocks/0/elements/0/value');
  });

  it('refuses a confirm dialog past its limits', () => {
    const confirm = {
      title: plain('t'.repeat(101)),
      text: mrkdwn('x'),
      confirm: plain('y'.repeat(31)),
      deny: plain('No'),
    };
    const problems = validateMessageBlocks([{ type: 'actions', elements: [{ ...button('a'), confirm }] }]);
    expect(problems.map((problem) => problem.pointer)).toEqual([
      '/blocks/0/elements/0/confirm/title/text',
      '/blocks/0/elements/0/confirm/confirm/text',
    ]);
  });

  it('refuses an action_id used twice in one message, or longer than 255 characters', () => {
    const twice = [
      { type: 'actions', elements: [button('deploy_approve')] },
      { type: 'section', text: mrkdwn('x'), accessory: button('deploy_approve') },
    ];
    expect(onlyProblem(validateMessageBlocks(twice))).toEqual({
      pointer: '/blocks/1/accessory/action_id',
      message: 'action_id "deploy_approve" is already used at /blocks/0/elements/0/action_id',
    });
    expect(
      onlyProblem(validateMessageBlocks([{ type: 'actions', elements: [button('a'.repeat(256))] }])).pointer,
    ).toBe('/blocks/0/elements/0/action_id');
  });

  it('refuses a block_id used twice, or longer than 255 characters', () => {
    const block = (id: string) => ({ ...section('x'), block_id: id });
    expect(onlyProblem(validateMessageBlocks([block('gate'), block('gate')])).pointer).toBe(
      '/blocks/1/block_id',
    );
    expect(onlyProblem(validateMessageBlocks([block('b'.repeat(256))])).pointer).toBe('/blocks/0/block_id');
  });

  it('refuses a block type Slack does not know, and an element a block cannot hold', () => {
    expect(onlyProblem(validateMessageBlocks([{ type: 'table' }])).message).toBe('unsupported type: table');
    expect(
      onlyProblem(
        validateMessageBlocks([
          { type: 'actions', elements: [{ type: 'plain_text_input', action_id: 'x' }] },
        ]),
      ).message,
    ).toBe('unsupported type: plain_text_input');
  });

  it('refuses a message text over 40,000 characters', () => {
    expect(onlyProblem(validateMessage({ text: 't'.repeat(40_001) })).pointer).toBe('/text');
    expect(validateMessage({ text: 't'.repeat(40_000) })).toEqual([]);
  });
});

describe('Block Kit validation: views', () => {
  it('refuses a modal title over 24 characters, and submit or close over 24', () => {
    expect(onlyProblem(validateView(modal({ title: plain('An abort of the deployment') }))).pointer).toBe(
      '/view/title/text',
    );
    expect(onlyProblem(validateView(modal({ submit: plain('Abort this deployment now') }))).pointer).toBe(
      '/view/submit/text',
    );
    expect(onlyProblem(validateView(modal({ close: plain('Keep the deployment going') }))).pointer).toBe(
      '/view/close/text',
    );
    expect(onlyProblem(validateView(modal({ title: undefined }))).message).toBe(
      'missing required field: title',
    );
  });

  it('requires submit when the modal has an input block', () => {
    const input = {
      type: 'input',
      label: plain('Reason'),
      element: { type: 'plain_text_input', action_id: 'r' },
    };
    expect(onlyProblem(validateView(modal({ blocks: [input] }))).message).toBe(
      'must provide submit when an input block is within the blocks array',
    );
    expect(validateView(modal({ blocks: [input], submit: plain('Abort') }))).toEqual([]);
  });

  it('refuses private_metadata over 3,000 characters and callback_id over 255', () => {
    expect(onlyProblem(validateView(modal({ private_metadata: 'm'.repeat(3_001) }))).pointer).toBe(
      '/view/private_metadata',
    );
    expect(onlyProblem(validateView(modal({ callback_id: 'c'.repeat(256) }))).pointer).toBe(
      '/view/callback_id',
    );
  });

  it('refuses an input whose lengths are out of range, and a placeholder over 150', () => {
    const input = (element: Record<string, unknown>) =>
      modal({ submit: plain('Go'), blocks: [{ type: 'input', label: plain('L'), element }] });
    expect(
      onlyProblem(validateView(input({ type: 'plain_text_input', action_id: 'r', max_length: 3_001 })))
        .pointer,
    ).toBe('/view/blocks/0/element/max_length');
    expect(
      onlyProblem(
        validateView(
          input({ type: 'plain_text_input', action_id: 'r', placeholder: plain('p'.repeat(151)) }),
        ),
      ).pointer,
    ).toBe('/view/blocks/0/element/placeholder/text');
  });

  it('checks a Home tab as a Home tab: up to 100 blocks, no title needed', () => {
    const home = { type: 'home', blocks: Array.from({ length: 100 }, () => ({ type: 'divider' })) };
    expect(validateView(home, 'home')).toEqual([]);
    expect(onlyProblem(validateView(home, 'modal')).pointer).toBe('/view/type');
  });
});
