/** What the terminal keeps in the browser's storage between visits (never money state: see outbox). */
export const K_TOKEN = 'saoma.pos.token';
export const K_LANG = 'saoma.pos.lang';
export const K_OPERATOR = 'saoma.pos.operator';
export const K_SESSION = 'saoma.pos.session';

export function load(key: string, store: Storage = localStorage): string | null {
  try { return store.getItem(key); } catch { return null; }
}
export function save(key: string, value: string | null, store: Storage = localStorage): void {
  try { if (value === null) store.removeItem(key); else store.setItem(key, value); } catch { /* private mode: kept in memory only */ }
}
