import { describe, expect, it } from 'vitest';
import { useE2E } from '../helpers/e2e.js';
import { freePort } from '../helpers/net.js';

describe('when Redis is down', () => {
  const e2e = useE2E('redisdown');

  it('still acks, tells the user in one sentence that nothing changed, and reports not ready', async () => {
    await e2e.startBot(
      {},
      { env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}/0` }, runtime: { redisWaitMs: 200 } },
    );
    const started = Date.now();
    const ack = await e2e.slack.command('/flag', 'disable email_automation', { user: 'U0ALICE' });
    expect(ack.status).toBe(200);
    const { body } = await ack.reply();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(body).toMatchObject({ response_type: 'ephemeral' });
    expect(String(body.text)).toContain('Redis is unreachable, so nothing was changed');
    expect(String(body.text)).not.toMatch(/at .*\.ts:\d+/);
    expect(e2e.slack.callsOf('chat.postMessage')).toEqual([]);

    const ready = await fetch(`${e2e.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      status: 'not ready',
      redis: expect.not.stringMatching(/^ok$/),
    });
    const metrics = await (await fetch(`${e2e.url}/metrics`)).text();
    expect(metrics).toMatch(/greenlight_redis_errors_total [1-9]/);
    expect(metrics).toMatch(
      /greenlight_slack_requests_total\{kind="command",name="\/flag",outcome="error"\} 1/,
    );
  });
});
