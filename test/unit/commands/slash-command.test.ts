import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReplyMessage } from '../../../commands/ports.js';
import { ANSWER_IN_ACK_MS, type SlashCommand, slashCommand } from '../../../commands/slash-command.js';
import { noticeReply, type SlackMessage } from '../../../views/format.js';

type Action = { kind: 'read' } | { kind: 'change' } | { kind: 'help' };

const RESPONSE_URL = 'https://hooks.slack.com/commands/T0TEST/1/x';

/** A command whose work is `work`: a read is answered in the ack, a change never is. */
function commandWith(work: () => Promise<SlackMessage>) {
  const replies: ReplyMessage[] = [];
  const acks: (Record<string, unknown> | undefined)[] = [];
  const spec: SlashCommand<Action> = {
    parse: (text) => ({ ok: true, value: { kind: text === 'change' ? 'change' : 'read' } }),
    usage: '/test read|change',
    reply: async (_url, message) => {
      replies.push(message);
    },
    deliveries: { first: async () => true },
    changes: (action) => action.kind === 'change',
    answersInAck: (action) => action.kind === 'read',
    async run(_action, { reply }) {
      await reply(await work());
    },
  };
  const handle = slashCommand(spec);
  const send = (text: string) =>
    handle({
      command: { command: '/test', text, user_id: 'U0ALICE', response_url: RESPONSE_URL, trigger_id: '1.2' },
      ack: async (response) => {
        acks.push(response);
      },
    });
  return { replies, acks, send };
}

describe('a quick read answered in the ack', () => {
  afterEach(() => vi.useRealTimers());

  it('carries the answer in the ack and posts nothing to response_url', async () => {
    const command = commandWith(async () => noticeReply('email_automation is on'));
    await command.send('read');
    expect(command.acks).toEqual([{ response_type: 'ephemeral', ...noticeReply('email_automation is on') }]);
    expect(command.replies).toEqual([]);
  });

  it('acks empty at the deadline when the read is slow, then answers through response_url', async () => {
    vi.useFakeTimers();
    let answer: (message: SlackMessage) => void = () => undefined;
    const command = commandWith(() => new Promise((resolve) => (answer = resolve)));
    const done = command.send('read');
    await vi.advanceTimersByTimeAsync(ANSWER_IN_ACK_MS - 1);
    expect(command.acks).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(command.acks).toEqual([undefined]);
    answer(noticeReply('late but right'));
    await done;
    expect(command.replies).toEqual([noticeReply('late but right')]);
    expect(command.acks).toHaveLength(1);
  });

  it('raises an ack Slack no longer takes at the deadline to the error sink, once the read is done', async () => {
    vi.useFakeTimers();
    let answer: (message: SlackMessage) => void = () => undefined;
    const replies: unknown[] = [];
    const handle = slashCommand<Action>({
      parse: () => ({ ok: true, value: { kind: 'read' } }),
      usage: '/test read',
      reply: async (_url, message) => {
        replies.push(message);
      },
      deliveries: { first: async () => true },
      changes: () => false,
      answersInAck: () => true,
      async run(_action, { reply }) {
        await reply(await new Promise<SlackMessage>((resolve) => (answer = resolve)));
      },
    });
    const done = handle({
      command: { command: '/test', text: 'read', user_id: 'U0ALICE', response_url: RESPONSE_URL },
      ack: async () => {
        throw new Error('already acknowledged');
      },
    });
    const outcome = expect(done).rejects.toThrow('already acknowledged');
    await vi.advanceTimersByTimeAsync(ANSWER_IN_ACK_MS);
    answer(noticeReply('late'));
    await outcome;
    expect(replies).toEqual([noticeReply('late')]);
  });

  it('acks empty when the read fails, and leaves the failure to the error sink', async () => {
    const command = commandWith(async () => {
      throw new Error('Redis is unreachable');
    });
    await expect(command.send('read')).rejects.toThrow('Redis is unreachable');
    expect(command.acks).toEqual([undefined]);
    expect(command.replies).toEqual([]);
  });

  it('never holds the ack of a change: it is acked empty first and answered through response_url', async () => {
    const order: string[] = [];
    const command = commandWith(async () => {
      order.push(`work after ${command.acks.length} ack`);
      return noticeReply('changed');
    });
    await command.send('change');
    expect(order).toEqual(['work after 1 ack']);
    expect(command.acks).toEqual([undefined]);
    expect(command.replies).toEqual([noticeReply('changed')]);
  });
});
