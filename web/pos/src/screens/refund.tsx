import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, call, randomId, type Client, type Session, type TerminalInfo } from '../api.ts';
import { formatAmount, type Key, type Lang } from '../i18n.ts';
import { K_TOKEN, load } from '../local.ts';
import type { T } from '../t.ts';
import { FINAL_REFUND, checkRefund, refundable, type OfficeSale, type Refund } from './office-data.ts';
import { tenderState, walletName } from './office-words.ts';

/** One refund as sent: its key and body never change across retries, so a lost answer cannot refund twice. */
interface Attempt { paymentId: string; key: string; body: { amount: number; outRefundNo: string; reason: string } }

const REASONS: Key[] = ['reasonReturned', 'reasonWrongAmount', 'reasonDuplicate', 'reasonOther'];
const APPROVERS = ['supervisor', 'manager'];

/** Minor units as the cashier types them: 1250 → "12.50". */
function typed(minor: number): string {
  const fen = minor % 100;
  return `${Math.floor(minor / 100)}.${fen < 10 ? '0' : ''}${fen}`;
}

/**
 * A refund approved on the spot: pick the tender and the amount, a reason, then a supervisor's PIN.
 * The supervisor is logged in with the terminal's token just for this refund; the cashier's own
 * session never refunds (the server refuses it too).
 */
