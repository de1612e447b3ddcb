export const FLAG_USAGE = [
  '*Usage of /flag*',
  '`/flag disable <name> [--for 30m] [reason…]`: turn a feature off now (`--for` turns it back on later)',
  '`/flag enable <name> [--for 30m] [reason…]`: turn a feature on now (`--for` turns it back off later)',
  '`/flag status <name>`: its value, who changed it last and when',
  '`/flag list`: every known flag',
  'Add `--create` to set a flag greenlight does not know yet.',
].join('\n');
