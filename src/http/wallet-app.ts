import { randomBytes } from 'node:crypto';

/**
 * The wallet simulator's "app backend" (sandbox only): what a wallet's phone app does after the customer
 * scans a merchant QR, done over HTTP against this same server, where the emulators are mounted. A dynamic
 * QR opens the wallet's cashier (the emulator's own page) and Pay / Decline press that page's buttons; a
 * one-code stand is opened as the wallet's in-app browser would (its User-Agent, its cookies, WeChat's
 * sign-in redirects), the amount is sent as the stand's page sends it, and the stand's answer is followed
 * to the wallet's cashier (or, for WeChat, to what WeixinJSBridge would call).
 */

export type AppWallet = 'sandbox' | 'alipay' | 'wechat' | 'unionpay' | 'qq';
export const APP_WALLETS: readonly AppWallet[] = ['alipay', 'wechat', 'unionpay', 'qq', 'sandbox'];
/** The real wallets, each mounted under /sandbox/<wallet> when its emulator runs. */
export const EMULATED: readonly AppWallet[] = ['alipay', 'wechat', 'unionpay', 'qq'];

/** Each app's in-app browser, as src/stand/ua.ts tells them apart; the sandbox wallet is an ordinary browser. */
export const APP_USER_AGENT: Record<AppWallet, string> = {
  alipay: 'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 UCBS/2.11.1.1 Nebula AlipayDefined(nt:WIFI,ws:412|915|2.6) AliApp(AP/10.5.36.8000) AlipayClient/10.5.36.8000 Language/zh-Hans',
  wechat: 'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN',
  unionpay: 'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 (com.unionpay.chsp) (cordova 7.0.0) (updebug 0) (version 1017) (UnionPay/1.0 CloudPay)',
  qq: 'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 V1_AND_SQ_8.9.80_4614_YYB_D QQ/8.9.80.12440 NetType/WIFI WebP/0.3.0 AppId/537176863',
  sandbox: 'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Mobile Safari/537.36 SaomaSandboxWallet/1',
};

/** Where a scanned QR leads. Paths are on this server; nothing else is ever fetched. */
export type Scanned = { kind: 'cashier'; wallet: AppWallet; path: string } | { kind: 'stand'; path: string };

const SEG = '[A-Za-z0-9_~%-][A-Za-z0-9_.~%-]*';
const CASHIER_PATH = new RegExp(`^/sandbox/(alipay|wechat|unionpay|qq)/cashier/(${SEG})$`);
const SANDBOX_PATH = new RegExp(`^/sandbox/wallet/qr/${SEG}/${SEG}$`);
const STAND_PATH = /^\/s\/[0-9a-hjkmnp-tv-z]{12}$/;

/**
 * What the wallet app makes of a scanned text: the emulators' QR contents (mounted URLs, or the real
 * wallets' own forms, which the emulators hand out when they run without a public URL), or a stand.
 */
export function classifyQr(text: string): Scanned | null {
  const s = text.trim();
  const wx = /^weixin:\/\/wxpay\/bizpayurl\?pr=([A-Za-z0-9]+)$/.exec(s);
  if (wx) return { kind: 'cashier', wallet: 'wechat', path: `/sandbox/wechat/cashier/${wx[1]}` };
  const sbx = new RegExp(`^saoma-sandbox://qr/(${SEG}/${SEG})$`).exec(s);
  if (sbx) return { kind: 'cashier', wallet: 'sandbox', path: `/sandbox/wallet/qr/${sbx[1]}` };
  let url: URL;
  try { url = new URL(s); } catch { return null; }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const path = url.pathname.replace(/\/$/, '');
  if (url.hostname === 'qr.alipay.com') {
    const m = /^\/bax0([A-Za-z0-9]+)$/.exec(path);
    return m ? { kind: 'cashier', wallet: 'alipay', path: `/sandbox/alipay/cashier/${m[1]}` } : null;
  }
  if (url.hostname === 'qr.95516.com') {
    const m = /^\/\d+\/([A-Za-z0-9]{16,64})$/.exec(path);
    return m ? { kind: 'cashier', wallet: 'unionpay', path: `/sandbox/unionpay/cashier/${m[1]}` } : null;
  }
  if (url.hostname === 'qpay.qq.com') {
    const m = /^\/qr\/([0-9a-f]{24})$/.exec(path);
    return m ? { kind: 'cashier', wallet: 'qq', path: `/sandbox/qq/cashier/${m[1]}` } : null;
  }
  const cashier = CASHIER_PATH.exec(path);
  if (cashier) return { kind: 'cashier', wallet: cashier[1] as AppWallet, path };
  if (SANDBOX_PATH.test(path)) return { kind: 'cashier', wallet: 'sandbox', path };
  if (STAND_PATH.test(path)) return { kind: 'stand', path };
  return null;
}

