import { describe, expect, it } from 'vitest';
import { useE2E } from '../helpers/e2e.js';

describe('when Slack cannot be reached at start-up', () => {
  const e2e = useE2E('slackdown');

  it('starts anyway and serves commands without calling auth.test in front of the ack', async () => {
    e2e.slack.failNext('auth.test', { times: Number.POSITIVE_INFINITY, status: 503 });
    // No identity given: the bot asks auth.test at start, as in production.
    await e2e.startBot({}, { runtime: { botIdentity: undefined } });
    const duringStart = e2e.slack.callsOf('auth.test').length;
    expect(duringStart).toBeGreaterThan(0);
    const ack = await e2e.slack.command('/flag', 'status email_automation', { user: 'U0ALICE' });
    expect(ack.status).toBe(200);
    const { body } = await ack.answer();
    expect(JSON.stringify(body)).toContain('email_automation');
    expect(e2e.slack.callsOf('auth.test')).toHaveLength(duringStart);
  });
});
