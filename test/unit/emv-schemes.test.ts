import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { crc16 } from '../../src/emv/crc.ts';
import { decodePayload, type DecodedPayload } from '../../src/emv/decode.ts';
import { encodeObjects, type EmvNode } from '../../src/emv/encode.ts';
import type { DataObject } from '../../src/emv/decode.ts';

/**
 * Published payloads, one or more per scheme, each decoded as that scheme with its CRC checked. Where
 * each comes from is in the comment above it; they are public examples (library READMEs and tests,
 * specification samples, merchants' public donation QRs), copied character for character.
 */
interface Sample {
  readonly payload: string;
  readonly schemes: readonly string[];
  readonly amount?: { readonly minor: number; readonly currency: string };
  readonly fields?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly formats?: readonly string[];
}

const SAMPLES: Readonly<Record<string, Sample>> = {
  // Pix: github.com/matheusb-comp gist "Exemplos da string PIX", the dynamic example, assembled from its
  // annotated fields; its CRC EEAB matches, which confirms the assembly.
  'pix dynamic (location URL)': {
    payload: '00020101021226770014BR.GOV.BCB.PIX2555pix.example.com/qr/93598be0-1bd0-4997-8318-81776a1d8a995204000053039865802BR5907EMPRESA6009SAO PAULO62070503***6304EEAB',
    schemes: ['pix'],
    fields: { pix: { 'Payload Location (URL)': 'pix.example.com/qr/93598be0-1bd0-4997-8318-81776a1d8a99' } },
  },
  // Pix: higorkonig/pix-code-js README (manda-o-pix), with amount and description.
  'pix static with amount': {
    payload: '00020126700014BR.GOV.BCB.PIX0136123e4567-e12b-12d1-a456-4266554400000208produto2520400005303986540575.805802BR5911Higor Konig6009Sao Paulo62190515PAGAMENTO123ABC6304A82A',
    schemes: ['pix'],
    amount: { minor: 7580, currency: 'BRL' },
    fields: { pix: { 'Pix Key': '123e4567-e12b-12d1-a456-426655440000', 'Additional Information': 'produto2' } },
  },
  // Pix, lowercase GUI: packagist rayanetenorios/pix-payload README output.
  'pix lowercase GUI': {
    payload: '00020126410014br.gov.bcb.pix0119rayane@alvoz.com.br5204000053039865802BR5901N6001C62070503***63043A81',
    schemes: ['pix'],
    fields: { pix: { 'Pix Key': 'rayane@alvoz.com.br' } },
  },
  // PayNow: a published generatePayNowCode() unit test (mobile proxy, expiry 2050-04-15).
  'paynow mobile': {
    payload: '00020101021126500009SG.PAYNOW010100211+6590901234030100408205004155204000053037025406888.885802SG5902NA6009Singapore62320128Payment reference XX1234567863046B73',
    schemes: ['paynow'],
    amount: { minor: 88888, currency: 'SGD' },
    fields: { paynow: { 'Proxy Type': '0', 'Proxy Value': '+6590901234', 'Amount Editable': '0', 'Expiry Date': '20500415' } },
  },
  // PayNow: choonkiatlee/sgqr tests (example_qr_code2).
  'paynow editable': {
    payload: '00020101021126380009SG.PAYNOW010100211+6584554295030115204000053037025802SG5902NA6009SINGAPORE630416D8',
    schemes: ['paynow'],
    fields: { paynow: { 'Proxy Type': '0', 'Proxy Value': '+6584554295', 'Amount Editable': '1' } },
  },
  // SGQR specification sample payload (Visa, Mastercard, Amex, UnionPay, NETS, GrabPay, WeChat Pay,
  // PayNow, SGQR identity), as used in rationally-app/mobile-application's tests.
  'sgqr specification sample': {
    payload: '00020101021102164761360000000*1704155123456789123451110123456789012153123456789012341531250003440001034450003445311000126330015SG.COM.DASH.WWW0110000005550127670014A00000076200010120COM.LQDPALLIANCE.WWW021512345678901234503020028660011SG.COM.OCBC0147OCBCP2P629A358D-ECE7-4554-AD56-EBD12D84CA7E4F7329500006SG.EZI013603600006-76bb-4a5a-aa1a-fbcb64d6ecf530850013SG.COM.EZLINK01201234567890123456-1230204SGQR0324A123456,B123456,C12345670404A23X31260008COM.GRAB0110A93FO3230Q32390007COM.DBS011012345678900210123456789033900011SG.COM.NETS01230201401832831128823590002150001118703240000308885872010901199084E5DC3D834430017COM.QQ.WEIXIN.PAY011012345678900204123435660010SG.COM.UOB014845D233507F5E8C306E3871A4E9FACA601A80C114B5645E5D36840009SG.PAYNOW010120216+621234567890123030100408209912310525123456789012345678901234537270009SG.AIRPAY0110A11BC0000X51860007SG.SGQR0112180307510317020701.0003030608100604020205031380609Counter010708201804075204581453037025802SG5916FOOD XYZ PTE LTD6009SINGAPORE6106081006626001081234567R0607876543050330015SG.COM.DASH.WWW0110000005550263045E8D',
    schemes: ['paynow', 'sgqr', 'nets', 'grabpay', 'visa', 'mastercard', 'amex', 'unionpay', 'wechatpay'],
    fields: {
      sgqr: { 'SGQR ID Number': '180307510317', Version: '01.0003', 'Postal Code': '081006', Level: '02', 'Unit Number': '138', Miscellaneous: 'Counter01', 'New Version Date': '20180407' },
      unionpay: { 'Acquirer IIN': '25000344', 'Forwarding IIN': '00010344', 'Merchant ID': '500034453110001' },
      visa: { 'Merchant Account': '4761360000000*17' },
    },
  },
  // SGQR from a live merchant with WeChat Pay and UnionPay: choonkiatlee/sgqr tests (example_qr_code).
  'sgqr with wechat pay and unionpay': {
    payload: '0002010102111531480007024800070280007025499435326590011COM.REMOPAY0110200000033802040000030400010404000099020127330015SG.COM.DASH.WWW0110100210041328650017COM.QQ.WEIXIN.PAY0110100000033702040000030400010404000099020129720013sg.com.ezlink0114FMP-10000003380204SGQR0317NPL-0001-0000000004046AF951800007SG.SGQR01121809072DDA29020701.00010306058602040200050200060400000708201809155204000053037025802SG5909hisenyuan6009Singapore63044F90',
    schemes: ['sgqr', 'unionpay', 'wechatpay'],
    fields: { unionpay: { 'Acquirer IIN': '48000702', 'Forwarding IIN': '48000702', 'Merchant ID': '800070254994353' } },
  },
  // SGQR with Alipay and WeChat Pay: hisenyuan/EMVCo-SGQR-encode-decode-crc, EmvcoSgqrMain.java; the
  // source prints the CRC at run time, so the CRC here is computed (D189) over its published body.
  'sgqr with alipay': {
    payload: withCrc('00020101021128650017COM.QQ.WEIXIN.PAY0110100000033702040000030400010404000099020129660018COM.ALIPAY.OPENAPI0110100000033702040000030400010404000099020151800007SG.SGQR01121809072DDA29020701.00010306058602040200050200060400000708201809155204000053037025802SG5901h6009Singapore'),
    schemes: ['sgqr', 'wechatpay', 'alipay'],
  },
  // PromptPay: promptpay-qr 0.5.0 README/outputs (0812345678, no amount), research/channels.md §3.4.
  'promptpay static': {
    payload: '00020101021129370016A000000677010111011300668123456785802TH53037646304' + '5D82',
    schemes: ['promptpay'],
    fields: { promptpay: { 'Mobile Number': '0066812345678' } },
  },
  // PromptPay with amount, from a payment page's data (dictotal/pay, src/platform/PAY/v-go/data.js).
  'promptpay with amount': {
    payload: '00020101021153037645802TH29370016A0000006770101110113006681017332754074999.9963040154',
    schemes: ['promptpay'],
    amount: { minor: 499999, currency: 'THB' },
  },
  // PromptPay bill payment: a published Go test of thaiqr.MerchantBillpaymentQRGenerate.
  'promptpay bill payment': {
    payload: '00020101021230710016A00000067701011201150112345678912330212REF1234567890312REF98765432153037645406200.005802TH5906THAIQR6304F528',
    schemes: ['promptpay-bill'],
    amount: { minor: 20000, currency: 'THB' },
    fields: { 'promptpay-bill': { 'Biller ID': '011234567891233', 'Reference 1': 'REF123456789', 'Reference 2': 'REF987654321' } },
  },
  // QRIS: a merchant's static QRIS (Bank Nobu issuer + national NMID template), from a public
  // "Dynamic QRIS Implementation Guide".
  'qris nobu + nmid': {
    payload: '00020101021126670016COM.NOBUBANK.WWW01189360050300000879140214703239147837910303UMI51440014ID.CO.QRIS.WWW0215ID20232709941630303UMI5204481253033605802ID5923GRANOOL STORE OK12295776006KEDIRI61056421262070703A0163047127',
    schemes: ['qris'],
    fields: { qris: { 'Merchant PAN': '936005030000087914', 'Merchant ID / NMID': '70323914783791', 'Merchant Criteria': 'UMI' } },
  },
  // QRIS issuer template only: sunary/qris README (go-qris).
  'qris shopee': {
    payload: '00020101021226380016ID.CO.SHOPEE.WWW010201020815863724530336054061440005802ID5921PT. SHOPPEE INDONESIA6007JAKARTA62180814gen by go-qris63049635',
    schemes: ['qris'],
    amount: { minor: 14400000, currency: 'IDR' },
  },
  // DuitNow: Masjid Negara's public donation QR (khrnchn/sedekah-je); payload format "02".
  'duitnow masjid negara': {
    payload: '00020201021126420014A000000615000101066033460210MD001295465204939953034585802MY5913MASJID NEGARA6002MY627303251704936237869008996045430052017072988178750084448071617049359619050076304FD9C',
    schemes: ['duitnow'],
    formats: ['01', '02'],
    fields: { duitnow: { 'Acquirer ID': '603346', 'Merchant ID': 'MD00129546' } },
  },
  // DuitNow with amount, from a published POS test fixture (QRCSDNBHD, Bangi).
  'duitnow with amount': {
    payload: '00020201021126410014A000000615000101065016640209123456789520499995303458540510.005802MY5909QRCSDNBHD6005BANGI6304343F',
    schemes: ['duitnow'],
    formats: ['01', '02'],
    amount: { minor: 1000, currency: 'MYR' },
  },
  // VietQR: subiz/vietqr README, vietqr.Generate(120000, "970415", "0011001932418", "ủng hộ lũ lụt").
  vietqr: {
    payload: '00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA530370454061200005802VN62170813ung ho lu lut6304C15C',
    schemes: ['vietqr'],
    amount: { minor: 120000, currency: 'VND' },
    fields: { vietqr: { 'Acquirer BIN': '970415', 'Account or Card Number': '0011001932418', 'Service Code': 'QRIBFTTA' } },
  },
  // KHQR: ishinvin/ts-khqr README (Chinese merchant name and city in template 64, creation time in 99).
  khqr: {
    payload: '00020101021229420013ishinvin@devb01090123456780208Dev Bank5204599953031165405100005802KH5909Ishin Vin6010Phnom Penh62680114INV-2022-12-250211855123456780310Ishin Shop07060123450807Payment64180002ZH0102文山0202金边9917001316935559673876304AE27',
    schemes: ['khqr'],
    amount: { minor: 1000000, currency: 'KHR' },
    fields: { khqr: { 'Bakong Account ID': 'ishinvin@devb', 'Account Information / Merchant ID': '012345678', 'Acquiring Bank': 'Dev Bank', 'Creation Timestamp': '1693555967387' } },
  },
  // BharatQR: PayU's static BharatQR example (research/channels.md §3.4, CRC 17EF).
  'bharatqr payu': {
    payload: '000201010211021644038470007469080415522024070007469061661000307000746960825HDFC00006225020001855322626470010A0000005240129yellowqr.payutest.94@hdfcbank27370010A0000005240119STQ9y45z1cv3z5450925204569153033565802IN5910vendorName6010vendorCity610650017262350519STQ9y45z1cv3z545092070870007469630417EF',
    schemes: ['bharatqr', 'upi', 'visa', 'mastercard', 'rupay'],
    fields: { upi: { 'VPA / Reference': 'yellowqr.payutest.94@hdfcbank' } },
  },
  // BharatQR with amount: Razorpay QR Codes API docs example.
  'bharatqr razorpay': {
    payload: '000201010212021643926300000000850415540461000000008061661005900000000890827YESB0CMSNOC222333004882700126430010A0000005240117razorpaybqr@icici02041.1027350010A0000005240117RZPGT8ildsFTgS5Sp52047531530335654041.105802IN5906zxcbmn6005Delhi610611008562300514GT8ildsFTgS5Sp070838R004506304B6A9',
    schemes: ['bharatqr', 'upi', 'visa', 'mastercard', 'rupay'],
    amount: { minor: 110, currency: 'INR' },
    fields: { upi: { 'VPA / Reference': 'razorpaybqr@icici', 'Minimum Amount': '1.10' } },
  },
  // BharatQR with a lowercase CRC as printed by an Indian e-invoicing integration (…6304e9fc).
  'bharatqr lowercase crc': {
    payload: '000201010211021644038499331959060415522024099331959061661000309933195920825HDFC00000015010030812820026560010A0000005240138centralwarehousingco.99331959@hdfcbank27430010A0000005240125STQ200318122305804I0401085204939953033565802IN5923CENTRAL WAREHOUSING NEW6009New Delhi610611001662410525STQ200318122305804I0401080708993319596304e9fc',
    schemes: ['bharatqr', 'upi', 'visa', 'mastercard', 'rupay'],
  },
};