/** Whether `path` is a cashier this backend may press buttons on (what `act` is handed back). */
export function isCashierPath(path: string): boolean {
  return CASHIER_PATH.test(path) || SANDBOX_PATH.test(path);
}

/** Every way a cashier can end (src/channels/cashier-page.ts CashierOutcome), plus paid and declined. */
export type Outcome = 'paid' | 'declined' | 'already_paid' | 'closed' | 'expired' | 'not_payable' | 'not_found';
const OUTCOMES = new Set<string>(['paid', 'declined', 'already_paid', 'closed', 'expired', 'not_payable', 'not_found']);

/** What the app does next: a cashier to press buttons on, or WeChat's JSAPI parameter set. */
export type Target = { kind: 'cashier'; path: string } | { kind: 'jsapi'; params: Record<string, string> };

export type OpenReply =
  | { step: 'confirm'; wallet: AppWallet; target: Target; summary: string | null; paymentId?: string }
  | { step: 'done'; result: Outcome }
  | { step: 'error'; error: 'invalid' | 'wrong_wallet' | 'not_offered' | 'stand' | 'unavailable'; wallet?: AppWallet; message?: string };

function unescapeHtml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
}

/** The parts of a cashier page (cashier-page.ts) the app needs: what it asks, its buttons, or its outcome. */
export interface CashierView {
  summary: string | null;
  outcome: Outcome | null;
  buttons: Partial<Record<'pay' | 'decline', string>>;
  fields: Record<string, string>;
  json: Record<'paid' | 'declined', Record<string, unknown>> | null;
}

export function readCashier(html: string): CashierView {
  const summary = /data-testid="summary">([^<]*)</.exec(html)?.[1];
  const outcome = /data-outcome="([a-z_]+)"/.exec(html)?.[1];
  const buttons: CashierView['buttons'] = {};
  for (const m of html.matchAll(/formaction="([^"]*)" data-testid="(pay|decline)"/g)) buttons[m[2] as 'pay' | 'decline'] = unescapeHtml(m[1]!);
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[unescapeHtml(m[1]!)] = unescapeHtml(m[2]!);
  let json: CashierView['json'] = null;
  const c = /var C=(\{[^\n]*\});\n/.exec(html)?.[1];
  if (c) {
    try { json = (JSON.parse(c) as { json?: CashierView['json'] }).json ?? null; } catch { json = null; }
  }
  return {
    summary: summary === undefined ? null : unescapeHtml(summary),
    outcome: outcome && OUTCOMES.has(outcome) ? outcome as Outcome : null,
    buttons, fields, json,
  };
}

interface Res { status: number; text: string; location: string | null; cookies: string[] }

/** The app's network: this server only, as the phone would reach it; no redirects followed on its own. */
export class WalletAppClient {
  private readonly base: string;
  private readonly wallet: AppWallet;
  private readonly lang: string;
  private readonly jar = new Map<string, string>();

  constructor(base: string, wallet: AppWallet, lang: string) {
    this.base = base;
    this.wallet = wallet;
    this.lang = lang;
  }

