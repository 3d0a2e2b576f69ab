/**
 * The emulator's stand-in for the Alipay app's cashier: what a customer sees after scanning a dynamic QR
 * (or being redirected to it from a one-code stand), in the customer's language, with Pay and Decline.
 */

export type CashierLang = 'zh-Hans' | 'zh-Hant' | 'en';

const TEXT: Record<CashierLang, {
  title: string; pay: (amount: string, merchant: string) => string; payBtn: string; declineBtn: string; item: string;
  outcome: Record<'paid' | 'declined' | 'not_payable' | 'not_found', string>;
}> = {
  'zh-Hans': {
    title: '支付宝 收银台', pay: (a, m) => `向 ${m} 付款 ¥${a}`, payBtn: '确认付款', declineBtn: '取消', item: '商品',
    outcome: { paid: '支付成功', declined: '已取消付款', not_payable: '该订单无法支付（已关闭、已支付或已过期）', not_found: '二维码无效' },
  },
  'zh-Hant': {
    title: '支付寶 收銀台', pay: (a, m) => `向 ${m} 付款 ¥${a}`, payBtn: '確認付款', declineBtn: '取消', item: '商品',
    outcome: { paid: '付款成功', declined: '已取消付款', not_payable: '此訂單無法付款（已關閉、已付款或已過期）', not_found: '二維碼無效' },
  },
  en: {
    title: 'Alipay checkout', pay: (a, m) => `Pay ¥${a} to ${m}`, payBtn: 'Pay', declineBtn: 'Decline', item: 'Item',
    outcome: { paid: 'Payment successful', declined: 'Payment declined', not_payable: 'This order cannot be paid (closed, paid or expired)', not_found: 'Unknown QR code' },
  },
};

/** `?lang=` first, then the browser's Accept-Language; Simplified Chinese when nothing matches. */
export function cashierLang(query: unknown, acceptLanguage: string | undefined): CashierLang {
  const pick = (tag: string): CashierLang | null => {
    const t = tag.trim().toLowerCase();
    if (t.startsWith('zh-hant') || t === 'zh-tw' || t === 'zh-hk' || t === 'zh-mo') return 'zh-Hant';
    if (t.startsWith('zh')) return 'zh-Hans';
    if (t.startsWith('en')) return 'en';
    return null;
  };
  if (typeof query === 'string' && pick(query)) return pick(query)!;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const l = pick(part.split(';')[0] ?? '');
    if (l) return l;
  }
  return 'zh-Hans';
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(lang: CashierLang, body: string): string {
  const t = TEXT[lang];
  const switcher = (['zh-Hans', 'zh-Hant', 'en'] as const).map((l) => `<a href="?lang=${l}">${l === 'en' ? 'English' : l === 'zh-Hans' ? '简体' : '繁體'}</a>`).join(' · ');
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(t.title)}</title><style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;text-align:center}
h1{font-size:1.2rem;color:#1677ff}.amount{font-size:1.6rem;margin:1.5rem 0}button{font-size:1.1rem;padding:.7rem 1.6rem;margin:.4rem;border-radius:.5rem;border:0}
[data-testid=pay]{background:#1677ff;color:#fff}[data-testid=decline]{background:#eee}nav{margin-top:2rem;font-size:.85rem}</style></head>
<body><h1>${esc(t.title)}</h1>${body}<nav>${switcher}</nav></body></html>`;
}

export function cashierPage(lang: CashierLang, o: { amount: string; merchant: string; subject: string }): string {
  const t = TEXT[lang];
  return page(lang, `<p class="amount" data-testid="summary">${esc(t.pay(o.amount, o.merchant))}</p><p>${esc(t.item)}: ${esc(o.subject)}</p>
<form method="post"><input type="hidden" name="lang" value="${lang}">
<button type="submit" name="action" value="pay" data-testid="pay">${esc(t.payBtn)}</button>
<button type="submit" name="action" value="decline" data-testid="decline">${esc(t.declineBtn)}</button></form>`);
}

export function outcomePage(lang: CashierLang, outcome: 'paid' | 'declined' | 'not_payable' | 'not_found', amount?: string): string {
  const t = TEXT[lang];
  return page(lang, `<p class="amount" data-testid="outcome" data-outcome="${outcome}">${esc(t.outcome[outcome])}${amount && outcome === 'paid' ? ` · ¥${esc(amount)}` : ''}</p>`);
}
