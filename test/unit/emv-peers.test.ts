import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import generatePromptPay from 'promptpay-qr';
import { buildMpm, encodeObjects, type MpmInput } from '../../src/emv/encode.ts';
import { decodePayload } from '../../src/emv/decode.ts';
import { CURRENCY_NUMERIC } from '../../src/emv/currency.ts';
import { CURRENCIES, type Currency } from '../../src/core/money.ts';

/**
 * Cross-checks against two independent implementations, installed as devDependencies only:
 * - promptpay-qr 0.5.0 (generator): what it produces, Saoma must read with the right amount and scheme,
 *   and Saoma's encoder given the same data objects must produce it character for character;
 * - emvqr 0.0.5 (decoder, plain CommonJS without types): what Saoma builds, it must read with the same
 *   fields. Its known limits are pinned here too, so a change in either library shows.
 */

interface EmvqrItem { id: string; name?: string; len: number; data: string | Record<string, EmvqrItem> }
type EmvqrResult = Record<string, EmvqrItem>;
const require = createRequire(import.meta.url);
const emvqr = require('emvqr') as { decode(payload: string): EmvqrResult };
const emvqrCurrencies = require('emvqr/emvqr/currencies.json') as Array<{ code: string; decimals: number; number: string }>;

const sub = (item: EmvqrItem | undefined, id: string): string | undefined => {
  const data = item?.data;
  if (data === undefined || typeof data === 'string') return undefined;
  const inner = data[id]?.data;
  return typeof inner === 'string' ? inner : undefined;
};

describe('peer: promptpay-qr generates, Saoma decodes', () => {
  const cases: Array<[string, { amount?: number }, number | undefined, string, string]> = [
    // target, options, amount in satang, PromptPay sub-field, its value
    ['0812345678', {}, undefined, 'Mobile Number', '0066812345678'],
    ['081-234-5678', { amount: 4.22 }, 422, 'Mobile Number', '0066812345678'],
    ['0899999999', { amount: 0.01 }, 1, 'Mobile Number', '0066899999999'],
    ['1234567890123', { amount: 1000 }, 100000, 'National ID / Tax ID', '1234567890123'],
    ['1-2345-67890-12-3', { amount: 999999.99 }, 99999999, 'National ID / Tax ID', '1234567890123'],
    ['004999000288505', { amount: 25.5 }, 2550, 'E-Wallet ID', '004999000288505'],
  ];
  for (const [target, options, minor, field, value] of cases) {
    test(`${target} ${JSON.stringify(options)}`, () => {
      const payload = generatePromptPay(target, options);
      const d = decodePayload(payload);
      assert.deepEqual(d.schemes.map((s) => s.id), ['promptpay']);
      assert.equal(d.schemes[0]!.fields[field], value);
      assert.equal(d.amount?.minor, minor);
      assert.equal(d.amount?.currency, minor === undefined ? undefined : 'THB');
      assert.equal(d.currency?.alpha, 'THB');
      assert.equal(d.pointOfInitiation?.kind, minor === undefined ? 'static' : 'dynamic');
      // Saoma's encoder, given the same data objects in the same order, writes the same payload.
      assert.equal(encodeObjects(d.objects.map((o) => ({ id: o.id, value: o.value }))), payload);
    });
  }

  test('the amount it writes with toFixed(2) is read exactly, without floats', () => {
    for (const baht of [0.1, 0.29, 1.005, 19.99, 123456.78]) {
      const d = decodePayload(generatePromptPay('0812345678', { amount: baht }));
      assert.equal(d.amount!.minor, Number(d.amount!.text.replace('.', '')), `${baht} → ${d.amount!.text}`);
    }
    // Its float input is the caller's problem, not the payload's: 1.005 baht is written "1.00".
    assert.equal(decodePayload(generatePromptPay('0812345678', { amount: 1.005 })).amount!.text, '1.00');
  });
});

