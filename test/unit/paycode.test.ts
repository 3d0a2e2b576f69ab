import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  PaycodeRuleError, SANDBOX_RULE, WALLET_RULES, builtInRules, compileRules, describeRule, detectWallet, matchingRules,
  mergeRules, normalizePaycode, parseRules, paycodeError, ruleSpec, type PaycodeDetection, type PaycodeFailure, type PaycodeRule,
} from '../../src/core/paycode.ts';
import { ERROR_STATUS } from '../../src/core/errors.ts';
import { localize } from '../../src/core/messages.ts';

const REAL = builtInRules({ sandbox: false });
const WITH_SANDBOX = builtInRules({ sandbox: true });

/** A code of `length` digits starting with `prefix`; the filler avoids accidental product-barcode check digits only where tests say so. */
function code(prefix: string, length: number, filler = '3141592653589793238462643383279502884197'): string {
  return (prefix + filler.repeat(3)).slice(0, length);
}

function wallet(d: PaycodeDetection): string | null {
  return d.ok ? d.wallet : null;
}

function failure(d: PaycodeDetection): PaycodeFailure {
  assert.equal(d.ok, false, `expected a failure, got ${JSON.stringify(d)}`);
  return d as PaycodeFailure;
}

function ruleError(text: string): PaycodeRuleError {
  try {
    parseRules(text);
  } catch (e) {
    assert.ok(e instanceof PaycodeRuleError, `expected PaycodeRuleError, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected ${text} to be refused`);
}

describe('payment-code rule table', () => {
  test('built-in wallets and their formats', () => {
    assert.deepEqual(WALLET_RULES.map((r) => [r.wallet, describeRule(r)]), [
      ['wechat', '18 digits starting 10–15'],
      ['alipay', '16–24 digits starting 25–30'],
      ['unionpay', '19 digits starting 62'],
      ['qq', '18 digits starting 91'],
    ]);
    assert.equal(describeRule(SANDBOX_RULE), '18 digits starting 28');
    assert.deepEqual(WITH_SANDBOX.map((r) => r.wallet), ['sandbox', 'wechat', 'alipay', 'unionpay', 'qq']);
    assert.deepEqual(REAL.map((r) => r.wallet), ['wechat', 'alipay', 'unionpay', 'qq']);
  });

  test('the sandbox rule agrees with the sandbox wallet protocol (18 digits starting 28)', async () => {
    const { PAYMENT_CODE } = await import('../../src/channels/sandbox/protocol.ts');
    for (const c of ['280000000000000000', '289999999999999903', '28000000000000000', '2800000000000000000', '270000000000000000']) {
      assert.equal(matchingRules(c, [SANDBOX_RULE]).length === 1, PAYMENT_CODE.test(c), c);
    }
  });

  test('the real wallets never overlap, so their order does not matter', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 30 }), (c) => matchingRules(c, WALLET_RULES).length <= 1));
    // and exhaustively over every prefix and length they use
    for (const r of WALLET_RULES) for (const p of r.prefixes) for (const l of r.lengths) {
      for (const len of [l.min, l.max]) for (const pre of [p.from, p.to]) assert.equal(matchingRules(code(pre, len), WALLET_RULES).length, 1, `${pre}/${len}`);
    }
  });
});

