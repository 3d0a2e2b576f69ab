import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { crc16, utf8Bytes } from '../../src/emv/crc.ts';
import { decodePayload, type DataObject } from '../../src/emv/decode.ts';
import { buildMpm, encodeObjects, type EmvNode } from '../../src/emv/encode.ts';
import { CURRENCY_NUMERIC, currencyFromNumeric } from '../../src/emv/currency.ts';
import { CURRENCIES, type Currency } from '../../src/core/money.ts';
import { localize } from '../../src/core/messages.ts';
import { throwsSaoma } from './helpers.ts';

/** Appends 6304 and the CRC, so malformed cases fail for the reason under test and not the checksum. */
function withCrc(body: string): string {
  return `${body}6304${crc16(`${body}6304`)}`;
}

/** The error message for a payload that must be refused (code invalid_emv_payload, status 400). */
function refused(payload: string, options?: Parameters<typeof decodePayload>[1]): string {
  return throwsSaoma(() => decodePayload(payload, options), 'invalid_emv_payload').message;
}

/** The decoder's objects as encoder input: what `saoma emv decode | saoma emv encode` does. */
function asNodes(objects: readonly DataObject[]): EmvNode[] {
  return objects.filter((o) => o.id !== '63').map((o) => (o.children && o.known ? { id: o.id, children: asNodes(o.children) } : { id: o.id, value: o.value }));
}

// EMV QRCPS Merchant-Presented Mode, the specification's own example (also in the emvqr README and
// research/channels.md §3.4, vector E-1). Its template 64 holds Chinese: 20 characters, 32 bytes.
const SPEC_SAMPLE =
  '00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A';

describe('EMV CRC-16/CCITT-FALSE (research/channels.md vector E-1)', () => {
  test('the standard check value and the published payload CRCs', () => {
    assert.equal(crc16('123456789'), '29B1');
    const vectors: Array<[string, string]> = [
      [SPEC_SAMPLE, 'A13A'],
      // promptpay-qr 0.5.0 output for 0812345678, no amount (research §3.4).
      ['00020101021129370016A000000677010111011300668123456785802TH53037646304', '5D82'],
      // DuitNow: Masjid Negara's public donation QR (khrnchn/sedekah-je), research §3.4 "Real DuitNow payload".
      ['00020201021126420014A000000615000101066033460210MD001295465204939953034585802MY5913MASJID NEGARA6002MY627303251704936237869008996045430052017072988178750084448071617049359619050076304', 'FD9C'],
      // BharatQR: PayU's static BharatQR example, research §3.4 "Real BharatQR payload".
      ['000201010211021644038470007469080415522024070007469061661000307000746960825HDFC00006225020001855322626470010A0000005240129yellowqr.payutest.94@hdfcbank27370010A0000005240119STQ9y45z1cv3z5450925204569153033565802IN5910vendorName6010vendorCity610650017262350519STQ9y45z1cv3z545092070870007469630417EF', '17EF'],
    ];
    for (const [payload, crc] of vectors) {
      const body = payload.endsWith(crc) ? payload.slice(0, -4) : payload;
      assert.ok(body.endsWith('6304'));
      assert.equal(crc16(body), crc, body.slice(0, 40));
    }
  });

  test('the spec sample byte for byte: CRC over UTF-8 bytes, lengths over characters', () => {
    const body = SPEC_SAMPLE.slice(0, -4);
    const chars = Array.from(SPEC_SAMPLE).length;
    // 最佳运输北京: six 3-byte characters.
    assert.equal(utf8Bytes(SPEC_SAMPLE).length, chars + 12);
    assert.deepEqual(utf8Bytes('最'), [0xe6, 0x9c, 0x80]);
    assert.deepEqual(utf8Bytes('𠮷'), [0xf0, 0xa0, 0xae, 0xb7]);
    assert.equal(crc16(body), 'A13A');
    // Re-encoding the decoded objects in their order gives the same payload, character for character.
    const decoded = decodePayload(SPEC_SAMPLE);
    assert.equal(encodeObjects(asNodes(decoded.objects)), SPEC_SAMPLE);
  });

  test('always four digits, zero-padded', () => {
    // Searched for: a body whose CRC is below 0x1000 (emv-qrcps would print three digits here).
    let n = 0;
    let crc = '';
    for (; n < 100_000; n++) {
      crc = crc16(`000201010211${`0105${String(n).padStart(5, '0')}`}6304`);
      if (crc.startsWith('0')) break;
    }
    assert.match(crc, /^0[0-9A-F]{3}$/);
  });
});

