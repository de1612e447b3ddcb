import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { responseUrlReplier } from '../../../../src/adapters/slack/response-url.js';
import { ResponseUrlError } from '../../../../src/errors.js';
import { freePort } from '../../../helpers/net.js';

interface Received {
  path: string;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

/** A response_url endpoint on loopback that records what it was sent and answers as `answer` says. */
async function endpoint(answer: (request: IncomingMessage, response: ServerResponse) => void) {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
    });
    request.on('end', () => {
      received.push({
        path: request.url ?? '',
        contentType: request.headers['content-type'],
        body: JSON.parse(text) as Record<string, unknown>,
      });
      answer(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('answering through response_url', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('posts the message as a private (ephemeral) JSON answer to the URL, query included', async () => {
    const slack = await endpoint((_request, response) => response.end('ok'));
    const reply = responseUrlReplier();
    cleanups.push(slack.close, () => reply.close());

    await reply(slack.url('/commands/T0/1/a?x=1'), { text: 'first' });
    await reply(slack.url('/commands/T0/1/b'), { text: 'second', replace_original: false });

    expect(slack.received.map(({ path, body }) => ({ path, body }))).toEqual([
      { path: '/commands/T0/1/a?x=1', body: { response_type: 'ephemeral', text: 'first' } },
      {
        path: '/commands/T0/1/b',
        body: { response_type: 'ephemeral', text: 'second', replace_original: false },
      },
    ]);
    expect(slack.received[0]?.contentType).toBe('application/json; charset=utf-8');
  });

  it("a refusal is a response_url failure that carries the start of Slack's reason", async () => {
    const slack = await endpoint((_request, response) => {
      response.statusCode = 404;
      response.end(`expired_url${' '.repeat(5_000)}tail`);
    });
    const reply = responseUrlReplier();
    cleanups.push(slack.close, () => reply.close());

    const failure = await reply(slack.url('/commands/T0/1/old'), { text: 'late' }).catch((error) => error);

    expect(failure).toBeInstanceOf(ResponseUrlError);
    expect(failure.message).toContain('(it answered 404: expired_url');
    expect(failure.message).not.toContain('tail');
  });

  it('an endpoint that never answers fails after the timeout, saying so', async () => {
    const slack = await endpoint(() => {});
    const reply = responseUrlReplier(200);
    cleanups.push(slack.close, () => reply.close());

    const failure = await reply(slack.url('/commands/T0/1/slow'), { text: 'hello' }).catch((error) => error);

    expect(failure).toBeInstanceOf(ResponseUrlError);
    expect(failure.message).toContain('(no answer within 200 ms)');
  });

  it('a refused connection and a malformed URL are response_url failures too', async () => {
    const reply = responseUrlReplier();
    cleanups.push(() => reply.close());
    const port = await freePort();

    const refused = await reply(`http://127.0.0.1:${port}/commands/x`, { text: 'hi' }).catch(
      (error) => error,
    );
    const malformed = await reply('not a url', { text: 'hi' }).catch((error) => error);

    expect(refused).toBeInstanceOf(ResponseUrlError);
    expect(refused.message).toContain('(connection refused)');
    expect(malformed).toBeInstanceOf(ResponseUrlError);
    expect(malformed.message).toContain('(not a URL)');
  });
});
