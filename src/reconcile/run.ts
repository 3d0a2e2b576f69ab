import { SaomaError } from '../core/errors.ts';
import type { StatementLine } from '../channels/channel.ts';
import { ChannelRegistry } from '../channels/registry.ts';
import type { Runtime } from '../runtime.ts';
import { nowIso, type Tx } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import type { ReconcileMismatchRow, ReconcileRunRow } from '../store/schema.ts';
import { postJournal } from '../store/ledger-repo.ts';
import { raiseAlert } from '../alerts/raise.ts';
import { billLines, hasBillFormat } from './bill-file.ts';
import { linesWithOurs, unlisted } from './books.ts';
import { holdEntry, releaseEntry } from './entries.ts';
import { judgePayment, judgeRefund, judgeUnlisted, type Finding } from './judge.ts';
import { deleteLines, insertLines } from './lines-repo.ts';
import { walletDay, type ReconcileSettings } from './settings.ts';
import type { Actor, RunSource, RunSummary } from './types.ts';

const CHUNK = 50_000;
const LEASE_MS = 10 * 60_000;

interface Found extends Finding { itemKind: 'payment' | 'refund'; tradeNo: string; refundNo: string | null; lineSeq: number | null; currency: string; state: 'open' | 'holding' }
const keyOf = (f: { itemKind: string; tradeNo: string; refundNo: string | null; type: string }) => `${f.itemKind}|${f.itemKind === 'refund' ? f.refundNo : f.tradeNo}|${f.type}`;
const rowKey = (m: ReconcileMismatchRow) => keyOf({ itemKind: m.item_kind, tradeNo: m.trade_no, refundNo: m.refund_no, type: m.type });

/**
 * One reconciliation: a merchant's wallet account, one wallet day, one bill (downloaded through the
 * adapter, or a file the merchant uploaded: read the same way after that). Runs under a lease on the
 * run's row, so one instance at a time runs a given day; re-running the day replaces its lines and
 * judges again, keeping the mismatches that are still there and clearing the ones that are not.
 */
export class Reconciler {
  private readonly rt: Runtime;
  readonly settings: ReconcileSettings;
  private readonly channels: ChannelRegistry;

  constructor(rt: Runtime, settings: ReconcileSettings) {
    this.rt = rt;
    this.settings = settings;
    this.channels = new ChannelRegistry(rt.channelAccounts, rt.config);
  }

  async run(req: { merchantId: string; channel: string; day: string; source: RunSource; actor: Actor; ip?: string | undefined; onLines?: (n: number) => void }): Promise<ReconcileRunRow> {
    if (!hasBillFormat(req.channel)) throw new SaomaError('no_bill_for_channel', `${req.channel} has no bill to reconcile with; bills are read for alipay, wechat, unionpay and qq.`);
    const run = await this.claim(req.merchantId, req.channel, req.day, req.source);
    try {
      const lines = req.source.kind === 'file' ? billLines(req.channel, req.source.bytes) : [await this.download(req.merchantId, req.channel, req.day)];
      const wallet = await this.load(run, lines, req.onLines);
      return await this.judge(run, wallet, req.actor, req.ip);
    } catch (e) {
      await this.rt.store.write((tx) => tx.updateTable('reconcile_runs').set({ state: 'failed', error: (e as Error).message, lease_until: null, updated_at: nowIso() })
        .where('id', '=', run.id).where('attempts', '=', run.attempts).execute());
      throw e;
    }
  }

  /** The run's row for the day, taken for this instance; refused while another instance holds it. */
  private async claim(merchantId: string, channel: string, day: string, source: RunSource): Promise<ReconcileRunRow> {
    const at = nowIso();
    const lease = new Date(Date.now() + LEASE_MS).toISOString();
    return this.rt.store.write(async (tx) => {
      await tx.insertInto('reconcile_runs').values({
        id: newId('rcn'), merchant_id: merchantId, channel, day, state: 'new', source: source.kind, file_name: source.kind === 'file' ? source.name : null,
        attempts: 0, lease_until: null, error: null, summary: null, started_at: null, finished_at: null, created_at: at, updated_at: at,
      }).onConflict((oc) => oc.columns(['merchant_id', 'channel', 'day']).doNothing()).execute();
      const row = await tx.selectFrom('reconcile_runs').selectAll().where('merchant_id', '=', merchantId).where('channel', '=', channel).where('day', '=', day).executeTakeFirstOrThrow();
      const taken = await tx.updateTable('reconcile_runs')
        .set({ state: 'running', lease_until: lease, attempts: row.attempts + 1, source: source.kind, file_name: source.kind === 'file' ? source.name : null, error: null, started_at: at, updated_at: at })
        .where('id', '=', row.id).where('attempts', '=', row.attempts)
        .where((eb) => eb.or([eb('state', '!=', 'running'), eb('lease_until', '<', at)])).executeTakeFirst();
      if (Number(taken.numUpdatedRows) !== 1) throw new SaomaError('reconcile_running', `The ${channel} reconciliation of ${day} is running now; wait for it, then look again.`);
      return { ...row, state: 'running', lease_until: lease, attempts: row.attempts + 1 };
    });
  }