describe('detectWallet: each built-in wallet at its edges and just outside', () => {
  // [code, wallet expected with the sandbox off, with the sandbox on] — null means refused.
  const cases: Array<[string, string, string | null, string | null]> = [
    ['wechat lowest prefix', code('10', 18), 'wechat', 'wechat'],
    ['wechat highest prefix', code('15', 18), 'wechat', 'wechat'],
    ['wechat example from the docs', '134567890123456789', 'wechat', 'wechat'],
    ['below wechat prefix (09)', code('09', 18), null, null],
    ['above wechat prefix (16)', code('16', 18), null, null],
    ['wechat one digit short', code('13', 17), null, null],
    ['wechat one digit long', code('13', 19), null, null],
    ['alipay lowest prefix, shortest', code('25', 16), 'alipay', 'alipay'],
    ['alipay highest prefix, longest', code('30', 24), 'alipay', 'alipay'],
    ['alipay 25, longest', code('25', 24), 'alipay', 'alipay'],
    ['alipay 30, shortest', code('30', 16), 'alipay', 'alipay'],
    ['below alipay prefix (24)', code('24', 18), null, null],
    ['above alipay prefix (31)', code('31', 18), null, null],
    ['alipay one digit short (15)', code('25', 15), null, null],
    ['alipay one digit long (25)', code('30', 25), null, null],
    ['unionpay', code('62', 19), 'unionpay', 'unionpay'],
    ['below unionpay prefix (61)', code('61', 19), null, null],
    ['above unionpay prefix (63)', code('63', 19), null, null],
    ['unionpay one digit short', code('62', 18), null, null],
    ['unionpay one digit long', code('62', 20), null, null],
    ['qq', code('91', 18), 'qq', 'qq'],
    ['qq sample from the Tencent demo', '910728310408849937', 'qq', 'qq'],
    ['below qq prefix (90)', code('90', 18), null, null],
    ['above qq prefix (92)', code('92', 18), null, null],
    ['qq one digit short', code('91', 17), null, null],
    ['qq one digit long', code('91', 19), null, null],
    ['sandbox code', '280000000000000000', 'alipay', 'sandbox'],
    ['sandbox scenario 03', '280000000000000003', 'alipay', 'sandbox'],
    ['28…, 17 digits: Alipay, never sandbox', code('28', 17), 'alipay', 'alipay'],
    ['28…, 19 digits: Alipay, never sandbox', code('28', 19), 'alipay', 'alipay'],
    ['27…, 18 digits: Alipay, never sandbox', code('27', 18), 'alipay', 'alipay'],
    ['29…, 18 digits: Alipay, never sandbox', code('29', 18), 'alipay', 'alipay'],
  ];
  for (const [name, c, off, on] of cases) {
    test(`${name}: ${c}`, () => {
      assert.equal(wallet(detectWallet(c, REAL)), off, 'sandbox off');
      assert.equal(wallet(detectWallet(c, WITH_SANDBOX)), on, 'sandbox on');
    });
  }

  test('every edge of every built-in rule, and one step outside each, generated from the table', () => {
    for (const r of [...WALLET_RULES, SANDBOX_RULE]) {
      const rules = r === SANDBOX_RULE ? [SANDBOX_RULE] : REAL;
      for (const p of r.prefixes) for (const l of r.lengths) {
        for (const pre of [p.from, p.to]) for (const len of [l.min, l.max]) assert.equal(wallet(detectWallet(code(pre, len), rules)), r.wallet, `${pre}/${len}`);
        const width = p.from.length;
        const below = String(Number(p.from) - 1).padStart(width, '0');
        const above = String(Number(p.to) + 1).padStart(width, '0');
        if (Number(p.from) > 0) assert.notEqual(wallet(detectWallet(code(below, l.min), rules)), r.wallet, `${below}/${l.min}`);
        if (above.length === width) assert.notEqual(wallet(detectWallet(code(above, l.max), rules)), r.wallet, `${above}/${l.max}`);
        if (!r.lengths.some((x) => l.min - 1 >= x.min && l.min - 1 <= x.max)) assert.notEqual(wallet(detectWallet(code(p.from, l.min - 1), rules)), r.wallet);
        if (!r.lengths.some((x) => l.max + 1 >= x.min && l.max + 1 <= x.max)) assert.notEqual(wallet(detectWallet(code(p.to, l.max + 1), rules)), r.wallet);
      }
    }
  });

  test('a match returns the normalised code and the rule; a shadowed rule is named', () => {
    const d = detectWallet('280000000000000000', WITH_SANDBOX);
    assert.ok(d.ok);
    assert.equal(d.rule, SANDBOX_RULE);
    assert.deepEqual(d.shadows, ['alipay']);
    const w = detectWallet('134567890123456789', REAL);
    assert.ok(w.ok);
    assert.deepEqual(w.shadows, []);
    assert.deepEqual(ruleSpec(w.rule), { wallet: 'wechat', prefixes: ['10-15'], lengths: [18], description: 'WeChat Pay 微信支付 付款码' });
  });
});

