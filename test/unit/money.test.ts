import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CURRENCIES,
  MAX_MINOR,
  money,
  isCurrency,
  parseCurrency,
  exponent,
  add,
  subtract,
  zero,
  toDecimalString,
  fromDecimalString,
  format,
  type Currency,
} from '../../src/core/money.ts';
import { throwsSaoma } from './helpers.ts';

const ALL_CURRENCIES = Object.keys(CURRENCIES) as Currency[];

describe('currencies and exponents', () => {
  test('minor-unit exponents follow ISO 4217 for the currencies we care most about', () => {
    const expected: Partial<Record<Currency, number>> = {
      CNY: 2, HKD: 2, MOP: 2, TWD: 2, USD: 2, EUR: 2,
      JPY: 0, KRW: 0, VND: 0, CLP: 0,
      KWD: 3, BHD: 3, OMR: 3, JOD: 3,
    };
    for (const [cur, exp] of Object.entries(expected)) assert.equal(exponent(cur as Currency), exp, cur);
  });

  test('every exponent is 0, 2 or 3', () => {
    for (const c of ALL_CURRENCIES) assert.ok([0, 2, 3].includes(exponent(c)), c);
  });

  test('MAX_MINOR is 10^12 and a safe integer', () => {
    assert.equal(MAX_MINOR, 1e12);
    assert.ok(Number.isSafeInteger(MAX_MINOR * 1000));
  });

  test('isCurrency accepts supported upper-case ISO codes only', () => {
    for (const c of ALL_CURRENCIES) assert.equal(isCurrency(c), true, c);
    for (const bad of ['cny', 'Cny', 'XXX', 'RMB', '', ' CNY', 'CNY ', 'toString', '__proto__', 'constructor', 'hasOwnProperty', 156, null, undefined, {}, ['CNY']]) {
      assert.equal(isCurrency(bad), false, String(bad));
    }
  });

  test('parseCurrency returns the code or throws unknown_currency', () => {
    assert.equal(parseCurrency('CNY'), 'CNY');
    for (const bad of ['cny', 'XXX', '', 'toString', '__proto__', 42, null, undefined]) {
      const e = throwsSaoma(() => parseCurrency(bad), 'unknown_currency');
      assert.equal(e.status, 400);
    }
  });
});

describe('money()', () => {
  test('builds an amount in minor units', () => {
    assert.deepEqual(money(1250, 'CNY'), { minor: 1250, currency: 'CNY' });
    assert.deepEqual(money(1, 'JPY'), { minor: 1, currency: 'JPY' });
    assert.deepEqual(money(1005, 'KWD'), { minor: 1005, currency: 'KWD' });
  });

  test('accepts exactly MAX_MINOR, refuses MAX_MINOR + 1', () => {
    assert.equal(money(MAX_MINOR, 'CNY').minor, MAX_MINOR);
    throwsSaoma(() => money(MAX_MINOR + 1, 'CNY'), 'invalid_amount');
    throwsSaoma(() => money(Number.MAX_SAFE_INTEGER, 'CNY'), 'invalid_amount');
  });

  const badAmounts: [string, unknown][] = [
    ['a float', 12.5],
    ['a tiny float', 0.1 + 0.2],
    ['zero', 0],
    ['negative zero', -0],
    ['a negative integer', -1],
    ['a negative float', -1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['a numeric string', '1250'],
    ['a decimal string', '12.50'],
    ['a bigint', 1250n],
    ['null', null],
    ['undefined', undefined],
    ['a boxed number', Object(1250)],
    ['an array', [1250]],
  ];
  for (const [label, value] of badAmounts) {
    test(`rejects ${label} with invalid_amount`, () => {
      const e = throwsSaoma(() => money(value, 'CNY'), 'invalid_amount');
      assert.equal(e.status, 400);
    });
  }

  for (const bad of ['XXX', 'cny', 'RMB', '', 'toString', '__proto__', undefined, null, 156]) {
    test(`rejects currency ${JSON.stringify(bad) ?? String(bad)} with unknown_currency`, () => {
      throwsSaoma(() => money(100, bad), 'unknown_currency');
    });
  }
});

describe('add / subtract / zero', () => {
  test('add sums minor units in the same currency', () => {
    assert.deepEqual(add(money(150, 'CNY'), money(250, 'CNY')), { minor: 400, currency: 'CNY' });
  });

  test('subtract may reach zero or go negative (balances, not movements)', () => {
    assert.deepEqual(subtract(money(250, 'CNY'), money(150, 'CNY')), { minor: 100, currency: 'CNY' });
    assert.deepEqual(subtract(money(150, 'CNY'), money(150, 'CNY')), { minor: 0, currency: 'CNY' });
    assert.deepEqual(subtract(money(100, 'CNY'), money(150, 'CNY')), { minor: -50, currency: 'CNY' });
  });

  test('add and subtract do not mutate their operands', () => {
    const a = money(100, 'HKD');
    const b = money(30, 'HKD');
    add(a, b);
    subtract(a, b);
    assert.deepEqual(a, { minor: 100, currency: 'HKD' });
    assert.deepEqual(b, { minor: 30, currency: 'HKD' });
  });

  test('add refuses mixed currencies with currency_mismatch', () => {
    const e = throwsSaoma(() => add(money(100, 'CNY'), money(100, 'HKD')), 'currency_mismatch');
    assert.equal(e.status, 400);
    assert.match(e.message, /CNY/);
    assert.match(e.message, /HKD/);
  });

  test('subtract refuses mixed currencies with currency_mismatch', () => {
    throwsSaoma(() => subtract(money(100, 'USD'), money(100, 'JPY')), 'currency_mismatch');
  });

  test('mismatch is refused even for the same exponent and the same number', () => {
    throwsSaoma(() => add(money(100, 'CNY'), money(100, 'USD')), 'currency_mismatch');
  });

  test('zero is additive identity', () => {
    assert.deepEqual(zero('JPY'), { minor: 0, currency: 'JPY' });
    assert.deepEqual(add(zero('CNY'), money(42, 'CNY')), money(42, 'CNY'));
    throwsSaoma(() => add(zero('CNY'), money(42, 'USD')), 'currency_mismatch');
  });

  test('property: add then subtract gives the original amount back', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALL_CURRENCIES),
        fc.integer({ min: 1, max: MAX_MINOR }),
        fc.integer({ min: 1, max: MAX_MINOR }),
        (cur, a, b) => {
          assert.deepEqual(subtract(add(money(a, cur), money(b, cur)), money(b, cur)), money(a, cur));
        },
      ),
    );
  });
});

