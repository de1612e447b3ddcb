import { startPrivateRedis } from '../playground/launcher/private-redis.js';
import { startSlackSim } from '../playground/sim/slack.js';
import { TEST_BOT_TOKEN } from '../test/helpers/config.js';
import { runGitHubTracking } from './github-tracking.js';
import { BENCH_SIGNING_SECRET } from './lib/slash-request.js';

const redis = await startPrivateRedis();
const slack = await startSlackSim({ botToken: TEST_BOT_TOKEN, signingSecret: BENCH_SIGNING_SECRET });
try {
  const result = await runGitHubTracking({
    redisUrl: redis.url,
    keyPrefix: 'try:',
    slack,
    log: (line) => process.stdout.write(`${line}\n`),
    scenarios: [
      
      { id: 'bp', label: 'bp', deployments: 5, phases: 2, webhooks: false, runDetails: 'supported', latencyMs: 0, runMs: { min: 3000, max: 6000 }, pollIntervalMs: 250, webhookPollIntervalMs: 3000, timeScale: 20 },
    ],
  });
  for (const s of result.scenarios) console.log(JSON.stringify({ ...s, requests: { ...s.requests } }, null, 1));
} finally {
  await slack.close();
  await redis.stop();
}
process.exit(0);
