/** The test bot's credentials: shaped like real ones, so a leak into a log line would be recognisable. */
export const TEST_BOT_TOKEN = 'xoxb-test-0000-bot-token';
export const TEST_SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
/** Shaped like a classic personal access token. */
export const TEST_GITHUB_TOKEN = `ghp_${'T0k3n'.repeat(7)}x`;
