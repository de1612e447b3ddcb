export const DEPLOY_USAGE = [
  '*Usage of /deploy*',
  '`/deploy <env> [ref] [--services a,b] [--dry-run] [--override <reason…>]`: plan and start a deployment (`--dry-run` only shows the plan; `--override` deploys outside the window and takes the rest of the line as its reason)',
  '`/deploy status [env]`: what is running, waiting or locked',
  '`/deploy history [env] [n]`: the last n deployments (1 to 50, default 10)',
  '`/deploy stats [env] [30d]`: deploy frequency, change-failure rate, time to restore and lead time (DORA) over a period such as 7d, 2w or 90d (default 30d, at most 365d; every environment when none is named)',
  '`/deploy lock <env> <reason…> [--for 2h]`: stop deployments to an environment (`--for` unlocks it later)',
  '`/deploy unlock <env>`: allow deployments again',
  '`/deploy cancel <name>`: stop a deployment that has not finished, named as its messages show it (`production-42`)',
].join('\n');
