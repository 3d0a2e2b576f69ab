import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, call, type Client, type TerminalInfo } from '../api.ts';
import { formatAmount, type Lang } from '../i18n.ts';
import type { T } from '../t.ts';
import { formatTime, loadPlace, refundable, saleRefunds, type OfficeSale, type Refund } from './office-data.ts';
import { saleState, tenderState, walletName } from './office-words.ts';
import { Receipt } from './receipt.tsx';
import { RefundForm } from './refund.tsx';
import '../office.css';

const PAGE = 20;

/** What was refunded on a sale: from its refunds when the server sends them, else the tenders' own totals. */
function refundedOf(s: OfficeSale): number {
  if (s.refunds) return s.refunds.reduce((n, r) => n + (r.state === 'succeeded' ? r.amount : 0), 0);
  return s.payments.reduce((n, p) => n + (p.refunded || 0), 0);
}
function itemCount(s: OfficeSale): number | null {
  return s.items ? s.items.reduce((n, i) => n + i.quantity, 0) : null;
}

function Tenders({ t, lang, sale }: { t: T; lang: Lang; sale: OfficeSale }) {
  return (
    <span class="tenders">
      {sale.payments.map((p) => (
        <span class={`tender tender-${p.state}`} key={p.id}>
          {walletName(t, p.channel)} {formatAmount(lang, p.amount, p.currency)} · {tenderState(t, p.state)}
          {p.channelTradeNo ? <small class="muted"> {p.channelTradeNo}</small> : null}
        </span>
      ))}
    </span>
  );
}

