import { createServer } from 'node:http';
import { listen } from './net.js';

export interface FakeSlack {
  /** The origin; greenlight's SLACK_API_URL is `${url}/api/`, a response_url host may be `url` too. */
  url: string;
  /** Every request: the Web API method path (`/api/chat.update`) or a response_url path, and its raw body. */
  received: { path: string; body: string }[];
  close(): Promise<void>;
}

/** Every bot scope manifest.yml asks for. */
const FAKE_SCOPES = [
  'commands',
  'chat:write',
  'chat:write.public',
  'channels:read',
  'usergroups:read',
  'channels:manage',
];

/** The public channels the fake workspace has. */
const FAKE_CHANNELS = [
  {
    id: 'C0STATUS',
    name: 'deployment-status',
    is_channel: true,
    is_private: false,
    is_archived: false,
    is_member: false,
  },
  {
    id: 'C0INCIDENTS',
    name: 'incidents',
    is_channel: true,
    is_private: false,
    is_archived: false,
    is_member: false,
  },
];

/** A loopback Slack: every Web API method greenlight calls answers ok, and response_url posts are kept. */
export async function startFakeSlack(): Promise<FakeSlack> {
  const received: FakeSlack['received'] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push({ path: req.url ?? '', body });
    res.setHeader('content-type', 'application/json');
    // Slack names the token's scopes on every Web API answer; preflight reads them from auth.test's.
    res.setHeader('x-oauth-scopes', FAKE_SCOPES.join(','));
    switch (req.url) {
      case '/api/auth.test':
        res.end(
          JSON.stringify({
            ok: true,
            url: 'https://acme.slack.com/',
            team: 'Acme',
            user: 'greenlight',
            team_id: 'T0TEST',
            user_id: 'U0BOT',
            bot_id: 'B0BOT',
          }),
        );
        return;
      case '/api/chat.postMessage':
      case '/api/chat.update':
        res.end(JSON.stringify({ ok: true, channel: 'C0STATUS', ts: '1700000000.000100' }));
        return;
      case '/api/conversations.list':
        res.end(
          JSON.stringify({ ok: true, channels: FAKE_CHANNELS, response_metadata: { next_cursor: '' } }),
        );
        return;
      case '/api/usergroups.list':
        res.end(JSON.stringify({ ok: true, usergroups: [] }));
        return;
      default:
        res.end(JSON.stringify({ ok: true }));
    }
  });
  const port = await listen(server, 0);
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
