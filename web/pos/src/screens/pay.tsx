import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, FINAL_STATES, call, randomId, streamPayment, type Client, type Payment } from '../api.ts';
import { formatAmount, type Key, type Lang } from '../i18n.ts';
import { QrCode } from '../qr.tsx';
import type { T } from '../t.ts';
import type { Attempt } from './sale.tsx';

type View = 'sending' | 'waiting' | 'paying' | 'unknown' | 'succeeded' | 'failed' | 'closed' | 'reversed' | 'refused';
const VIEW_KEY: Record<Exclude<View, 'refused'>, Key> = {
  sending: 'stateSending', waiting: 'stateWaiting', paying: 'statePaying', unknown: 'stateUnknown',
  succeeded: 'statePaid', failed: 'stateFailed', closed: 'stateClosed', reversed: 'stateReversed',
};

/** The honest view of a payment: only the server's `succeeded` is ever shown as paid. */
function viewOf(p: Payment | null, linkLost: boolean): View {
  if (!p) return linkLost ? 'unknown' : 'sending';
  switch (p.state) {
    case 'succeeded': case 'failed': case 'closed': case 'reversed': return p.state;
    case 'unknown': return 'unknown';
    case 'waiting_customer': return linkLost ? 'unknown' : p.method === 'payment_code' ? 'paying' : 'waiting';
    default: return linkLost ? 'unknown' : p.method === 'dynamic_qr' ? 'waiting' : 'sending';
  }
}

export function Pay({ t, lang, client, attempt, onDone, onAuthLost }: { t: T; lang: Lang; client: Client; attempt: Attempt; onDone(): void; onAuthLost(): void }) {
  const [payment, setPayment] = useState<Payment | null>(null);
  const [refused, setRefused] = useState<string | null>(null);
  const [refusedStatus, setRefusedStatus] = useState(0);
  const [linkLost, setLinkLost] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());
  const alive = useRef(true);
  const latest = useRef<Payment | null>(null);

  const accept = (p: Payment) => {
    // States only move forward: a late, older answer never replaces a final one.
    if (latest.current && FINAL_STATES.indexOf(latest.current.state) >= 0) return;
    latest.current = p;
    setPayment(p);
  };
  const refresh = async (ask: boolean) => {
    const p = latest.current;
    if (!p) return;
    try {
      if (ask) await call(client, 'POST', `/v1/payments/${encodeURIComponent(p.id)}/query`, undefined, { 'idempotency-key': randomId('q-') }).catch((e: unknown) => { if (!(e instanceof ApiError)) throw e; });
      accept(await call<Payment>(client, 'GET', `/v1/payments/${encodeURIComponent(p.id)}`));
      setLinkLost(false);
    } catch { setLinkLost(true); }
  };

  useEffect(() => {
    alive.current = true;
    let stop = () => undefined as void;
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
    (async () => {
      // 1. Create, retrying with the same key and body until the server answers.
      let created: Payment | null = null;
      while (alive.current && !created) {
        try {
          created = await call<Payment>(client, 'POST', '/v1/payments', attempt.body, { 'idempotency-key': attempt.key });
          setNote(null);
          setLinkLost(false);
        } catch (e) {
          if (e instanceof ApiError && e.code !== 'idempotency_in_progress' && e.status !== 429) { setRefusedStatus(e.status); setRefused(e.message); return; }
          setLinkLost(true);
          setNote(t('networkError'));
          await sleep(2000);
        }
      }
      if (!created) return;
      accept(created);
      // 2. Follow it live until final; a dropped stream means "unknown" until a query or the stream answers again.
      while (alive.current && latest.current && FINAL_STATES.indexOf(latest.current.state) < 0) {
        const s = streamPayment(client, created.id, (p) => { accept(p); setLinkLost(false); setNote(null); });
        stop = s.stop;
        try { await s.done; } catch { /* link dropped */ }
        if (!alive.current || (latest.current && FINAL_STATES.indexOf(latest.current.state) >= 0)) break;
        setNote(t('reconnecting'));
        await refresh(false);
        await sleep(1500);
      }
    })();
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => { alive.current = false; stop(); clearInterval(tick); };
  }, []);

  const view: View = refused ? 'refused' : viewOf(payment, linkLost);
  const final = view === 'succeeded' || view === 'failed' || view === 'closed' || view === 'reversed' || view === 'refused';
  const left = payment?.expiresAt ? Math.max(0, Math.floor((Date.parse(payment.expiresAt) - now) / 1000)) : null;
  const showQr = payment && payment.method === 'dynamic_qr' && payment.qrCode && !final;

  return (
    <div class={`pay view-${view}`}>
      <section class="card center">
        {showQr ? (
          <div class="qrbox">
            <QrCode value={payment.qrCode!} size={320} />
            {left !== null ? <p class="muted" id="expiry">{left > 0 ? t('expiresIn', { s: left }) : t('expired')}</p> : null}
          </div>
        ) : null}
        <div class="side">
          <div class="big">{formatAmount(lang, attempt.body.amount)}</div>
          {showQr ? <p>{t('scanToPay')}</p> : null}
          <p id="status" class="status" data-state={view} role="status">{view === 'refused' ? refused : t(VIEW_KEY[view])}</p>
          {payment && (view === 'failed' || view === 'closed') && payment.failureMessage ? <p class="muted">{payment.failureMessage}</p> : null}
          {note && !final ? <p class="muted">{note}</p> : null}
          <div class="row">
            {payment && !final ? <button type="button" id="query-now" onClick={() => void refresh(true)}>{t('queryNow')}</button> : null}
            {final ? <button type="button" class="primary" id="new-sale" onClick={refusedStatus === 401 ? onAuthLost : onDone}>{view === 'refused' ? t('cancel') : t('newSale')}</button> : null}
          </div>
        </div>
      </section>
    </div>
  );
}

