import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cashierLocale, cashierPage, outcomePage, type CashierWallet } from '../../src/channels/cashier-page.ts';

const WALLET: CashierWallet = { name: { 'zh-Hans': '测试钱包', 'zh-Hant': '測試錢包', en: 'Test <Wallet>' }, verb: { 'zh-Hans': '支付' }, home: 'zh-Hans' };
const form = { target: { pay: 'tok/pay?lang=en&x=1', decline: 'tok/decline' } };
const amount = { minor: 1234, currency: 'CNY' as const };

describe('the shared wallet cashier page', () => {
  test('three languages, each with the wallet\'s own name and word for paying; ¥ in every language', () => {
    const en = cashierPage({ wallet: WALLET, locale: 'en', amount, merchant: 'Shop', form });
    assert.match(en, /<html lang="en">/);
    assert.match(en, /<h1>Test &lt;Wallet&gt;<\/h1>/);
    assert.match(en, /Pay ¥12\.34 to Shop/);
    const hans = cashierPage({ wallet: WALLET, locale: 'zh-Hans', amount, merchant: '小店', form });
    assert.match(hans, /<html lang="zh-Hans">[\s\S]*测试钱包[\s\S]*向 小店 支付 ¥12\.34[\s\S]*确认支付[\s\S]*拒绝/);
    const hant = cashierPage({ wallet: WALLET, locale: 'zh-Hant', amount, merchant: '小店', form });
    assert.match(hant, /<html lang="zh-Hant">[\s\S]*測試錢包[\s\S]*向 小店 付款 ¥12\.34[\s\S]*確認付款[\s\S]*拒絕/, '付款 where the wallet names no word');
    assert.match(outcomePage({ wallet: WALLET, locale: 'zh-Hant', outcome: 'paid', amount }), /data-outcome="paid">付款成功 · ¥12\.34</);
    assert.match(cashierPage({ wallet: WALLET, locale: 'en', amount: { minor: 500, currency: 'JPY' }, merchant: 'M', form }), /Pay JP¥500 to M/, 'other currencies keep their own exponent and sign');
  });

  test('the test ids, the buttons\' targets and hidden fields', () => {
    const html = cashierPage({ wallet: WALLET, locale: 'en', amount, merchant: 'Shop', subject: 'Noodles', form: { ...form, fields: { lang: 'en' } } });
    assert.match(html, /<button type="submit" name="action" value="pay" formaction="tok\/pay\?lang=en&amp;x=1" data-testid="pay">Pay<\/button>/);
    assert.match(html, /<button type="submit" name="action" value="decline" formaction="tok\/decline" data-testid="decline">Decline<\/button>/);
    assert.match(html, /<input type="hidden" name="lang" value="en">/);
    assert.match(html, /Item: Noodles/);
    assert.doesNotMatch(html, /<script>/, 'a form cashier posts without script');
    for (const outcome of ['paid', 'declined', 'already_paid', 'closed', 'expired', 'not_payable', 'not_found'] as const) {
      assert.match(outcomePage({ wallet: WALLET, locale: 'en', outcome }), new RegExp(`data-testid="outcome" data-outcome="${outcome}">\\w`));
    }
  });

  test('a JSON cashier gets an empty outcome filled in place, and nothing escapes its script', () => {
    const html = cashierPage({
      wallet: WALLET, locale: 'en', amount, merchant: 'Shop',
      form: { ...form, fields: { qr_code: 'q</script><b>' }, json: { paid: { ok: true }, declined: { code: '</script>' } } },
    });
    assert.match(html, /<p class="amount" data-testid="outcome"><\/p><script>/);
    assert.equal(html.match(/<\/script>/g)?.length, 1, 'only the script\'s own end tag');
    assert.match(html, /value="q&lt;\/script&gt;&lt;b&gt;"/);
  });

  test('every interpolated value is escaped', () => {
    const evil = `"><img src=x onerror=alert(1)>'&`;
    const html = cashierPage({ wallet: WALLET, locale: 'zh-Hans', amount, merchant: evil, subject: evil, form: { target: { pay: evil, decline: evil }, fields: { [evil]: evil } } });
    const out = outcomePage({ wallet: WALLET, locale: 'en', outcome: 'closed', merchant: evil });
    for (const page of [html, out]) {
      assert.doesNotMatch(page, /<img/);
      assert.match(page, /&quot;&gt;&lt;img src=x onerror=alert\(1\)&gt;&#39;&amp;/);
    }
  });

  test('language: ?lang= first, then Accept-Language, then the wallet\'s home language', () => {
    const cases: Array<[unknown, string | undefined, string]> = [
      ['en', 'zh-CN', 'en'], ['zh-Hant', undefined, 'zh-Hant'], ['fr', 'zh-TW', 'zh-Hant'], [undefined, 'en-US,en;q=0.9', 'en'],
      [undefined, 'zh-CN,zh;q=0.9', 'zh-Hans'], [undefined, undefined, 'zh-Hans'], [undefined, '*', 'zh-Hans'], [['en'], 'ja', 'zh-Hans'],
    ];
    for (const [lang, accept, want] of cases) assert.equal(cashierLocale(WALLET, lang, accept), want, `${String(lang)} / ${accept}`);
    assert.equal(cashierLocale({ ...WALLET, home: 'en' }, undefined, 'ja'), 'en');
  });
});
