const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

export type DurationResult = { ok: true; ms: number } | { ok: false; reason: string };

/**
 * Parses the durations users type (`90s`, `30m`, `1h30m`, `2d`; `500ms` for short analysis intervals). Units must appear largest first and at most
 * once, so `30m1h` or `5m5m` are refused rather than guessed at.
 */
export function parseDuration(text: string): DurationResult {
  const trimmed = text.trim().toLowerCase();
  if (!/^(\d+(ms|[dhms]))+$/.test(trimmed)) {
    return {
      ok: false,
      reason: `"${text}" is not a duration; use a number and a unit ms, s, m, h or d, e.g. 30m`,
    };
  }
  let ms = 0;
  let previousUnitMs = Number.POSITIVE_INFINITY;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)(ms|[dhms])/g)) {
    const unitMs = UNIT_MS[unit ?? ''] ?? 0;
    if (unitMs >= previousUnitMs) {
      return {
        ok: false,
        reason: `"${text}" repeats or misorders its units; write the largest first, e.g. 1h30m`,
      };
    }
    previousUnitMs = unitMs;
    ms += Number(amount) * unitMs;
  }
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    return { ok: false, reason: `"${text}" must be longer than zero` };
  }
  return { ok: true, ms };
}

/** Renders milliseconds the way users type them: `1h30m`, `45s`. */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms / 1_000)) * 1_000;
  if (rest === 0) return '0s';
  let out = '';
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit] ?? 1;
    const amount = Math.floor(rest / size);
    if (amount > 0) {
      out += `${amount}${unit}`;
      rest -= amount * size;
    }
  }
  return out;
}
