import type { DocumentStore } from '../services/ports.js';

/**
 * A document store that tells `onWrite` of every document it wrote, with the version it replaced (undefined for a
 * new document): where metrics and "something changed" signals are taken, at the edge, without the services knowing.
 * `onWrite` runs after the write and must not throw.
 */
export function observedStore<T>(
  store: DocumentStore<T>,
  onWrite: (before: T | undefined, after: T) => void,
): DocumentStore<T> {
  return {
    get: (id) => store.get(id),
    getMany: (ids) => store.getMany(ids),
    latest: (indexKey, limit) => store.latest(indexKey, limit),
    async replace(id, expectedVersion, value, index) {
      const before = expectedVersion === 0 ? undefined : (await store.get(id))?.value;
      const result = await store.replace(id, expectedVersion, value, index);
      if (result.ok) onWrite(before, value);
      return result;
    },
    async casUpdate(id, change, attempts) {
      let before: T | undefined;
      const result = await store.casUpdate(
        id,
        (current) => {
          before = current;
          return change(current);
        },
        attempts,
      );
      if (result.status === 'written') onWrite(before, result.value);
      return result;
    },
  };
}
