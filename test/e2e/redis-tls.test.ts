import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { useE2E } from '../helpers/e2e.js';
import { startTlsRedis, type TlsRedis } from '../helpers/redis-servers.js';

describe('Redis over TLS (rediss:// and REDIS_CA_FILE)', () => {
  const e2e = useE2E('tls');
  let server: TlsRedis | undefined;
  let client: Redis | undefined;

  afterEach(async () => {
    client?.disconnect();
    await server?.stop();
  });

  it('flips a flag through a TLS-only Redis it trusts by the CA file, and is not ready without that CA', async () => {
    server = await startTlsRedis();
    client = new Redis(server.url, { tls: { ca: server.ca }, maxRetriesPerRequest: 1 });

    const trusting = await e2e.startBot({}, { env: { REDIS_URL: server.url, REDIS_CA_FILE: server.caFile } });
    expect((await fetch(`${e2e.url}/readyz`)).status).toBe(200);
    const command = await e2e.slack.command('/flag', 'disable email_automation over tls', {
      user: 'U0ALICE',
    });
    expect(JSON.stringify((await command.reply()).body)).toContain('is now *disabled*');
    expect(await client.get(`${e2e.prefix}feature:email_automation`)).toBe('false');
    await trusting.stop();

    // The server's certificate is signed by a CA the system does not know: without REDIS_CA_FILE, no connection.
    await e2e.startBot({}, { env: { REDIS_URL: server.url }, runtime: { redisWaitMs: 1_000 } });
    const ready = await fetch(`${e2e.url}/readyz`);
    expect(ready.status).toBe(503);
  });
});
