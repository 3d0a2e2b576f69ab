import type { Locale } from '../core/messages.ts';
import { STAND_TEXT, TRILINGUAL, walletName } from './i18n.ts';

/**
 * The stand's HTML: small, mobile-first pages with inline CSS and script (one request each, no build
 * step, readable in a wallet's in-app browser). Every value from outside goes through `esc`, and data
 * handed to scripts through `json` (safe inside <script>).
 */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function json(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const CSS = `
*{box-sizing:border-box}body{margin:0;font-family:system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;background:#f4f5f7;color:#1d1d1f}
main{max-width:28rem;margin:0 auto;padding:1.25rem}h1{font-size:1.2rem;margin:.25rem 0}.store{color:#666;margin:0 0 1rem}
.card{background:#fff;border-radius:14px;padding:1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
label{display:block;font-size:.95rem;color:#555;margin-bottom:.5rem}
input[type=text]{width:100%;font-size:2.4rem;padding:.5rem .75rem;border:2px solid #ddd;border-radius:10px;font-variant-numeric:tabular-nums}
input[type=text]:focus{outline:none;border-color:#1677ff}
button{width:100%;font-size:1.3rem;padding:1rem;margin-top:1rem;border:0;border-radius:10px;background:#1677ff;color:#fff}
button:disabled{opacity:.6}.wallets{display:grid;gap:.5rem;margin:.75rem 0 0}.wallets label{display:flex;gap:.6rem;align-items:center;border:2px solid #ddd;border-radius:10px;padding:.75rem;font-size:1.1rem;color:#1d1d1f;margin:0}
.wallets input{width:1.3rem;height:1.3rem}.note{background:#fff7e6;border-radius:10px;padding:.75rem;margin:0 0 1rem}.error{color:#c41d1d;min-height:1.4em;margin:.5rem 0 0}
.state{font-size:1.6rem;text-align:center;padding:2rem 0}.state[data-state=succeeded]{color:#1a7f37}.amount{font-size:2rem;text-align:center;font-variant-numeric:tabular-nums}
a{color:#1677ff}`;

function page(lang: string, title: string, body: string, script = ''): string {
  return `<!doctype html><html lang="${esc(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1,maximum-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(title)}</title><style>${CSS}</style></head><body><main>${body}</main>${script ? `<script>${script}</script>` : ''}</body></html>`;
}

export interface AmountPageInput {
  locale: Locale;
  code: string;
  merchantName: string;
  storeName: string;
  /** The merchant's currency (ISO 4217): what the typed amount is in. */
  currency: string;
  /** The wallet the scanning app pays with; null shows the picker. */
  wallet: string | null;
  /** Wallets for the picker (empty when `wallet` is set). */
  choices: string[];
  /** Why the picker is shown to an app we recognised (its wallet is not offered here). */
  notice: string | null;
}

/** Amount entry (and, for an app we cannot pay in directly, the wallet picker). */
export function amountPage(p: AmountPageInput): string {
  const t = STAND_TEXT[p.locale];
  const picker = p.wallet === null;
  const noWallets = picker && p.choices.length === 0;
  const walletList = p.choices.map((c, i) => `<label data-testid="wallet-${esc(c)}"><input type="radio" name="wallet" value="${esc(c)}"${i === 0 && p.choices.length === 1 ? ' checked' : ''}> ${esc(walletName(c, p.locale))}</label>`).join('');
  // The stand's code, also printed under its QR: a customer or the staff can match a sticker to this page.
  const body = `<h1>${esc(t.payTo(p.merchantName))}</h1><p class="store">${esc(p.storeName)} · <span data-testid="stand-code">${esc(p.code.toUpperCase())}</span></p>
${p.notice ? `<p class="note" data-testid="notice">${esc(p.notice)}</p>` : ''}
${picker && !p.notice ? `<p class="note">${esc(noWallets ? t.noWallets : t.otherApp)}</p>` : ''}
${noWallets ? '' : `<form class="card" id="f" novalidate>
<label for="amount">${esc(t.amount(p.currency))}</label>
<input id="amount" name="amount" type="text" inputmode="decimal" autocomplete="off" placeholder="0.00" maxlength="12" data-testid="amount" autofocus>
${picker ? `<p style="margin:1rem 0 0">${esc(t.chooseWallet)}</p><div class="wallets" data-testid="picker">${walletList}</div>` : ''}
<p class="error" id="err" role="alert" data-testid="error"></p>
<button type="submit" id="go" data-testid="submit">${esc(t.pay)}</button></form>`}`;
  const cfg = { code: p.code, wallet: p.wallet, t: { pay: t.pay, paying: t.paying, invalid: t.invalidAmount, tryAgain: t.tryAgain, chooseWallet: t.chooseWallet, openInWechat: t.openInWechat, cancelled: t.cancelled, overLimit: t.overLimit } };
  return page(p.locale, t.title, body, noWallets ? '' : `var C=${json(cfg)};${AMOUNT_SCRIPT}`);
}

/**
 * The page's script: validates the amount as text (the server parses it exactly), sends one key per
 * attempt so a double tap is one payment, then does what the wallet asks: open its cashier, or (WeChat)
 * call WeixinJSBridge. Whatever the wallet's callback says, the result page asks the server.
 */
const AMOUNT_SCRIPT = `
var f=document.getElementById('f'),a=document.getElementById('amount'),err=document.getElementById('err'),go=document.getElementById('go');
var key=null,last=null,busy=false;
function newKey(){var b=new Uint8Array(16);crypto.getRandomValues(b);return Array.prototype.map.call(b,function(x){return('0'+x.toString(16)).slice(-2)}).join('')}
window.addEventListener('pageshow',function(e){if(e.persisted){busy=false;go.disabled=false;go.textContent=C.t.pay;key=null}});
function wallet(){if(C.wallet)return C.wallet;var r=document.querySelector('input[name=wallet]:checked');return r?r.value:null}
function ready(){busy=false;go.disabled=false;go.textContent=C.t.pay}
function jsapi(params,next){
  // ok: on to the result page, which asks the server (the callback is only a hint). Cancelled or failed in
  // WeChat: stay here; the same key re-opens the same order, so tapping Pay again cannot pay twice.
  function run(){window.WeixinJSBridge.invoke('getBrandWCPayRequest',params,function(res){
    if(res&&/:ok$/.test(res.err_msg||''))location.href=next;else{ready();err.textContent=/:cancel$/.test((res&&res.err_msg)||'')?C.t.cancelled:C.t.tryAgain}})}
  if(window.WeixinJSBridge&&window.WeixinJSBridge.invoke)run();
  else{document.addEventListener('WeixinJSBridgeReady',run,false);setTimeout(function(){if(!window.WeixinJSBridge){err.textContent=C.t.openInWechat;ready()}},4000)}
}
f.addEventListener('submit',function(e){
  e.preventDefault();if(busy)return;err.textContent='';
  var v=a.value.trim().replace(/[\\uff10-\\uff19]/g,function(d){return String.fromCharCode(d.charCodeAt(0)-0xfee0)}).replace(/[\\uff0e\\u3002]/g,'.');
  if(!/^\\d{1,9}(\\.\\d{1,2})?$/.test(v)||!/[1-9]/.test(v)){err.textContent=C.t.invalid;return}
  var w=wallet();if(!w){err.textContent=C.t.chooseWallet;return}
  if(v+'|'+w!==last||!key){key=newKey();last=v+'|'+w}
  busy=true;go.disabled=true;go.textContent=C.t.paying;
  fetch('/s/'+C.code+'/pay',{method:'POST',headers:{'content-type':'application/json'},credentials:'same-origin',body:JSON.stringify({amount:v,wallet:w,key:key})})
  .then(function(r){return r.json().then(function(b){return{ok:r.ok,b:b}})})
  .then(function(x){
    if(!x.ok){ready();var e=(x.b&&x.b.error)||{};err.textContent=e.code==='invalid_amount'?C.t.invalid:e.code==='channel_limit_exceeded'?C.t.overLimit:(e.message||C.t.tryAgain);if(e.code==='idempotency_key_reused')key=null;return}
    var p=x.b.pay;
    if(p&&p.kind==='redirect')location.href=x.b.resultUrl+'?go=1';
    else if(p&&p.kind==='wechat_jsapi')jsapi(p.params,x.b.resultUrl);
    else location.href=x.b.resultUrl;
  })
  .catch(function(){ready();err.textContent=C.t.tryAgain});
});`;

export interface ResultPageInput {
  locale: Locale;
  code: string;
  paymentId: string;
  merchantName: string;
  amountText: string;
  state: string;
  /** Send the browser on to the wallet's cashier first (the result page stays behind it in history). */
  forwardTo: string | null;
}

/** The payment's true state, refreshed from the server until it is final; "paid" only when the server says so. */
export function resultPage(p: ResultPageInput): string {
  const t = STAND_TEXT[p.locale];
  const labels: Record<string, string> = {
    succeeded: t.paid, failed: t.failed, closed: t.closed, reversed: t.cancelled,
    waiting_customer: t.waiting, created: t.checking, pending: t.checking, unknown: t.checking,
  };
  const body = `<h1>${esc(t.payTo(p.merchantName))}</h1><div class="card"><p class="amount" data-testid="paid-amount">${esc(p.amountText)}</p>
<p class="state" id="state" data-testid="state" data-state="${esc(p.state)}" aria-live="polite">${esc(labels[p.state] ?? t.checking)}</p>
<p id="again" style="text-align:center;${['failed', 'closed', 'reversed'].includes(p.state) ? '' : 'display:none'}"><a href="/s/${esc(p.code)}">${esc(t.backToStand)}</a></p></div>`;
  const cfg = { url: `/s/${p.code}/p/${p.paymentId}/status`, labels, checking: t.checking, forward: p.forwardTo };
  return page(p.locale, t.title, body, `var C=${json(cfg)};${RESULT_SCRIPT}`);
}

const RESULT_SCRIPT = `
var el=document.getElementById('state'),again=document.getElementById('again'),FINAL={succeeded:1,failed:1,closed:1,reversed:1};
function show(s){el.setAttribute('data-state',s);el.textContent=C.labels[s]||C.checking;if(s!=='succeeded'&&FINAL[s])again.style.display=''}
function tick(){fetch(C.url,{cache:'no-store'}).then(function(r){return r.ok?r.json():null}).then(function(b){if(b&&b.state)show(b.state);if(!b||!FINAL[b.state])setTimeout(tick,1000)}).catch(function(){setTimeout(tick,2000)})}
if(C.forward){history.replaceState(null,'',location.pathname);location.href=C.forward}
else if(!FINAL[el.getAttribute('data-state')])setTimeout(tick,500);
window.addEventListener('pageshow',function(e){if(e.persisted&&!FINAL[el.getAttribute('data-state')])tick()});`;

/** Unknown or disabled code: said in all three languages, since we cannot know the reader yet. */
export function notFoundPage(): string {
  return page('zh', TRILINGUAL.scanToPay, `<div class="card" data-testid="not-found">${TRILINGUAL.notFound.map((l) => `<p>${esc(l)}</p>`).join('')}</div>`);
}

export function troublePage(): string {
  return page('zh', TRILINGUAL.scanToPay, `<div class="card" data-testid="trouble">${TRILINGUAL.trouble.map((l) => `<p>${esc(l)}</p>`).join('')}</div>`);
}

/** The printable stand: the QR, the trilingual call to action and the wallets taken here. A5-sized when printed. */
export function printPage(p: { qrSvg: string; url: string; merchantName: string; storeName: string; standName: string; wallets: string[] }): string {
  const names = p.wallets.map((c) => `${walletName(c, 'zh-Hans')} ${walletName(c, 'en')}`.replace(/^(\S+) \1$/, '$1'));
  const style = `@page{size:A5;margin:12mm}body{background:#fff}main{text-align:center;max-width:none}.qr svg{width:70mm;height:70mm}
.cta{font-size:1.5rem;font-weight:600;margin:.5rem 0}.wallets{color:#333;font-size:1rem}.url{font-family:monospace;color:#666;font-size:.8rem;word-break:break-all}`;
  return `<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>${esc(p.merchantName)} · ${esc(TRILINGUAL.scanToPay)}</title><style>${CSS}${style}</style></head><body><main>
<h1>${esc(p.merchantName)}</h1><p class="store">${esc(p.storeName)} · ${esc(p.standName)}</p>
<div class="qr" data-testid="qr">${p.qrSvg}</div><p class="cta">${esc(TRILINGUAL.scanToPay)}</p>
<p class="wallets" data-testid="wallets">${names.map(esc).join(' · ')}</p><p class="url">${esc(p.url)}</p></main></body></html>`;
}