describe('EMV decode', () => {
  test('the spec sample: every data object, nested ones too, with names and character offsets', () => {
    const d = decodePayload(SPEC_SAMPLE);
    assert.deepEqual(d.objects.map((o) => o.id), ['00', '01', '29', '31', '52', '58', '59', '60', '64', '54', '53', '55', '62', '91', '63']);
    const lang = d.objects.find((o) => o.id === '64')!;
    assert.equal(lang.name, 'Merchant Information — Language Template');
    assert.equal(lang.length, 20);
    assert.deepEqual(lang.children!.map((c) => [c.id, c.name, c.value, c.offset]), [
      ['00', 'Language Preference', 'ZH', lang.offset + 4],
      ['01', 'Merchant Name — Alternate Language', '最佳运输', lang.offset + 10],
      ['02', 'Merchant City — Alternate Language', '北京', lang.offset + 18],
    ]);
    const amount = d.objects.find((o) => o.id === '54')!;
    assert.equal(amount.name, 'Transaction Amount');
    // Offsets count characters: the four Chinese characters before it count once each.
    assert.equal(Array.from(SPEC_SAMPLE).slice(amount.offset, amount.offset + 4).join(''), '5405');
    assert.deepEqual(d.amount, { text: '23.72', minor: 2372, currency: 'CNY' });
    assert.deepEqual(d.currency, { numeric: '156', alpha: 'CNY' });
    assert.deepEqual(d.pointOfInitiation, { code: '12', kind: 'dynamic' });
    assert.equal(d.country, 'CN');
    assert.equal(d.merchantName, 'BEST TRANSPORT');
    assert.equal(d.merchantCity, 'BEIJING');
    assert.deepEqual(d.alternateLanguage, { language: 'ZH', merchantName: '最佳运输', merchantCity: '北京' });
    assert.deepEqual(d.objects.find((o) => o.id === '62')!.children!.map((c) => [c.id, c.name, c.value]), [
      ['03', 'Store Label', '1234'], ['06', 'Customer Label', '***'], ['07', 'Terminal Label', 'A6008667'], ['09', 'Additional Consumer Data Request', 'ME'],
    ]);
    const unreserved = d.objects.find((o) => o.id === '91')!;
    assert.equal(unreserved.name, 'Unreserved Template');
    assert.deepEqual(unreserved.children!.map((c) => c.id), ['00', '07']);
    assert.equal(d.crc, 'A13A');
    assert.deepEqual(d.warnings, []);
    assert.deepEqual(d.schemes, []);
  });

  test('numeric currency to alpha for every currency Saoma settles in, and back', () => {
    assert.equal(currencyFromNumeric('156'), 'CNY');
    assert.equal(currencyFromNumeric('764'), 'THB');
    assert.equal(currencyFromNumeric('999'), undefined);
    for (const c of Object.keys(CURRENCIES) as Currency[]) {
      assert.match(CURRENCY_NUMERIC[c], /^\d{3}$/);
      assert.equal(currencyFromNumeric(CURRENCY_NUMERIC[c]), c);
    }
  });

  test('amount in minor units with the currency exponent from money.ts', () => {
    const make = (numeric: string, amount: string) => decodePayload(withCrc(`000201010212${`5303${numeric}`}54${String(amount.length).padStart(2, '0')}${amount}5802XX`)).amount;
    assert.deepEqual(make('392', '500'), { text: '500', minor: 500, currency: 'JPY' });
    assert.deepEqual(make('414', '1.234'), { text: '1.234', minor: 1234, currency: 'KWD' });
    assert.deepEqual(make('156', '12.5'), { text: '12.5', minor: 1250, currency: 'CNY' });
    assert.deepEqual(make('704', '120000'), { text: '120000', minor: 120000, currency: 'VND' });
    // An amount with the largest 13 characters stays exact (no float touches it).
    assert.deepEqual(make('156', '99999999999.9'), { text: '99999999999.9', minor: 9999999999990, currency: 'CNY' });
    // A currency Saoma does not settle in: read, not converted.
    assert.deepEqual(make('418', '1000'), { text: '1000' });
  });

  test('character counts: Chinese, Thai and characters outside the BMP count one each', () => {
    const thai = 'ร้านข้าวมันไก่'; // 14 code points (tone marks and vowels are characters of their own)
    const yoshinoya = '𠮷野家'; // 𠮷 is U+20BB7: 2 UTF-16 units, 1 character, 4 UTF-8 bytes
    assert.equal(Array.from(thai).length, 14);
    assert.equal(yoshinoya.length, 4);
    const payload = buildMpm({
      initiation: 'dynamic', currency: 'THB', amount: 4500, country: 'TH', merchantName: 'KHAO MAN KAI', merchantCity: 'BANGKOK',
      accounts: [{ scheme: 'promptpay', mobile: '0812345678' }],
      language: { preference: 'TH', merchantName: thai, merchantCity: 'กรุงเทพ' },
    });
    // 64 holds 35 characters: 0002TH (6) + 0114 and 14 Thai characters (18) + 0207 and 7 (11).
    assert.ok(payload.includes(`6435` + `0002TH` + `0114${thai}` + `0207กรุงเทพ`), payload);
    const d = decodePayload(payload);
    assert.equal(d.alternateLanguage?.merchantName, thai);
    const cjk = buildMpm({
      initiation: 'static', currency: 'CNY', country: 'CN', merchantName: yoshinoya, merchantCity: '北京',
      accounts: [{ scheme: 'other', tag: '26', children: [{ id: '00', value: 'A000000333010101' }] }],
    });
    assert.ok(cjk.includes(`5903${yoshinoya}6002北京`), cjk);
    const back = decodePayload(cjk);
    assert.equal(back.merchantName, yoshinoya);
    assert.equal(back.objects.find((o) => o.id === '59')!.length, 3);
    // Chinese in 59 is read, with a note that EMVCo puts other scripts in template 64.
    assert.ok(back.warnings.some((w) => w.startsWith('tag 59 at offset')));
    // 25 Chinese characters fit tag 59; 26 do not.
    const base = { initiation: 'static' as const, currency: 'CNY', country: 'CN', merchantCity: 'SHANGHAI', accounts: [{ scheme: 'unionpay' as const, acquirerIin: '12345678', forwardingIin: '87654321', merchantId: '123456789012345' }] };
    assert.equal(decodePayload(buildMpm({ ...base, merchantName: '夜'.repeat(25) })).merchantName, '夜'.repeat(25));
    assert.match(throwsSaoma(() => buildMpm({ ...base, merchantName: '夜'.repeat(26) }), 'invalid_emv_payload').message, /merchantName must be 1 to 25 characters \(EMVCo\), got 26/);
  });
});

