import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectWalletApp } from '../../src/stand/ua.ts';
import { StandSigner } from '../../src/stand/token.ts';

/** User-Agents as the wallet apps' in-app browsers send them (captured strings; research/channels.md §6). */
const UAS: Array<[string, ReturnType<typeof detectWalletApp>, string]> = [
  ['alipay', 'alipay', 'Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Ariver/1.1.0 AliApp(AP/10.5.30.6000) Nebula WK RVKType(0) AlipayDefined(nt:WIFI,ws:390|780|3.0) AlipayClient/10.5.30.6000 Language/zh-Hans Region/CN NebulaX/1.0.0'],
  ['alipay android', 'alipay', 'Mozilla/5.0 (Linux; U; Android 12; zh-CN; V2134A Build/SP1A.210812.003) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/69.0.3497.100 UWS/3.22.2.43 Mobile Safari/537.36 UCBS/3.22.2.43_220907150420 NebulaSDK/1.8.100112 Nebula AlipayDefined(nt:WIFI,ws:393|0|2.75) AliApp(AP/10.3.10.8000) AlipayClient/10.3.10.8000 Language/zh-Hans useStatusBar/true isConcaveScreen/true Region/CNAriver/1.0.0'],
  ['wechat ios', 'wechat', 'Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.40(0x1800282a) NetType/WIFI Language/zh_CN'],
  // WeChat's Android WebView is built on QQ's X5 kernel and names MQQBrowser: still WeChat.
  ['wechat android x5', 'wechat', 'Mozilla/5.0 (Linux; Android 10; HMA-AL00 Build/HUAWEIHMA-AL00; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/78.0.3904.62 XWEB/2691 MMWEBSDK/200901 Mobile Safari/537.36 MMWEBID/2617 MicroMessenger/7.0.19.1760(0x27001335) Process/toolsmp WeChat/arm64 NetType/WIFI Language/zh_CN ABI/arm64 QQ/8.4.0'],
  ['unionpay', 'unionpay', 'Mozilla/5.0 (iPhone; CPU iPhone OS 12_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/16B92 (com.unionpay.chsp) (cordova 4.5.4) (updebug 0) (version 1024) (UnionPay/1.0 CloudPay) (clientVersion 324) (language zh_CN)'],
  ['unionpay android', 'unionpay', 'Mozilla/5.0 (Linux; Android 11; M2012K11AC Build/RKQ1.200826.002; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/87.0.4280.141 Mobile Safari/537.36  (com.unionpay.chsp) (cordova 7.0.0) (updebug 0) (version 929) (UnionPay/1.0 CloudPay) (clientVersion 189) (language zh_CN)'],
  ['qq ios', 'qq', 'Mozilla/5.0 (iPhone; CPU iPhone OS 15_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 QQ/8.8.88.609 V1_IPH_SQ_8.8.88_1_APP_A Pixel/1170 MiniAppEnable SimpleUISwitch/0 StudyMode/0 CurrentMode/0 CurrentFontScale/1.000000 QQTheme/1000 Core/WKWebView Device/Apple(iPhone 13) NetType/WIFI QBWebViewType/1 WKType/1'],
  ['qq android', 'qq', 'Mozilla/5.0 (Linux; Android 10; V1981A Build/QP1A.190711.020; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/77.0.3865.120 MQQBrowser/6.2 TBS/045714 Mobile Safari/537.36 V1_AND_SQ_8.8.20_2210_YYB_D A_8082000 QQ/8.8.20.5865 NetType/WIFI WebP/0.3.0 Pixel/1080 StatusBarHeight/85 SimpleUISwitch/0 QQTheme/1000 InMagicWin/0 StudyMode/0 CurrentMode/0 CurrentFontScale/1.0'],
  // QQ Browser is a browser, not the QQ app: no QQ Wallet inside it.
  ['qq browser', null, 'Mozilla/5.0 (Linux; U; Android 11; zh-cn; PDYM20 Build/RP1A.200720.011) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/90.0.4430.72 MQQBrowser/12.8 Mobile Safari/537.36 COVC/045913'],
  ['chrome', null, 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'],
  ['safari', null, 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1'],
  ['jd finance', null, 'Mozilla/5.0 (iPhone; CPU iPhone OS 14_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 JDJR-App/6.0.80 jdjr-app'],
];

for (const [name, expected, ua] of UAS) {
  test(`User-Agent: ${name} → ${expected ?? 'picker'}`, () => {
    assert.equal(detectWalletApp(ua), expected);
  });
}

test('no User-Agent at all is an unknown app (picker), not an error', () => {
  assert.equal(detectWalletApp(undefined), null);
  assert.equal(detectWalletApp(''), null);
});

test('WeChat is checked before QQ', () => {
  assert.equal(detectWalletApp('Mozilla/5.0 QQ/8.0.0 MicroMessenger/8.0.1'), 'wechat');
});

test('a signed stand token round-trips, and any change, another key or expiry refuses it', () => {
  const a = new StandSigner('00'.repeat(32));
  const t = a.sign({ p: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', c: 'wechat' }, 60_000, 1_000_000);
  assert.deepEqual({ ...a.verify(t, 1_000_001), n: undefined }, { p: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', c: 'wechat', n: undefined });
  assert.equal(a.verify(t, 1_060_001), null, 'expired');
  assert.equal(new StandSigner('11'.repeat(32)).verify(t, 1_000_001), null, 'another key');
  const [body, mac] = t.split('.') as [string, string];
  const forged = Buffer.from(JSON.stringify({ p: 'attacker', c: 'wechat', e: 9e15 })).toString('base64url');
  assert.equal(a.verify(`${forged}.${mac}`, 1_000_001), null, 'forged body');
  assert.equal(a.verify(`${body}.${mac.replace(/^./, (c) => (c === '0' ? '1' : '0'))}`, 1_000_001), null, 'tampered mac');
  assert.equal(a.verify(undefined), null);
  assert.equal(a.verify('garbage'), null);
});