  private async download(merchantId: string, channel: string, day: string): Promise<StatementLine[]> {
    const adapter = await this.channels.get(merchantId, channel);
    if (!adapter.statement) throw new SaomaError('no_bill_for_channel', `The ${channel} adapter cannot download bills.`);
    try {
      return await adapter.statement({ date: day });
    } catch (e) {
      if (e instanceof SaomaError) throw e;
      throw new SaomaError('bill_unreadable', `The ${channel} bill of ${day} could not be read: ${(e as Error).message}`, { reason: (e as Error).message });
    }
  }

  /** The bill's lines into the run (its old lines gone first), with the bill's own totals. */
  private async load(run: ReconcileRunRow, batches: Iterable<StatementLine[]> | AsyncIterable<StatementLine[]>, onLines?: (n: number) => void): Promise<RunSummary['wallet'] & { currency: string }> {
    await deleteLines(this.rt.store, run.id);
    const t = { payments: 0, paymentAmount: 0, refunds: 0, refundAmount: 0, fees: 0, lines: 0, currency: 'CNY' };
    let chunk: StatementLine[] = [];
    const flush = async () => {
      await insertLines(this.rt.store, run.id, t.lines - chunk.length, chunk);
      chunk = [];
      onLines?.(t.lines);
    };
    for await (const batch of batches) {
      for (const l of batch) {
        t.lines++;
        t.fees += l.fee;
        t.currency = l.currency;
        if (l.kind === 'payment') { t.payments++; t.paymentAmount += l.amount; } else { t.refunds++; t.refundAmount += l.amount; }
        chunk.push(l);
      }
      if (chunk.length >= CHUNK) await flush();
    }
    await flush();
    return t;
  }

