/**
 * Child process: an application using greenlight's flag client, in a process of its own. It reports over IPC the
 * wall-clock instant its `onChange` listener ran, and what `peek` returned right then.
 */
import { createFlagClient, type FlagClient } from '../src/client/flag-client.js';
import { wallNow } from './lib/clock.js';
import type { WatcherMessage, WatcherStart } from './lib/protocol.js';

let client: FlagClient | undefined;

function reply(message: WatcherMessage): void {
  process.send?.(message);
}

async function start(message: WatcherStart): Promise<void> {
  const flags = createFlagClient({
    url: message.redisUrl,
    prefix: message.prefix,
    channel: message.channel,
    name: 'greenlight-bench-watcher',
  });
  client = flags;
  flags.onChange((event) => {
    const at = wallNow();
    reply({ type: 'change', flag: event.flag, enabled: event.enabled, at, peeked: flags.peek(event.flag) });
  });
  await flags.ready();
  // One read puts the flag in the cache; from then on only change events update it.
  await flags.isEnabled(message.flag);
  reply({ type: 'ready', value: flags.peek(message.flag) });
}

process.on('message', (raw) => {
  const message = raw as WatcherStart | { type: 'ping'; id: number } | { type: 'stop' };
  if (message.type === 'ping') {
    reply({ type: 'pong', id: message.id, at: wallNow() });
    return;
  }
  if (message.type === 'stop') {
    void (client ? client.close() : Promise.resolve()).finally(() => process.exit(0));
    return;
  }
  start(message).catch((error: unknown) => reply({ type: 'failed', error: String(error) }));
});