/** One sale opened: items, tenders with the wallet's numbers, refunds, and the ways on: receipt, refund. */
function Details({ t, lang, sale, refunds, tz, onReceipt, onRefund }: { t: T; lang: Lang; sale: OfficeSale; refunds: readonly Refund[]; tz: string | null; onReceipt(): void; onRefund(): void }) {
  const m = (minor: number) => formatAmount(lang, minor, sale.currency);
  const canRefund = sale.payments.some((p) => refundable(p, refunds, p.id) > 0);
  const tenderOf = (id: string) => sale.payments.filter((p) => p.id === id)[0];
  return (
    <section class="card office-pane" id="sale-details" data-sale={sale.id}>
      <h2>{t('historySaleTitle', { amount: m(sale.amount) })} · {saleState(t, sale.state)}</h2>
      <p class="muted small">{formatTime(lang, sale.createdAt, tz)} · {t('historySaleNo')} {sale.id}</p>
      {sale.items && sale.items.length ? (
        <table class="lines" id="sale-items">
          <tbody>
            {sale.items.map((it, i) => (
              <tr key={i}><td>{it.name}</td><td class="num">{it.quantity} × {m(it.unitPrice)}</td><td class="num">{m(it.quantity * it.unitPrice)}</td></tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <table class="lines" id="sale-tenders">
        <tbody>
          {sale.payments.map((p) => (
            <tr key={p.id} data-payment={p.id} data-state={p.state}>
              <td>{walletName(t, p.channel)}<br /><small class="muted">{tenderState(t, p.state)}</small></td>
              <td class="num">{m(p.amount)}{p.change ? <><br /><small class="muted">{t('rcpChange')} {m(p.change)}</small></> : null}</td>
              <td class="mono small">{p.channelTradeNo ? <>{t('historyTradeNo')}<br />{p.channelTradeNo}</> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {refunds.length ? (
        <table class="lines" id="sale-refunds">
          <tbody>
            {refunds.map((r) => {
              const p = tenderOf(r.paymentId);
              return (
                <tr key={r.id} data-refund={r.id} data-state={r.state}>
                  <td>{t('rcpRefund')} {p ? walletName(t, p.channel) : ''}<br /><small class="muted">{r.reason ?? ''}{r.createdBy ? ` · ${t('refundApproved', { name: r.createdBy.name })}` : ''}</small></td>
                  <td class="num">−{m(r.amount)}</td>
                  <td class="small">{r.state === 'succeeded' ? t('historyColRefunded') : r.state === 'failed' ? t('refundFailed') : t('rcpPending')}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      <div class="row">
        <button type="button" id="open-receipt" onClick={onReceipt}>{t('receiptButton')}</button>
        {canRefund ? <button type="button" id="open-refund" onClick={onRefund}>{t('refundButton')}</button> : null}
      </div>
    </section>
  );
}

/** Recent sales on this terminal: open one to see its receipt (reprint) or refund with a supervisor PIN. */
export function History({ t, lang, client, terminal, onBack }: { t: T; lang: Lang; client: Client; terminal: TerminalInfo; onBack(): void }) {
  const [sales, setSales] = useState<OfficeSale[]>([]);
  const [more, setMore] = useState(true);
  const [loading, setLoading] = useState(false);
  const [msg, setMsg] = useState<string | null>(null);
  const [tz, setTz] = useState<string | null>(null);
  const [open, setOpen] = useState<{ sale: OfficeSale; refunds: Refund[] } | null>(null);
  const [view, setView] = useState<'details' | 'refund' | 'receipt'>('details');
  const cursor = useRef<string | null>(null);

  const page = async (fresh: boolean) => {
    setLoading(true);
    setMsg(null);
    try {
      const before = fresh ? null : cursor.current;
      // Keyset paging: `next` (the last sale's id) comes back only when the page was full.
      const res = await call<{ data: OfficeSale[]; next?: string }>(client, 'GET', `/v1/sales?limit=${PAGE}${before ? `&before=${encodeURIComponent(before)}` : ''}`);
      cursor.current = res.next || null;
      const mine = res.data.filter((s) => s.terminalId === terminal.terminalId);
      setSales((old) => (fresh ? mine : old.concat(mine.filter((s) => !old.some((o) => o.id === s.id)))));
      setMore(!!res.next);
    } catch (e) {
      setMsg(e instanceof ApiError ? e.message : t('networkError'));
    } finally { setLoading(false); }
  };

  const openSale = async (id: string) => {
    setMsg(null);
    try {
      const sale = await call<OfficeSale>(client, 'GET', `/v1/sales/${encodeURIComponent(id)}`);
      const refunds = await saleRefunds(client, sale);
      setOpen({ sale, refunds });
      // The list row shows the same sale: keep it in step with what was just read.
      setSales((old) => old.map((s) => (s.id === id ? { ...s, ...sale, refunds } : s)));
    } catch (e) {
      setMsg(e instanceof ApiError ? e.message : t('networkError'));
    }
  };

  useEffect(() => {
    void page(true);
    void loadPlace(client, terminal.merchantId, terminal.storeId, terminal.terminalId).then((p) => setTz(p.timezone));
  }, []);

  if (open && view === 'receipt') {
    return <Receipt t={t} lang={lang} client={client} saleId={open.sale.id} onBack={() => setView('details')} />;
  }

  return (
    <div class="office" id="history">
      <section class="card office-pane office-list">
        <div class="office-head">
          <button type="button" id="history-back" onClick={onBack}>{t('cancel')}</button>
          <h1>{t('historyTitle')}</h1>
          <button type="button" id="history-reload" onClick={() => { setOpen(null); void page(true); }}>{t('historyReload')}</button>
        </div>
        {msg ? <p class="error" role="alert" id="history-error">{msg}</p> : null}
        {!sales.length && !loading && !msg ? <p class="muted">{t('historyEmpty')}</p> : null}
        <ul class="sales" id="sales">
          {sales.map((s) => {
            const refunded = refundedOf(s);
            const n = itemCount(s);
            return (
              <li key={s.id}>
                <button type="button" class={`sale-row${open && open.sale.id === s.id ? ' on' : ''}`} data-sale={s.id} onClick={() => { setView('details'); void openSale(s.id); }}>
                  <span class="when">{formatTime(lang, s.createdAt, tz)}</span>
                  <strong class="amount">{formatAmount(lang, s.amount, s.currency)}</strong>
                  <span class="items">{n === null ? '' : t('historyItems', { n })}</span>
                  <Tenders t={t} lang={lang} sale={s} />
                  {refunded > 0 ? <span class="refunded" data-minor={refunded}>{t('historyColRefunded')} {formatAmount(lang, refunded, s.currency)}</span> : null}
                </button>
              </li>
            );
          })}
        </ul>
        {loading ? <p class="muted">{t('loading')}</p> : more && sales.length ? (
          <button type="button" id="history-more" onClick={() => void page(false)}>{t('historyMore')}</button>
        ) : sales.length ? <p class="muted small">{t('historyEnd')}</p> : null}
      </section>
      {open ? (
        view === 'refund' ? (
          <RefundForm t={t} lang={lang} client={client} terminal={terminal} sale={open.sale} refunds={open.refunds}
            onChanged={() => void openSale(open.sale.id)} onBack={() => { setView('details'); void openSale(open.sale.id); }} />
        ) : (
          <Details t={t} lang={lang} sale={open.sale} refunds={open.refunds} tz={tz} onReceipt={() => setView('receipt')} onRefund={() => setView('refund')} />
        )
      ) : null}
    </div>
  );
}
