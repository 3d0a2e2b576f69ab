/**
 * One POS per device: two tabs each running the outbox would each keep their own copy of the records
 * and could write an older one over a newer one (Odoo lost orders this way, odoo/odoo#152259). A new
 * tab asks on a BroadcastChannel whether another is already running; the running tab answers for as
 * long as it lives. A browser without BroadcastChannel (none we target) is let through.
 */
let claim: Promise<boolean> | null = null;

/** Asked once per page: the answer stands for the page's life (its channel keeps answering others). */
export function claimThisTab(waitMs = 300): Promise<boolean> {
  if (!claim) claim = ask(waitMs);
  return claim;
}

function ask(waitMs: number): Promise<boolean> {
  if (typeof BroadcastChannel === 'undefined') return Promise.resolve(true);
  const ch = new BroadcastChannel('saoma-pos-tab');
  let other = false;
  ch.onmessage = (e: MessageEvent) => {
    if (e.data === 'who') ch.postMessage('me');
    else if (e.data === 'me') other = true;
  };
  ch.postMessage('who');
  return new Promise((resolve) => setTimeout(() => {
    if (other) ch.close();
    resolve(!other);
  }, waitMs));
}
