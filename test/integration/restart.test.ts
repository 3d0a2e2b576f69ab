import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.ts';
import { assertAgrees, assertBooksBalance, charges, loseNotifications, payWithCode, showQr, tradeNo, waitFinal, wallet, walletStatus } from '../helpers/flows.ts';

/**
 * A restart: payments left in flight by a server that stopped before its poller ever ran are picked up
 * by the next server on the same database (and the same sandbox wallet books) and driven to final.
 */
describe('restart resume', () => {
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers.splice(0)) await s.close().catch(() => undefined);
  });

  test('every non-final payment of the stopped server reaches the right final state on the next one', async () => {
    const overrides = { payCodeGiveUpMs: 3000, qrTtlMs: 1500 };
    const first = await startServer(overrides, { worker: false });
    servers.push(first);
    wallet(first).faults = { ...wallet(first).faults, userPayingMs: 1000 };
    // Nothing may reach the first server once it has answered: whatever it learns must come from the next one.
    loseNotifications(wallet(first));

    const made = {
      userPaying: (await payWithCode(first, tradeNo('RS02'), 1020, '02')).body,
      neverConfirms: (await payWithCode(first, tradeNo('RS03'), 1030, '03')).body,
      chargedReplyLost: (await payWithCode(first, tradeNo('RS04'), 1040, '04')).body,
      notCharged: (await payWithCode(first, tradeNo('RS05'), 1050, '05')).body,
      qr: (await showQr(first, tradeNo('RSQR'), 1060)).body,
    };
    assert.equal(made.userPaying.state, 'waiting_customer');
    assert.equal(made.neverConfirms.state, 'waiting_customer');
    assert.equal(made.chargedReplyLost.state, 'unknown');
    assert.equal(made.notCharged.state, 'unknown');
    assert.equal(made.qr.state, 'waiting_customer');

    const ids = Object.values(made).map((p) => p.id as string);
    const before = await first.rt.store.db.selectFrom('payments').select(['id', 'state', 'attempts']).where('id', 'in', ids).execute();
    assert.equal(before.length, ids.length);
    for (const row of before) {
      assert.ok(['waiting_customer', 'unknown'].includes(row.state), `${row.id} is ${row.state} before the restart`);
      assert.equal(row.attempts, 0, 'the poller never ran on the first server');
    }
    await first.close({ keepDatabase: true });
    servers.splice(servers.indexOf(first), 1);

    const second = await startServer(overrides, { database: first.db });
    servers.push(second);
    assert.equal(second.demo.merchantId, first.demo.merchantId, 'same database, same merchant');

    const final = Object.fromEntries(await Promise.all(Object.entries(made).map(async ([k, p]) => [k, await waitFinal(second, p.id)] as const)));
    assert.equal(final.userPaying!.state, 'succeeded');
    assert.equal(final.neverConfirms!.state, 'reversed');
    assert.equal(final.chargedReplyLost!.state, 'succeeded');
    assert.ok(['reversed', 'failed'].includes(final.notCharged!.state), final.notCharged!.state);
    assert.equal(final.qr!.state, 'closed');

    assert.equal(walletStatus(second, made.neverConfirms.outTradeNo), 'REVERSED');
    assert.equal(walletStatus(second, made.qr.outTradeNo), 'CLOSED');
    assert.equal(charges(second, made.userPaying.outTradeNo).times_charged, 1);
    assert.equal(charges(second, made.chargedReplyLost.outTradeNo).times_charged, 1);
    for (const p of Object.values(final)) await assertAgrees(second, p);
    await assertBooksBalance(second);
  });
});
