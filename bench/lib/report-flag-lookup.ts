import type { FlagLookupResult } from '../flag-lookup.js';

/** `/flag status <unknown>`: Redis CPU per lookup at the largest keyspace must stay under this. */
export const FLAG_LOOKUP_TARGET_MS = 1;

export function flagLookupPasses(result: FlagLookupResult): boolean {
  const largest = result.levels.at(-1);
  return largest !== undefined && largest.now.redisMsPerLookup < FLAG_LOOKUP_TARGET_MS;
}

const keysLabel = (keys: number) =>
  keys >= 1_000_000 ? `${keys / 1_000_000}M` : keys >= 1_000 ? `${Math.round(keys / 1_000)}k` : String(keys);

/** The row of the targets table. */
export function flagLookupTargetRow(result: FlagLookupResult): string[] {
  const largest = result.levels.at(-1);
  return [
    `\`/flag status <unknown>\` Redis CPU per lookup < ${FLAG_LOOKUP_TARGET_MS} ms at ${largest ? keysLabel(largest.unrelatedKeys) : '?'} keys, independent of the keyspace`,
    largest
      ? `${largest.now.redisMsPerLookup} ms (×${result.growthNow} from ${keysLabel(result.levels[0]?.unrelatedKeys ?? 0)} keys); SCAN as before: ${largest.before.redisMsPerLookup} ms (×${largest.ratioRedisCpu})`
      : 'not run',
    flagLookupPasses(result) ? 'PASS' : 'FAIL',
  ];
}

export function renderFlagLookup(
  result: FlagLookupResult,
  table: (header: string[], rows: string[][]) => string[],
): string[] {
  const row = (label: string, way: FlagLookupResult['levels'][number]['now']) => [
    label,
    String(way.latency.n),
    way.redisMsPerLookup.toFixed(4),
    String(way.commandsPerLookup),
    way.latency.p50.toFixed(3),
    way.latency.p99.toFixed(3),
  ];
  return [
    '## (i) `/flag status <unknown name>` against the size of the apps’ Redis',
    '',
    `What the lookup behind "did you mean" costs on a private Redis holding the given number of unrelated keys and ${result.levels[0]?.flags ?? 0} flags: the flag's \`GET\` + \`HGETALL\`, then the names of the flags. **Now**: \`SSCAN\` of the set of flag names that \`set-flag.lua\` keeps (\`greenlight:flag-names\`). **Before** (kept in the bench only to compare): \`SCAN MATCH feature:* COUNT 1000\` over the whole keyspace. Redis CPU is the \`usec\` of \`INFO commandstats\` summed over every command, per lookup; latency is measured at the client, one lookup at a time. Both ways in the same run on the same data.`,
    '',
    ...table(
      ['Unrelated keys', 'way', 'n', 'Redis CPU ms / lookup', 'commands / lookup', 'p50 ms', 'p99 ms'],
      result.levels.flatMap((level) => [
        [keysLabel(level.unrelatedKeys), ...row('now (set)', level.now)],
        [keysLabel(level.unrelatedKeys), ...row('before (SCAN)', level.before)],
      ]),
    ),
    '',
    `Before / now, Redis CPU per lookup: ${result.levels.map((level) => `×${level.ratioRedisCpu} at ${keysLabel(level.unrelatedKeys)} keys`).join(', ')}. From the smallest to the largest keyspace, a lookup's Redis CPU grew ×${result.growthNow} now and ×${result.growthBefore} before.`,
    '',
  ];
}
