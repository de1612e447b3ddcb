import type { PreflightCheck } from './preflight.js';

/** The checklist `npm run check` prints: one ✓ or ✗ line per check, grouped by area, and a verdict. */
export function formatChecklist(title: string, checks: readonly PreflightCheck[]): string {
  const lines = [title];
  for (const area of [...new Set(checks.map((check) => check.area))]) {
    lines.push('', area);
    for (const check of checks.filter((candidate) => candidate.area === area))
      lines.push(`  ${check.ok ? '✓' : '✗'} ${check.text}`);
  }
  const failed = checks.filter((check) => !check.ok).length;
  lines.push(
    '',
    failed === 0
      ? `All ${checks.length} checks passed.`
      : `${failed} problem${failed === 1 ? '' : 's'}: fix ${failed === 1 ? 'it' : 'them'} and run npm run check again.`,
  );
  return `${lines.join('\n')}\n`;
}
