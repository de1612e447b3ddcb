import { expect } from 'vitest';
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

/** Slack's Block Kit limits for a message, and the markup rule for every text in it. */
export function expectWithinSlackLimits(message: SlackMessage, allowed: RegExp): void {
  expect(message.text.length).toBeGreaterThan(0);
  expect(message.text.length).toBeLessThanOrEqual(3_000);
  expect(message.text).not.toContain('\n');
  expectNoStrayMarkup(message.text, allowed);
  const blocks = loose(message);
  expect(blocks.length).toBeLessThanOrEqual(50);
  const actionIds: string[] = [];
  const blockIds: string[] = [];
  for (const block of blocks) {
    if (block.block_id !== undefined) {
      expect(block.block_id.length).toBeLessThanOrEqual(255);
      blockIds.push(block.block_id);
    }
    if (block.type === 'section') expect(block.text?.text.length).toBeLessThanOrEqual(3_000);
    if (block.type === 'context') {
      expect(block.elements?.length).toBeLessThanOrEqual(10);
      for (const element of block.elements ?? []) {
        expect(typeof element.text === 'string' ? element.text.length : 0).toBeLessThanOrEqual(3_000);
      }
    }
    if (block.type === 'actions') {
      expect(block.elements?.length).toBeLessThanOrEqual(25);
      for (const element of block.elements ?? []) {
        const label = typeof element.text === 'object' ? element.text.text : '';
        expect(label.length).toBeGreaterThan(0);
        expect(label.length).toBeLessThanOrEqual(75);
        expect(element.value?.length ?? 0).toBeLessThanOrEqual(2_000);
        if (element.confirm) {
          expect(element.confirm.title.text.length).toBeLessThanOrEqual(100);
          expect(element.confirm.text.text.length).toBeLessThanOrEqual(300);
          expect(element.confirm.confirm.text.length).toBeLessThanOrEqual(30);
          expect(element.confirm.deny.text.length).toBeLessThanOrEqual(30);
          expectNoStrayMarkup(element.confirm.text.text, allowed);
        }
        if (element.action_id !== undefined) {
          expect(element.action_id.length).toBeLessThanOrEqual(255);
          actionIds.push(element.action_id);
        }
      }
    }
  }
  expect(new Set(actionIds).size).toBe(actionIds.length);
  expect(new Set(blockIds).size).toBe(blockIds.length);
  for (const id of actionIds) expect(ACTION_IDS).toContain(id);
  for (const text of texts(message)) expectNoStrayMarkup(text, allowed);
}