describe('toDecimalString', () => {
  const cases: [number, Currency, string][] = [
    [1, 'CNY', '0.01'],
    [10, 'CNY', '0.10'],
    [99, 'CNY', '0.99'],
    [100, 'CNY', '1.00'],
    [1250, 'CNY', '12.50'],
    [8888, 'CNY', '88.88'],
    [123456, 'CNY', '1234.56'],
    [MAX_MINOR, 'CNY', '10000000000.00'],
    [MAX_MINOR - 1, 'CNY', '9999999999.99'],
    [1, 'JPY', '1'],
    [100, 'JPY', '100'],
    [1234, 'JPY', '1234'],
    [MAX_MINOR, 'JPY', '1000000000000'],
    [1, 'KWD', '0.001'],
    [10, 'KWD', '0.010'],
    [1000, 'KWD', '1.000'],
    [1005, 'KWD', '1.005'],
    [1234567, 'KWD', '1234.567'],
    [MAX_MINOR, 'KWD', '1000000000.000'],
  ];
  for (const [minor, cur, text] of cases) {
    test(`${minor} ${cur} -> "${text}"`, () => {
      assert.equal(toDecimalString(money(minor, cur)), text);
    });
  }

  test('zero and negative balances render with the full exponent', () => {
    assert.equal(toDecimalString(zero('CNY')), '0.00');
    assert.equal(toDecimalString(zero('JPY')), '0');
    assert.equal(toDecimalString(zero('KWD')), '0.000');
    assert.equal(toDecimalString(subtract(money(100, 'CNY'), money(105, 'CNY'))), '-0.05');
    assert.equal(toDecimalString(subtract(money(100, 'CNY'), money(223, 'CNY'))), '-1.23');
    assert.equal(toDecimalString(subtract(money(1, 'JPY'), money(3, 'JPY'))), '-2');
    assert.equal(toDecimalString(subtract(money(1, 'KWD'), money(1002, 'KWD'))), '-1.001');
  });

  test('property: always has exactly the currency exponent of decimals, and the digits are the minor units', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL_CURRENCIES), fc.integer({ min: 1, max: MAX_MINOR }), (cur, minor) => {
        const text = toDecimalString(money(minor, cur));
        const exp = exponent(cur);
        if (exp === 0) assert.match(text, /^[1-9]\d*$/);
        else assert.match(text, new RegExp(`^(0|[1-9]\\d*)\\.\\d{${exp}}$`));
        assert.equal(text.replace('.', '').replace(/^0+/, ''), String(minor));
      }),
    );
  });
});

