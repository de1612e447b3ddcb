export const ROLLBACK_USAGE = [
  '*Usage of /rollback*',
  '`/rollback <service> [env] [--to <version>] [reason…]`: go back to the last good version of a service (env defaults to production). A confirmation shows what is live and what it goes back to; on confirm the rollback workflow is dispatched at once, health is verified and the environment locked.',
].join('\n');
