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

/** A flag as Redis holds it: the raw value apps read and greenlight's last change beside it. */
export interface StoredFlag {
  name: string;
  raw: string | null;
  lastChange?: FlagChangeRecord;
}

/** A flag as `/flag status` and `/flag list` show it. */
export interface FlagView extends StoredFlag {
  isProtected: boolean;
  isKnown: boolean;
}

/** What the status channel is told about a flip. */
export interface FlagChangeNotice {
  name: string;
  enabled: boolean;
  old: string | null;
  by: string;
  reason: string;
  at: string;
  until?: string;
  source: FlagChangeSource;
}

/** The value a `--for` change returns to when its time is up: the opposite of what it set. */
export function revertValueOf(enabled: boolean): boolean {
  return !enabled;
}
