import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { amountDigits, pickVoice, spokenPhrase, UTTERANCE_LANG } from '../../web/display/src/spoken.ts';

/** The words of the 到账 announcement (POS and customer display): exact amounts, the right voice. */
describe('spoken amount', () => {
  test('fen become the digits a person reads, exactly', () => {
    assert.equal(amountDigits(1250), '12.50');
    assert.equal(amountDigits(5), '0.05');
    assert.equal(amountDigits(50), '0.50');
    assert.equal(amountDigits(100), '1.00');
    assert.equal(amountDigits(0), '0.00');
    assert.equal(amountDigits(-1250), '-12.50');
    assert.equal(amountDigits(1_000_000_000_000), '10000000000.00');
    // 1.15 and 0.29 are where a float (minor / 100, then toFixed) goes wrong.
    assert.equal(amountDigits(115), '1.15');
    assert.equal(amountDigits(29), '0.29');
    assert.equal(amountDigits(1234, 0), '1234');
    assert.equal(amountDigits(1234, 3), '1.234');
    assert.throws(() => amountDigits(12.5), RangeError);
  });

  test('any amount round-trips: the digits without the point are the fen', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1_000_000_000_000 }), (n) => {
      const s = amountDigits(n);
      assert.match(s, /^(0|[1-9]\d*)\.\d\d$/);
      assert.equal(Number(s.replace('.', '')), n);
    }));
  });

  test('the phrase per language', () => {
    assert.equal(spokenPhrase('zh-Hans', 1250), '收款成功，12.50元');
    assert.equal(spokenPhrase('zh-Hant', 1250), '收款成功，12.50元');
    assert.equal(spokenPhrase('en', 1250), 'Payment received, 12.50 yuan');
    assert.equal(spokenPhrase('en', 1), 'Payment received, 0.01 yuan');
  });
});

describe('voice choice', () => {
  const voices = [
    { name: 'Google US English', lang: 'en-US' },
    { name: 'Google 普通话（中国大陆）', lang: 'zh-CN' },
    { name: 'Google 粤語（香港）', lang: 'zh-HK' },
    { name: 'Google 國語（臺灣）', lang: 'zh-TW' },
  ];

  test('each language gets its own voice: Traditional prefers Taiwan, then Hong Kong', () => {
    assert.equal(pickVoice(voices, 'zh-Hans')!.lang, 'zh-CN');
    assert.equal(pickVoice(voices, 'zh-Hant')!.lang, 'zh-TW');
    assert.equal(pickVoice(voices.filter((v) => v.lang !== 'zh-TW'), 'zh-Hant')!.lang, 'zh-HK');
    assert.equal(pickVoice(voices, 'en')!.lang, 'en-US');
  });

  test('Android spells tags with underscores; an on-device voice wins a tie', () => {
    const android = [{ name: 'net', lang: 'zh_CN', localService: false }, { name: 'local', lang: 'zh_CN', localService: true }];
    assert.equal(pickVoice(android, 'zh-Hans')!.name, 'local');
  });

  test('Traditional text is read by a mainland voice rather than not at all; no Chinese voice is null', () => {
    assert.equal(pickVoice([{ name: 'x', lang: 'zh-CN' }], 'zh-Hant')!.lang, 'zh-CN');
    assert.equal(pickVoice([{ name: 'x', lang: 'en-GB' }], 'zh-Hans'), null);
    assert.equal(pickVoice([], 'en'), null);
    // "zh" must not match a voice for another language that merely starts with the letters.
    assert.equal(pickVoice([{ name: 'Zhuang', lang: 'za-CN' }, { name: 'x', lang: 'zha' }], 'zh-Hans'), null);
    assert.deepEqual(UTTERANCE_LANG, { 'zh-Hans': 'zh-CN', 'zh-Hant': 'zh-TW', en: 'en-US' });
  });
});
