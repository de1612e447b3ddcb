import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { boltLogger, createLogger, scrubSecrets } from '../../src/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, stream };
}

describe('logs never carry secrets', () => {
  it('redacts token, signing secret and authorization fields wherever they sit', () => {
    const { lines, stream } = capture();
    const logger = createLogger('info', stream);
    logger.info(
      {
        token: 'xoxb-1-secret',
        config: { signingSecret: 'shh', SLACK_BOT_TOKEN: 'xoxb-2-secret' },
        headers: { authorization: 'Bearer ghp_abcdefghijklmnopqrstuvwxyz0123' },
        env: { GITHUB_TOKEN: 'ghp_0123' },
      },
      'hello',
    );
    const line = lines.join('');
    for (const secret of ['xoxb-1-secret', 'shh', 'xoxb-2-secret', 'ghp_abcdefghij', 'ghp_0123'])
      expect(line).not.toContain(secret);
    expect(line).toContain('[REDACTED]');
  });

  it('scrubs tokens that hide inside messages and errors', () => {
    const { lines, stream } = capture();
    const logger = createLogger('info', stream);
    logger.error({ err: new Error('request with xoxb-1234-abcd failed') }, 'token xapp-1-A0-xyz leaked?');
    boltLogger(logger).warn('Authorization: Bearer xoxb-9-zzz', { token: 'ghp_0123456789abcdefghijklmnop' });
    const text = lines.join('');
    for (const secret of [
      'xoxb-1234-abcd',
      'xapp-1-A0-xyz',
      'xoxb-9-zzz',
      'ghp_0123456789abcdefghijklmnop',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('leaves ordinary text alone', () => {
    expect(scrubSecrets('flag scan_creation disabled by U0CAROL')).toBe(
      'flag scan_creation disabled by U0CAROL',
    );
  });
});