describe('fromDecimalString', () => {
  const good: [string, Currency, number][] = [
    ['88.88', 'CNY', 8888],
    ['12.50', 'CNY', 1250],
    ['12.5', 'CNY', 1250],
    ['12', 'CNY', 1200],
    ['0.01', 'CNY', 1],
    ['0.1', 'CNY', 10],
    ['007.50', 'CNY', 750],
    [' 12.50 ', 'CNY', 1250],
    ['10000000000.00', 'CNY', MAX_MINOR],
    ['10000000000', 'CNY', MAX_MINOR],
    ['1234', 'JPY', 1234],
    ['1', 'JPY', 1],
    ['1000000000000', 'JPY', MAX_MINOR],
    ['1.005', 'KWD', 1005],
    ['1.5', 'KWD', 1500],
    ['0.001', 'KWD', 1],
    ['1234.567', 'KWD', 1234567],
  ];
  for (const [text, cur, minor] of good) {
    test(`"${text}" ${cur} -> ${minor}`, () => {
      assert.deepEqual(fromDecimalString(text, cur), { minor, currency: cur });
    });
  }

  const tooManyDecimals: [string, Currency][] = [
    ['1.005', 'CNY'],
    ['0.001', 'USD'],
    ['12.500', 'CNY'],
    ['12.3', 'JPY'],
    ['12.0', 'JPY'],
    ['1.0005', 'KWD'],
    ['1.0000', 'KWD'],
  ];
  for (const [text, cur] of tooManyDecimals) {
    test(`refuses "${text}" for ${cur}: more decimals than the currency has`, () => {
      const e = throwsSaoma(() => fromDecimalString(text, cur), 'invalid_amount');
      assert.match(e.message, new RegExp(`${cur} has ${exponent(cur)} decimal places`));
    });
  }

  const malformed = [
    '', ' ', '.5', '1.', '-1.00', '+1.00', '1e3', '1E2', '1,000.00', '1 000', '12,50', 'abc', 'NaN', 'Infinity',
    '0x10', '１２', '1..2', '1.2.3', '¥12.50', '12.50元', '12345678901234', '12345678901234.00',
  ];
  for (const text of malformed) {
    test(`refuses malformed ${JSON.stringify(text)}`, () => {
      throwsSaoma(() => fromDecimalString(text, 'CNY'), 'invalid_amount');
    });
  }

  for (const [text, cur] of [['0', 'CNY'], ['0.00', 'CNY'], ['0.0', 'CNY'], ['000', 'JPY'], ['0.000', 'KWD']] as const) {
    test(`refuses zero "${text}" ${cur}`, () => {
      throwsSaoma(() => fromDecimalString(text, cur), 'invalid_amount');
    });
  }

  test('refuses amounts above MAX_MINOR', () => {
    throwsSaoma(() => fromDecimalString('10000000000.01', 'CNY'), 'invalid_amount');
    throwsSaoma(() => fromDecimalString('1000000000001', 'JPY'), 'invalid_amount');
    throwsSaoma(() => fromDecimalString('1000000000.001', 'KWD'), 'invalid_amount');
    throwsSaoma(() => fromDecimalString('9999999999999.99', 'CNY'), 'invalid_amount');
  });

  test('an unknown currency smuggled past the type checker is refused with unknown_currency', () => {
    throwsSaoma(() => fromDecimalString('12.50', 'XXX' as Currency), 'unknown_currency');
  });

  test('property: fromDecimalString(toDecimalString(m)) round-trips for every currency and safe amount', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL_CURRENCIES), fc.integer({ min: 1, max: MAX_MINOR }), (cur, minor) => {
        const m = money(minor, cur);
        assert.deepEqual(fromDecimalString(toDecimalString(m), cur), m);
      }),
      { numRuns: 2000 },
    );
  });

  test('property: round-trips at the edges (1, MAX_MINOR and powers of ten)', () => {
    const edges = [1, 9, 10, 99, 100, 999, 1000, 1001, 10 ** 6, 10 ** 9, MAX_MINOR - 1, MAX_MINOR];
    for (const cur of ALL_CURRENCIES) {
      for (const minor of edges) {
        const m = money(minor, cur);
        assert.deepEqual(fromDecimalString(toDecimalString(m), cur), m, `${minor} ${cur}`);
      }
    }
  });

  test('property: a decimal with fewer decimals than the exponent parses to the canonical string', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Currency>('CNY', 'KWD', 'USD', 'BHD'),
        fc.integer({ min: 1, max: 999_999 }),
        (cur, whole) => {
          // "123" and "123.0" mean the same amount as "123.00" (CNY) / "123.000" (KWD).
          const canonical = `${whole}.${'0'.repeat(exponent(cur))}`;
          assert.equal(toDecimalString(fromDecimalString(String(whole), cur)), canonical);
          assert.equal(toDecimalString(fromDecimalString(`${whole}.0`, cur)), canonical);
        },
      ),
    );
  });
});