describe('detectWallet: what a scanner or a cashier actually sends', () => {
  test('scanner-gun framing is trimmed: CR/LF/Tab suffixes, spaces, STX/ETX, BOM, ideographic space', () => {
    for (const raw of ['134567890123456789\r\n', '134567890123456789\n', '\t134567890123456789\t', '  134567890123456789  ',
      '\u0002134567890123456789\u0003', '\uFEFF134567890123456789', '\u3000134567890123456789\u3000', '\u00a0134567890123456789\r']) {
      const d = detectWallet(raw, REAL);
      assert.ok(d.ok, JSON.stringify(raw));
      assert.equal(d.code, '134567890123456789');
      assert.equal(d.wallet, 'wechat');
    }
    assert.equal(normalizePaycode('\r\n\t 12 \u0003'), '12');
    assert.equal(normalizePaycode('\r\n'), '');
  });

  test('empty: nothing, only whitespace, null, undefined', () => {
    for (const raw of ['', '   ', '\r\n', '\u0003', null, undefined]) {
      const f = failure(detectWallet(raw, REAL));
      assert.equal(f.reason, 'empty', JSON.stringify(raw));
      assert.match(f.message, /empty/);
    }
  });

  test('not a string at all (a JSON number loses digits): refused, not thrown', () => {
    for (const raw of [134567890123456789, {}, [], true, Symbol('x'), 10n]) {
      const f = failure(detectWallet(raw, REAL));
      assert.equal(f.reason, 'not_digits');
      assert.equal(f.reason === 'not_digits' && f.looksLike, 'not_text');
    }
  });

  test('URLs and QR links scanned by mistake', () => {
    for (const raw of ['https://qr.alipay.com/fkx12345abcdef', 'weixin://wxpay/bizpayurl?pr=abc123', 'wxp://f2f0aBcDeF', 'HTTP://EXAMPLE.COM/134567890123456789', 'www.example.com/pay', 'alipays://platformapi/startapp?appId=20000056']) {
      const f = failure(detectWallet(raw, REAL));
      assert.equal(f.reason, 'not_digits');
      assert.equal(f.reason === 'not_digits' && f.looksLike, 'url', raw);
      assert.match(f.message, /URL or QR link/);
    }
    const long = failure(detectWallet(`https://example.com/${'x'.repeat(200)}`, REAL));
    assert.ok(long.message.length < 300, 'a long URL is shortened in the message');
  });

  test('product barcodes with a valid check digit: EAN-13, UPC-A, EAN-8', () => {
    const cases: Array<[string, string]> = [
      ['4006381333931', 'EAN-13'], ['6901028075831', 'EAN-13'], ['6921168509256', 'EAN-13'], ['9787115428028', 'EAN-13'],
      ['036000291452', 'UPC-A'], ['96385074', 'EAN-8'], ['6901028075831\r\n', 'EAN-13'],
    ];
    for (const [raw, format] of cases) {
      const f = failure(detectWallet(raw, WITH_SANDBOX));
      assert.equal(f.reason, 'product_barcode', raw);
      assert.equal(f.reason === 'product_barcode' && f.format, format);
      assert.match(f.message, new RegExp(`product barcode \\(${format}, check digit valid\\)`));
    }
    // a wrong check digit is not a product: it is just too short
    assert.equal(failure(detectWallet('4006381333932', REAL)).reason, 'too_short');
    assert.equal(failure(detectWallet('036000291453', REAL)).reason, 'too_short');
  });

  test('letters and other characters: where the first one is', () => {
    const f = failure(detectWallet('13456789012345678a', REAL));
    assert.equal(f.reason, 'not_digits');
    assert.ok(f.reason === 'not_digits' && f.looksLike === 'text' && f.position === 18 && f.char === 'a');
    assert.match(f.message, /"a" at position 18/);
    for (const raw of ['abc', 'fp1234567890123456789012345678901234', '１３４５６７８９０１２３４５６７８９', '1345 6789 0123 4567 89', '1345-6789-0123-4567-89', '13456789012345678٩', '134567890123456789\u0000x']) {
      assert.equal(failure(detectWallet(raw, REAL)).reason, 'not_digits', raw);
    }
    const full = failure(detectWallet('１３４５６７８９０１２３４５６７８９', REAL));
    assert.ok(full.reason === 'not_digits' && full.looksLike === 'fullwidth_digits');
    assert.match(full.message, /half-width/);
    const spaced = failure(detectWallet('1345 6789 0123 4567 89', REAL));
    assert.ok(spaced.reason === 'not_digits' && spaced.looksLike === 'spaced_digits');
    const emv = failure(detectWallet('00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A', REAL));
    assert.ok(emv.reason === 'not_digits' && emv.looksLike === 'emv_mpm');
    const cpm = failure(detectWallet('hQVDUFYwMWFNTwegAAAAAwEBUAdVbmlvblBheVoIYlIAAAAAAAFfIAA=', REAL));
    assert.ok(cpm.reason === 'not_digits' && cpm.looksLike === 'emv_cpm');
  });

  test('too short, too long, and no wallet: which wallets were tried and which it starts like', () => {
    const short = failure(detectWallet('2512345678901', REAL));
    assert.ok(short.reason === 'too_short' && short.length === 13 && short.min === 16);
    assert.deepEqual(short.tried, ['wechat', 'alipay', 'unionpay', 'qq']);
    assert.match(short.message, /too short: 13 digits/);
    const long = failure(detectWallet(code('30', 25), REAL));
    assert.ok(long.reason === 'too_long' && long.max === 24);
    assert.deepEqual(long.reason === 'too_long' && long.startsLike, ['alipay']);
    const miss = failure(detectWallet(code('13', 17), REAL));
    assert.ok(miss.reason === 'no_match' && miss.length === 17);
    assert.deepEqual(miss.reason === 'no_match' && miss.startsLike, ['wechat']);
    assert.match(miss.message, /17-digit payment codes starting 13 \(tried: wechat, alipay, unionpay, qq\)\. It starts like wechat \(18 digits starting 10–15\)/);
    const none = failure(detectWallet(code('99', 18), REAL));
    assert.ok(none.reason === 'no_match');
    assert.deepEqual(none.reason === 'no_match' && none.startsLike, []);
    assert.doesNotMatch(none.message, /starts like/);
  });

  test('a failure message never holds more than the first two digits of a code (it is a one-time credential)', () => {
    for (const c of [code('13', 17), code('99', 18), code('30', 25), '2512345678901']) {
      const f = failure(detectWallet(c, REAL));
      assert.ok(!f.message.includes(c.slice(0, 6)), f.message);
    }
  });

  test('no rules at all: every code is refused with a clear message', () => {
    const f = failure(detectWallet('134567890123456789', []));
    assert.equal(f.reason, 'no_match');
    assert.match(f.message, /no wallet rules are configured/);
  });

  test('a huge input is handled in linear time', () => {
    const started = Date.now();
    const f = failure(detectWallet(`1${' '.repeat(200_000)}1`, REAL));
    assert.equal(f.reason, 'not_digits');
    assert.equal(failure(detectWallet('1'.repeat(200_000), REAL)).reason, 'too_long');
    assert.ok(Date.now() - started < 1000);
  });
});

