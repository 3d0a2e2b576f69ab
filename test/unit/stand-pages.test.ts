import { test } from 'node:test';
import assert from 'node:assert/strict';
import { amountPage, notFoundPage, resultPage } from '../../src/stand/pages.ts';
import { STAND_TEXT } from '../../src/stand/i18n.ts';

const evil = '</script><script>alert(1)</script><img src=x onerror=alert(2)>';

test('merchant and store names cannot break out of the page or its script', () => {
  const html = amountPage({ locale: 'en', code: 'abcdefghjkmn', merchantName: evil, storeName: evil, currency: 'CNY', wallet: null, choices: ['sandbox'], notice: evil });
  assert.doesNotMatch(html, /<script>alert|<img src=x/);
  // Exactly one script element: the page's own.
  assert.equal(html.split('<script>').length - 1, 1);
  assert.match(html, /&lt;\/script&gt;/);
});

test('a wallet app goes straight to its flow; an unknown one gets the picker with only the offered wallets', () => {
  const direct = amountPage({ locale: 'zh-Hans', code: 'abcdefghjkmn', merchantName: 'M', storeName: 'S', currency: 'CNY', wallet: 'alipay', choices: [], notice: null });
  assert.doesNotMatch(direct, /data-testid="picker"/);
  assert.match(direct, /付款金额（元）/);
  const picker = amountPage({ locale: 'zh-Hant', code: 'abcdefghjkmn', merchantName: 'M', storeName: 'S', currency: 'HKD', wallet: null, choices: ['alipay', 'sandbox'], notice: null });
  assert.match(picker, /data-testid="wallet-alipay"/);
  assert.match(picker, /data-testid="wallet-sandbox"/);
  assert.doesNotMatch(picker, /wallet-wechat/);
  assert.match(picker, /付款金額（HKD）/);
  const none = amountPage({ locale: 'en', code: 'abcdefghjkmn', merchantName: 'M', storeName: 'S', currency: 'CNY', wallet: null, choices: [], notice: null });
  assert.match(none, new RegExp(STAND_TEXT.en.noWallets));
  assert.doesNotMatch(none, /<form/);
});

test('the result page shows the state the server gave and never claims paid before', () => {
  const waiting = resultPage({ locale: 'en', code: 'abcdefghjkmn', paymentId: 'pay_x', merchantName: 'M', amountText: '¥1.00', state: 'waiting_customer', forwardTo: null });
  assert.match(waiting, /data-state="waiting_customer"/);
  assert.doesNotMatch(waiting, />Paid</);
  const paid = resultPage({ locale: 'zh-Hant', code: 'abcdefghjkmn', paymentId: 'pay_x', merchantName: 'M', amountText: '¥1.00', state: 'succeeded', forwardTo: null });
  assert.match(paid, /data-state="succeeded"[^>]*>付款成功</);
});

test('the not-found page speaks all three languages', () => {
  const html = notFoundPage();
  assert.match(html, /找不到这个收款码/);
  assert.match(html, /找不到這個收款碼/);
  assert.match(html, /not in use/);
});
