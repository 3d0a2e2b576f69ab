import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  answerKind, headline, lineView, nextStep, planLine, removeCheck, totals, unsynced,
  type LineRecord, type SaleRecord,
} from '../../web/pos/src/tender-rules.ts';
import { addItem, cartTotal, parseQuickItems, stepItem } from '../../web/pos/src/cart.ts';
import { displayState } from '../../web/pos/src/sale-display.ts';
import type { Payment, PaymentState } from '../../web/pos/src/api.ts';

/** The terminal's tender rules and outbox decisions (web/pos/src/tender-rules.ts), without a browser. */
const sale = (over: Partial<SaleRecord> = {}): SaleRecord => ({
  key: 'sale-1', at: 1, amount: 10000, currency: 'CNY', items: [], saleId: 'sale_abc', refused: null, state: 'open', paid: 0, change: 0, closed: false, ...over,
});
let n = 0;
function line(method: LineRecord['body']['method'], amount: number, state: PaymentState | null, over: Partial<LineRecord> = {}): LineRecord {
  n++;
  const payment: Payment | null = state === null ? null : {
    id: `pay_${n}`, outTradeNo: `POS${n}`, method, channel: method === 'cash' ? 'cash' : 'wechat', amount, currency: 'CNY', state,
    qrCode: method === 'dynamic_qr' ? 'weixin://wxpay/bizpayurl?pr=x' : null, expiresAt: null, failureCode: null, failureMessage: null,
    saleId: 'sale_abc', tendered: null, change: null, updatedAt: `t${n}`,
  };
  return {
    key: `line-${n}`, saleKey: 'sale-1', at: n, body: { outTradeNo: `POS${n}`, amount, currency: 'CNY', method },
    paymentId: payment ? payment.id : null, payment, refused: null, refusedStatus: 0, cancelWanted: false, removed: false, note: null, ...over,
  };
}

describe('POS tender lines', () => {
  test('what is paid counts only server-succeeded lines; in-flight and unsent lines are committed; ended unpaid ones count for nothing', () => {
    const ls = [line('cash', 3000, 'succeeded'), line('dynamic_qr', 2000, 'waiting_customer'), line('cash', 1000, null), line('dynamic_qr', 4000, 'closed'), line('payment_code', 500, null, { refused: 'no' })];
    assert.deepEqual(totals(sale(), ls), { due: 10000, paid: 3000, committed: 6000, remaining: 4000 });
    assert.equal(totals(sale(), [line('cash', 9000, 'succeeded', { removed: true })]).remaining, 10000, 'a removed line frees its amount');
  });

  test('only cash may exceed what is left: the surplus is change; a wallet line over it is refused before sending', () => {
    assert.deepEqual(planLine({ remaining: 3000, method: 'cash', amount: 5000, walletInFlight: false }), { ok: true, amount: 3000, tendered: 5000, change: 2000 });
    assert.deepEqual(planLine({ remaining: 3000, method: 'cash', amount: 1000, walletInFlight: false }), { ok: true, amount: 1000, tendered: 1000, change: 0 });
    assert.deepEqual(planLine({ remaining: 3000, method: 'dynamic_qr', amount: 3001, walletInFlight: false }), { ok: false, reason: 'lineOverRemaining' });
    assert.deepEqual(planLine({ remaining: 3000, method: 'payment_code', amount: 3000, walletInFlight: false }), { ok: true, amount: 3000, change: 0 });
    assert.deepEqual(planLine({ remaining: 3000, method: 'payment_code', amount: 100, walletInFlight: true }), { ok: false, reason: 'lineInProgress' });
    assert.deepEqual(planLine({ remaining: 0, method: 'cash', amount: 100, walletInFlight: false }), { ok: false, reason: 'nothingLeft' });
    assert.deepEqual(planLine({ remaining: 100, method: 'cash', amount: 0, walletInFlight: false }), { ok: false, reason: 'amountZero' });
  });

  test('a line shows "paid" only on the server\'s succeeded; cash not yet sent is "recorded"; a lost link is "unknown"', () => {
    assert.equal(lineView(line('cash', 100, null), false), 'recorded');
    assert.equal(lineView(line('cash', 100, null), true), 'recorded');
    assert.equal(lineView(line('payment_code', 100, null), false), 'sending');
    assert.equal(lineView(line('payment_code', 100, null), true), 'unknown');
    assert.equal(lineView(line('payment_code', 100, 'waiting_customer'), false), 'paying');
    assert.equal(lineView(line('dynamic_qr', 100, 'waiting_customer'), false), 'waiting');
    assert.equal(lineView(line('dynamic_qr', 100, 'waiting_customer'), true), 'unknown');
    assert.equal(lineView(line('dynamic_qr', 100, 'waiting_customer', { cancelWanted: true }), false), 'cancelling');
    assert.equal(lineView(line('dynamic_qr', 100, 'succeeded'), true), 'succeeded');
    assert.equal(lineView(line('cash', 100, null, { refused: 'sale closed' }), false), 'refused');
  });

  test('removing: an ended unpaid line goes at once; one in progress is cancelled first; a paid one stays (refund it); an unsent one waits for sync', () => {
    assert.equal(removeCheck(line('dynamic_qr', 100, 'closed')), 'remove');
    assert.equal(removeCheck(line('dynamic_qr', 100, null, { refused: 'x' })), 'remove');
    assert.equal(removeCheck(line('dynamic_qr', 100, 'waiting_customer')), 'cancelFirst');
    assert.equal(removeCheck(line('payment_code', 100, 'unknown')), 'cancelFirst');
    assert.equal(removeCheck(line('cash', 100, 'succeeded')), 'paid');
    assert.equal(removeCheck(line('cash', 100, null)), 'unsynced');
  });

  test('the outbox creates a line only once its sale has an id, cancels before removing, follows what is moving, and leaves the final alone', () => {
    assert.equal(nextStep(sale({ saleId: null }), line('cash', 100, null)), 'waitSale');
    assert.equal(nextStep(sale(), line('cash', 100, null)), 'create');
    assert.equal(nextStep(sale(), line('dynamic_qr', 100, 'waiting_customer')), 'follow');
    assert.equal(nextStep(sale(), line('dynamic_qr', 100, 'waiting_customer', { cancelWanted: true })), 'cancel');
    assert.equal(nextStep(sale(), line('dynamic_qr', 100, 'succeeded')), 'none');
    assert.equal(nextStep(sale(), line('cash', 100, null, { refused: 'x' })), 'none');
    assert.equal(nextStep(sale({ refused: 'items do not add up' }), line('cash', 100, null)), 'none');
  });

  test('"waiting to sync" counts the sale and lines the server has not acknowledged, and cancels not yet confirmed', () => {
    const s = sale({ saleId: null });
    assert.equal(unsynced([s], [line('cash', 100, null)]), 2);
    assert.equal(unsynced([sale()], [line('cash', 100, 'succeeded'), line('dynamic_qr', 100, 'waiting_customer')]), 0);
    assert.equal(unsynced([sale()], [line('dynamic_qr', 100, 'waiting_customer', { cancelWanted: true })]), 1);
    assert.equal(unsynced([sale({ refused: 'x', saleId: null })], [line('cash', 100, null)]), 0, 'a refused sale is not retried');
  });

  test('answers: no answer, 5xx, 429, a key still in progress or a lost session are retried with the same key; any other refusal is final', () => {
    assert.equal(answerKind(null), 'retry');
    assert.equal(answerKind({ status: 409, code: 'idempotency_in_progress' }), 'retry');
    assert.equal(answerKind({ status: 503, code: 'unavailable' }), 'retry');
    assert.equal(answerKind({ status: 429, code: 'rate_limited' }), 'retry');
    assert.equal(answerKind({ status: 401, code: 'unauthorized' }), 'retry');
    assert.equal(answerKind({ status: 400, code: 'tender_exceeds_due' }), 'refused');
    assert.equal(answerKind({ status: 409, code: 'sale_closed' }), 'refused');
  });

  test('the sale is "paid" only when the server says it is completed; lines that add up are still "confirming"', () => {
    const lost = () => false;
    const paidUp = [line('cash', 4000, 'succeeded'), line('dynamic_qr', 6000, 'succeeded')];
    assert.equal(headline(sale(), paidUp, lost).view, 'confirming');
    assert.equal(headline(sale({ state: 'completed', paid: 10000 }), paidUp, lost).view, 'succeeded');
    assert.equal(headline(sale(), [line('cash', 4000, null)], lost).view, 'recorded');
    assert.equal(headline(sale(), [line('cash', 4000, 'succeeded'), line('dynamic_qr', 6000, 'waiting_customer')], lost).view, 'waiting');
    assert.equal(headline(sale(), [line('dynamic_qr', 6000, 'closed')], lost).view, 'closed');
    assert.equal(headline(sale(), [line('cash', 4000, 'succeeded')], lost).view, 'due');
    assert.equal(headline(sale({ refused: 'bad items' }), [], lost).view, 'saleRefused');
  });
});

