import { describe, expect, it, vi } from 'vitest';
import { useE2E } from '../helpers/e2e.js';

const ENGINEER = 'U0ALICE';

describe('/flag --for reverts on time, durably', () => {
  const e2e = useE2E('revert');

  const key = () => e2e.keys.flag('email_automation');
  const flag = (text: string) => e2e.slack.command('/flag', text, { user: ENGINEER });
  const announcements = () =>
    e2e.slack.callsOf('chat.postMessage').map((call) => JSON.stringify(call.args.blocks));

  it('re-enables after ~2 s even though the bot that set it was stopped and another started', async () => {
    await e2e.redis.set(key(), 'true');
    const first = await e2e.startBot();
    const firstUrl = e2e.url;
    const startedAt = Date.now();
    expect((await flag('disable email_automation --for 2s spam storm')).status).toBe(200);
    await vi.waitFor(async () => expect(await e2e.redis.get(key())).toBe('false'));
    await first.stop();

    await e2e.startBot();
    expect(e2e.url).not.toBe(firstUrl);
    await vi.waitFor(async () => expect(await e2e.redis.get(key())).toBe('true'), {
      timeout: 6_000,
      interval: 50,
    });
    const elapsed = Date.now() - startedAt;
    expect(elapsed).toBeGreaterThanOrEqual(1_900);
    expect(elapsed).toBeLessThan(4_500);

    await vi.waitFor(() =>
      expect(announcements().some((text) => text.includes('enabled* by greenlight (automatic)'))).toBe(true),
    );
    expect((await e2e.records.audit()).map((entry) => entry.source)).toEqual(['slack', 'auto-revert']);
  });

  it('does not revert when a newer manual change replaced the timed one', async () => {
    await e2e.startBot();
    await flag('disable email_automation --for 1s');
    await vi.waitFor(async () => expect(await e2e.redis.get(key())).toBe('false'));
    await flag('disable email_automation keep it off');
    await vi.waitFor(async () =>
      expect(await e2e.redis.hget(e2e.keys.flagMeta('email_automation'), 'reason')).toBe('keep it off'),
    );

    await new Promise((resolve) => setTimeout(resolve, 1_600));
    expect(await e2e.redis.get(key())).toBe('false');
    expect(announcements().some((text) => text.includes('automatic'))).toBe(false);
  });

  it('reverts exactly once when two replicas are running', async () => {
    await e2e.startBot();
    const first = e2e.url;
    await e2e.startBot();
    e2e.slack.connectBot(`${first}/slack/events`);
    await flag('enable email_automation --for 1s trial');
    await vi.waitFor(async () => expect(await e2e.redis.get(key())).toBe('true'));
    await vi.waitFor(async () => expect(await e2e.redis.get(key())).toBe('false'), {
      timeout: 5_000,
      interval: 50,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await e2e.records.audit()).toHaveLength(2);
    expect(announcements().filter((text) => text.includes('automatic'))).toHaveLength(1);
  });
});
