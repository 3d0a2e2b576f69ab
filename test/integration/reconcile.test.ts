import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tradeNo, waitFinal } from '../helpers/flows.ts';
import { Reconciler } from '../../src/reconcile/run.ts';
import { settingsFrom, walletDate, addDays } from '../../src/reconcile/settings.ts';
import { checkLedger } from '../../src/store/ledger-repo.ts';
import type { BillAnomaly } from '../../src/channels/emulator-faults.ts';
import type { ReconcileRunRow } from '../../src/store/schema.ts';

/**
 * Reconciliation against every wallet's emulator: the day's payments and a refund taken through the real
 * adapters, the bill downloaded through them, then each planted anomaly found exactly, repairs moving the
 * ledger by new entries so that the ledger check still passes.
 */
const CODES: Record<string, string> = { alipay: '2512345678901234500', wechat: '134567890123456700', unionpay: '6212345678901234500', qq: '911234567890123400' };
const SYSTEM = { kind: 'system' as const, id: 'test' };

describe('reconciliation with each wallet\'s bill', () => {
  let s: TestServer;
  let exact: Reconciler;
  let pooling: Reconciler;
  const today = walletDate('alipay', new Date());

  before(async () => {
    s = await startServer({ walletEmulators: true });
    await s.rt.walletEmulators!.enroll(s.rt.channelAccounts, s.demo.merchantId);
    // No edge: a trade missing from the bill is missing. A half-day edge: every missing trade waits in the pool.
    exact = new Reconciler(s.rt, settingsFrom({}, { edgeMinutes: 0 }));
    pooling = new Reconciler(s.rt, settingsFrom({}, { edgeMinutes: 720, holdDays: 2 }));
    for (const wallet of Object.keys(CODES)) {
      const ids: string[] = [];
      for (const amount of [1250, 2000, 3300]) {
        const r = await s.terminal('POST', '/v1/payments', { outTradeNo: tradeNo(`RC${wallet.slice(0, 2).toUpperCase()}`), amount, currency: 'CNY', method: 'payment_code', authCode: CODES[wallet] });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        assert.equal((await waitFinal(s, r.body.id)).state, 'succeeded');
        ids.push(r.body.id);
      }
      const refund = await s.signed('POST', `/v1/payments/${ids[2]}/refunds`, { amount: 300 });
      assert.ok(refund.status === 201 || refund.status === 200, JSON.stringify(refund.body));
    }
    // Refunds settle in the background; wait until every one has.
    for (let i = 0; i < 200; i++) {
      const pending = await s.rt.store.db.selectFrom('refunds').select('id').where('state', '!=', 'succeeded').execute();
      if (pending.length === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  after(async () => {
    for (const w of ['alipay', 'wechat', 'unionpay', 'qq'] as const) s?.rt.walletEmulators?.[w].faults.reset();
    await s?.close();
  });

  const emulator = (wallet: string) => s.rt.walletEmulators![wallet as 'alipay'];
  const plant = (wallet: string, billAnomaly: BillAnomaly) => emulator(wallet).faults.set({ billAnomaly });
  const run = (r: Reconciler, wallet: string, day = today) => r.run({ merchantId: s.demo.merchantId, channel: wallet, day, source: { kind: 'download' }, actor: SYSTEM });
  const summary = (row: ReconcileRunRow) => JSON.parse(row.summary!) as { matched: number; open: Record<string, number>; openCount: number; holding: number; wallet: { lines: number }; saoma: { payments: number } };
  const suspense = async () => {
    const r = await s.rt.store.db.selectFrom('postings').select((eb) => eb.fn.sum<number>('amount').as('s')).where('account', '=', `suspense:${s.demo.merchantId}`).executeTakeFirst();
    return Number(r?.s ?? 0);
  };

  for (const wallet of Object.keys(CODES)) {
    test(`${wallet}: the clean bill matches every line; each planted anomaly is found exactly; a re-run gives the same result`, async () => {
      plant(wallet, 'none');
      const clean = summary(await run(exact, wallet));
      assert.equal(clean.openCount, 0, JSON.stringify(clean));
      assert.equal(clean.wallet.lines, 4, 'three payments and a refund');
      assert.equal(clean.matched, 4);
      const expected: Array<[BillAnomaly, string]> = [['missing', 'saoma_only'], ['extra', 'wallet_only'], ['amount', 'amount'], ['fee', 'fee']];
      for (const [anomaly, type] of expected) {
        plant(wallet, anomaly);
        const first = await run(exact, wallet);
        assert.deepEqual(summary(first).open, { [type]: 1 }, `${anomaly} → ${type}`);
        const ids = await s.rt.store.db.selectFrom('reconcile_mismatches').select(['id', 'delta']).where('channel', '=', wallet).where('state', '=', 'open').execute();
        assert.equal(ids.length, 1);
        assert.notEqual(Number(ids[0]!.delta), 0, 'the difference is held in suspense');
        const again = await run(exact, wallet);
        assert.deepEqual(summary(again).open, { [type]: 1 }, 'same result on a re-run');
        const still = await s.rt.store.db.selectFrom('reconcile_mismatches').select('id').where('channel', '=', wallet).where('state', '=', 'open').execute();
        assert.deepEqual(still.map((x) => x.id), ids.map((x) => x.id), 'the same record, not a second one');
      }
      plant(wallet, 'truncated');
      await assert.rejects(run(exact, wallet), (e: { code?: string }) => e.code === 'bill_unreadable', 'a cut-short bill is refused, not half-read');
      // The day as booked again: every earlier mismatch cleared and its hold released.
      plant(wallet, 'none');
      assert.equal(summary(await run(exact, wallet)).openCount, 0);
      assert.equal(await suspense(), 0, 'suspense is empty once nothing is open');
      assert.equal((await checkLedger(s.rt.store)).ok, true);
    });
  }

  test('a trade missing for longer than the holding days becomes 短款 (saoma_only), held in suspense', async () => {
    plant('wechat', 'missing');
    const day = summary(await run(pooling, 'wechat'));
    assert.equal(day.holding, 1);
    assert.equal(day.openCount, 0);
    plant('wechat', 'none');
    // Two days on, the wallet's bill of that day (empty) ends the wait.
    emulator('wechat').faults.set({ billAnomaly: 'missing' });
    await run(pooling, 'wechat', addDays(today, 2));
    const open = await s.rt.store.db.selectFrom('reconcile_mismatches').selectAll().where('channel', '=', 'wechat').where('state', '=', 'open').execute();
    assert.equal(open.length, 1);
    assert.equal(open[0]!.type, 'saoma_only');
    assert.ok(Number(open[0]!.delta) < 0, '短款: the wallet holds less than our books');
    assert.equal(await suspense(), -Number(open[0]!.delta));
    plant('wechat', 'none');
    await run(pooling, 'wechat');
    assert.equal(await suspense(), 0, 'listed again: cleared and released');
  });

  for (const wallet of Object.keys(CODES)) {
    test(`${wallet}: a trade across midnight waits in the holding pool and is matched from the next day's bill, with no alarm`, async () => {
      plant(wallet, 'midnight');
      const tonight = summary(await run(pooling, wallet));
      assert.equal(tonight.openCount, 0, JSON.stringify(tonight));
      assert.equal(tonight.holding, 1, 'the first trade waits in the pool');
      const tomorrow = summary(await run(pooling, wallet, addDays(today, 1)));
      assert.equal(tomorrow.openCount, 0, JSON.stringify(tomorrow));
      assert.equal(tomorrow.matched, 1, 'the trade is on the next day\'s bill');
      const waiting = await s.rt.store.db.selectFrom('reconcile_mismatches').select('id').where('channel', '=', wallet).where('state', 'in', ['holding', 'open']).execute();
      assert.equal(waiting.length, 0, 'the pooled trade was settled by the next bill');
      assert.equal(summary(await run(pooling, wallet)).holding, 0, 'a re-run of the day knows it is listed on the next one');
      plant(wallet, 'none');
    });
  }

  test('repairs: trust the wallet adjusts the merchant\'s payable, trust Saoma releases; both audited, the ledger check passes', async () => {
    const merchantId = s.demo.merchantId;
    plant('alipay', 'amount');
    await run(exact, 'alipay');
    const amount = await s.rt.store.db.selectFrom('reconcile_mismatches').selectAll().where('channel', '=', 'alipay').where('state', '=', 'open').executeTakeFirstOrThrow();
    const r1 = await s.signed('POST', `/v1/reconciliations/mismatches/${amount.id}/resolve`, { side: 'wallet', reason: 'Alipay support confirmed the amount', evidence: 'ticket 42' });
    assert.equal(r1.status, 200, JSON.stringify(r1.body));
    assert.equal(r1.body.state, 'resolved');
    assert.equal(r1.body.resolution.action, 'adjust');
    const again = await s.signed('POST', `/v1/reconciliations/mismatches/${amount.id}/resolve`, { side: 'saoma', reason: 'twice' });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'mismatch_closed');
    const adjust = await s.rt.store.db.selectFrom('journals').select('id').where('kind', '=', 'recon_adjust').where('ref', '=', amount.id).execute();
    assert.equal(adjust.length, 1, 'one adjusting entry');
    plant('alipay', 'extra');
    await run(exact, 'alipay');
    const extra = await s.rt.store.db.selectFrom('reconcile_mismatches').selectAll().where('channel', '=', 'alipay').where('type', '=', 'wallet_only').where('state', '=', 'open').executeTakeFirstOrThrow();
    const r2 = await s.signed('POST', `/v1/reconciliations/mismatches/${extra.id}/resolve`, { side: 'saoma', reason: 'not a trade of this shop' });
    assert.equal(r2.status, 200, JSON.stringify(r2.body));
    assert.equal(r2.body.resolution.action, 'release');
    plant('alipay', 'none');
    const audit = await s.rt.store.db.selectFrom('audit_log').select(['action', 'target', 'after']).where('action', '=', 'reconciliation.resolve').execute();
    assert.deepEqual(audit.map((a) => a.target).sort(), [amount.id, extra.id].sort());
    assert.match(audit.find((a) => a.target === amount.id)!.after!, /ticket 42/);
    assert.equal((await s.rt.audit.verify(merchantId)).ok, true);
    const ledger = await checkLedger(s.rt.store);
    assert.equal(ledger.ok, true, JSON.stringify(ledger));
  });

  test('the wallet took money for a trade our books call closed: 长款 (not_paid_in_saoma), a late payment', async () => {
    const r = await s.terminal('POST', '/v1/payments', { outTradeNo: tradeNo('LATE'), amount: 1680, currency: 'CNY', method: 'dynamic_qr', channel: 'qq' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const cancel = await s.terminal('POST', `/v1/payments/${r.body.id}/cancel`, {});
    assert.ok(cancel.status < 300, JSON.stringify(cancel.body));
    const closed = await waitFinal(s, r.body.id);
    assert.notEqual(closed.state, 'succeeded');
    // The wallet's books say the customer paid it.
    const qq = s.rt.walletEmulators!.qq;
    qq.history.add(qq.merchants.values().next().value!.mchId, [{ kind: 'payment', outTradeNo: r.body.outTradeNo, channelTradeNo: '1900000199LATE', amount: 1680, fee: 10, at: new Date().toISOString() }]);
    const sum = summary(await run(exact, 'qq'));
    assert.deepEqual(sum.open, { not_paid_in_saoma: 1 });
    const m = await s.rt.store.db.selectFrom('reconcile_mismatches').selectAll().where('type', '=', 'not_paid_in_saoma').executeTakeFirstOrThrow();
    assert.equal(m.payment_id, r.body.id);
    assert.equal(Number(m.delta), 1680, 'the money the wallet holds for us, in suspense until a person decides');
    const alerts = await s.rt.store.db.selectFrom('alerts').select(['kind', 'state']).where('kind', '=', 'reconcile.mismatch').execute();
    assert.ok(alerts.length >= 1, 'a person is told');
    assert.equal((await checkLedger(s.rt.store)).ok, true);
  });
});
