/** What the terminal keeps in the browser's storage between visits (never money state: see outbox). */
export const K_TOKEN = 'saoma.pos.token';
export const K_LANG = 'saoma.pos.lang';
export const K_OPERATOR = 'saoma.pos.operator';
export const K_SESSION = 'saoma.pos.session';
/** The wallet a "Show QR" goes to on this terminal (the cashier's last choice). */
export const K_WALLET = 'saoma.pos.wallet';
/** The quick item buttons the cashier set up on this terminal. */
export const K_ITEMS = 'saoma.pos.items';

export function load(key: string, store: Storage = localStorage): string | null {
  try { return store.getItem(key); } catch { return null; }
}
export function save(key: string, value: string | null, store: Storage = localStorage): void {
  try { if (value === null) store.removeItem(key); else store.setItem(key, value); } catch { /* private mode: kept in memory only */ }
}

/** The wallet last used for a dynamic QR, if the store still offers it; else the first it offers. */
export function qrWallet(offered: readonly string[]): string {
  const w = load(K_WALLET);
  return w && offered.indexOf(w) >= 0 ? w : offered[0] ?? 'sandbox';
}