describe('peer: Saoma builds, emvqr decodes with the same fields', () => {
  // emvqr looks 52, 53 and 58 up in its own tables and crashes on a code missing there (MCC "0000" is),
  // so these use MCCs it lists.
  const inputs: Array<[string, MpmInput]> = [
    ['promptpay', { initiation: 'dynamic', currency: 'THB', amount: 4220, merchantCategoryCode: '5812', country: 'TH', merchantName: 'KHAO MAN KAI', merchantCity: 'BANGKOK', accounts: [{ scheme: 'promptpay', mobile: '0812345678' }], additionalData: { billNumber: 'INV-001', terminalLabel: 'POS1' } }],
    ['paynow', { initiation: 'dynamic', currency: 'SGD', amount: 1050, merchantCategoryCode: '5814', country: 'SG', merchantName: 'KOPI STALL', merchantCity: 'Singapore', accounts: [{ scheme: 'paynow', proxyType: 'uen', proxy: '201403121W', expiresOn: '2030-12-31' }] }],
    ['vietqr', { initiation: 'dynamic', currency: 'VND', amount: 79000, merchantCategoryCode: '5411', country: 'VN', merchantName: 'CUA HANG', merchantCity: 'HA NOI', accounts: [{ scheme: 'vietqr', bin: '970415', account: '113366668888' }], additionalData: { purposeOfTransaction: 'Ung Ho Quy Vac Xin' } }],
    ['duitnow', { initiation: 'static', currency: 'MYR', merchantCategoryCode: '5812', country: 'MY', merchantName: 'KEDAI MAKAN', merchantCity: 'BANGI', accounts: [{ scheme: 'duitnow', acquirerId: '501664', merchantId: '123456789' }] }],
    ['qris', { initiation: 'dynamic', currency: 'IDR', amount: 1500000, merchantCategoryCode: '5812', country: 'ID', merchantName: 'WARUNG', merchantCity: 'JAKARTA', accounts: [{ scheme: 'qris', nmid: 'ID1020021181745', criteria: 'UMI' }] }],
    ['unionpay (cny, chinese alternate name)', { initiation: 'dynamic', currency: 'CNY', amount: 1250, merchantCategoryCode: '5812', country: 'CN', merchantName: 'NIGHT MARKET', merchantCity: 'SHANGHAI', accounts: [{ scheme: 'unionpay', acquirerIin: '25000344', forwardingIin: '00010344', merchantId: '500034453110001' }], language: { preference: 'ZH', merchantName: '夜市小吃', merchantCity: '上海' } }],
  ];
  for (const [label, input] of inputs) {
    test(label, () => {
      const payload = buildMpm(input);
      const ours = decodePayload(payload);
      const theirs = emvqr.decode(payload); // throws on a CRC it disagrees with
      for (const o of ours.objects) {
        const t = theirs[o.id];
        assert.ok(t, `emvqr has tag ${o.id}`);
        assert.equal(t.len, o.length, `tag ${o.id} length`);
        if (typeof t.data === 'string') {
          // emvqr appends descriptions to 52, 53 and 58 ("156 (CNY)"); the code comes first.
          assert.equal(t.data.split(' (')[0], o.value, `tag ${o.id}`);
        } else {
          for (const c of o.children ?? []) assert.equal(sub(t, c.id), c.value, `tag ${o.id}.${c.id}`);
        }
      }
      assert.equal(theirs['53']!.data, `${CURRENCY_NUMERIC[input.currency as Currency]} (${input.currency})`);
      if (input.amount !== undefined) assert.equal(theirs['54']!.data, ours.amount!.text);
    });
  }

  test('the specification sample reads the same in both', () => {
    const payload = '00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A';
    const theirs = emvqr.decode(payload);
    const ours = decodePayload(payload);
    for (const o of ours.objects) assert.equal(theirs[o.id]!.len, o.length, o.id);
    assert.equal(sub(theirs['62'], '07'), 'A6008667');
    assert.equal(theirs['64']!.data, '0002ZH0104最佳运输0202北京');
  });

  test('emvqr\'s limits, pinned: UTF-16 lengths and a CRC padded to an even number of digits', () => {
    // A character outside the BMP is one EMVCo character but two UTF-16 units; emvqr slices by units.
    const astral = encodeObjects([{ id: '00', value: '01' }, { id: '01', value: '11' }, { id: '59', value: '𠮷野家' }, { id: '60', value: 'TOKYO' }]);
    assert.equal(decodePayload(astral).merchantName, '𠮷野家');
    let theirs: EmvqrResult | undefined;
    try {
      theirs = emvqr.decode(astral);
    } catch {
      theirs = undefined;
    }
    assert.notEqual(theirs?.['59']?.data, '𠮷野家');
    // A valid payload whose CRC is below 0x0100 ("00xx"): emvqr computes "xx" and calls it invalid.
    let low = '';
    for (let n = 0; n < 200_000 && !low; n++) {
      const p = encodeObjects([{ id: '00', value: '01' }, { id: '01', value: '11' }, { id: '62', children: [{ id: '01', value: String(n) }] }]);
      if (p.slice(-4).startsWith('00')) low = p;
    }
    assert.ok(low, 'found a payload with CRC 00xx');
    assert.equal(decodePayload(low).crc.slice(0, 2), '00');
    assert.throws(() => emvqr.decode(low), /checksum validation failed/);
  });

  test('currency numeric codes and exponents agree with emvqr\'s ISO 4217 table', () => {
    for (const c of Object.keys(CURRENCIES) as Currency[]) {
      const row = emvqrCurrencies.find((r) => r.code === c);
      assert.ok(row, c);
      assert.equal(row.number.padStart(3, '0'), CURRENCY_NUMERIC[c], `${c} numeric`);
      assert.equal(row.decimals, CURRENCIES[c], `${c} exponent`);
    }
  });
});
