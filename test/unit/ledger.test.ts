import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  accounts,
  assertBalanced,
  paymentEntry,
  refundEntry,
  type JournalEntry,
  type Posting,
} from '../../src/core/ledger.ts';
import { CURRENCIES, MAX_MINOR, type Currency } from '../../src/core/money.ts';
import { throwsSaoma } from './helpers.ts';

function entry(postings: Posting[]): JournalEntry {
  return { kind: 'payment', ref: 'pay_1', merchantId: 'm_1', postings };
}

const base = { id: 'pay_1', merchantId: 'm_1', terminalId: 't_1', amount: 1250, currency: 'CNY' as const };

describe('account names', () => {
  test('are named paths', () => {
    assert.equal(accounts.clearing('sandbox'), 'channel_clearing:sandbox');
    assert.equal(accounts.payable('m_1'), 'merchant_payable:m_1');
    assert.equal(accounts.cashDrawer('t_1'), 'cash_drawer:t_1');
  });
});

describe('paymentEntry', () => {
  test('a wallet payment debits channel clearing and credits the merchant payable', () => {
    const e = paymentEntry({ ...base, channel: 'sandbox' });
    assert.deepEqual(e, {
      kind: 'payment',
      ref: 'pay_1',
      merchantId: 'm_1',
      postings: [
        { account: 'channel_clearing:sandbox', amount: 1250, currency: 'CNY' },
        { account: 'merchant_payable:m_1', amount: -1250, currency: 'CNY' },
      ],
    });
    assert.doesNotThrow(() => assertBalanced(e));
  });

  test('a cash payment goes to the terminal cash drawer, not a clearing account', () => {
    const e = paymentEntry({ ...base, channel: 'cash' });
    assert.deepEqual(e.postings, [
      { account: 'cash_drawer:t_1', amount: 1250, currency: 'CNY' },
      { account: 'merchant_payable:m_1', amount: -1250, currency: 'CNY' },
    ]);
    assert.ok(!e.postings.some((p) => p.account.startsWith('channel_clearing:')));
  });

  test('other channel names get their own clearing account', () => {
    const e = paymentEntry({ ...base, channel: 'alipay' });
    assert.equal(e.postings[0]?.account, 'channel_clearing:alipay');
  });

  test('keeps the currency on every posting', () => {
    const e = paymentEntry({ ...base, channel: 'sandbox', amount: 1005, currency: 'KWD' });
    for (const p of e.postings) assert.equal(p.currency, 'KWD');
  });

  test('refuses a zero or fractional amount (the entry would not be valid)', () => {
    throwsSaoma(() => paymentEntry({ ...base, channel: 'sandbox', amount: 0 }), 'internal');
    throwsSaoma(() => paymentEntry({ ...base, channel: 'sandbox', amount: 12.5 }), 'internal');
    throwsSaoma(() => paymentEntry({ ...base, channel: 'sandbox', amount: Number.NaN }), 'internal');
  });
});

describe('refundEntry', () => {
  for (const kind of ['refund', 'reversal'] as const) {
    test(`a wallet ${kind} mirrors the payment entry`, () => {
      const e = refundEntry(kind, { ...base, id: 'ref_1', channel: 'sandbox', amount: 500 });
      assert.deepEqual(e, {
        kind,
        ref: 'ref_1',
        merchantId: 'm_1',
        postings: [
          { account: 'merchant_payable:m_1', amount: 500, currency: 'CNY' },
          { account: 'channel_clearing:sandbox', amount: -500, currency: 'CNY' },
        ],
      });
      assert.doesNotThrow(() => assertBalanced(e));
    });

    test(`a cash ${kind} is paid out of the terminal cash drawer`, () => {
      const e = refundEntry(kind, { ...base, id: 'ref_1', channel: 'cash', amount: 500 });
      assert.deepEqual(e.postings, [
        { account: 'merchant_payable:m_1', amount: 500, currency: 'CNY' },
        { account: 'cash_drawer:t_1', amount: -500, currency: 'CNY' },
      ]);
    });
  }

  test('payment followed by a full refund leaves every account at zero', () => {
    const p = paymentEntry({ ...base, channel: 'cash' });
    const r = refundEntry('refund', { ...base, id: 'ref_1', channel: 'cash' });
    const balances = new Map<string, number>();
    for (const posting of [...p.postings, ...r.postings]) {
      balances.set(posting.account, (balances.get(posting.account) ?? 0) + posting.amount);
    }
    assert.deepEqual(Object.fromEntries(balances), { 'cash_drawer:t_1': 0, 'merchant_payable:m_1': 0 });
  });

  test('refuses a zero amount', () => {
    throwsSaoma(() => refundEntry('refund', { ...base, channel: 'sandbox', amount: 0 }), 'internal');
  });
});

