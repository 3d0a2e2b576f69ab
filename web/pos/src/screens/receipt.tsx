import { useEffect, useState } from 'preact/hooks';
import type { ComponentType } from 'preact';
import { ApiError, call, type Client } from '../api.ts';
import type { Lang } from '../i18n.ts';
import { saleReceiptPath } from '../local-printer-core.ts';
import { receiptLines, type ReceiptData } from '../receipt-lines.ts';
import type { T } from '../t.ts';
import { formatTime, loadPlace, saleRefunds, type OfficeSale, type Place, type Refund } from './office-data.ts';
import { walletName } from './office-words.ts';
import { LocalPrinter, StorePrinters, usePrinters } from './print-panels.tsx';
import type { Sign as SignScreen } from './sign.tsx';
import '../office.css';

/** The receipt's content from a sale: only tenders that were paid, only refunds that did not fail. */
export function receiptData(t: T, lang: Lang, sale: OfficeSale, refunds: readonly Refund[], place: Place | null): ReceiptData {
  const paid = sale.payments.filter((p) => p.state === 'succeeded');
  const walletOf = (id: string) => { const p = sale.payments.filter((x) => x.id === id)[0]; return p ? walletName(t, p.channel) : ''; };
  return {
    merchant: place ? place.merchant : null,
    store: place ? place.store : null,
    terminal: place ? place.terminal : null,
    time: formatTime(lang, sale.createdAt, place ? place.timezone : null),
    saleNo: sale.id,
    currency: sale.currency,
    amount: sale.amount,
    items: sale.items || null,
    tenders: paid.map((p) => ({
      wallet: walletName(t, p.channel), amount: p.amount,
      tradeNo: p.channelTradeNo, tendered: p.tendered, change: p.change,
    })),
    change: sale.change,
    refunds: refunds.filter((r) => r.state !== 'failed').map((r) => ({ wallet: walletOf(r.paymentId), amount: r.amount, pending: r.state === 'succeeded' ? null : t('rcpPending') })),
  };
}

/** One sale's receipt on screen, as the customer's copy says it; printable (reprint). */
export function Receipt({ t, lang, client, saleId, onBack }: { t: T; lang: Lang; client: Client; saleId: string; onBack(): void }) {
  const [data, setData] = useState<{ sale: OfficeSale; refunds: Refund[]; place: Place | null } | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  // The signing screen (with signature_pad) loads only when a customer signs.
  const [Sign, setSign] = useState<ComponentType<Parameters<typeof SignScreen>[0]> | null>(null);
  const [signing, setSigning] = useState(false);
  const { printers, error: printersError, reload } = usePrinters(client, data ? data.sale.merchantId : null);

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const sale = await call<OfficeSale>(client, 'GET', `/v1/sales/${encodeURIComponent(saleId)}`);
        const [refunds, place] = await Promise.all([saleRefunds(client, sale), loadPlace(client, sale.merchantId, sale.storeId, sale.terminalId)]);
        if (live) setData({ sale, refunds, place });
      } catch (e) {
        if (live) setMsg(e instanceof ApiError ? e.message : t('networkError'));
      }
    })();
    return () => { live = false; };
  }, [saleId]);

  const lines = data ? receiptLines(receiptData(t, lang, data.sale, data.refunds, data.place), {
    title: t('rcpTitle'), store: t('rcpStore'), terminal: t('rcpTerminal'), time: t('rcpTime'), saleNo: t('rcpSaleNo'),
    total: t('rcpTotal'), tradeNo: t('rcpTradeNo'), tendered: t('rcpTendered'), change: t('rcpChange'), refund: t('rcpRefund'),
    net: t('rcpNet'), thanks: t('rcpThanks'),
  }) : null;

  async function openSign() {
    setSigning(true);
    if (!Sign) {
      try {
        const m = await import('./sign.tsx');
        setSign(() => m.Sign);
      } catch {
        setSigning(false);
        setMsg(t('networkError'));
      }
    }
  }

  if (signing && data) {
    return Sign ? <Sign t={t} lang={lang} client={client} sale={data.sale} printers={printers || []} onBack={() => { setSigning(false); reload(); }} /> : <p class="muted">{t('loading')}</p>;
  }
  const paid = data ? data.sale.payments.filter((p) => p.state === 'succeeded').length > 0 : false;

  return (
    <div class="office receipt-view" id="receipt">
      <section class="card office-pane receipt-actions">
        <div class="office-head">
          <button type="button" id="receipt-back" onClick={onBack}>{t('cancel')}</button>
          <h1>{t('receiptTitle')}</h1>
        </div>
        {msg ? <p class="error" role="alert">{msg}</p> : null}
        <button type="button" class="primary" id="receipt-print" disabled={!lines} onClick={() => window.print()}>{t('prBrowserPrint')}</button>
        {paid ? <button type="button" id="receipt-sign" disabled={!printers && !printersError} onClick={() => void openSign()}>{t('prSignButton')}</button> : null}
        {data ? <StorePrinters t={t} client={client} merchantId={data.sale.merchantId} saleId={saleId} printers={printers} error={printersError} reload={reload} /> : null}
        {data ? <LocalPrinter t={t} client={client} path={(s) => saleReceiptPath(saleId, s, lang)} /> : null}
      </section>
      <div class="slip-wrap">
        {lines ? <pre class="slip" id="slip" lang={lang}>{lines.join('\n')}</pre> : <p class="muted">{msg ? '' : t('loading')}</p>}
      </div>
    </div>
  );
}