describe('format (locale)', () => {
  // ICU versions differ in the symbol they pick (e.g. "¥" vs "￥", "CN¥" vs "CNY "), so the symbol is matched
  // loosely but the grouped digits and the decimal part are asserted exactly.
  test('zh-CN shows yuan with the plain yen/yuan sign and grouped digits', () => {
    const s = format(money(123456, 'CNY'), 'zh-CN');
    assert.match(s, /^[¥￥]\s?1,234\.56$/);
  });

  test('zh-Hans behaves like zh-CN', () => {
    assert.match(format(money(123456, 'CNY'), 'zh-Hans'), /^[¥￥]\s?1,234\.56$/);
  });

  for (const locale of ['zh-TW', 'zh-Hant']) {
    test(`${locale} disambiguates CNY from other yen/yuan signs`, () => {
      const s = format(money(123456, 'CNY'), locale);
      assert.match(s, /^(CN[¥￥]|CNY\s?)1,234\.56$/);
    });

    test(`${locale} formats TWD with its two ISO decimals`, () => {
      const s = format(money(123456, 'TWD'), locale);
      assert.match(s, /^(NT)?\$\s?1,234\.56$/);
    });
  }

  test('en marks CNY as Chinese yuan', () => {
    assert.match(format(money(123456, 'CNY'), 'en'), /^(CN[¥￥]|CNY\s?)1,234\.56$/);
  });

  test('en formats USD exactly', () => {
    assert.equal(format(money(123456, 'USD'), 'en'), '$1,234.56');
    assert.equal(format(money(5, 'USD'), 'en'), '$0.05');
  });

  test('HKD keeps its HK$ prefix across Chinese and English locales', () => {
    for (const locale of ['zh-CN', 'zh-TW', 'zh-Hant', 'en']) {
      assert.match(format(money(123456, 'HKD'), locale), /^HK\$\s?1,234\.56$/, locale);
    }
  });

  test('JPY shows no decimals', () => {
    for (const locale of ['zh-CN', 'zh-TW', 'en']) {
      const s = format(money(1234, 'JPY'), locale);
      assert.match(s, /1,234$/, locale);
      assert.doesNotMatch(s, /\./, locale);
      assert.match(s, /[¥￥]|JPY/, locale);
    }
  });

  test('KWD shows three decimals', () => {
    for (const locale of ['zh-CN', 'zh-TW', 'en']) {
      const s = format(money(1234567, 'KWD'), locale);
      assert.match(s, /1,234\.567$/, locale);
      assert.match(s, /KWD|KD|د\.ك/, locale);
    }
  });

  test('small amounts keep leading zero and padding', () => {
    assert.match(format(money(1, 'CNY'), 'zh-CN'), /0\.01$/);
    assert.match(format(money(10, 'CNY'), 'zh-CN'), /0\.10$/);
    assert.match(format(money(1, 'KWD'), 'en'), /0\.001$/);
  });

  test('the largest amounts are formatted exactly, digit for digit', () => {
    assert.match(format(money(MAX_MINOR - 1, 'CNY'), 'zh-CN'), /9,999,999,999\.99$/);
    assert.match(format(money(MAX_MINOR, 'CNY'), 'en'), /10,000,000,000\.00$/);
    assert.match(format(money(MAX_MINOR, 'JPY'), 'en'), /1,000,000,000,000$/);
    assert.match(format(money(MAX_MINOR - 1, 'KWD'), 'en'), /999,999,999\.999$/);
  });

  test('property: the digits in the formatted string are exactly the minor units', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALL_CURRENCIES),
        fc.integer({ min: 1, max: MAX_MINOR }),
        fc.constantFrom('zh-CN', 'zh-TW', 'en'),
        (cur, minor, locale) => {
          const s = format(money(minor, cur), locale);
          // Strip the symbol (which may contain letters but no ASCII digits) and grouping.
          const digits = s.replace(/[^0-9]/g, '').replace(/^0+/, '');
          assert.equal(digits, String(minor), s);
        },
      ),
      { numRuns: 500 },
    );
  });
});
