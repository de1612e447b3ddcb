import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startGreenlight } from '../../src/runtime.js';
import { captureResponses, isolateNetwork, post } from '../helpers/bot.js';
import { testConfig } from '../helpers/config.js';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { SLACK_API, slashCommand } from '../helpers/slack.js';

describe('when Slack cannot be reached at start-up', () => {
  beforeAll(() => isolateNetwork());
  afterAll(() => nock.cleanAll());

  it('starts anyway and serves commands without calling auth.test in front of the ack', async () => {
    let authTests = 0;
    nock(SLACK_API)
      .persist()
      .post('/api/auth.test')
      .reply(() => {
        authTests += 1;
        return [503, 'upstream unavailable'];
      });
    const responses = captureResponses();
    const bot = await startGreenlight(testConfig(testRedisUrl(), uniquePrefix('slackdown')), {
      logger: createLogger('silent'),
    });
    try {
      const duringStart = authTests;
      expect(duringStart).toBeGreaterThan(0);
      const ack = await post(
        `http://127.0.0.1:${bot.port}`,
        slashCommand('/flag', 'status email_automation'),
      );
      expect(ack.status).toBe(200);
      const { body } = await responses.next();
      expect(JSON.stringify(body)).toContain('email_automation');
      expect(authTests).toBe(duringStart);
    } finally {
      await bot.stop();
    }
  });
});
