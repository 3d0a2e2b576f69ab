import type { Locale } from '../core/messages.ts';
import { formatCode } from '../security/receipt-signer.ts';
import { signatureSvg, type SignatureStroke } from './signature.ts';
import { printedAmount, localTime } from './view.ts';
import type { SignedRecord } from './verification.ts';

/**
 * The public page a verification receipt's QR opens. It says whether the receipt is ours and shows
 * what was printed — nothing more: no customer data, no other sales, no way to list receipts.
 */
const T = {
  'zh-Hans': {
    title: '收据验证', authentic: '✓ 真实收据', authenticNote: (m: string, s: string) => `这张收据由 ${m}（${s}）开具，签名与记录一致。`,
    notAuthentic: '✗ 无法验证', notAuthenticNote: '没有这个验证码的收据。收据可能被伪造或修改过，或验证码输入有误，请核对后再试。',
    printed: '收据内容（与打印一致）', signature: '顾客签名', code: '验证码', amount: '金额', time: '时间', check: '验证', enter: '输入收据上的验证码',
  },
  'zh-Hant': {
    title: '收據驗證', authentic: '✓ 真實收據', authenticNote: (m: string, s: string) => `這張收據由 ${m}（${s}）開立，簽名與紀錄一致。`,
    notAuthentic: '✗ 無法驗證', notAuthenticNote: '沒有這個驗證碼的收據。收據可能遭偽造或修改，或驗證碼輸入有誤，請核對後再試。',
    printed: '收據內容（與列印一致）', signature: '顧客簽名', code: '驗證碼', amount: '金額', time: '時間', check: '驗證', enter: '輸入收據上的驗證碼',
  },
  en: {
    title: 'Check a receipt', authentic: '✓ Authentic receipt', authenticNote: (m: string, s: string) => `Issued by ${m} (${s}); the signature matches our record.`,
    notAuthentic: '✗ Not verified', notAuthenticNote: 'No receipt has this code. The receipt may be forged or altered, or the code mistyped: check it and try again.',
    printed: 'The receipt as printed', signature: 'Customer signature', code: 'Code', amount: 'Amount', time: 'Time', check: 'Check', enter: 'Type the code on the receipt',
  },
} as const;

const esc = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

const CSS = `*{box-sizing:border-box}body{margin:0;font-family:system-ui,"PingFang SC","Noto Sans CJK SC",sans-serif;background:#f4f5f7;color:#1d1d1f}
main{max-width:30rem;margin:0 auto;padding:1.25rem}.card{background:#fff;border-radius:14px;padding:1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.08);margin-bottom:1rem}
h1{font-size:1.5rem;margin:.2rem 0}.ok{color:#1a7f37}.bad{color:#c41d1d}pre{font-family:"Noto Sans Mono CJK SC",monospace;font-size:.8rem;white-space:pre;overflow-x:auto;background:#fafafa;padding:.75rem;border-radius:8px}
.sig svg{width:100%;height:auto;border:1px solid #eee;border-radius:8px}dl{display:grid;grid-template-columns:auto 1fr;gap:.3rem 1rem}dt{color:#666}
form{display:flex;gap:.5rem}input{flex:1;font-size:1.1rem;padding:.5rem;border:2px solid #ddd;border-radius:8px;text-transform:uppercase}button{font-size:1.1rem;padding:.5rem 1rem;border:0;border-radius:8px;background:#1677ff;color:#fff}
nav{text-align:right;font-size:.9rem}nav a{margin-left:.75rem;color:#1677ff}`;

function shell(lang: Locale, body: string, code: string): string {
  const t = T[lang];
  const nav = (['zh-Hans', 'zh-Hant', 'en'] as const).map((l) => `<a href="?lang=${l}" lang="${l}">${l === 'zh-Hans' ? '简体' : l === 'zh-Hant' ? '繁體' : 'English'}</a>`).join('');
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
<title>${esc(t.title)}</title><style>${CSS}</style></head><body><main><nav>${nav}</nav>${body}
<form class="card" method="get" action="/r"><input name="code" value="${esc(code)}" placeholder="${esc(t.enter)}" aria-label="${esc(t.enter)}" maxlength="20" autocomplete="off"><input type="hidden" name="lang" value="${lang}"><button>${esc(t.check)}</button></form></main></body></html>`;
}

export function verifiedPage(lang: Locale, r: SignedRecord, printedText: string, strokes: SignatureStroke[]): string {
  const t = T[lang];
  const d = r.receipt;
  return shell(lang, `<section class="card" data-testid="verdict" data-authentic="true"><h1 class="ok">${esc(t.authentic)}</h1><p>${esc(t.authenticNote(d.merchant.name, d.store.name))}</p>
<dl><dt>${esc(t.code)}</dt><dd>${esc(formatCode(r.code))}</dd><dt>${esc(t.amount)}</dt><dd>${esc(printedAmount(r.amount, r.currency))}</dd><dt>${esc(t.time)}</dt><dd>${esc(localTime(r.signedAt, d.merchant.timezone))}</dd></dl></section>
<section class="card"><h2>${esc(t.printed)}</h2><pre data-testid="printed">${esc(printedText)}</pre><h2>${esc(t.signature)}</h2><div class="sig">${signatureSvg(strokes)}</div></section>`, formatCode(r.code));
}

export function notVerifiedPage(lang: Locale, typed: string): string {
  const t = T[lang];
  return shell(lang, `<section class="card" data-testid="verdict" data-authentic="false"><h1 class="bad">${esc(t.notAuthentic)}</h1><p>${esc(t.notAuthenticNote)}</p></section>`, typed.slice(0, 20));
}
