import { shown } from './text.js';

/**
 * The candidates a user most likely meant, best first: small edit distance or a shared prefix/substring.
 * Used to answer "unknown flag" with "did you mean …".
 */
export function closeMatches(input: string, candidates: Iterable<string>, limit = 3): string[] {
  const needle = input.toLowerCase();
  const scored: { name: string; score: number }[] = [];
  for (const name of new Set(candidates)) {
    const hay = name.toLowerCase();
    const distance = editDistance(needle, hay);
    const allowed = Math.max(2, Math.floor(Math.max(needle.length, hay.length) / 3));
    const contains = needle.length >= 3 && (hay.includes(needle) || needle.includes(hay));
    if (distance <= allowed || contains)
      scored.push({ name, score: contains ? Math.min(distance, 1) : distance });
  }
  return scored
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, limit)
    .map((entry) => entry.name);
}

/** ` Did you mean `a`, `b`?` for suggestions from `closeMatches`; empty when there are none. */
export function didYouMean(suggestions: readonly string[]): string {
  return suggestions.length > 0 ? ` Did you mean ${codeList(suggestions)}?` : '';
}

/**
 * The one answer to a name greenlight.yml does not know, with the likely one and the known ones:
 * "There is no environment `prodution`. Did you mean `production`? Known: `staging`, `production`."
 */
export function noSuchName(kind: string, name: string, known: readonly string[]): string {
  const hint = didYouMean(closeMatches(name, known));
  return `There is no ${kind} \`${shown(name, 64)}\`.${hint} Known: ${codeList(known) || 'none'}.`;
}

/** Names as code spans, comma-separated. */
export function codeList(names: readonly string[]): string {
  return names.map((name) => `\`${name}\``).join(', ');
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
