import { toDecimalString } from '../../core/money.ts';

/**
 * The page a customer sees after scanning a QQ Wallet dynamic QR in the emulator: the amount and the
 * merchant, Pay and Decline, then the outcome. zh-Hans, zh-Hant or English, from `?lang=` or the
 * browser's Accept-Language. Forms post to paths relative to the page, so it works wherever it is mounted.
 */
export type Lang = 'zh-Hans' | 'zh-Hant' | 'en';
export type Outcome = 'paid' | 'declined' | 'already_paid' | 'closed' | 'expired' | 'unknown';

const TEXT: Record<Lang, { title: string; pay: (amount: string, merchant: string) => string; payButton: string; decline: string; outcome: Record<Outcome, string> }> = {
  'zh-Hans': {
    title: 'QQ钱包支付', pay: (a, m) => `向 ${m} 支付 ¥${a}`, payButton: '支付', decline: '取消',
    outcome: { paid: '支付成功', declined: '已取消支付', already_paid: '该订单已支付', closed: '该订单已关闭', expired: '二维码已过期', unknown: '二维码无效' },
  },
  'zh-Hant': {
    title: 'QQ錢包支付', pay: (a, m) => `向 ${m} 支付 ¥${a}`, payButton: '支付', decline: '取消',
    outcome: { paid: '支付成功', declined: '已取消支付', already_paid: '該訂單已支付', closed: '該訂單已關閉', expired: '二維碼已過期', unknown: '二維碼無效' },
  },
  en: {
    title: 'QQ Wallet', pay: (a, m) => `Pay ¥${a} to ${m}`, payButton: 'Pay', decline: 'Decline',
    outcome: { paid: 'Paid', declined: 'Payment declined', already_paid: 'This order is already paid', closed: 'This order is closed', expired: 'This QR code has expired', unknown: 'Unknown QR code' },
  },
};

export function pickLanguage(query: string | undefined, acceptLanguage: string | string[] | undefined): Lang {
  const wanted = [query ?? '', ...String(acceptLanguage ?? '').split(',').map((p) => p.split(';')[0]!.trim())];
  for (const w of wanted) {
    const l = w.toLowerCase();
    if (l === '') continue;
    if (l === 'zh-hant' || l.startsWith('zh-tw') || l.startsWith('zh-hk') || l.startsWith('zh-mo') || l.startsWith('zh-hant')) return 'zh-Hant';
    if (l.startsWith('zh')) return 'zh-Hans';
    if (l.startsWith('en')) return 'en';
  }
  return 'zh-Hans';
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(lang: Lang, body: string): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`
    + `<title>${TEXT[lang].title}</title><style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;text-align:center}`
    + 'button{font-size:1.2rem;padding:.6rem 2rem;margin:.5rem}</style></head><body>'
    + `<h1>${TEXT[lang].title}</h1>${body}</body></html>`;
}

export function cashierPage(lang: Lang, t: { token: string; amount: number; merchant: string }): string {
  const x = TEXT[lang];
  const q = `?lang=${lang}`;
  const token = encodeURIComponent(t.token);
  return page(lang, `<p data-testid="prompt">${escape(x.pay(toDecimalString({ minor: t.amount, currency: 'CNY' }), t.merchant))}</p>`
    + `<form method="post"><button data-testid="pay" formaction="${token}/pay${q}">${x.payButton}</button>`
    + `<button data-testid="decline" formaction="${token}/decline${q}">${x.decline}</button></form>`);
}

export function outcomePage(lang: Lang, outcome: Outcome, merchant: string): string {
  return page(lang, `<p data-testid="outcome" data-outcome="${outcome}">${escape(TEXT[lang].outcome[outcome])}</p>${merchant ? `<p>${escape(merchant)}</p>` : ''}`);
}
