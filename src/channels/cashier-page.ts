import { format, type Money } from '../core/money.ts';
import { pickLocale, type Locale } from '../core/messages.ts';

/**
 * What a customer sees in a wallet app after scanning one of our emulators' dynamic QR codes: the amount
 * and the merchant, Pay and Decline, then the outcome. One page for every emulator, so they all behave
 * alike for the tests and the browser test; each emulator keeps its own routes and passes in its name,
 * where its buttons post, and (for the two whose cashier answers JSON) how to read the reply.
 */

export type CashierAction = 'pay' | 'decline';

/** Every outcome any emulator shows. */
export type CashierOutcome = 'paid' | 'declined' | 'already_paid' | 'closed' | 'expired' | 'not_payable' | 'not_found';

export interface CashierWallet {
  /** The app's name in each language (支付宝 / 支付寶 / Alipay): the page's title and heading. */
  name: Record<Locale, string>;
  /** The app's word for paying in Chinese where it is not 付款 (WeChat and QQ say 支付). */
  verb?: Partial<Record<Exclude<Locale, 'en'>, string>>;
  /** The language when neither `?lang=` nor Accept-Language names one of ours. */
  home: Locale;
}

export interface CashierForm {
  /** Where each button posts, relative to the page (emulators are mounted under prefixes). */
  target: Record<CashierAction, string>;
  /** Hidden fields posted with `action=pay|decline`. */
  fields?: Record<string, string>;
  /**
   * For cashiers that answer JSON (WeChat, the sandbox wallet): the page posts the fields as JSON and shows
   * the outcome in place. A reply whose listed keys all equal these is paid / declined; any other cannot be paid.
   */
  json?: Record<'paid' | 'declined', Record<string, string | boolean>>;
}

const TEXT: Record<Locale, {
  summary: (amount: string, merchant: string, verb: string) => string; item: string;
  pay: (verb: string) => string; decline: string; outcome: Record<CashierOutcome, string>;
}> = {
  'zh-Hans': {
    summary: (a, m, v) => `向 ${m} ${v} ${a}`, item: '商品', pay: (v) => `确认${v}`, decline: '拒绝',
    outcome: {
      paid: '支付成功', declined: '已取消付款', already_paid: '该订单已支付', closed: '该订单已关闭', expired: '二维码已过期',
      not_payable: '该订单无法支付', not_found: '二维码无效',
    },
  },
  'zh-Hant': {
    summary: (a, m, v) => `向 ${m} ${v} ${a}`, item: '商品', pay: (v) => `確認${v}`, decline: '拒絕',
    outcome: {
      paid: '付款成功', declined: '已取消付款', already_paid: '該訂單已付款', closed: '該訂單已關閉', expired: '二維碼已過期',
      not_payable: '此訂單無法付款', not_found: '二維碼無效',
    },
  },
  en: {
    summary: (a, m) => `Pay ${a} to ${m}`, item: 'Item', pay: () => 'Pay', decline: 'Decline',
    outcome: {
      paid: 'Payment successful', declined: 'Payment declined', already_paid: 'This order is already paid', closed: 'This order is closed',
      expired: 'This QR code has expired', not_payable: 'This order cannot be paid', not_found: 'Unknown QR code',
    },
  },
};

const LOCALES: Record<Locale, string> = { 'zh-Hans': '简体', 'zh-Hant': '繁體', en: 'English' };

/** `?lang=` (or a form's `lang`) is read as the customer's first choice ahead of Accept-Language. */
export function cashierLocale(wallet: CashierWallet, explicit: unknown, acceptLanguage: string | undefined): Locale {
  const first = typeof explicit === 'string' ? explicit : '';
  return pickLocale([first, acceptLanguage ?? ''].filter(Boolean).join(','), wallet.home);
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Yuan is ¥ in every language in these apps; en's Intl would write CN¥. */
const amountText = (m: Money) => format(m, 'zh-CN');

function page(wallet: CashierWallet, locale: Locale, body: string): string {
  const title = esc(wallet.name[locale]);
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;text-align:center}
.amount{font-size:1.4rem;margin:1.5rem 0}button{font-size:1.1rem;padding:.7rem 1.6rem;margin:.4rem;border-radius:.5rem;border:0}
[data-testid=pay]{background:#1677ff;color:#fff}[data-testid=decline]{background:#eee}nav{margin-top:2rem;font-size:.85rem}</style></head>
<body><h1>${title}</h1>${body}</body></html>`;
}

/** Posts the pressed button's fields as JSON and writes the outcome the reply matches. */
const JSON_SCRIPT = `var form=document.querySelector('form'),out=document.querySelector('[data-testid=outcome]');
function is(r,want){return Object.keys(want).every(function(k){return r[k]===want[k]})}
form.addEventListener('submit',function(e){e.preventDefault();var b=e.submitter,body={action:b.value};
form.querySelectorAll('input[type=hidden]').forEach(function(i){body[i.name]=i.value});
form.querySelectorAll('button').forEach(function(x){x.disabled=true});
fetch(b.formAction,{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(body)}).then(function(r){return r.json()}).then(function(r){
var k=is(r,C.json.paid)?'paid':is(r,C.json.declined)?'declined':'not_payable';out.dataset.outcome=k;out.textContent=C.text[k]})});`;

export function cashierPage(o: {
  wallet: CashierWallet; locale: Locale; amount: Money; merchant: string; subject?: string; form: CashierForm;
}): string {
  const t = TEXT[o.locale];
  const verb = o.locale === 'en' ? '' : o.wallet.verb?.[o.locale] ?? '付款';
  const hidden = Object.entries(o.form.fields ?? {}).map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
  const button = (a: CashierAction, label: string) =>
    `<button type="submit" name="action" value="${a}" formaction="${esc(o.form.target[a])}" data-testid="${a}">${esc(label)}</button>`;
  const switcher = (Object.keys(LOCALES) as Locale[]).map((l) => `<a href="?lang=${l}">${LOCALES[l]}</a>`).join(' · ');
  // JSON cashiers show the outcome on this page; inside a <script>, "<" is escaped so no value can close it.
  const script = o.form.json
    ? `<p class="amount" data-testid="outcome"></p><script>var C=${JSON.stringify({ json: o.form.json, text: t.outcome }).replace(/</g, '\\u003c')};\n${JSON_SCRIPT}</script>`
    : '';
  return page(o.wallet, o.locale, `<p class="amount" data-testid="summary">${esc(t.summary(amountText(o.amount), o.merchant, verb))}</p>`
    + (o.subject ? `<p>${esc(t.item)}: ${esc(o.subject)}</p>` : '')
    + `<form method="post">${hidden}${button('pay', t.pay(verb))}${button('decline', t.decline)}</form>${script}<nav>${switcher}</nav>`);
}

/** The page after Pay or Decline, or instead of the cashier when the code cannot be paid. */
export function outcomePage(o: { wallet: CashierWallet; locale: Locale; outcome: CashierOutcome; amount?: Money; merchant?: string }): string {
  const text = TEXT[o.locale].outcome[o.outcome] + (o.amount ? ` · ${amountText(o.amount)}` : '');
  return page(o.wallet, o.locale, `<p class="amount" data-testid="outcome" data-outcome="${o.outcome}">${esc(text)}</p>`
    + (o.merchant ? `<p>${esc(o.merchant)}</p>` : ''));
}
