import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Reply } from '../../../commands/ports.js';
import { ResponseUrlError } from '../../errors.js';
import { networkProblem } from '../analysis/network-problem.js';

/**
 * Answers a command privately through its response_url, over keep-alive connections. Much cheaper than Bolt's
 * fetch-based respond(), which matters because this work runs beside the next request's ack.
 */
export function responseUrlReplier(timeoutMs = 5_000): Reply & { close(): void } {
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, maxSockets: 64 }),
    'https:': new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
  };
  const reply: Reply = (responseUrl, message) =>
    new Promise((resolve, reject) => {
      let url: URL;
      try {
        url = new URL(responseUrl);
      } catch (error) {
        return reject(new ResponseUrlError('not a URL', error));
      }
      const secure = url.protocol === 'https:';
      const body = JSON.stringify({ response_type: 'ephemeral', ...message });
      const req = (secure ? httpsRequest : httpRequest)(
        url,
        {
          method: 'POST',
          agent: secure ? agents['https:'] : agents['http:'],
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'content-length': Buffer.byteLength(body),
          },
          timeout: timeoutMs,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (text.length < 200) text += chunk;
          });
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve();
            else reject(new ResponseUrlError(`it answered ${status}: ${text.slice(0, 200)}`));
          });
        },
      );
      req.on('timeout', () => req.destroy(new ResponseUrlError(`no answer within ${timeoutMs} ms`)));
      req.on('error', (error) =>
        reject(
          error instanceof ResponseUrlError ? error : new ResponseUrlError(networkProblem(error), error),
        ),
      );
      req.end(body);
    });
  return Object.assign(reply, {
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  });
}
