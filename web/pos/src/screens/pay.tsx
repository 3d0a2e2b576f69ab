import { useEffect, useRef, useState } from 'preact/hooks';
import { parseAmount } from '../amount.ts';
import { formatAmount, type Key, type Lang } from '../i18n.ts';
import { K_WALLET, qrWallet, save } from '../local.ts';
import { counterRules, counterWallets } from '../counter.ts';
import type { Outbox, OutboxView } from '../outbox.ts';
import { QrCode } from '../qr.tsx';
import { classifyScan, scanProblem, walletName } from '../scan-classify.ts';
import { scannerTiming } from '../scanner-settings.tsx';
import { listenForScanner } from '../scanner.ts';
import { headline, inFlight, lineView, planLine, totals, type LineRecord, type LineView, type Method } from '../tender-rules.ts';
import type { T } from '../t.ts';
import { ScanPanel } from './scan-panel.tsx';

export type Mode = 'cash' | 'qr' | 'code';
type Headline = LineView | 'due' | 'saleRefused' | 'confirming';

const VIEW_KEY: Record<Exclude<Headline, 'due' | 'saleRefused' | 'refused'>, Key> = {
  recorded: 'stateRecorded', sending: 'stateSending', waiting: 'stateWaiting', paying: 'statePaying', unknown: 'stateUnknown',
  cancelling: 'stateCancelling', confirming: 'stateConfirming', succeeded: 'statePaid', failed: 'stateFailed', closed: 'stateClosed', reversed: 'stateReversed',
};
const METHOD_KEY: Record<Method, Key> = { cash: 'methodCash', dynamic_qr: 'methodQr', payment_code: 'methodCode' };

/**
 * The tender screen: what is due and paid, each line with its honest state, and a new line (cash
 * with change, a QR for any wallet, a scanned payment code) for what is left or a part of it. The sale
 * is paid only when the server says so.
 */