function withCrc(body: string): string {
  return `${body}6304${crc16(`${body}6304`)}`;
}

function asNodes(objects: readonly DataObject[]): EmvNode[] {
  return objects.filter((o) => o.id !== '63').map((o) => ({ id: o.id, value: o.value }));
}

describe('EMV published samples, one or more per scheme', () => {
  for (const [label, sample] of Object.entries(SAMPLES)) {
    test(label, () => {
      const d: DecodedPayload = decodePayload(sample.payload, sample.formats ? { payloadFormats: sample.formats } : {});
      assert.deepEqual(d.schemes.map((s) => s.id), sample.schemes);
      assert.equal(d.crc.toUpperCase(), crc16(sample.payload.slice(0, -4)));
      if (sample.amount) assert.deepEqual({ minor: d.amount?.minor, currency: d.amount?.currency }, sample.amount);
      else assert.equal(d.amount?.minor ?? 0, 0);
      for (const [scheme, fields] of Object.entries(sample.fields ?? {})) {
        const s = d.schemes.find((x) => x.id === scheme)!;
        for (const [k, v] of Object.entries(fields)) assert.equal(s.fields[k], v, `${scheme}.${k}`);
      }
      // Every sample re-encodes to itself from its decoded objects (CRC upper-cased).
      assert.equal(encodeObjects(asNodes(d.objects)), `${sample.payload.slice(0, -4)}${sample.payload.slice(-4).toUpperCase()}`);
    });
  }

  test('scheme matches say where and why', () => {
    const d = decodePayload(SAMPLES['sgqr specification sample']!.payload);
    const paynow = d.schemes.find((s) => s.id === 'paynow')!;
    assert.deepEqual(paynow.matches, [{ tag: '36', offset: d.objects.find((o) => o.id === '36')!.offset, via: 'GUID SG.PAYNOW' }]);
    assert.deepEqual(d.schemes.find((s) => s.id === 'amex')!.matches.map((m) => [m.tag, m.via]), [['11', 'tag 11 present'], ['12', 'tag 12 present']]);
    const qris = decodePayload(SAMPLES['qris nobu + nmid']!.payload).schemes[0]!;
    assert.deepEqual(qris.matches.map((m) => [m.tag, m.via]), [['26', 'sub-tag 01 936005030000087914'], ['51', 'GUID ID.CO.QRIS.WWW']]);
    const khqr = decodePayload(SAMPLES.khqr!.payload);
    assert.deepEqual(khqr.schemes[0]!.matches.map((m) => [m.tag, m.via]), [['29', 'sub-tag 00 ishinvin@devb']]);
    assert.deepEqual(khqr.alternateLanguage, { language: 'ZH', merchantName: '文山', merchantCity: '金边' });
  });

  test('the schemes\' names for sub-fields, nested templates and expiry', () => {
    const viet = decodePayload(SAMPLES.vietqr!.payload).objects.find((o) => o.id === '38')!;
    assert.deepEqual(viet.children!.map((c) => c.name), ['Globally Unique Identifier', 'Beneficiary Organization', 'Service Code']);
    assert.deepEqual(viet.children![1]!.children!.map((c) => [c.name, c.value]), [['Acquirer BIN', '970415'], ['Account or Card Number', '0011001932418']]);
    const sgqr = decodePayload(SAMPLES['sgqr specification sample']!.payload);
    assert.deepEqual(sgqr.expiry, { scheme: 'paynow', tag: '36.04', raw: '20991231', at: '2099-12-31' });
    assert.equal(sgqr.objects.find((o) => o.id === '51')!.children!.find((c) => c.id === '01')!.name, 'SGQR ID Number');
  });

  test('DuitNow codes with payload format "02" are refused unless the caller accepts them', () => {
    assert.throws(() => decodePayload(SAMPLES['duitnow masjid negara']!.payload), /tag 00 at offset 0: payload format indicator is "02", expected "01"/);
  });
});