describe('configured rules', () => {
  const jd = parseRules(JSON.stringify([{ wallet: 'jd', prefixes: ['18'], lengths: [18], description: 'JD Pay 京东支付 (unverified format)' }]));

  test('a configured wallet is added and tried first', () => {
    const rules = mergeRules(REAL, jd);
    assert.deepEqual(rules.map((r) => r.wallet), ['jd', 'wechat', 'alipay', 'unionpay', 'qq']);
    assert.equal(wallet(detectWallet(code('18', 18), rules)), 'jd');
    assert.equal(wallet(detectWallet(code('18', 18), REAL)), null);
    assert.equal(wallet(detectWallet('134567890123456789', rules)), 'wechat');
  });

  test('a configured row for a built-in wallet replaces its built-in rows', () => {
    const narrower = parseRules('[{"wallet":"wechat","prefixes":["10-14"],"lengths":[18],"description":"WeChat, 15 withdrawn"}]');
    const rules = mergeRules(WITH_SANDBOX, narrower);
    assert.deepEqual(rules.map((r) => r.wallet), ['wechat', 'sandbox', 'alipay', 'unionpay', 'qq']);
    const d = detectWallet(code('10', 18), rules);
    assert.ok(d.ok && d.rule.description === 'WeChat, 15 withdrawn');
    assert.equal(wallet(detectWallet(code('15', 18), rules)), null, 'the built-in 10–15 row no longer applies');
    const wider = parseRules('[{"wallet":"alipay","prefixes":["25-30"],"lengths":["16-28"]}]');
    assert.equal(wallet(detectWallet(code('30', 28), mergeRules(REAL, wider))), 'alipay');
    assert.equal(wallet(detectWallet(code('30', 28), REAL)), null);
  });

  test('a configured rule can shadow part of another wallet, and the answer says so', () => {
    const hk = parseRules('[{"wallet":"alipay_hk","prefixes":["28"],"lengths":[18]}]');
    const d = detectWallet(code('28', 18), mergeRules(REAL, hk));
    assert.ok(d.ok && d.wallet === 'alipay_hk');
    assert.deepEqual(d.ok && d.shadows, ['alipay']);
    assert.ok(d.ok && d.rule.description === 'alipay_hk payment code', 'a default description');
  });

  test('several prefixes, several lengths, a leading zero, and a byte-order mark', () => {
    const rules = parseRules('\uFEFF[{"wallet":"ecny","prefixes":["01","0300-0309"],"lengths":[19, "21-22"]}]');
    assert.deepEqual(ruleSpec(rules[0]!), { wallet: 'ecny', prefixes: ['01', '0300-0309'], lengths: [19, '21-22'], description: 'ecny payment code' });
    assert.equal(describeRule(rules[0]!), '19 or 21–22 digits starting 01 or 0300–0309');
    for (const c of [code('01', 19), code('0305', 21), code('01', 22)]) assert.equal(wallet(detectWallet(c, rules)), 'ecny', c);
    for (const c of [code('01', 20), code('0310', 21), code('02', 19)]) assert.equal(wallet(detectWallet(c, rules)), null, c);
    assert.deepEqual(parseRules('[]'), []);
  });

  test('every built-in rule round-trips through the file format', () => {
    const table = [...WALLET_RULES, SANDBOX_RULE];
    assert.deepEqual(parseRules(JSON.stringify(table.map(ruleSpec))), table);
  });

  test('parseRules names the row and the field that is wrong', () => {
    const ok = { wallet: 'jd', prefixes: ['18'], lengths: [18] };
    const rows = (bad: Record<string, unknown>) => JSON.stringify([ok, { ...ok, ...bad }]);
    const cases: Array<[string, number | null, string | null, RegExp]> = [
      ['{not json', null, null, /not valid JSON/],
      ['{"wallet":"jd"}', null, null, /must be a JSON array of rules/],
      ['[1]', 1, null, /row 1: must be an object/],
      [JSON.stringify([ok, null]), 2, null, /row 2: must be an object/],
      [JSON.stringify([{ prefixes: ['18'], lengths: [18] }]), 1, 'wallet', /row 1, field "wallet": is missing/],
      [rows({ wallet: 'JD Pay' }), 2, 'wallet', /row 2 \("JD Pay"\), field "wallet": "JD Pay" is not a wallet name/],
      [rows({ wallet: 7 }), 2, 'wallet', /not a wallet name/],
      [rows({ prefixes: [] }), 2, 'prefixes', /row 2 \("jd"\), field "prefixes": must be a non-empty list/],
      [rows({ prefixes: '18' }), 2, 'prefixes', /non-empty list/],
      [rows({ prefixes: [18] }), 2, 'prefixes[0]', /field "prefixes\[0\]": must be a string .* leading zeros/],
      [rows({ prefixes: ['18', '1a'] }), 2, 'prefixes[1]', /"1a" is not a prefix/],
      [rows({ prefixes: ['15-10'] }), 2, 'prefixes[0]', /runs backwards/],
      [rows({ prefixes: ['1-15'] }), 2, 'prefixes[0]', /same number of digits/],
      [rows({ prefixes: ['10–15'] }), 2, 'prefixes[0]', /write digits like "62" or a range like "10-15"/],
      [rows({ prefixes: ['1234567890123'] }), 2, 'prefixes[0]', /longer than 12 digits/],
      [rows({ lengths: [] }), 2, 'lengths', /non-empty list/],
      [rows({ lengths: [0] }), 2, 'lengths[0]', /outside 1–64/],
      [rows({ lengths: [65] }), 2, 'lengths[0]', /outside 1–64/],
      [rows({ lengths: [18.5] }), 2, 'lengths[0]', /not a whole number/],
      [rows({ lengths: ['18'] }), 2, 'lengths[0]', /"18" is not a length/],
      [rows({ lengths: [18, '24-16'] }), 2, 'lengths[1]', /runs backwards/],
      [rows({ lengths: [null] }), 2, 'lengths[0]', /must be a number of digits/],
      [rows({ prefixes: ['1800'], lengths: [3] }), 2, 'lengths', /could never match/],
      [rows({ description: '' }), 2, 'description', /non-empty string/],
      [rows({ description: 5 }), 2, 'description', /non-empty string/],
      [rows({ source: 'blog' }), 2, 'source', /field "source": unknown field/],
    ];
    for (const [text, row, field, message] of cases) {
      const e = ruleError(text);
      assert.equal(e.row, row, text);
      assert.equal(e.field, field, text);
      assert.match(e.message, message, text);
    }
  });
});