describe('EMV malformed payloads: refused, naming the tag and the character offset', () => {
  const good = encodeObjects([
    { id: '00', value: '01' }, { id: '01', value: '12' },
    { id: '26', children: [{ id: '00', value: 'SG.PAYNOW' }, { id: '01', value: '2' }, { id: '02', value: '201403121W' }] },
    { id: '52', value: '0000' }, { id: '53', value: '702' }, { id: '54', value: '12.50' }, { id: '58', value: 'SG' },
    { id: '59', value: 'SHOP' }, { id: '60', value: 'SINGAPORE' },
  ]);

  test('the good payload decodes (the cases below each break one thing)', () => {
    const d = decodePayload(good);
    assert.equal(d.amount?.minor, 1250);
    assert.deepEqual(d.schemes.map((s) => s.id), ['paynow']);
  });

  test('length digits that are not digits', () => {
    const bad = good.replace('540512.50', '54A512.50');
    const offset = good.indexOf('540512.50');
    assert.equal(refused(bad), `tag 54 at offset ${offset}: length "A5" is not two digits`);
  });

  test('an ID that is not two digits, and length 00', () => {
    assert.equal(refused(good.replace('5802SG', 'X802SG')), `offset ${good.indexOf('5802SG')}: ID "X8" in the payload is not two digits`);
    assert.match(refused(withCrc('0002010102125900')), /^tag 59 at offset 12: length 00; a data object holds at least one character$/);
  });

  test('truncated: a length that runs past the end of the payload', () => {
    const cut = good.slice(0, good.indexOf('540512.50') + 7);
    assert.equal(refused(cut), `tag 54 at offset ${good.indexOf('540512.50')}: length 05 runs past the end of the payload (3 characters left)`);
    assert.equal(refused('000201010'), 'offset 6: "010" is left at the end of the payload, too short for an ID and a length');
    assert.equal(refused(''), 'the payload is empty');
  });

  test('a wrong CRC names both values; a lowercase CRC is accepted', () => {
    const wrong = `${good.slice(0, -4)}1A2B`;
    assert.equal(refused(wrong), `tag 63 at offset ${good.length - 8}: CRC is 1A2B, payload computes ${good.slice(-4)}`);
    const lower = `${good.slice(0, -4)}${good.slice(-4).toLowerCase()}`;
    assert.equal(decodePayload(lower).crc, good.slice(-4).toLowerCase());
    assert.match(refused(`${good.slice(0, -4)}12G4`), /^tag 63 at offset \d+: the CRC must be 4 hex digits, found "12G4"$/);
    // One changed character anywhere is caught.
    assert.match(refused(good.replace('SHOP', 'SHOQ')), /^tag 63 at offset \d+: CRC is [0-9A-F]{4}, payload computes [0-9A-F]{4}$/);
  });

  test('00 must come first with "01"; 63 must come last', () => {
    assert.equal(refused(withCrc('010212000201')), 'tag 00 at offset 0: the payload must start with the payload format indicator (000201), but starts with tag 01');
    assert.equal(refused(withCrc('000202010212')), 'tag 00 at offset 0: payload format indicator is "02", expected "01"');
    assert.equal(decodePayload(withCrc('000202010212'), { payloadFormats: ['01', '02'] }).payloadFormatIndicator, '02');
    assert.equal(refused('0002010102125802SG'), 'tag 63 missing: the payload must end with the CRC (6304 and four hex digits); its last data object is tag 58 at offset 12');
    const crcThenMore = `${good}5802SG`;
    assert.equal(refused(crcThenMore), `tag 63 at offset ${good.length - 8}: the CRC must be the last data object, but tag 58 at offset ${good.length} follows`);
  });

  test('a template whose data objects overflow it', () => {
    // Template 26 is 19 characters, but its sub-tag 01 (at 29) claims 20 with 2 left.
    const body = '000201010212' + '2619' + '0009SG.PAYNOW' + '0120ab' + '5303702';
    const e = throwsSaoma(() => decodePayload(withCrc(body)), 'invalid_emv_payload');
    assert.equal(e.message, 'tag 26 at offset 12, sub-tag 01 at offset 29: length 20 runs past the end of template 26 (2 characters left)');
    assert.deepEqual(e.details, { tag: '26', offset: 12, subTag: '01', subTagOffset: 29 });
    // Template 62 with a sub-tag cut short.
    assert.equal(refused(withCrc('000201010212' + '6207' + '050ABCD')), 'tag 62 at offset 12, sub-tag 05 at offset 16: length "0A" is not two digits');
    // A repeated sub-tag inside a template.
    assert.equal(refused(withCrc('00020101021262140503abc0503def')), 'tag 62 at offset 12, sub-tag 05 at offset 23: appears twice in the template (first at offset 16)');
  });

  test('a repeated root tag is refused: a phone and Saoma could read different amounts', () => {
    assert.equal(refused(withCrc('0002010102125303156540510.00540599.00')), 'tag 54 at offset 28: appears twice (first at offset 19)');
  });

  test('amounts that are not plain decimals, or have more decimals than the currency', () => {
    assert.equal(refused(withCrc('00020101021253031565408'+'1,000.00')), 'tag 54 at offset 19: amount "1,000.00" is not a decimal of up to 13 characters with "." as the decimal point');
    assert.equal(refused(withCrc('000201010212530339254041.50')), 'tag 54 at offset 19: amount 1.50 has 2 decimals but JPY has 0');
    assert.equal(refused(withCrc('0002010102125303A5654041.50')), 'tag 53 at offset 12: currency "A56" is not a 3-digit ISO 4217 numeric code');
  });

  test('unknown and reserved tags are kept, marked unknown', () => {
    const payload = withCrc('000201010211' + '6503abc' + '2004wxyz' + '6213' + '0503***' + '2002zz' + '6411' + '0002ZH' + '9901q');
    const d = decodePayload(payload);
    const rfu = d.objects.find((o) => o.id === '65')!;
    assert.deepEqual([rfu.name, rfu.known, rfu.value, rfu.offset], ['RFU for EMVCo', false, 'abc', 12]);
    const reserved = d.objects.find((o) => o.id === '20')!;
    assert.deepEqual([reserved.name, reserved.known], ['Merchant Account Information (reserved for EMVCo)', false]);
    const sub = d.objects.find((o) => o.id === '62')!.children!.find((c) => c.id === '20')!;
    assert.deepEqual([sub.name, sub.known, sub.value], ['RFU for EMVCo', false, 'zz']);
    const langRfu = d.objects.find((o) => o.id === '64')!.children!.find((c) => c.id === '99')!;
    assert.equal(langRfu.known, false);
  });

  test('an unreserved template (80–99) that is not TLV is kept as a value, with a warning', () => {
    // DuitNow codes in circulation carry a 32-hex-digit signature in root tag 82.
    const d = decodePayload(withCrc('000201010211' + '823247FCECA2796DDB8C0D63753C1131BD85'));
    const sig = d.objects.find((o) => o.id === '82')!;
    assert.equal(sig.children, undefined);
    assert.equal(sig.value, '47FCECA2796DDB8C0D63753C1131BD85');
    assert.ok(d.warnings.some((w) => w.startsWith('tag 82 at offset 12 is kept as a plain value')));
  });

  test('the error is a SaomaError 400 with details, and reads in Chinese with the tag and offset', () => {
    const e = throwsSaoma(() => decodePayload(`${good.slice(0, -4)}1A2B`), 'invalid_emv_payload');
    assert.equal(e.status, 400);
    assert.equal(e.details?.tag, '63');
    assert.equal(localize(e.code, e.message, 'zh-Hans', e.details), `二维码内容不符合 EMVCo 格式（标签 63，第 ${good.length - 8} 个字符处）。`);
    assert.equal(localize(e.code, e.message, 'zh-Hant', e.details), `二維碼內容不符合 EMVCo 格式（標籤 63，第 ${good.length - 8} 個字元處）。`);
    assert.equal(localize('invalid_emv_payload', 'x', 'zh-Hans', undefined), '二维码内容不符合 EMVCo 格式。');
  });
});

