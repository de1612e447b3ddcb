import {
  ErrorCode,
  type EvaluationContext,
  type JsonValue,
  OpenFeatureEventEmitter,
  type Provider,
  ProviderEvents,
  type ResolutionDetails,
  type ResolutionReason,
  StandardResolutionReasons,
} from '@openfeature/server-sdk';
import { createFlagClient, type FlagClient, type FlagClientOptions, type FlagSource } from './flag-client.js';

export interface GreenlightFlagProviderOptions {
  /**
   * How long `initialize()` waits for the subscription before failing, so `setProviderAndWait` never hangs on a
   * Redis that is down. The provider still answers (from defaults) and emits Ready once it subscribes. Default 5_000.
   */
  initTimeoutMs?: number;
}

const DEFAULT_INIT_TIMEOUT_MS = 5_000;

const REASONS: Record<FlagSource, ResolutionReason> = {
  cache: StandardResolutionReasons.CACHED,
  // greenlight flags have no targeting: the value read is the flag's one static value.
  redis: StandardResolutionReasons.STATIC,
  'last-known': StandardResolutionReasons.STALE,
  default: StandardResolutionReasons.DEFAULT,
};

/**
 * An OpenFeature server provider over greenlight's Redis flags. Flags are booleans only; a missing key resolves to
 * false (greenlight's contract: only "true" is on), not to the caller's default. The caller's default is used only
 * when Redis cannot answer and the flag has no entry in `defaults`. Emits ConfigurationChanged for every change.
 */
export class GreenlightFlagProvider implements Provider {
  readonly metadata = { name: 'greenlight' } as const;
  readonly runsOn = 'server';
  readonly events = new OpenFeatureEventEmitter();

  private readonly client: FlagClient;
  /** Only a client the provider created is closed by onClose; one passed in belongs to the app. */
  private readonly ownsClient: boolean;
  private readonly initTimeoutMs: number;
  private readonly stopListening: () => void;

  constructor(client: FlagClient | FlagClientOptions, options: GreenlightFlagProviderOptions = {}) {
    this.ownsClient = !isFlagClient(client);
    this.client = isFlagClient(client) ? client : createFlagClient(client);
    this.initTimeoutMs = options.initTimeoutMs ?? DEFAULT_INIT_TIMEOUT_MS;
    this.stopListening = this.client.onChange((event) => {
      this.events.emit(ProviderEvents.ConfigurationChanged, {
        flagsChanged: [event.flag],
        message: `${event.flag} ${event.enabled ? 'enabled' : 'disabled'} by ${event.by}`,
      });
    });
  }

  async initialize(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.initTimeoutMs);
    });
    const outcome = await Promise.race([this.client.ready().then(() => 'ready' as const), timeout]).finally(
      () => clearTimeout(timer),
    );
    if (outcome === 'ready') return;
    // The SDK marks the provider ERROR (evaluations still reach us); Ready puts it back when Redis is reachable.
    this.client.ready().then(
      () => this.events.emit(ProviderEvents.Ready),
      () => {},
    );
    throw new Error(
      `greenlight flags: not subscribed to Redis after ${this.initTimeoutMs}ms; serving defaults`,
    );
  }

  async onClose(): Promise<void> {
    this.stopListening();
    if (this.ownsClient) await this.client.close();
  }

  async resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    _context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    const { value, source } = await this.client.evaluate(flagKey, defaultValue);
    return { value, reason: REASONS[source] };
  }

  async resolveStringEvaluation(flagKey: string, defaultValue: string): Promise<ResolutionDetails<string>> {
    return typeMismatch(flagKey, defaultValue);
  }

  async resolveNumberEvaluation(flagKey: string, defaultValue: number): Promise<ResolutionDetails<number>> {
    return typeMismatch(flagKey, defaultValue);
  }

  async resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
  ): Promise<ResolutionDetails<T>> {
    return typeMismatch(flagKey, defaultValue);
  }
}

function typeMismatch<T>(flagKey: string, defaultValue: T): ResolutionDetails<T> {
  return {
    value: defaultValue,
    reason: StandardResolutionReasons.ERROR,
    errorCode: ErrorCode.TYPE_MISMATCH,
    errorMessage: `greenlight flag ${flagKey} is a boolean; use getBooleanValue`,
  };
}

function isFlagClient(value: FlagClient | FlagClientOptions): value is FlagClient {
  return typeof (value as Partial<FlagClient>).evaluate === 'function';
}