describe('the API error for a refused code', () => {
  test('invalid_payment_code, 400, with the reason in details and in Chinese', () => {
    assert.equal(ERROR_STATUS.invalid_payment_code, 400);
    const e = paycodeError(failure(detectWallet('6901028075831', REAL)));
    assert.equal(e.code, 'invalid_payment_code');
    assert.equal(e.status, 400);
    assert.equal(e.details?.reason, 'product_barcode');
    assert.equal(e.details?.format, 'EAN-13');
    assert.equal('code' in (e.details ?? {}), false, 'the code itself is not echoed');
    assert.match(localize('invalid_payment_code', e.message, 'zh-Hans', e.details), /商品条码/);
    assert.match(localize('invalid_payment_code', e.message, 'zh-Hant', e.details), /商品條碼/);
    const url = paycodeError(failure(detectWallet('https://qr.alipay.com/x', REAL)));
    assert.match(localize('invalid_payment_code', url.message, 'zh-Hans', url.details), /网址或收款码/);
    const other = paycodeError(failure(detectWallet(code('99', 18), REAL)));
    assert.match(localize('invalid_payment_code', other.message, 'zh-Hans', other.details), /无法识别/);
    assert.match(localize('invalid_payment_code', other.message, 'zh-Hant', other.details), /無法辨識/);
  });
});