describe('EMV encode', () => {
  test('from JSON: lengths in characters, CRC computed, templates nested', () => {
    const payload = encodeObjects([
      { id: '00', value: '01' },
      { id: '01', value: '12' },
      { id: '38', children: [{ id: '00', value: 'A000000727' }, { id: '01', children: [{ id: '00', value: '970415' }, { id: '01', value: '0011001932418' }] }, { id: '02', value: 'QRIBFTTA' }] },
      { id: '53', value: '704' },
      { id: '54', value: '120000' },
      { id: '58', value: 'VN' },
      { id: '62', children: [{ id: '08', value: 'ung ho lu lut' }] },
    ]);
    // subiz/vietqr README: vietqr.Generate(120000, "970415", "0011001932418", "ủng hộ lũ lụt").
    assert.equal(payload, '00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA530370454061200005802VN62170813ung ho lu lut6304C15C');
    assert.equal(encodeObjects([{ id: '00', value: '01' }, { id: '59', value: '最佳运输' }]), withCrc('0002015904最佳运输'));
  });

  test('decode output (with its informational fields and its CRC) encodes back to the same payload', () => {
    const d = decodePayload(SPEC_SAMPLE);
    const json = JSON.parse(JSON.stringify(d.objects));
    assert.equal(encodeObjects(json), SPEC_SAMPLE);
  });

  test('bad structure is refused with the path and the tag', () => {
    const cases: Array<[unknown, string]> = [
      [{ id: '00' }, 'expected a JSON array of data objects like [{"id":"00","value":"01"}, …]'],
      [[{ id: '01', value: '12' }], 'objects[0] must be tag 00, the payload format indicator {"id":"00","value":"01"}'],
      [[{ id: '00', value: '01' }, { id: '5', value: 'x' }], 'objects[1]: "id" must be two digits as a string, e.g. "54"'],
      [[{ id: '00', value: '01' }, { id: '54', value: 12.5 }], 'objects[1] (tag 54): "value" must be a string (amounts too: "12.50")'],
      [[{ id: '00', value: '01' }, { id: '59', value: '' }], 'objects[1] (tag 59): value is empty; a data object holds at least one character'],
      [[{ id: '00', value: '01' }, { id: '59', value: 'x'.repeat(100) }], 'objects[1] (tag 59): value is 100 characters; a length field holds at most 99'],
      [[{ id: '00', value: '01' }, { id: '62', children: [{ id: '05', value: 'y'.repeat(96) }] }], 'objects[1] (tag 62): value is 100 characters; a length field holds at most 99'],
      [[{ id: '00', value: '01' }, { id: '54', children: [{ id: '00', value: '1' }] }], 'objects[1] (tag 54): tag 54 is not a template; give it a "value"'],
      [[{ id: '00', value: '01' }, { id: '62', children: [{ id: '05' }] }], 'objects[1] (tag 62) children[0] (sub-tag 05): needs "value" (a string) or "children"'],
      [[{ id: '00', value: '01' }, { id: '62', children: [{ id: '05', value: 'a' }, { id: '05', value: 'b' }] }], 'objects[1] (tag 62): sub-tag 05 appears twice'],
      [[{ id: '00', value: '01' }, { id: '59', value: 'A' }, { id: '59', value: 'B' }], 'objects[2] (tag 59): appears twice'],
      [[{ id: '00', value: '01' }, { id: '63', value: 'ABCD' }, { id: '59', value: 'B' }], 'objects[1] (tag 63): the CRC goes last; leave it out and it is computed'],
      [[{ id: '00', value: '01', colour: 'red' }], 'objects[0]: unknown field "colour"'],
    ];
    for (const [input, message] of cases) assert.equal(throwsSaoma(() => encodeObjects(input), 'invalid_emv_payload').message, message);
  });

  test('round trip: any tree of data objects with any characters decodes to itself', () => {
    const text = fc.string({ unit: fc.constantFrom('A', 'z', '9', ' ', '*', '最', '佳', 'ร', '้', 'é', '𠮷', '😀'), minLength: 1, maxLength: 20 });
    const subId = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
    const template = fc.uniqueArray(fc.record({ id: subId, value: text }), { minLength: 1, maxLength: 3, selector: (n) => n.id });
    const rootPrimitive = fc.constantFrom('01', '02', '15', '52', '58', '59', '60', '61', '65');
    const root = fc.uniqueArray(
      fc.oneof(
        fc.record({ id: rootPrimitive, value: text }),
        fc.record({ id: fc.constantFrom('26', '38', '51', '62', '64', '99'), children: template }),
      ),
      { maxLength: 6, selector: (n) => n.id },
    );
    fc.assert(fc.property(root, (objects) => {
      const nodes: EmvNode[] = JSON.parse(JSON.stringify([{ id: '00', value: '01' }, ...objects]));
      const payload = encodeObjects(nodes);
      const d = decodePayload(payload);
      const seen = d.objects.filter((o) => o.id !== '63').map((o) => (o.children ? { id: o.id, children: o.children.map((c) => ({ id: c.id, value: c.value })) } : { id: o.id, value: o.value }));
      assert.deepEqual(seen, nodes);
      for (const o of d.objects) assert.equal(Array.from(o.value).length, o.length);
    }), { numRuns: 300 });
  });
});

