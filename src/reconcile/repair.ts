import { SaomaError } from '../core/errors.ts';
import type { Runtime } from '../runtime.ts';
import { nowIso } from '../store/db.ts';
import type { ReconcileMismatchRow } from '../store/schema.ts';
import { postJournal } from '../store/ledger-repo.ts';
import { adjustEntry, releaseEntry } from './entries.ts';
import type { Actor } from './types.ts';

export type Side = 'wallet' | 'saoma';

export interface Resolution { side: Side; action: 'complete' | 'adjust' | 'release'; reason: string; evidence: string | null; actor: Actor; at: string }

/**
 * What "trust the wallet" does to each type: a trade the wallet took that our books call unpaid is
 * completed through the payment core's late-success path (the payment is booked as the core books every
 * payment); every other difference is adjusted onto the merchant's payable. "Trust Saoma" releases the
 * hold: our books stand. Pure, so the table is tested on its own.
 */
export function repairAction(type: string, side: Side): Resolution['action'] {
  if (side === 'saoma') return 'release';
  return type === 'not_paid_in_saoma' ? 'complete' : 'adjust';
}

/**
 * The payment core's late-success path (issue 10): the wallet's bill says the trade was paid, our books
 * say it was not. The core books it (its own transaction and ledger entry, its late-payment rule:
 * refund automatically or keep for review). Until the core branch brings that path, this refuses.
 */
export async function completeLatePayment(_rt: Runtime, m: ReconcileMismatchRow): Promise<void> {
  throw new SaomaError('repair_unavailable', `Payment ${m.payment_id ?? m.trade_no} cannot be completed from the bill in this build: the payment core's late-payment path is not here yet. Trust Saoma (release) or wait for the upgrade.`);
}

/** Repair one open mismatch: new ledger entries only, audited in the same transaction (who, when, why, evidence). */
export async function resolveMismatch(rt: Runtime, req: { merchantId: string; id: string; side: Side; reason: string; evidence: string | null; actor: Actor; ip?: string | null }): Promise<ReconcileMismatchRow> {
  const m = await rt.store.db.selectFrom('reconcile_mismatches').selectAll().where('id', '=', req.id).where('merchant_id', '=', req.merchantId).executeTakeFirst();
  if (!m) throw new SaomaError('not_found', `No mismatch ${req.id}.`);
  if (m.state !== 'open') throw new SaomaError('mismatch_closed', `Mismatch ${m.id} is ${m.state}; only open mismatches are repaired.`, { state: m.state });
  const action = repairAction(m.type, req.side);
  if (action === 'complete') await completeLatePayment(rt, m);
  const at = nowIso();
  const resolution: Resolution = { side: req.side, action, reason: req.reason, evidence: req.evidence, actor: req.actor, at };
  return rt.store.write(async (tx) => {
    const r = await tx.updateTable('reconcile_mismatches').set({ state: 'resolved', resolution: JSON.stringify(resolution), updated_at: at })
      .where('id', '=', m.id).where('state', '=', 'open').executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new SaomaError('mismatch_closed', `Mismatch ${m.id} was repaired or cleared meanwhile.`);
    const held = { id: m.id, merchantId: m.merchant_id, channel: m.channel, delta: Number(m.delta), currency: m.currency };
    if (m.held) await postJournal(tx, action === 'adjust' ? adjustEntry(held) : releaseEntry(held), at);
    await rt.audit.append(tx, {
      merchantId: m.merchant_id, actor: req.actor, action: 'reconciliation.resolve', target: m.id, ip: req.ip ?? null,
      before: { state: m.state, type: m.type, delta: Number(m.delta), tradeNo: m.trade_no, refundNo: m.refund_no },
      after: { state: 'resolved', side: req.side, action, reason: req.reason, evidence: req.evidence }, at,
    });
    return { ...m, state: 'resolved', resolution: JSON.stringify(resolution), updated_at: at };
  });
}