describe('properties', () => {
  const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.stringMatching(/^[\s0-9a-z:/.\-]{0,40}$/));
  const digit = fc.constantFrom(...'0123456789');
  const digits = fc.oneof(
    fc.string({ unit: digit, maxLength: 40 }),
    // half of them start at or next to a wallet's prefix, so matches and near misses are common
    fc.tuple(fc.constantFrom('09', '10', '13', '15', '16', '24', '25', '28', '30', '31', '61', '62', '63', '90', '91', '92', '01', '18'), fc.string({ unit: digit, minLength: 12, maxLength: 24 }))
      .map(([p, rest]) => p + rest),
  );

  test('detectWallet never throws, whatever it is given', () => {
    fc.assert(fc.property(fc.oneof(anyText, fc.anything()), (input) => {
      const d = detectWallet(input, WITH_SANDBOX);
      assert.ok(d.ok ? WITH_SANDBOX.includes(d.rule) : d.message.length > 0);
    }), { numRuns: 2000 });
  });

  test('any digit string matches exactly one real wallet or is refused', () => {
    fc.assert(fc.property(digits, (c) => {
      const matches = matchingRules(c, REAL);
      const d = detectWallet(c, REAL);
      assert.ok(matches.length <= 1);
      if (matches.length === 1) assert.ok(d.ok && d.wallet === matches[0]!.wallet && d.shadows.length === 0);
      else assert.equal(d.ok, false);
    }), { numRuns: 5000 });
  });

  test('with the sandbox on, the first matching rule wins and the only overlap is sandbox over Alipay', () => {
    fc.assert(fc.property(digits, (c) => {
      const matches = matchingRules(c, WITH_SANDBOX);
      const d = detectWallet(c, WITH_SANDBOX);
      if (matches.length === 0) return assert.equal(d.ok, false);
      assert.ok(d.ok && d.rule === matches[0]);
      if (matches.length > 1) assert.deepEqual(matches.map((r) => r.wallet), ['sandbox', 'alipay']);
    }), { numRuns: 5000 });
  });

  test('any valid configured table parses, round-trips, and its rules are tried before the built-in ones', () => {
    const prefix = fc.integer({ min: 1, max: 3 }).chain((w) => fc.tuple(fc.integer({ min: 0, max: 10 ** w - 1 }), fc.integer({ min: 0, max: 10 ** w - 1 }))
      .map(([a, b]) => {
        const [lo, hi] = [String(Math.min(a, b)).padStart(w, '0'), String(Math.max(a, b)).padStart(w, '0')];
        return lo === hi ? lo : `${lo}-${hi}`;
      }));
    const length = fc.tuple(fc.integer({ min: 3, max: 30 }), fc.integer({ min: 3, max: 30 })).map(([a, b]) => (a === b ? a : `${Math.min(a, b)}-${Math.max(a, b)}`));
    const spec = fc.record({
      wallet: fc.constantFrom('jd', 'baidu', 'ecny', 'wechat', 'alipay', 'x_1'),
      prefixes: fc.array(prefix, { minLength: 1, maxLength: 3 }),
      lengths: fc.array(length, { minLength: 1, maxLength: 3 }),
      description: fc.constantFrom('a wallet', '某钱包'),
    });
    fc.assert(fc.property(fc.array(spec, { maxLength: 4 }), digits, (specs, c) => {
      const extra = parseRules(JSON.stringify(specs));
      assert.deepEqual(extra.map(ruleSpec), JSON.parse(JSON.stringify(specs)));
      const rules: PaycodeRule[] = mergeRules(WITH_SANDBOX, extra);
      const matches = matchingRules(c, rules);
      const d = detectWallet(c, rules);
      assert.equal(d.ok, matches.length > 0);
      if (d.ok) assert.equal(d.rule, matches[0]);
      if (d.ok && matchingRules(c, extra).length) assert.ok(extra.includes(d.rule), 'a configured rule that matches wins');
    }), { numRuns: 2000 });
  });

  test('compileRules never throws anything but PaycodeRuleError', () => {
    fc.assert(fc.property(fc.anything(), (value) => {
      try {
        compileRules(value);
      } catch (e) {
        assert.ok(e instanceof PaycodeRuleError, String(e));
      }
    }), { numRuns: 2000 });
  });
});