  private async judge(run: ReconcileRunRow, wallet: RunSummary['wallet'] & { currency: string }, actor: Actor, ip?: string): Promise<ReconcileRunRow> {
    const store = this.rt.store;
    const bps = this.settings.feeBps[run.channel] ?? 60;
    const day = walletDay(run.channel, run.day);
    const found = new Map<string, Found>();
    let mismatchedLines = 0;
    for await (const page of linesWithOurs(store, { id: run.id, merchantId: run.merchant_id }, bps)) {
      for (const x of page) {
        const fs = x.line.kind === 'payment' ? judgePayment(x.line, x.payment, bps) : judgeRefund(x.line, x.refund, bps);
        if (fs.length) mismatchedLines++;
        for (const f of fs) {
          const m: Found = { ...f, itemKind: x.line.kind, tradeNo: x.line.tradeNo, refundNo: x.line.refundNo, lineSeq: x.seq, currency: x.line.currency, state: 'open' };
          found.set(keyOf(m), m);
        }
      }
    }
    const { items, ours } = await unlisted(store, { merchantId: run.merchant_id, channel: run.channel, ...day });
    for (const u of items) {
      const f = judgeUnlisted(u, day, this.settings.edgeMinutes);
      const m: Found = { ...f, itemKind: u.kind, tradeNo: u.tradeNo, refundNo: u.refundNo, lineSeq: null, currency: u.currency, state: f.pool ? 'holding' : 'open' };
      found.set(keyOf(m), m);
    }
    const at = nowIso();
    const holdUntil = new Date(Date.parse(`${run.day}T00:00:00Z`) + this.settings.holdDays * 86_400_000).toISOString().slice(0, 10);
    return store.write(async (tx) => {
      let cleared = 0;
      // This day's earlier findings: kept when found again, cleared (and released) when not.
      const before = await tx.selectFrom('reconcile_mismatches').selectAll().where('merchant_id', '=', run.merchant_id).where('channel', '=', run.channel)
        .where('day', '=', run.day).where('state', 'in', ['open', 'holding']).execute();
      for (const old of before) {
        const now = found.get(rowKey(old));
        if (now && now.delta === Number(old.delta) && now.state === old.state) {
          found.delete(rowKey(old));
          await tx.updateTable('reconcile_mismatches').set({ run_id: run.id, line_seq: now.lineSeq, updated_at: at }).where('id', '=', old.id).execute();
          continue;
        }
        await this.clear(tx, old, at);
        cleared++;
      }
      // Earlier days' trades missing then and listed on this bill (they crossed midnight) are settled.
      const settled = await tx.selectFrom('reconcile_mismatches as m').selectAll('m').where('m.merchant_id', '=', run.merchant_id).where('m.channel', '=', run.channel)
        .where('m.type', '=', 'saoma_only').where('m.state', 'in', ['open', 'holding']).where('m.day', '!=', run.day)
        .where((eb) => eb.exists(eb.selectFrom('reconcile_lines as l').select('l.seq').where('l.run_id', '=', run.id).whereRef('l.kind', '=', 'm.item_kind')
          .where((e) => e.or([e.and([e('l.kind', '=', 'payment'), e('l.trade_no', '=', e.ref('m.trade_no'))]), e.and([e('l.kind', '=', 'refund'), e('l.refund_no', '=', e.ref('m.refund_no'))])]))))
        .execute();
      for (const s of settled) { await this.clear(tx, s, at); cleared++; }
      for (const f of found.values()) await this.insert(tx, run, f, f.state === 'holding' ? holdUntil : null, at);
      // Trades that waited in the holding pool long enough now count as missing.
      const due = await tx.selectFrom('reconcile_mismatches').selectAll().where('merchant_id', '=', run.merchant_id).where('channel', '=', run.channel)
        .where('state', '=', 'holding').where('hold_until', '<=', run.day).execute();
      for (const d of due) {
        await postJournal(tx, holdEntry({ id: d.id, merchantId: d.merchant_id, channel: d.channel, delta: Number(d.delta), currency: d.currency }), at);
        await tx.updateTable('reconcile_mismatches').set({ state: 'open', held: 1, updated_at: at }).where('id', '=', d.id).execute();
      }
      const open = await tx.selectFrom('reconcile_mismatches').select(['type', (eb) => eb.fn.countAll<number>().as('n')]).where('merchant_id', '=', run.merchant_id)
        .where('channel', '=', run.channel).where('day', '=', run.day).where('state', '=', 'open').groupBy('type').execute();
      const holding = await tx.selectFrom('reconcile_mismatches').select((eb) => eb.fn.countAll<number>().as('n')).where('merchant_id', '=', run.merchant_id)
        .where('channel', '=', run.channel).where('day', '=', run.day).where('state', '=', 'holding').executeTakeFirstOrThrow();
      const openByType = Object.fromEntries(open.map((o) => [o.type, Number(o.n)]));
      const openCount = open.reduce((s, o) => s + Number(o.n), 0);
      const { currency, ...w } = wallet;
      const summary: RunSummary = { wallet: w, saoma: ours, matched: wallet.lines - mismatchedLines, open: openByType, openCount, holding: Number(holding.n), cleared, currency };
      await tx.updateTable('reconcile_runs').set({ state: 'done', summary: JSON.stringify(summary), lease_until: null, finished_at: at, updated_at: at })
        .where('id', '=', run.id).where('attempts', '=', run.attempts).execute();
      if (openCount > 0) {
        await raiseAlert(tx, {
          merchantId: run.merchant_id, kind: 'reconcile.mismatch', severity: 'warning', dedupeKey: `reconcile:${run.merchant_id}:${run.channel}:${run.day}`,
          subject: run.id, detail: { channel: run.channel, day: run.day, open: openByType }, at,
        });
      }
      await this.rt.audit.append(tx, {
        merchantId: run.merchant_id, actor, action: 'reconciliation.run', target: run.id, ip: ip ?? null,
        after: { channel: run.channel, day: run.day, source: run.source, lines: wallet.lines, matched: summary.matched, open: openByType, holding: summary.holding }, at,
      });
      return { ...run, state: 'done', summary: JSON.stringify(summary), finished_at: at, lease_until: null };
    });
  }

  private async insert(tx: Tx, run: ReconcileRunRow, f: Found, holdUntil: string | null, at: string): Promise<void> {
    const id = newId('mis');
    await tx.insertInto('reconcile_mismatches').values({
      id, merchant_id: run.merchant_id, channel: run.channel, day: run.day, run_id: run.id, type: f.type, item_kind: f.itemKind, trade_no: f.tradeNo,
      refund_no: f.refundNo, payment_id: f.paymentId, refund_id: f.refundId, line_seq: f.lineSeq, wallet_amount: f.walletAmount, saoma_amount: f.saomaAmount,
      wallet_fee: f.walletFee, saoma_fee: f.saomaFee, delta: f.delta, currency: f.currency, state: f.state, held: f.state === 'open' && f.delta !== 0 ? 1 : 0,
      hold_until: holdUntil, saoma_state: f.saomaState, resolution: null, created_at: at, updated_at: at,
    }).execute();
    if (f.state === 'open' && f.delta !== 0) await postJournal(tx, holdEntry({ id, merchantId: run.merchant_id, channel: run.channel, delta: f.delta, currency: f.currency }), at);
  }

  /** A mismatch no longer there: closed by the books, its hold (if any) released. */
  async clear(tx: Tx, m: ReconcileMismatchRow, at: string): Promise<void> {
    if (m.held) await postJournal(tx, releaseEntry({ id: m.id, merchantId: m.merchant_id, channel: m.channel, delta: Number(m.delta), currency: m.currency }), at);
    await tx.updateTable('reconcile_mismatches').set({ state: 'cleared', updated_at: at, resolution: JSON.stringify({ by: 'reconciliation', at }) })
      .where('id', '=', m.id).where('state', 'in', ['open', 'holding']).execute();
  }
}
