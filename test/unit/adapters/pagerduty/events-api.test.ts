import { Writable } from 'node:stream';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { pagerDutyEvents } from '../../../../src/adapters/pagerduty/events-api.js';
import { createLogger } from '../../../../src/logger.js';

const KEY = 'R0UT1NGKEYe93b1c7d2f4a4b6c8d0e2f4a';

describe('the PagerDuty routing key stays secret', () => {
  afterEach(() => nock.cleanAll());

  it('is redacted from logs wherever it sits', () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    createLogger('info', stream).info(
      {
        PAGERDUTY_ROUTING_KEY: KEY,
        env: { PAGERDUTY_ROUTING_KEY: KEY },
        body: { routing_key: KEY },
        routingKey: KEY,
      },
      'config',
    );
    expect(lines.join('')).not.toContain(KEY);
    expect(lines.join('')).toContain('[REDACTED]');
  });

  it('never comes back in a failure PagerDuty echoes, and summaries are cut to 1,024 characters', async () => {
    const bodies: { payload?: { summary: string } }[] = [];
    nock('https://events.pagerduty.test')
      .post('/v2/enqueue')
      .reply(400, (_path, body) => {
        bodies.push(body as { payload: { summary: string } });
        return { status: 'invalid event', message: `bad key ${KEY}`, errors: [`'${KEY}' is invalid`] };
      });
    const pager = pagerDutyEvents({ routingKey: KEY, url: 'https://events.pagerduty.test/v2/enqueue' });
    const result = await pager.send({
      action: 'trigger',
      dedupKey: 'greenlight-inc-1',
      summary: 'x'.repeat(5_000),
      severity: 'critical',
      details: {},
    });
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain(KEY);
    expect(JSON.stringify(result)).toContain('PagerDuty refused the event (400 bad key [REDACTED]');
    expect(Array.from(bodies[0]?.payload?.summary ?? '')).toHaveLength(1_024);
  });

  it('reports a rate limit as one sentence', async () => {
    nock('https://events.pagerduty.test').post('/v2/enqueue').reply(429, { status: 'throttle event' });
    const pager = pagerDutyEvents({ routingKey: KEY, url: 'https://events.pagerduty.test/v2/enqueue' });
    expect(await pager.send({ action: 'resolve', dedupKey: 'greenlight-inc-1' })).toEqual({
      ok: false,
      error: 'PagerDuty rate-limited the event (429); page by hand',
    });
  });
});