describe('EMV typed builder', () => {
  const shop = { country: 'CN', merchantName: 'NIGHT MARKET', merchantCity: 'SHANGHAI' } as const;

  test('amounts are integer minor units, written with the currency exponent', () => {
    const amountOf = (currency: string, amount: number) => decodePayload(buildMpm({ ...shop, initiation: 'dynamic', currency, amount, accounts: [{ scheme: 'unionpay', acquirerIin: '12345678', forwardingIin: '87654321', merchantId: '123456789012345' }] })).objects.find((o) => o.id === '54')!.value;
    assert.equal(amountOf('CNY', 1250), '12.50');
    assert.equal(amountOf('CNY', 5), '0.05');
    assert.equal(amountOf('JPY', 500), '500');
    assert.equal(amountOf('KWD', 1234), '1.234');
    throwsSaoma(() => amountOf('CNY', 12.5), 'invalid_amount');
    throwsSaoma(() => amountOf('CNY', 0), 'invalid_amount');
    throwsSaoma(() => amountOf('XYZ', 100), 'unknown_currency');
  });

  test('each scheme builds a payload that decodes as that scheme', () => {
    const cases: Array<[Parameters<typeof buildMpm>[0], string, Record<string, string>]> = [
      [{ initiation: 'static', currency: 'BRL', country: 'BR', merchantName: 'FULANO DE TAL', merchantCity: 'SAO PAULO', accounts: [{ scheme: 'pix', key: 'fulano@example.com' }] }, 'pix', { 'Pix Key': 'fulano@example.com' }],
      [{ initiation: 'dynamic', currency: 'SGD', amount: 1050, country: 'SG', merchantName: 'NA', merchantCity: 'Singapore', accounts: [{ scheme: 'paynow', proxyType: 'uen', proxy: '201403121W', expiresOn: '2030-12-31' }] }, 'paynow', { 'Proxy Type': '2', 'Proxy Value': '201403121W', 'Amount Editable': '0', 'Expiry Date': '20301231' }],
      [{ initiation: 'dynamic', currency: 'THB', amount: 4220, country: 'TH', merchantName: 'SHOP', merchantCity: 'BANGKOK', accounts: [{ scheme: 'promptpay', mobile: '081-234-5678' }] }, 'promptpay', { 'Mobile Number': '0066812345678' }],
      [{ initiation: 'dynamic', currency: 'THB', amount: 20000, country: 'TH', merchantName: 'THAIQR', merchantCity: 'BANGKOK', accounts: [{ scheme: 'promptpay-bill', billerId: '011234567891233', reference1: 'REF123456789', reference2: 'REF987654321' }] }, 'promptpay-bill', { 'Biller ID': '011234567891233', 'Reference 1': 'REF123456789', 'Reference 2': 'REF987654321' }],
      [{ initiation: 'dynamic', currency: 'IDR', amount: 1500000, country: 'ID', merchantName: 'WARUNG', merchantCity: 'JAKARTA', merchantCategoryCode: '5812', accounts: [{ scheme: 'qris', nmid: 'ID1020021181745', criteria: 'UMI', issuer: { guid: 'ID.CO.BANK.WWW', pan: '936000140000000123', merchantId: '000000000123' } }] }, 'qris', { 'Merchant PAN': '936000140000000123', 'Merchant ID / NMID': '000000000123', 'Merchant Criteria': 'UMI' }],
      [{ initiation: 'static', currency: 'MYR', country: 'MY', merchantName: 'KEDAI', merchantCity: 'BANGI', accounts: [{ scheme: 'duitnow', acquirerId: '501664', merchantId: '123456789' }] }, 'duitnow', { 'Acquirer ID': '501664', 'Merchant ID': '123456789' }],
      [{ initiation: 'dynamic', currency: 'VND', amount: 79000, country: 'VN', merchantName: 'NA', merchantCity: 'HA NOI', accounts: [{ scheme: 'vietqr', bin: '970415', account: '113366668888' }] }, 'vietqr', { 'Acquirer BIN': '970415', 'Account or Card Number': '113366668888', 'Service Code': 'QRIBFTTA' }],
      [{ initiation: 'dynamic', currency: 'KHR', amount: 1000000, country: 'KH', merchantName: 'Ishin Vin', merchantCity: 'Phnom Penh', accounts: [{ scheme: 'khqr', kind: 'individual', bakongAccountId: 'ishinvin@devb', createdAt: 1693555967387, expiresAt: 1693556267387 }] }, 'khqr', { 'Bakong Account ID': 'ishinvin@devb', 'Creation Timestamp': '1693555967387', 'Expiration Timestamp': '1693556267387' }],
      [{ initiation: 'static', currency: 'HKD', country: 'HK', merchantName: 'TEA HOUSE', merchantCity: 'HONG KONG', accounts: [{ scheme: 'unionpay', acquirerIin: '25000344', forwardingIin: '00010344', merchantId: '500034453110001' }] }, 'unionpay', { 'Acquirer IIN': '25000344', 'Forwarding IIN': '00010344', 'Merchant ID': '500034453110001' }],
    ];
    for (const [input, scheme, fields] of cases) {
      const d = decodePayload(buildMpm(input));
      const s = d.schemes.find((x) => x.id === scheme);
      assert.ok(s, `${scheme}: recognised in ${d.payload}`);
      assert.deepEqual(s.fields, fields, scheme);
      assert.equal(d.pointOfInitiation?.kind, input.initiation);
      assert.equal(d.amount?.minor, input.amount, scheme);
      assert.equal(d.currency?.alpha, input.currency);
    }
  });

  test('expiry where the scheme defines one: PayNow 26/04, KHQR 99/01', () => {
    const paynow = decodePayload(buildMpm({ initiation: 'dynamic', currency: 'SGD', amount: 100, country: 'SG', merchantName: 'NA', merchantCity: 'Singapore', accounts: [{ scheme: 'paynow', proxyType: 'mobile', proxy: '+6590901234', expiresOn: '2050-04-15' }] }));
    assert.deepEqual(paynow.expiry, { scheme: 'paynow', tag: '26.04', raw: '20500415', at: '2050-04-15' });
    const khqr = decodePayload(buildMpm({ initiation: 'dynamic', currency: 'USD', amount: 150, country: 'KH', merchantName: 'Dev Store', merchantCity: 'Phnom Penh', accounts: [{ scheme: 'khqr', kind: 'merchant', bakongAccountId: 'dev_merchant@devb', accountInformation: 'M123', acquiringBank: 'Dev Bank', createdAt: Date.UTC(2026, 10, 25, 12, 0, 0), expiresAt: Date.UTC(2026, 10, 25, 12, 5, 0) }] }));
    assert.deepEqual(khqr.expiry, { scheme: 'khqr', tag: '99.01', raw: String(Date.UTC(2026, 10, 25, 12, 5, 0)), at: '2026-11-25T12:05:00.000Z' });
    assert.equal(khqr.objects.find((o) => o.id === '30')!.children![0]!.name, 'Bakong Account ID');
    assert.equal(khqr.objects.find((o) => o.id === '99')!.children![1]!.name, 'Expiration Timestamp');
  });

  test('Pix gets its 62/05 txid ("***" unless given)', () => {
    const d = decodePayload(buildMpm({ initiation: 'static', currency: 'BRL', country: 'BR', merchantName: 'N', merchantCity: 'C', accounts: [{ scheme: 'pix', key: '12345678900' }] }));
    assert.equal(d.objects.find((o) => o.id === '62')!.children![0]!.value, '***');
  });

  test('refuses what would not scan or would read differently', () => {
    const base = { initiation: 'static' as const, currency: 'SGD', country: 'SG', merchantName: 'NA', merchantCity: 'Singapore' };
    const msg = (input: Parameters<typeof buildMpm>[0]) => throwsSaoma(() => buildMpm(input), 'invalid_emv_payload').message;
    assert.equal(msg({ ...base, accounts: [] }), 'at least one merchant account is needed');
    assert.equal(msg({ ...base, accounts: [{ scheme: 'paynow', proxyType: 'uen', proxy: '1' }, { scheme: 'duitnow', acquirerId: '1', merchantId: '2' }] }), 'two merchant accounts want tag 26 (paynow and duitnow); give one a different "tag"');
    assert.ok(decodePayload(buildMpm({ ...base, accounts: [{ scheme: 'paynow', proxyType: 'uen', proxy: '1' }, { scheme: 'duitnow', acquirerId: '1', merchantId: '2', tag: '27' }] })));
    assert.equal(msg({ ...base, accounts: [{ scheme: 'paynow', proxyType: 'uen', proxy: '1', expiresOn: '31/12/2030' }] }), 'paynow: expiresOn must be YYYY-MM-DD, got "31/12/2030"');
    assert.equal(msg({ ...base, accounts: [{ scheme: 'pix', key: 'k', url: 'u' }] }), 'pix: give either "key" (static) or "url" (dynamic charge location), not both');
    assert.equal(msg({ ...base, accounts: [{ scheme: 'khqr', kind: 'individual', bakongAccountId: 'a@b', createdAt: 1 }] }), 'khqr: give createdAt and expiresAt together');
    assert.equal(msg({ ...base, merchantCity: 'A VERY LONG CITY NAME', accounts: [{ scheme: 'paynow', proxyType: 'uen', proxy: '1' }] }), 'merchantCity must be 1 to 15 characters (EMVCo), got 21');
    assert.equal(msg({ ...base, country: 'sg', accounts: [{ scheme: 'paynow', proxyType: 'uen', proxy: '1' }] }), 'country must be an ISO 3166-1 alpha-2 code like "CN", got "sg"');
  });
});
