import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, call, randomId, type Client } from '../api.ts';
import { cashDifference } from '../cash-count.ts';
import { formatAmount, type Lang } from '../i18n.ts';
import type { T } from '../t.ts';
import { CashCounter, type CashCount } from './office-counter.tsx';
import { formatTime, loadPlace, type Shift } from './office-data.ts';
import { walletName } from './office-words.ts';
import '../office.css';

type Current = { kind: 'loading' } | { kind: 'open'; shift: Shift } | { kind: 'none'; message: string } | { kind: 'error'; message: string };

/** GET /v1/shifts/current as one of: open, none (404 no_open_shift), or an error to show. */
async function current(client: Client, t: T): Promise<Current> {
  try {
    return { kind: 'open', shift: await call<Shift>(client, 'GET', '/v1/shifts/current') };
  } catch (e) {
    if (e instanceof ApiError && e.code === 'no_open_shift') return { kind: 'none', message: e.message };
    return { kind: 'error', message: e instanceof ApiError ? e.message : t('networkError') };
  }
}

/** An amount with its sign spelled out: −¥1.00 short, +¥1.00 over. */
export function signedAmount(lang: Lang, minor: number, currency = 'CNY'): string {
  return (minor < 0 ? '\u2212' : minor > 0 ? '+' : '') + formatAmount(lang, Math.abs(minor), currency);
}

/**
 * Sales are taken inside a shift: shows `children` while this terminal has an open shift, otherwise
 * the form that opens one with its counted float. `version` changes after a close, to look again.
 */
export function ShiftGate({ t, lang, client, version, children }: { t: T; lang: Lang; client: Client; version: number; children: ComponentChildren }) {
  const [state, setState] = useState<Current>({ kind: 'loading' });
  const [count, setCount] = useState<CashCount>({ ok: true, minor: 0 });
  const [msg, setMsg] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per opening: a retry after a lost answer cannot open a second shift.
  const key = useRef<string | null>(null);

  const look = () => { setState({ kind: 'loading' }); void current(client, t).then(setState); };
  useEffect(look, [version, client.token]);

  const open = async () => {
    if (!count.ok) { setMsg(count.message); return; }
    setBusy(true);
    setMsg(null);
    if (!key.current) key.current = randomId('shift-');
    try {
      const shift = await call<Shift>(client, 'POST', '/v1/shifts', { openingFloat: count.minor }, { 'idempotency-key': key.current });
      key.current = null;
      setState({ kind: 'open', shift });
    } catch (e) {
      if (e instanceof ApiError) {
        key.current = null;
        if (e.code === 'shift_already_open') { look(); return; }
        setMsg(e.message);
      } else setMsg(t('networkError'));
    } finally { setBusy(false); }
  };

  if (state.kind === 'open') return <>{children}</>;
  if (state.kind === 'loading') return <p class="muted">{t('loading')}</p>;
  if (state.kind === 'error') {
    return (
      <section class="card office-narrow" id="shift-error">
        <p class="error" role="alert">{state.message}</p>
        <button type="button" onClick={look}>{t('retry')}</button>
      </section>
    );
  }
  return (
    <section class="card office-narrow" id="shift-open">
      <h1>{t('shiftOpenTitle')}</h1>
      <p class="muted">{t('shiftOpenHelp')}</p>
      <CashCounter t={t} lang={lang} id="float-count" onChange={(c) => { setCount(c); setMsg(null); }} />
      {msg ? <p class="error" role="alert" id="shift-open-error">{msg}</p> : null}
      <button type="button" class="primary" id="open-shift" disabled={busy || !count.ok} onClick={() => void open()}>
        {t('openShift', { amount: count.ok ? formatAmount(lang, count.minor) : '—' })}
      </button>
    </section>
  );
}