describe('POS items and the customer display', () => {
  test('a quick item tapped twice is one line of two; stepping to zero removes it; the total is quantity × price', () => {
    let cart = addItem([], { name: 'Latte', unitPrice: 1800 });
    cart = addItem(cart, { name: 'Latte', unitPrice: 1800 });
    cart = addItem(cart, { name: 'Croissant', unitPrice: 1250 });
    assert.deepEqual(cart, [{ name: 'Latte', unitPrice: 1800, quantity: 2 }, { name: 'Croissant', unitPrice: 1250, quantity: 1 }]);
    assert.equal(cartTotal(cart), 4850);
    assert.deepEqual(stepItem(cart, 1, -1), [{ name: 'Latte', unitPrice: 1800, quantity: 2 }]);
  });

  test('quick items kept on the device are checked when read back: malformed entries are dropped', () => {
    assert.deepEqual(parseQuickItems('[{"name":"Tea","unitPrice":900},{"name":"","unitPrice":1},{"name":"X","unitPrice":1.5},{"unitPrice":3},7]'), [{ name: 'Tea', unitPrice: 900 }]);
    assert.deepEqual(parseQuickItems('not json'), []);
    assert.deepEqual(parseQuickItems(null), []);
  });

  test('the display shows the sale with what is due and paid, the QR while one waits, and idle with no sale', () => {
    assert.deepEqual(displayState({ sale: null, lines: [] }), { view: 'idle' });
    const s = sale({ items: [{ name: 'Tea', quantity: 2, unitPrice: 5000 }] });
    const cash = line('cash', 4000, 'succeeded');
    assert.deepEqual(displayState({ sale: s, lines: [cash] }), { view: 'sale', amount: 10000, currency: 'CNY', due: 6000, paid: 4000, items: s.items });
    const qr = line('dynamic_qr', 6000, 'waiting_customer');
    const d = displayState({ sale: s, lines: [cash, qr] });
    assert.equal(d.view, 'qr');
    assert.equal(d.view === 'qr' && d.amount, 6000);
    assert.equal(displayState({ sale: s, lines: [cash, { ...qr, cancelWanted: true }] }).view, 'sale', 'a QR being cancelled is not offered to the customer');
  });
});
