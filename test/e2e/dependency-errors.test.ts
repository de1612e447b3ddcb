import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { signedSlashCommand } from '../../playground/sim/slack.js';
import { createLogger } from '../../src/logger.js';
import { useE2E } from '../helpers/e2e.js';
import { freePort } from '../helpers/net.js';

describe('failures named by the dependency that failed', () => {
  const e2e = useE2E('deperr');

  it('an unreachable response_url is a response_url failure, not a Redis one', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    await e2e.startBot({}, { runtime: { logger: createLogger('info', sink) } });
    // A port nothing listens on: the connection is refused (ECONNREFUSED).
    const port = await freePort();
    const request = signedSlashCommand(
      {
        command: '/flag',
        text: 'disable email_automation',
        userId: 'U0ALICE',
        responseUrl: `http://127.0.0.1:${port}/commands/T0TEST/1/x`,
        triggerId: '1.2.3',
      },
      e2e.slack.signingSecret,
    );
    expect((await e2e.slack.send(request)).status).toBe(200);

    const failed = await vi.waitFor(() => {
      const found = lines.find((line) => line.event === 'request.failed');
      if (!found) throw new Error('not failed yet');
      return found;
    });
    expect(failed.code).toBe('greenlight_response_url_failed');
    const metrics = await (await fetch(`${e2e.url}/metrics`)).text();
    expect(metrics).toContain('greenlight_dependency_errors_total{dependency="response_url"} 1');
    expect(metrics).toMatch(/^greenlight_redis_errors_total 0$/m);
    expect(lines.filter((line) => line.code === 'greenlight_redis_unavailable')).toEqual([]);
  });
});