export function RefundForm({ t, lang, client, terminal, sale, refunds, terminalToken, onChanged, onBack }: {
  t: T; lang: Lang; client: Client; terminal: TerminalInfo; sale: OfficeSale; refunds: readonly Refund[];
  terminalToken?: string | null; onChanged(): void; onBack(): void;
}) {
  const tenders = sale.payments.filter((p) => refundable(p, refunds, p.id) > 0);
  const approvers = terminal.operators.filter((o) => APPROVERS.indexOf(o.role) >= 0);
  const [paymentId, setPaymentId] = useState(tenders[0] ? tenders[0].id : '');
  const tender = sale.payments.filter((p) => p.id === paymentId)[0];
  const left = tender ? refundable(tender, refunds, tender.id) : 0;
  const [amount, setAmount] = useState(left ? typed(left) : '');
  const [reason, setReason] = useState<Key>('reasonReturned');
  const [approver, setApprover] = useState(approvers[0] ? approvers[0].id : '');
  const [pin, setPin] = useState('');
  const [msg, setMsg] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [refund, setRefund] = useState<Refund | null>(null);
  const [approvedBy, setApprovedBy] = useState<string | null>(null);
  const attempt = useRef<Attempt | null>(null);
  const [locked, setLocked] = useState(false);
  const alive = useRef(true);
  useEffect(() => () => { alive.current = false; }, []);

  // Follow a refund the wallet has not settled yet until it is final (with the cashier's read access).
  useEffect(() => {
    if (!refund || FINAL_REFUND.indexOf(refund.state) >= 0) return;
    const timer = setTimeout(() => {
      call<Refund>(client, 'GET', `/v1/refunds/${encodeURIComponent(refund.id)}`)
        .then((r) => { if (alive.current) { setRefund(r); if (FINAL_REFUND.indexOf(r.state) >= 0) onChanged(); } })
        .catch(() => { if (alive.current) setRefund({ ...refund }); });
    }, 1500);
    return () => clearTimeout(timer);
  }, [refund]);

  const pick = (id: string) => {
    setPaymentId(id);
    const p = sale.payments.filter((x) => x.id === id)[0];
    const l = p ? refundable(p, refunds, p.id) : 0;
    setAmount(l ? typed(l) : '');
    setMsg(null);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!tender) { setMsg(t('refundNone')); return; }
    let a = attempt.current;
    if (!a) {
      const c = checkRefund(amount, left);
      if (!c.ok) { setMsg(t(c.reason, { left: formatAmount(lang, left, tender.currency) })); return; }
      a = { paymentId: tender.id, key: randomId('rfd-'), body: { amount: c.minor, outRefundNo: randomId('RFD'), reason: t(reason) } };
    }
    if (!approver) { setMsg(t('noSupervisor')); return; }
    if (!pin) { setMsg(t('pinRequired')); return; }
    const token = terminalToken !== undefined ? terminalToken : load(K_TOKEN);
    if (!token) { setMsg(t('networkError')); return; }
    setBusy(true);
    setMsg(null);
    let session: Session | null = null;
    try {
      session = await call<Session>({ token, lang: client.lang }, 'POST', '/v1/operators/login', { operatorId: approver, pin });
    } catch (err) {
      setPin('');
      setBusy(false);
      setMsg(err instanceof ApiError ? err.message : t('networkError'));
      return;
    }
    setPin('');
    attempt.current = a;
    setLocked(true);
    try {
      const r = await call<Refund>({ token: session.token, lang: client.lang }, 'POST', `/v1/payments/${encodeURIComponent(a.paymentId)}/refunds`, a.body, { 'idempotency-key': a.key });
      attempt.current = null;
      setApprovedBy(session.operator.name);
      setRefund(r);
      onChanged();
    } catch (err) {
      if (err instanceof ApiError && err.code !== 'idempotency_in_progress' && err.status !== 429) {
        // A definite no: nothing was refunded, so the next try is a new refund.
        attempt.current = null;
        setLocked(false);
        setMsg(err.message);
      } else setMsg(err instanceof ApiError ? err.message : t('refundUnknownOutcome'));
    } finally {
      // The supervisor's session served this one refund: ended at the server, kept nowhere.
      if (session) void call({ token: session.token, lang: client.lang }, 'POST', '/v1/operators/logout').catch(() => undefined);
      session = null;
      setBusy(false);
    }
  };

  if (refund) {
    const final = FINAL_REFUND.indexOf(refund.state) >= 0;
    const cur = refund.currency;
    const words = refund.state === 'succeeded' ? t('refundSucceeded', { amount: formatAmount(lang, refund.amount, cur) })
      : refund.state === 'failed' ? t('refundFailed') : t('refundPending');
    return (
      <section class={`card office-pane refund-result refund-${refund.state}`} id="refund-result">
        <h2>{t('refundTitle')}</h2>
        <p class="status" id="refund-status" data-state={refund.state} role="status">{words}</p>
        {refund.state === 'failed' && refund.failureMessage ? <p class="muted">{refund.failureMessage}</p> : null}
        {approvedBy ? <p class="muted">{t('refundApproved', { name: approvedBy })}</p> : null}
        {final ? <button type="button" class="primary" id="refund-done" onClick={onBack}>{t('refundDone')}</button> : null}
      </section>
    );
  }

  if (!tenders.length) {
    return (
      <section class="card office-pane" id="refund-form">
        <h2>{t('refundTitle')}</h2>
        <p class="muted">{t('refundNone')}</p>
        <button type="button" onClick={onBack}>{t('cancel')}</button>
      </section>
    );
  }

  return (
    <form class="card office-pane" id="refund-form" onSubmit={submit}>
      <div class="office-head">
        <button type="button" id="refund-back" onClick={onBack} disabled={busy}>{t('cancel')}</button>
        <h2>{t('refundTitle')}</h2>
      </div>
      <fieldset class="choices" disabled={locked}>
        <legend>{t('refundTender')}</legend>
        {tenders.map((p) => (
          <label class={`choice${p.id === paymentId ? ' on' : ''}`} key={p.id}>
            <input type="radio" name="tender" value={p.id} checked={p.id === paymentId} onChange={() => pick(p.id)} />
            <span>{walletName(t, p.channel)} · {formatAmount(lang, p.amount, p.currency)} · {tenderState(t, p.state)}</span>
            <small class="muted">{t('refundLeft', { amount: formatAmount(lang, refundable(p, refunds, p.id), p.currency) })}</small>
          </label>
        ))}
      </fieldset>
      <div class="two">
        <label>{t('refundAmount')}
          <span class="inline">
            <input name="refund-amount" inputMode="decimal" autoComplete="off" value={amount} disabled={locked}
              onInput={(e) => { setAmount((e.target as HTMLInputElement).value); setMsg(null); }} />
            <button type="button" disabled={locked} onClick={() => { setAmount(typed(left)); setMsg(null); }}>{t('refundFull')}</button>
          </span>
        </label>
        <label>{t('refundReason')}
          <select name="reason" value={reason} disabled={locked} onChange={(e) => setReason((e.target as HTMLSelectElement).value as Key)}>
            {REASONS.map((k) => <option key={k} value={k}>{t(k)}</option>)}
          </select>
        </label>
      </div>
      {approvers.length ? (
        <div class="two">
          <label>{t('refundSupervisor')}
            <select name="supervisor" value={approver} onChange={(e) => setApprover((e.target as HTMLSelectElement).value)}>
              {approvers.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
            </select>
          </label>
          <label>{t('supervisorPin')}
            <input name="supervisor-pin" type="password" inputMode="numeric" autoComplete="off" value={pin} onInput={(e) => setPin((e.target as HTMLInputElement).value)} />
          </label>
        </div>
      ) : null}
      <p class="muted small">{approvers.length ? t('supervisorHelp') : t('noSupervisor')}</p>
      {msg ? <p class="error" role="alert" id="refund-error">{msg}</p> : null}
      <button type="submit" class="primary" id="refund-submit" disabled={busy || !approvers.length}>
        {busy ? t('refundSending') : locked ? t('refundRetry') : t('refundSubmit', { amount: (() => { const c = checkRefund(amount, left); return c.ok ? formatAmount(lang, c.minor, tender ? tender.currency : 'CNY') : '—'; })() })}
      </button>
    </form>
  );
}
