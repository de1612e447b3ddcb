import type { ModalView } from '@slack/types';
import { expect } from 'vitest';
import { validateMessage, validateView } from '../../playground/sim/block-kit.js';
import type { SlackMessage } from '../../views/format.js';
import { ACTION_IDS } from '../../views/ids.js';

/** A Block Kit element as tests read it: whatever a view may put in a context or an actions block. */
export interface LooseElement {
  type: string;
  text?: string | { type: string; text: string };
  action_id?: string;
  value?: string;
  style?: string;
  confirm?: {
    title: { type: string; text: string };
    text: { type: string; text: string };
    confirm: { type: string; text: string };
    deny: { type: string; text: string };
    style?: string;
  };
}

export interface LooseBlock {
  type: string;
  block_id?: string;
  text?: { type: string; text: string };
  elements?: LooseElement[];
}

export const loose = (message: SlackMessage) => message.blocks as unknown as LooseBlock[];

/** Every mrkdwn text a user can read in the message, block by block. */
export function texts(message: SlackMessage): string[] {
  return loose(message).flatMap((block) => [
    ...(block.text ? [block.text.text] : []),
    ...(block.type === 'context'
      ? (block.elements ?? []).flatMap((element) => (typeof element.text === 'string' ? [element.text] : []))
      : []),
  ]);
}

export const shown = (message: SlackMessage) => texts(message).join('\n');
export const actions = (message: SlackMessage) => loose(message).filter((block) => block.type === 'actions');
export const buttons = (message: SlackMessage) => actions(message).flatMap((block) => block.elements ?? []);

/**
 * No `@channel`-style ping, and no `<` or `>` besides the Slack markup `allowed` matches (each view file names what
 * its views may emit): anything else is a bug or an injection.
 */
export function expectNoStrayMarkup(text: string, allowed: RegExp): void {
  expect(text).not.toMatch(/<!(channel|here|everyone)/);
  expect(text.replace(allowed, ' ')).not.toMatch(/[<>]/);
}

/** Slack's Block Kit rules for a message (the simulator's validator), and greenlight's own stricter ones. */
export function expectWithinSlackLimits(message: SlackMessage, allowed: RegExp): void {
  expect(validateMessage(message)).toEqual([]);
  // greenlight keeps the notification text to one line of at most 3,000 characters.
  expect(message.text.length).toBeGreaterThan(0);
  expect(message.text.length).toBeLessThanOrEqual(3_000);
  expect(message.text).not.toContain('\n');
  expectNoStrayMarkup(message.text, allowed);
  for (const id of buttons(message).flatMap((button) => (button.action_id ? [button.action_id] : [])))
    expect(ACTION_IDS).toContain(id);
  for (const button of buttons(message))
    if (button.confirm) expectNoStrayMarkup(button.confirm.text.text, allowed);
  for (const text of texts(message)) expectNoStrayMarkup(text, allowed);
}

/** Slack's rules for a modal (title, buttons, metadata, blocks), and no stray markup anywhere in it. */
export function expectModalWithinLimits(modal: ModalView, allowed: RegExp): void {
  expect(validateView(modal, 'modal')).toEqual([]);
  expectNoStrayMarkup(JSON.stringify(modal), allowed);
}
