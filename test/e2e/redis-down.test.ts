import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureResponses, fakeSlackApi, isolateNetwork, post, startTestBot } from '../helpers/bot.js';
import { freePort } from '../helpers/net.js';
import { slashCommand } from '../helpers/slack.js';

describe('when Redis is down', () => {
  beforeAll(() => isolateNetwork());
  afterAll(() => nock.cleanAll());

  it('still acks, tells the user in one sentence that nothing changed, and reports not ready', async () => {
    const slack = fakeSlackApi();
    const responses = captureResponses();
    const bot = await startTestBot(
      `redis://127.0.0.1:${await freePort()}/0`,
      'down:',
      {},
      { redisWaitMs: 200 },
    );
    try {
      const started = Date.now();
      const ack = await post(
        bot.url,
        slashCommand('/flag', 'disable email_automation', { userId: 'U0ALICE' }),
      );
      expect(ack.status).toBe(200);
      const { body } = await responses.next();
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(body).toMatchObject({ response_type: 'ephemeral' });
      expect(String(body.text)).toContain('Redis is unreachable, so nothing was changed');
      expect(String(body.text)).not.toMatch(/at .*\.ts:\d+/);
      expect(slack.calls.filter((call) => call.method === 'chat.postMessage')).toEqual([]);

      const ready = await fetch(`${bot.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        status: 'not ready',
        redis: expect.not.stringMatching(/^ok$/),
      });
      const metrics = await (await fetch(`${bot.url}/metrics`)).text();
      expect(metrics).toMatch(/greenlight_redis_errors_total [1-9]/);
      expect(metrics).toMatch(
        /greenlight_slack_requests_total\{kind="command",name="\/flag",outcome="error"\} 1/,
      );
    } finally {
      await bot.stop();
    }
  });
});
