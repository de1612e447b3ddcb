/** What apps store: exactly "true" or "false"; they test `value === 'true'`, so anything else means off. */
export type StoredFlagValue = 'true' | 'false';

export function toStoredValue(enabled: boolean): StoredFlagValue {
  return enabled ? 'true' : 'false';
}

/** How an app reads a raw value: only the exact string "true" is on. */
export function readsAsEnabled(raw: string | null): boolean {
  return raw === 'true';
}

/** The last change greenlight made to a flag, kept beside the flag itself. */
export interface FlagChangeRecord {
  changeId: string;
  by: string;
  reason: string;
  at: string;
  /** When a `--for` change will be undone, ISO time; absent when permanent. */
  until?: string;
  source: FlagChangeSource;
}

export type FlagChangeSource = 'slack' | 'auto-revert';

export interface FlagSnapshot {
  name: string;
  raw: string | null;
  lastChange?: FlagChangeRecord;
  isProtected: boolean;
}

/** The value a `--for` change returns to when its time is up: the opposite of what it set. */
export function revertValueOf(enabled: boolean): boolean {
  return !enabled;
}