/** Per-wallet takings as bars: the length is the amount, the pale end is what was refunded. */
export function WalletBars({ t, lang, shift }: { t: T; lang: Lang; shift: Shift }) {
  const rows = shift.totals.filter((r) => r.count > 0 || r.amount > 0 || r.refunded > 0);
  if (!rows.length) return <p class="muted">{t('shiftNoPayments')}</p>;
  const max = Math.max(1, ...rows.map((r) => r.amount));
  return (
    <div class="bars" id="shift-bars">
      {rows.map((r) => (
        <div class="bar-row" key={r.channel} data-channel={r.channel}>
          <span class="bar-name">{walletName(t, r.channel)}</span>
          <span class="bar-track">
            <span class="bar" style={{ width: `${(100 * r.amount) / max}%` }}>
              {r.refunded > 0 ? <span class="bar-refund" style={{ width: `${Math.min(100, (100 * r.refunded) / Math.max(1, r.amount))}%` }} /> : null}
            </span>
          </span>
          <span class="bar-figure">
            <strong>{formatAmount(lang, r.amount, shift.currency)}</strong>
            <small>{t('shiftPayments', { n: r.count })}{r.refunded > 0 ? ` · ${t('shiftRefunds')} ${formatAmount(lang, r.refunded, shift.currency)}` : ''}</small>
          </span>
        </div>
      ))}
    </div>
  );
}

function Figures({ t, lang, shift, tz }: { t: T; lang: Lang; shift: Shift; tz: string | null }) {
  const cash = shift.totals.filter((r) => r.channel === 'cash')[0];
  const refunds = shift.totals.reduce((s, r) => s + r.refunded, 0);
  const m = (minor: number) => formatAmount(lang, minor, shift.currency);
  return (
    <dl class="figures" id="shift-figures">
      <dt>{t('shiftOpenedBy')}</dt><dd>{shift.openedBy.name}</dd>
      <dt>{t('shiftOpenedAt')}</dt><dd>{formatTime(lang, shift.openedAt, tz)}</dd>
      {shift.closedAt ? <><dt>{t('shiftClosedBy')}</dt><dd>{shift.closedBy ? shift.closedBy.name : '—'}</dd></> : null}
      {shift.closedAt ? <><dt>{t('shiftClosedAt')}</dt><dd>{formatTime(lang, shift.closedAt, tz)}</dd></> : null}
      <dt>{t('shiftFloat')}</dt><dd data-minor={shift.openingFloat}>{m(shift.openingFloat)}</dd>
      <dt>{t('shiftCashTaken')}</dt><dd data-minor={cash ? cash.amount : 0}>{m(cash ? cash.amount : 0)}</dd>
      <dt>{t('shiftRefunds')}</dt><dd data-minor={refunds}>{m(refunds)}</dd>
      <dt>{t('shiftExpected')}</dt><dd id="shift-expected" data-minor={shift.expectedCash}><strong>{m(shift.expectedCash)}</strong></dd>
    </dl>
  );
}

/** Expected vs counted and what the difference means, shown before anything is sent. */
function Difference({ t, lang, expected, counted, currency }: { t: T; lang: Lang; expected: number; counted: number; currency: string }) {
  const d = cashDifference(expected, counted);
  const word = d.kind === 'over' ? t('diffOver') : d.kind === 'short' ? t('diffShort') : t('diffEven');
  return (
    <dl class={`figures diff diff-${d.kind}`} id="shift-difference" data-minor={d.minor}>
      <dt>{t('shiftExpected')}</dt><dd>{formatAmount(lang, expected, currency)}</dd>
      <dt>{t('shiftCounted')}</dt><dd>{formatAmount(lang, counted, currency)}</dd>
      <dt>{t('shiftDifference')}</dt><dd><strong class="diff-amount">{signedAmount(lang, d.minor, currency)}</strong> <span class="diff-word">{word}</span></dd>
    </dl>
  );
}