  private async send(method: string, path: string, body?: { type: string; text: string }, accept = 'text/html,application/json'): Promise<Res> {
    const headers: Record<string, string> = { 'user-agent': APP_USER_AGENT[this.wallet], 'accept-language': this.lang, accept };
    if (this.jar.size) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body) headers['content-type'] = body.type;
    const res = await fetch(`${this.base}${path}`, { method, headers, redirect: 'manual', signal: AbortSignal.timeout(15_000), ...(body ? { body: body.text } : {}) });
    const cookies = res.headers.getSetCookie();
    for (const c of cookies) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      if (i > 0) this.jar.set(pair!.slice(0, i).trim(), pair!.slice(i + 1).trim());
    }
    return { status: res.status, text: await res.text(), location: res.headers.get('location'), cookies };
  }

  /** A page, following redirects that stay on this server (WeChat's sign-in goes through its emulator). */
  async page(path: string): Promise<Res & { path: string }> {
    let at = path;
    for (let hop = 0; hop < 8; hop++) {
      const r = await this.send('GET', at);
      if (r.status < 300 || r.status >= 400 || !r.location) return { ...r, path: at };
      const next = localPath(r.location, `${this.base}${at}`);
      if (!next) throw new Error(`redirected off this server: ${r.location}`);
      at = next;
    }
    throw new Error('too many redirects');
  }

  post(path: string, type: 'json' | 'form', fields: Record<string, unknown>): Promise<Res> {
    const text = type === 'json' ? JSON.stringify(fields) : new URLSearchParams(fields as Record<string, string>).toString();
    return this.send('POST', path, { type: type === 'json' ? 'application/json' : 'application/x-www-form-urlencoded', text }, 'application/json,text/html');
  }
}

/** A URL the app was sent to, as a path on this server, when it is one of ours (/s/… or /sandbox/…). */
function localPath(location: string, from: string): string | null {
  let u: URL;
  try { u = new URL(location, from); } catch { return null; }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  return /^\/(s|sandbox)\//.test(u.pathname) ? `${u.pathname}${u.search}` : null;
}

/** Opens a cashier page: the app's "Pay ¥12.50 to …" screen, or the outcome the wallet shows instead. */
async function openCashier(client: WalletAppClient, wallet: AppWallet, path: string, paymentId?: string): Promise<OpenReply> {
  const r = await client.page(path);
  if (r.status === 404 && !/data-outcome=/.test(r.text)) return { step: 'error', error: 'unavailable', wallet };
  const view = readCashier(r.text);
  if (view.summary !== null && view.buttons.pay) return { step: 'confirm', wallet, target: { kind: 'cashier', path }, summary: view.summary, ...(paymentId ? { paymentId } : {}) };
  return { step: 'done', result: view.outcome ?? 'not_payable' };
}

/** The wallet a stand's page recognised the app as: its script's config, `var C={…,"wallet":"alipay",…};`. */
function standWallet(html: string): string | null {
  const c = /var C=(\{[^\n]*\});/.exec(html)?.[1];
  if (!c) return null;
  try {
    const w = (JSON.parse(c) as { wallet?: unknown }).wallet;
    return typeof w === 'string' ? w : null;
  } catch {
    return null;
  }
}

