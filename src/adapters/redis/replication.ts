import type { Redis } from 'ioredis';

/** How long a write waits for its replicas before going on without them (a replica down must not stop the bot). */
const WAIT_TIMEOUT_MS = 500;

export interface Replication {
  /** How many replicas a write must reach (REDIS_WAIT_REPLICAS); 0 waits for none. */
  replicas: number;
  /** Told when a write went on without reaching them all (logged: the write may not survive a failover). */
  onShort?: (reached: number, wanted: number) => void;
}

/**
 * Waits until the writes this connection made so far reached `replicas` replicas (Redis's WAIT), so a write
 * acknowledged to a user (a flag flip) or relied on to avoid a second GitHub dispatch (the dispatch mark) is still
 * there when Sentinel promotes a replica. Resolves true once they have it, false after the timeout.
 */
export async function waitForReplicas(redis: Redis, replication: Replication | undefined): Promise<boolean> {
  if (!replication || replication.replicas === 0) return true;
  const reached = await redis.wait(replication.replicas, WAIT_TIMEOUT_MS);
  if (reached >= replication.replicas) return true;
  replication.onShort?.(reached, replication.replicas);
  return false;
}