export function Pay({ t, lang, outbox, view, mode: initialMode, onReceipt }: {
  t: T; lang: Lang; outbox: Outbox; view: OutboxView; mode: Mode; onReceipt(saleId: string): void;
}) {
  const sale = view.sale!;
  const lines = view.lines;
  const tot = totals(sale, lines);
  const head = headline(sale, lines, (k) => !!view.lost[k] || view.offline);
  const done = sale.state === 'completed';
  const walletBusy = lines.some(inFlight);
  const [mode, setMode] = useState<Mode>(initialMode);
  const [amountText, setAmountText] = useState('');
  const [wallet, setWallet] = useState(() => qrWallet(counterWallets()));
  const [msg, setMsg] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());
  const amountRef = useRef<HTMLInputElement>(null);
  const live = useRef({ tot, walletBusy, done, amountText });
  live.current = { tot, walletBusy, done, amountText };

  // The line amount starts as what is left, and follows it until the cashier types another.
  const typed = useRef(false);
  useEffect(() => {
    if (!typed.current) setAmountText(tot.remaining > 0 ? (tot.remaining / 100).toFixed(2) : '');
  }, [tot.remaining]);

  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, []);

  // A double tap on "Take cash" must not record two lines: one line at a time is written.
  const adding = useRef(false);
  const add = async (method: Method, extra: { channel?: string; authCode?: string } = {}) => {
    if (adding.current) return;
    const c = live.current;
    // What the field shows now: a fast typist (or a keyboard-wedge device) can press the button before
    // the typed text has rendered into state.
    const p = parseAmount(amountRef.current ? amountRef.current.value : c.amountText);
    if (!p.ok) { setMsg(t(p.reason)); return; }
    const plan = planLine({ remaining: c.tot.remaining, method, amount: p.minor, walletInFlight: c.walletBusy });
    if (!plan.ok) { setMsg(t(plan.reason, { amount: formatAmount(lang, c.tot.remaining) })); return; }
    // Offline, a wallet cannot be asked: a QR cannot be shown, and a code charged later could catch a customer who has left.
    if (method !== 'cash' && !navigator.onLine) { setMsg(t(method === 'dynamic_qr' ? 'offlineQr' : 'offlineWallet')); return; }
    setMsg(null);
    typed.current = false;
    adding.current = true;
    try {
      await outbox.addLine(sale.key, { method, amount: plan.amount, ...(plan.tendered !== undefined ? { tendered: plan.tendered } : {}), ...extra });
    } finally { adding.current = false; }
  };
  const scanned = (code: string) => {
    const s = classifyScan(code, counterRules());
    const problem = scanProblem(t, s);
    if (problem) { setMsg(problem); return; }
    void add('payment_code', { authCode: s.code });
  };
  const scannedRef = useRef(scanned);
  scannedRef.current = scanned;

  useEffect(() => {
    const timing = scannerTiming();
    return listenForScanner({
      gapMs: timing.maxGapMs,
      minLength: timing.minLength,
      accept: 'text',
      acceptSlow: () => !live.current.done && !live.current.walletBusy,
      onScan: (code) => {
        // A gun types into the focused amount field too: take its digits back out before reading the amount.
        const field = amountRef.current;
        if (field && field.value.slice(-code.length) === code) {
          const before = field.value.slice(0, -code.length);
          field.value = before;
          setAmountText(before);
          live.current.amountText = before;
        }
        if (!live.current.done) scannedRef.current(code);
      },
    });
  }, []);

  const remove = async (l: LineRecord) => {
    const r = await outbox.remove(l.key);
    setMsg(r === 'paid' ? t('removePaid') : r === 'unsynced' ? t('removeUnsynced') : null);
  };
  const voidSale = async () => {
    if (lines.some((l) => !l.removed && !l.refused && (!l.payment || l.payment.state === 'succeeded' || inFlight(l)))) { setMsg(t('voidBlocked')); return; }
    const refused = await outbox.voidSale(sale.key);
    if (refused) setMsg(refused);
  };

  const active = head.line && inFlight(head.line) ? head.line : null;
  const qr = active && active.payment && active.payment.method === 'dynamic_qr' && active.payment.qrCode && !active.cancelWanted ? active.payment : null;
  const left = qr && qr.expiresAt ? Math.max(0, Math.floor((Date.parse(qr.expiresAt) - now) / 1000)) : null;
  const statusText = head.view === 'saleRefused' ? t('saleRefused', { message: sale.refused ?? '' })
    : head.view === 'refused' ? (head.line && head.line.refused) || ''
    : head.view === 'due' ? t('stateDue', { amount: formatAmount(lang, tot.remaining) })
    : t(VIEW_KEY[head.view]);

  return (
    <div class={`pay view-${head.view}`}>
      <section class="card summary">
        <dl class="totals">
          <dt>{t('dueLabel')}</dt><dd id="due">{formatAmount(lang, sale.amount)}</dd>
          <dt>{t('paidLabel')}</dt><dd id="paid">{formatAmount(lang, done ? sale.paid : tot.paid)}</dd>
          <dt>{t('leftLabel')}</dt><dd id="left">{formatAmount(lang, done ? 0 : Math.max(0, sale.amount - tot.paid))}</dd>
        </dl>
        {sale.items.length ? (
          <ul class="sale-items">{sale.items.map((i) => <li key={i.name}><span class="grow">{i.name} × {i.quantity}</span><span>{formatAmount(lang, i.quantity * i.unitPrice)}</span></li>)}</ul>
        ) : null}
        <ul class="tender-lines" id="lines">
          {lines.filter((l) => !l.removed).length === 0 ? <li class="muted">{t('noLines')}</li> : null}
          {lines.filter((l) => !l.removed).map((l) => {
            const v = lineView(l, !!view.lost[l.key] || view.offline);
            const change = l.payment && l.payment.change !== null ? l.payment.change : (l.body.tendered ?? l.body.amount) - l.body.amount;
            return (
              <li key={l.key} class={`line line-${v}`} data-line-state={v} data-method={l.body.method} data-key={l.key} data-payment-id={l.paymentId ?? ''}>
                <div class="line-main">
                  <span class="grow">{t(METHOD_KEY[l.body.method])}{l.payment && l.body.method !== 'cash' ? ` · ${walletName(t, l.payment.channel)}` : ''}</span>
                  <strong>{formatAmount(lang, l.payment ? l.payment.amount : l.body.amount)}</strong>
                </div>
                <div class="line-sub">
                  <span class="grow state">{v === 'refused' ? l.refused : t(VIEW_KEY[v])}</span>
                  {l.body.method === 'cash' && change > 0 ? <span class="muted">{t('receivedChange', { tendered: formatAmount(lang, l.body.tendered ?? l.body.amount), change: formatAmount(lang, change) })}</span> : null}
                  {!done && v !== 'succeeded' && v !== 'cancelling' ? <button type="button" class="small remove-line" onClick={() => void remove(l)}>{t('removeLine')}</button> : null}
                </div>
                {l.note ? <p class="muted">{l.note === 'paidBeforeCancel' ? t('paidBeforeCancel') : l.note}</p> : null}
              </li>
            );
          })}
        </ul>
        {!done ? <button type="button" class="small" id="void-sale" onClick={() => void voidSale()}>{t('voidSale')}</button> : null}
      </section>

      <section class="card panel">
        {qr ? (
          <div class="qrbox">
            <QrCode value={qr.qrCode!} size={360} />
            {left !== null ? <p class="muted" id="expiry">{left > 0 ? t('expiresIn', { s: left }) : t('expired')}</p> : null}
          </div>
        ) : null}
        {qr ? <p>{t('scanToPay')} · <strong>{formatAmount(lang, qr.amount)}</strong></p> : null}
        <p id="status" class="status" data-state={head.view} role="status">{statusText}</p>
        {head.line && head.line.payment && (head.view === 'failed' || head.view === 'closed') && head.line.payment.failureMessage ? <p class="muted">{head.line.payment.failureMessage}</p> : null}
        {view.offline && !done ? <p class="muted" id="offline-note">{t('offlineNote')}</p> : null}
        {msg ? <p class="error" role="alert" id="tender-error">{msg}</p> : null}

        {done ? (
          <>
            {sale.change > 0 ? <p class="change" id="change">{t('giveChange', { amount: formatAmount(lang, sale.change) })}</p> : null}
            <div class="row">
              <button type="button" class="primary" id="new-sale" onClick={() => void outbox.close(sale.key)}>{t('newSale')}</button>
              {sale.saleId ? <button type="button" id="show-receipt" onClick={() => onReceipt(sale.saleId!)}>{t('receiptButton')}</button> : null}
            </div>
          </>
        ) : active ? (
          <div class="row">
            {active.paymentId ? <button type="button" id="query-now" onClick={() => void outbox.queryNow(active.key)}>{t('queryNow')}</button> : null}
            {!active.cancelWanted ? <button type="button" id="cancel-line" onClick={() => void remove(active)}>{t('cancelLine')}</button> : null}
          </div>
        ) : sale.refused ? (
          <div class="row"><button type="button" class="primary" id="new-sale" onClick={() => void outbox.close(sale.key)}>{t('cancel')}</button></div>
        ) : tot.remaining > 0 ? (
          <div class="add-line">
            <div class="method-tabs" role="tablist">
              {(['cash', 'qr', 'code'] as const).map((m) => (
                <button type="button" role="tab" key={m} id={`mode-${m}`} class={mode === m ? 'on' : ''} aria-selected={mode === m} onClick={() => { setMode(m); setMsg(null); }}>
                  {t(m === 'cash' ? 'methodCash' : m === 'qr' ? 'methodQr' : 'methodCode')}
                </button>
              ))}
            </div>
            <form class="line-form" onSubmit={(e) => { e.preventDefault(); if (mode === 'cash') void add('cash'); else if (mode === 'qr') { save(K_WALLET, wallet); void add('dynamic_qr', { channel: wallet }); } }}>
              <label>{t(mode === 'cash' ? 'cashReceived' : 'lineAmount')}
                <input ref={amountRef} id="line-amount" name="line-amount" inputMode="decimal" autoComplete="off" value={amountText}
                  onInput={(e) => { typed.current = true; setMsg(null); setAmountText((e.target as HTMLInputElement).value); }} />
              </label>
              {mode === 'cash' ? <CashChange t={t} lang={lang} text={amountText} remaining={tot.remaining} /> : null}
              {mode === 'qr' ? (
                <label>{t('walletLabel')}
                  <select id="wallet" value={wallet} onChange={(e) => setWallet((e.target as HTMLSelectElement).value)}>
                    {counterWallets().map((w) => <option key={w} value={w}>{walletName(t, w)}</option>)}
                  </select>
                </label>
              ) : null}
              {mode === 'cash' ? <button type="submit" class="primary" id="add-cash">{t('takeCash')}</button> : null}
              {mode === 'qr' ? <button type="submit" class="primary" id="add-qr">{t('showQrLine')}</button> : null}
            </form>
            {mode === 'code' ? <ScanPanel t={t} onCode={scanned} onError={setMsg} rules={counterRules()} /> : null}
          </div>
        ) : null}
      </section>
    </div>
  );
}

function CashChange({ t, lang, text, remaining }: { t: T; lang: Lang; text: string; remaining: number }) {
  const p = parseAmount(text);
  if (!p.ok || p.minor <= remaining) return null;
  return <p class="change" id="cash-change">{t('giveChange', { amount: formatAmount(lang, p.minor - remaining) })}</p>;
}