describe('assertBalanced', () => {
  test('accepts a balanced two-posting entry', () => {
    assert.doesNotThrow(() =>
      assertBalanced(entry([
        { account: 'a', amount: 100, currency: 'CNY' },
        { account: 'b', amount: -100, currency: 'CNY' },
      ])),
    );
  });

  test('accepts a balanced multi-posting entry', () => {
    assert.doesNotThrow(() =>
      assertBalanced(entry([
        { account: 'a', amount: 100, currency: 'CNY' },
        { account: 'b', amount: 50, currency: 'CNY' },
        { account: 'c', amount: -150, currency: 'CNY' },
      ])),
    );
  });

  test('accepts several currencies when each balances on its own', () => {
    assert.doesNotThrow(() =>
      assertBalanced(entry([
        { account: 'a', amount: 100, currency: 'CNY' },
        { account: 'b', amount: -100, currency: 'CNY' },
        { account: 'a', amount: 7, currency: 'HKD' },
        { account: 'b', amount: -7, currency: 'HKD' },
      ])),
    );
  });

  test('rejects an unbalanced entry, naming the imbalance', () => {
    const e = throwsSaoma(
      () => assertBalanced(entry([
        { account: 'a', amount: 100, currency: 'CNY' },
        { account: 'b', amount: -99, currency: 'CNY' },
      ])),
      'internal',
    );
    assert.equal(e.status, 500);
    assert.match(e.message, /unbalanced by 1 CNY/);
  });

  test('rejects postings that only balance across currencies', () => {
    throwsSaoma(
      () => assertBalanced(entry([
        { account: 'a', amount: 100, currency: 'CNY' },
        { account: 'b', amount: -100, currency: 'USD' },
      ])),
      'internal',
    );
  });

  test('rejects an entry with fewer than two postings', () => {
    throwsSaoma(() => assertBalanced(entry([])), 'internal');
    throwsSaoma(() => assertBalanced(entry([{ account: 'a', amount: 100, currency: 'CNY' }])), 'internal');
  });

  test('rejects a zero posting even when the entry balances', () => {
    throwsSaoma(
      () => assertBalanced(entry([
        { account: 'a', amount: 100, currency: 'CNY' },
        { account: 'b', amount: -100, currency: 'CNY' },
        { account: 'c', amount: 0, currency: 'CNY' },
      ])),
      'internal',
    );
    throwsSaoma(
      () => assertBalanced(entry([
        { account: 'a', amount: 0, currency: 'CNY' },
        { account: 'b', amount: -0, currency: 'CNY' },
      ])),
      'internal',
    );
  });

  const nonIntegers: [string, number][] = [
    ['a fraction', 0.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['an unsafe integer', 2 ** 53],
  ];
  for (const [label, amount] of nonIntegers) {
    test(`rejects ${label} even when the entry would otherwise balance`, () => {
      const e = throwsSaoma(
        () => assertBalanced(entry([
          { account: 'a', amount, currency: 'CNY' },
          { account: 'b', amount: -amount, currency: 'CNY' },
        ])),
        'internal',
      );
      assert.match(e.message, /non-zero integer/);
    });
  }

  test('rejects the float drift case 0.1 + 0.2 vs 0.3', () => {
    throwsSaoma(
      () => assertBalanced(entry([
        { account: 'a', amount: 0.1, currency: 'CNY' },
        { account: 'b', amount: 0.2, currency: 'CNY' },
        { account: 'c', amount: -0.3, currency: 'CNY' },
      ])),
      'internal',
    );
  });
});

describe('ledger properties', () => {
  const currencies = Object.keys(CURRENCIES) as Currency[];
  const movement = fc.record({
    kind: fc.constantFrom<'payment' | 'refund' | 'reversal'>('payment', 'refund', 'reversal'),
    id: fc.string({ minLength: 1, maxLength: 8 }),
    merchantId: fc.constantFrom('m_1', 'm_2', 'm_3'),
    terminalId: fc.constantFrom('t_1', 't_2'),
    channel: fc.constantFrom('sandbox', 'cash', 'alipay', 'wechat'),
    amount: fc.integer({ min: 1, max: MAX_MINOR }),
    currency: fc.constantFrom(...currencies),
  });

  type Movement = {
    kind: 'payment' | 'refund' | 'reversal'; id: string; merchantId: string; terminalId: string; channel: string; amount: number; currency: Currency;
  };
  function post(m: Movement): JournalEntry {
    return m.kind === 'payment' ? paymentEntry(m) : refundEntry(m.kind, m);
  }

  test('any sequence of payments and refunds sums to zero per currency, and every entry is balanced', () => {
    fc.assert(
      fc.property(fc.array(movement, { maxLength: 50 }), (moves) => {
        const perCurrency = new Map<Currency, number>();
        for (const m of moves) {
          const e = post(m);
          assert.doesNotThrow(() => assertBalanced(e));
          assert.equal(e.postings.length, 2);
          for (const p of e.postings) {
            assert.ok(Number.isSafeInteger(p.amount) && p.amount !== 0);
            perCurrency.set(p.currency, (perCurrency.get(p.currency) ?? 0) + p.amount);
          }
        }
        for (const [cur, sum] of perCurrency) assert.equal(sum, 0, cur);
      }),
    );
  });

  test('merchant payable equals minus (payments - refunds), and the money sits in clearing or the drawer', () => {
    fc.assert(
      fc.property(fc.array(movement, { maxLength: 50 }), (moves) => {
        const balances = new Map<string, number>();
        const expectedPayable = new Map<string, number>();
        for (const m of moves) {
          for (const p of post(m).postings) {
            const key = `${p.account}|${p.currency}`;
            balances.set(key, (balances.get(key) ?? 0) + p.amount);
          }
          const key = `${accounts.payable(m.merchantId)}|${m.currency}`;
          const signed = m.kind === 'payment' ? -m.amount : m.amount;
          expectedPayable.set(key, (expectedPayable.get(key) ?? 0) + signed);
        }
        for (const [key, want] of expectedPayable) assert.equal(balances.get(key), want, key);
        for (const key of balances.keys()) {
          const [account] = key.split('|');
          if (!account?.startsWith('merchant_payable:')) {
            assert.ok(account?.startsWith('channel_clearing:') || account?.startsWith('cash_drawer:'), key);
            assert.notEqual(account, 'channel_clearing:cash', 'cash must never go through a clearing account');
          }
        }
      }),
    );
  });
});
