/**
 * The little of IndexedDB the outbox needs: one database, a few object stores keyed by `key`, and
 * writes that resolve only once the transaction has committed (a payment is recorded before it is
 * sent, so "written" must mean on disk, not queued in memory).
 */
export interface Db {
  put<T extends { key: string }>(store: string, value: T): Promise<void>;
  all<T>(store: string): Promise<T[]>;
  remove(store: string, key: string): Promise<void>;
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

export function openDb(name: string, stores: readonly string[], version = 1): Promise<Db> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, version);
    req.onupgradeneeded = () => {
      const db = req.result;
      for (const s of stores) if (!db.objectStoreNames.contains(s)) db.createObjectStore(s, { keyPath: 'key' });
    };
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab of the POS'));
    req.onsuccess = () => {
      const db = req.result;
      resolve({
        async put(store, value) {
          const tx = db.transaction(store, 'readwrite');
          tx.objectStore(store).put(value);
          await done(tx);
        },
        all<T>(store: string) {
          return new Promise<T[]>((res, rej) => {
            const r = db.transaction(store, 'readonly').objectStore(store).getAll();
            r.onsuccess = () => res(r.result as T[]);
            r.onerror = () => rej(r.error);
          });
        },
        async remove(store, key) {
          const tx = db.transaction(store, 'readwrite');
          tx.objectStore(store).delete(key);
          await done(tx);
        },
      });
    };
  });
}
