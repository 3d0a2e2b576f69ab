import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_STATUS, type ErrorCode } from '../../src/core/errors.ts';
import { localize, pickLocale } from '../../src/core/messages.ts';

describe('error messages in three languages', () => {
  test('Accept-Language picks Simplified, Traditional or English', () => {
    const cases: Array<[string | undefined, string]> = [
      [undefined, 'en'], ['', 'en'], ['en-US,en;q=0.9', 'en'], ['zh-CN,zh;q=0.9', 'zh-Hans'], ['zh', 'zh-Hans'],
      ['zh-Hans-CN', 'zh-Hans'], ['zh-TW', 'zh-Hant'], ['zh-HK,en;q=0.5', 'zh-Hant'], ['zh-Hant', 'zh-Hant'], ['zh-MO', 'zh-Hant'],
      ['fr-FR,zh-TW;q=0.8', 'zh-Hant'], ['ja,en;q=0.5', 'en'],
    ];
    for (const [header, locale] of cases) assert.equal(pickLocale(header), locale, String(header));
  });

  test('every code reads differently in each language and keeps its details', () => {
    const codes = Object.keys(ERROR_STATUS) as ErrorCode[];
    for (const code of codes) {
      const details = { triesLeft: 3, lockedUntil: '2026-11-25T20:00:00Z', refundable: 500, remaining: 3000 };
      const en = localize(code, `specific english for ${code}`, 'en', details);
      const hans = localize(code, 'x', 'zh-Hans', details);
      const hant = localize(code, 'x', 'zh-Hant', details);
      assert.equal(en, `specific english for ${code}`);
      assert.match(hans, /[\u4e00-\u9fff]/, `${code} zh-Hans is Chinese`);
      assert.match(hant, /[\u4e00-\u9fff]/, `${code} zh-Hant is Chinese`);
      assert.notEqual(hans, hant, `${code}: Simplified and Traditional differ`);
    }
    assert.match(localize('bad_pin', '', 'zh-Hans', { triesLeft: 2 }), /还可尝试 2 次/);
    assert.match(localize('refund_exceeds_paid', '', 'zh-Hant', { refundable: 500 }), /最多可退 500 分/);
  });
});