/** The open shift's figures and the close form (cash count, expected vs counted, the difference). */
export function ShiftScreen({ t, lang, client, onClosed, onBack }: { t: T; lang: Lang; client: Client; onClosed(): void; onBack(): void }) {
  const [state, setState] = useState<Current>({ kind: 'loading' });
  const [closed, setClosed] = useState<Shift | null>(null);
  const [tz, setTz] = useState<string | null>(null);
  const [count, setCount] = useState<CashCount>({ ok: true, minor: 0 });
  const [msg, setMsg] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const key = useRef<{ id: string; counted: number; key: string } | null>(null);

  const look = () => { void current(client, t).then(setState); };
  useEffect(look, []);
  const shown = closed ?? (state.kind === 'open' ? state.shift : null);
  useEffect(() => {
    if (shown && shown.merchantId && shown.storeId) void loadPlace(client, shown.merchantId, shown.storeId, shown.terminalId).then((p) => setTz(p.timezone));
  }, [shown ? shown.id : '']);

  const close = async (shift: Shift) => {
    if (!count.ok) { setMsg(count.message); return; }
    setBusy(true);
    setMsg(null);
    // The same count retried after a lost answer reuses its key; a new count is a new request.
    if (!key.current || key.current.id !== shift.id || key.current.counted !== count.minor) key.current = { id: shift.id, counted: count.minor, key: randomId('close-') };
    try {
      const done = await call<Shift>(client, 'POST', `/v1/shifts/${encodeURIComponent(shift.id)}/close`, { countedCash: count.minor }, { 'idempotency-key': key.current.key });
      setClosed(done);
    } catch (e) {
      if (e instanceof ApiError) { key.current = null; setMsg(e.message); if (e.code === 'shift_closed') look(); }
      else setMsg(t('networkError'));
    } finally { setBusy(false); }
  };

  if (closed) {
    return (
      <div class="office" id="shift-report">
        <section class="card office-pane">
          <h1>{t('closedTitle')}</h1>
          <Figures t={t} lang={lang} shift={closed} tz={tz} />
          <Difference t={t} lang={lang} expected={closed.expectedCash} counted={closed.countedCash ?? 0} currency={closed.currency} />
          <button type="button" class="primary" id="shift-done" onClick={onClosed}>{t('shiftDone')}</button>
        </section>
        <section class="card office-pane">
          <h2>{t('shiftByWallet')}</h2>
          <WalletBars t={t} lang={lang} shift={closed} />
        </section>
      </div>
    );
  }
  if (state.kind === 'loading') return <p class="muted">{t('loading')}</p>;
  if (state.kind !== 'open') {
    return (
      <section class="card office-narrow" id="shift-screen">
        <p class={state.kind === 'error' ? 'error' : 'muted'} role="alert">{state.message}</p>
        <div class="row"><button type="button" onClick={onBack}>{t('cancel')}</button><button type="button" onClick={look}>{t('retry')}</button></div>
      </section>
    );
  }
  const shift = state.shift;
  return (
    <div class="office" id="shift-screen">
      <section class="card office-pane">
        <div class="office-head">
          <button type="button" id="shift-back" onClick={onBack}>{t('cancel')}</button>
          <h1>{t('shiftTitle')}</h1>
          <button type="button" onClick={look}>{t('historyReload')}</button>
        </div>
        <Figures t={t} lang={lang} shift={shift} tz={tz} />
        <h2>{t('shiftByWallet')}</h2>
        <WalletBars t={t} lang={lang} shift={shift} />
      </section>
      <section class="card office-pane" id="shift-close">
        <h2>{t('closeTitle')}</h2>
        <p class="muted">{t('closeHelp')}</p>
        <CashCounter t={t} lang={lang} id="close-count" onChange={(c) => { setCount(c); setMsg(null); }} />
        {count.ok ? <Difference t={t} lang={lang} expected={shift.expectedCash} counted={count.minor} currency={shift.currency} /> : null}
        {msg ? <p class="error" role="alert" id="shift-close-error">{msg}</p> : null}
        <button type="button" class="primary" id="close-shift" disabled={busy || !count.ok} onClick={() => void close(shift)}>
          {t('closeConfirm', { amount: count.ok ? formatAmount(lang, count.minor, shift.currency) : '—' })}
        </button>
      </section>
    </div>
  );
}
