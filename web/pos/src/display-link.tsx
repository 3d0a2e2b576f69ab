import { useState } from 'preact/hooks';
import { call, type Client } from './api.ts';
import { QrCode } from './qr.tsx';
import type { T } from './t.ts';
import type { DisplayState } from '../../display/src/state.ts';

export type { DisplayItem, DisplayState } from '../../display/src/state.ts';

const MAX_ITEMS = 100;
const MAX_NAME = 64;

/** Within the server's bounds, so a long line name never costs the customer the whole screen. */
function bounded(state: DisplayState): DisplayState {
  if (state.view !== 'sale') return state;
  const items = state.items.slice(0, MAX_ITEMS).map((it) => ({ name: it.name.trim().slice(0, MAX_NAME) || '—', quantity: it.quantity, unitPrice: it.unitPrice }));
  return { view: 'sale', amount: state.amount, currency: state.currency, due: state.due, paid: state.paid, items, ...(state.items.length > MAX_ITEMS ? { truncated: true } : {}) };
}

let sending = false;
let queued: { client: Client; state: DisplayState } | null = null;

/**
 * Tell this terminal's customer display what to show. Never throws; the display is a courtesy. Pushes
 * go one at a time and only the newest waiting one is sent, so the display never ends on a stale view.
 */
export function pushDisplay(client: Client, state: DisplayState): void {
  queued = { client, state: bounded(state) };
  if (!sending) void drain();
}

async function drain(): Promise<void> {
  sending = true;
  while (queued) {
    const next = queued;
    queued = null;
    try {
      await call(next.client, 'PUT', '/v1/terminal/display', next.state);
    } catch { /* offline or refused: the next push (or the display's reconnect) catches up */ }
  }
  sending = false;
}

interface DisplayLink { url: string; token: string; expiresAt: string }

/** Pair a customer display: shows the link (and its QR) the display opens. */
export function DisplayPairing({ t, client }: { t: T; client: Client }) {
  const [link, setLink] = useState<DisplayLink | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const get = async () => {
    setBusy(true);
    setError(null);
    try {
      setLink(await call<DisplayLink>(client, 'POST', '/v1/terminal/display-link'));
    } catch (e) {
      setError(t('displayLinkFailed', { msg: (e as Error).message }));
    } finally {
      setBusy(false);
    }
  };
  let until = '';
  if (link) {
    try { until = new Date(link.expiresAt).toLocaleDateString(client.lang); } catch { until = link.expiresAt.slice(0, 10); }
  }
  return (
    <section id="display-pairing" class="card">
      <h1>{t('displayTitle')}</h1>
      <p class="muted">{t('displayHelp')}</p>
      {link && <div class="qrbox"><QrCode value={link.url} size={280} /></div>}
      {link && <p><code id="display-link" style="word-break:break-all;user-select:all">{link.url}</code></p>}
      {link && <p class="muted">{t('displayValidUntil', { date: until })}</p>}
      {error && <p class="error" role="alert">{error}</p>}
      <button type="button" id="display-pair" class={link ? '' : 'primary'} disabled={busy} onClick={() => void get()}>
        {link ? t('displayNewLink') : t('displayPair')}
      </button>
    </section>
  );
}