/** The customer scanned `qr` with `wallet`'s app (and, on a stand, typed `amount`). */
export async function open(base: string, o: { wallet: AppWallet; qr: string; lang: string; amount?: string }): Promise<OpenReply> {
  const scanned = classifyQr(o.qr);
  if (!scanned) return { step: 'error', error: 'invalid' };
  const client = new WalletAppClient(base, o.wallet, o.lang);
  if (scanned.kind === 'cashier') {
    // A wallet's app opens only its own wallet's codes; the real apps say "use Alipay to scan" and so on.
    if (scanned.wallet !== o.wallet) return { step: 'error', error: 'wrong_wallet', wallet: scanned.wallet };
    return openCashier(client, o.wallet, scanned.path);
  }
  const stand = await client.page(scanned.path);
  if (stand.status !== 200) return { step: 'done', result: 'not_found' };
  // The stand's page names the wallet it recognised (its config `C.wallet`); the sandbox is a picker choice.
  const offered = o.wallet === 'sandbox' ? /value="sandbox"/.test(stand.text) : standWallet(stand.text) === o.wallet;
  if (!offered) return { step: 'error', error: 'not_offered', wallet: o.wallet };
  const paid = await client.post(`${scanned.path}/pay`, 'json', { amount: o.amount ?? '', wallet: o.wallet, key: randomBytes(16).toString('hex') });
  let body: { paymentId?: string; pay?: { kind: string; url?: string; params?: Record<string, string> } | null; error?: { code: string; message: string } } = {};
  try { body = JSON.parse(paid.text); } catch { /* reported below */ }
  if (paid.status >= 300 || !body.paymentId) return { step: 'error', error: 'stand', message: body.error?.message ?? `HTTP ${paid.status}` };
  const pay = body.pay;
  if (pay?.kind === 'wechat_jsapi' && pay.params) return { step: 'confirm', wallet: o.wallet, target: { kind: 'jsapi', params: pay.params }, summary: null, paymentId: body.paymentId };
  if (pay?.kind === 'redirect' && pay.url) {
    const next = classifyQr(pay.url);
    if (next?.kind === 'cashier') return openCashier(client, o.wallet, next.path, body.paymentId);
  }
  return { step: 'done', result: 'not_payable' };
}

/** The customer presses Pay or Decline on the screen `open` led to. */
export async function act(base: string, o: { wallet: AppWallet; target: Target; action: 'pay' | 'decline'; lang: string }): Promise<Outcome> {
  const client = new WalletAppClient(base, o.wallet, o.lang);
  if (o.target.kind === 'jsapi') {
    // What the WeChat app's WeixinJSBridge does with getBrandWCPayRequest; cancelling is the customer closing it.
    const r = await client.post('/sandbox/wechat/emulator/jsapi/pay', 'json', { ...o.target.params, ...(o.action === 'decline' ? { emulatorAction: 'cancel' } : {}) });
    const msg = (JSON.parse(r.text) as { err_msg?: string }).err_msg ?? '';
    return /:ok$/.test(msg) ? 'paid' : /:cancel$/.test(msg) ? 'declined' : 'not_payable';
  }
  const page = await client.page(o.target.path);
  const view = readCashier(page.text);
  const button = view.buttons[o.action];
  if (!button) return view.outcome ?? 'not_found';
  const to = localPath(button, `http://wallet.invalid${o.target.path}`);
  if (!to) return 'not_found';
  const fields: Record<string, unknown> = { ...view.fields, action: o.action };
  const r = await client.post(to, view.json ? 'json' : 'form', fields);
  if (view.json) {
    let reply: Record<string, unknown> = {};
    try { reply = JSON.parse(r.text); } catch { return 'not_payable'; }
    const is = (want: Record<string, unknown>) => Object.keys(want).every((k) => reply[k] === want[k]);
    return is(view.json.paid) ? 'paid' : is(view.json.declined) ? 'declined' : 'not_payable';
  }
  return readCashier(r.text).outcome ?? 'not_payable';
}

/** Which real wallets' emulators answer here (each has `GET /sandbox/<wallet>/emulator/charges`). */
export async function mountedWallets(base: string): Promise<AppWallet[]> {
  const found = await Promise.all(EMULATED.map(async (w) => {
    try {
      const r = await fetch(`${base}/sandbox/${w}/emulator/charges`, { signal: AbortSignal.timeout(5000) });
      await r.arrayBuffer();
      return r.ok ? w : null;
    } catch {
      return null;
    }
  }));
  return [...found.filter((w): w is AppWallet => w !== null), 'sandbox'];
}
