import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { feeAt, judgePayment, judgeRefund, judgeUnlisted, type BillLineIn, type OurPayment } from '../../src/reconcile/judge.ts';
import { adjustEntry, holdEntry, releaseEntry } from '../../src/reconcile/entries.ts';
import { repairAction } from '../../src/reconcile/repair.ts';
import { readyAt, settingsFrom, walletDay } from '../../src/reconcile/settings.ts';

const line = (over: Partial<BillLineIn> = {}): BillLineIn => ({ kind: 'payment', tradeNo: 'T1', refundNo: null, amount: 1000, fee: 6, currency: 'CNY', ...over });
const paid = (over: Partial<OurPayment> = {}): OurPayment => ({ id: 'pay_1', state: 'succeeded', amount: 1000, currency: 'CNY', reversalListed: false, ...over });

describe('reconciliation decisions', () => {
  test('fees at a rate round half up in whole fen, and give back on refunds', () => {
    assert.deepEqual([feeAt(1000, 60), feeAt(83, 60), feeAt(84, 60), feeAt(8888, 60), feeAt(-888, 60), feeAt(1250, 38)], [6, 0, 1, 53, -5, 5]);
  });

  test('a payment line against our payment: each difference is its own finding with the signed delta', () => {
    const cases: Array<[string, BillLineIn, OurPayment | null, Array<[string, number]>]> = [
      ['same', line(), paid(), []],
      ['not ours at all (长款)', line(), null, [['wallet_only', 1000]]],
      ['closed here, paid there (长款, late)', line(), paid({ state: 'closed' }), [['not_paid_in_saoma', 1000]]],
      ['reversed here and the reversal is listed', line(), paid({ state: 'reversed', reversalListed: true }), []],
      ['reversed here, no reversal on the bill', line(), paid({ state: 'reversed' }), [['not_paid_in_saoma', 1000]]],
      ['the wallet says more', line({ amount: 1001 }), paid(), [['amount', 1]]],
      ['the wallet says less', line({ amount: 900, fee: 5 }), paid(), [['amount', -100], ['fee', 1]]],
      ['the wallet took more fee', line({ fee: 11 }), paid(), [['fee', -5]]],
    ];
    for (const [name, l, ours, want] of cases) assert.deepEqual(judgePayment(l, ours, 60).map((f) => [f.type, f.delta]), want, name);
  });

  test('a refund line: matched by our refund number, a reversal by the reversed payment', () => {
    const r = line({ kind: 'refund', refundNo: 'R1', amount: 300, fee: -2 });
    const ok = { refund: { id: 'rfd_1', state: 'succeeded', amount: 300, paymentId: 'pay_1' }, payment: { id: 'pay_1', state: 'succeeded' } };
    assert.deepEqual(judgeRefund(r, ok, 60), []);
    assert.deepEqual(judgeRefund(r, { ...ok, refund: { ...ok.refund, state: 'failed' } }, 60).map((f) => [f.type, f.delta]), [['status', -300]]);
    assert.deepEqual(judgeRefund(r, { refund: null, payment: { id: 'pay_1', state: 'reversed' } }, 60), []);
    assert.deepEqual(judgeRefund(r, { refund: null, payment: null }, 60).map((f) => [f.type, f.delta]), [['wallet_only', -300]]);
    assert.deepEqual(judgeRefund({ ...r, amount: 200 }, ok, 60).map((f) => [f.type, f.delta]), [['amount', 100]], 'the wallet gave back less: it holds more');
  });

  test('ours and not on the bill: 短款, unless it sits within the edge of the day (then the holding pool)', () => {
    const day = walletDay('wechat', '2026-12-01');
    assert.equal(day.from, '2026-11-30T16:00:00.000Z');
    const item = (at: string) => judgeUnlisted({ kind: 'payment', id: 'pay_1', paymentId: 'pay_1', amount: 1000, at, state: 'succeeded' }, day, 30);
    assert.deepEqual([item('2026-12-01T04:00:00.000Z').pool, item('2026-12-01T15:45:00.000Z').pool, item('2026-11-30T16:10:00.000Z').pool], [false, true, true]);
    assert.equal(item('2026-12-01T04:00:00.000Z').delta, -1000);
    assert.equal(judgeUnlisted({ kind: 'refund', id: 'rfd_1', paymentId: 'pay_1', amount: 300, at: '2026-12-01T04:00:00.000Z', state: 'succeeded' }, day, 0).delta, 300);
  });

  test('holding, releasing and adjusting are balanced entries that empty suspense again', () => {
    const m = { id: 'mis_1', merchantId: 'm', channel: 'alipay', delta: -1000, currency: 'CNY' };
    const sum = (acc: string, ...es: ReturnType<typeof holdEntry>[]) => es.flatMap((e) => e.postings).filter((p) => p.account === acc).reduce((s, p) => s + p.amount, 0);
    assert.equal(sum('suspense:m', holdEntry(m), releaseEntry(m)), 0);
    assert.equal(sum('suspense:m', holdEntry(m), adjustEntry(m)), 0);
    assert.equal(sum('merchant_payable:m', holdEntry(m), adjustEntry(m)), 1000, '短款 trusted to the wallet: the merchant is owed less');
    assert.equal(sum('channel_clearing:alipay', holdEntry(m), releaseEntry(m)), 0);
    assert.deepEqual([holdEntry(m).kind, releaseEntry(m).kind, adjustEntry(m).kind], ['recon_hold', 'recon_release', 'recon_adjust']);
  });

  test('repairs: trust the wallet completes a late payment, adjusts anything else; trust Saoma releases', () => {
    assert.equal(repairAction('not_paid_in_saoma', 'wallet'), 'complete');
    for (const t of ['wallet_only', 'saoma_only', 'amount', 'fee', 'status']) assert.equal(repairAction(t, 'wallet'), 'adjust', t);
    for (const t of ['wallet_only', 'not_paid_in_saoma', 'saoma_only']) assert.equal(repairAction(t, 'saoma'), 'release', t);
  });

  test('the bill is fetched at the ready hour of the wallet\'s next day; settings come from the environment and are checked', () => {
    const s = settingsFrom({ SAOMA_RECONCILE_READY_HOUR: '9', SAOMA_WALLET_FEE_BPS: 'alipay:55,unionpay:30' } as NodeJS.ProcessEnv);
    assert.equal(readyAt('wechat', '2026-12-01', s).toISOString(), '2026-12-02T01:00:00.000Z', '09:00 Beijing');
    assert.deepEqual([s.feeBps.alipay, s.feeBps.unionpay, s.feeBps.wechat], [55, 30, 60]);
    assert.throws(() => settingsFrom({ SAOMA_RECONCILE_READY_HOUR: '25' } as NodeJS.ProcessEnv), /0–23/);
    assert.throws(() => settingsFrom({ SAOMA_WALLET_FEE_BPS: 'alipay=60' } as NodeJS.ProcessEnv), /wallet:bps/);
  });
});
