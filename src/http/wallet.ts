import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { serveWebApp } from './web-app.ts';
import { SaomaError } from '../core/errors.ts';
import { APP_WALLETS, act, isCashierPath, mountedWallets, open, type AppWallet, type Target } from './wallet-app.ts';

/** Where `npm run build:wallet` (Vite) puts the wallet simulator. */
export const WALLET_DIST = fileURLToPath(new URL('../../web/wallet/dist/', import.meta.url));

/** The sandbox wallet simulator under /wallet (mounted only when the sandbox wallet is), with its app backend. */
export async function walletRoutes(app: FastifyInstance, dist: string = WALLET_DIST): Promise<void> {
  walletAppRoutes(app);
  await serveWebApp(app, { name: 'wallet', dist, title: { en: 'wallet simulator', 'zh-Hans': '钱包模拟器', 'zh-Hant': '錢包模擬器' } });
}

/** This server as the wallet app's network reaches it: the address the request came in on, not the public URL. */
function selfBase(req: FastifyRequest): string {
  const a = req.socket.localAddress ?? '127.0.0.1';
  const host = a.includes(':') ? `[${a}]` : a;
  return `${'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http'}://${host}:${req.socket.localPort}`;
}

function str(body: unknown, key: string, max: number): string | undefined {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > max) throw new SaomaError('invalid_request', `${key} must be text of at most ${max} characters.`);
  return v;
}

function walletOf(body: unknown): AppWallet {
  const w = str(body, 'wallet', 16);
  if (!w || !(APP_WALLETS as readonly string[]).includes(w)) throw new SaomaError('invalid_request', `wallet must be one of ${APP_WALLETS.join(', ')}.`);
  return w as AppWallet;
}

function targetOf(body: unknown): Target {
  const t = body && typeof body === 'object' ? (body as { target?: unknown }).target : undefined;
  if (t && typeof t === 'object') {
    const o = t as { kind?: unknown; path?: unknown; params?: unknown };
    if (o.kind === 'cashier' && typeof o.path === 'string' && isCashierPath(o.path)) return { kind: 'cashier', path: o.path };
    if (o.kind === 'jsapi' && o.params && typeof o.params === 'object' && Object.values(o.params).every((v) => typeof v === 'string')) {
      return { kind: 'jsapi', params: o.params as Record<string, string> };
    }
  }
  throw new SaomaError('invalid_request', 'target must be what /wallet/api/open answered.');
}

/**
 * The simulator's app backend (sandbox only, mounted with /wallet): which wallets are here, and what the
 * wallet's app does with a scanned merchant QR (src/http/wallet-app.ts). Wallet-level outcomes (declined,
 * expired, someone else's QR) are answers, not errors; only a malformed request is a 400.
 */
function walletAppRoutes(app: FastifyInstance): void {
  let mounted: Promise<AppWallet[]> | null = null;
  app.get('/wallet/api/wallets', { schema: { hide: true } }, async (req, reply) => {
    // The emulators are mounted at start and stay: ask once.
    mounted ??= mountedWallets(selfBase(req));
    const wallets = await mounted;
    reply.header('cache-control', 'no-store');
    return { wallets };
  });
  app.post('/wallet/api/open', { schema: { hide: true } }, async (req) => {
    const wallet = walletOf(req.body);
    const qr = str(req.body, 'qr', 2000);
    if (!qr || !qr.trim()) throw new SaomaError('invalid_request', 'qr is the scanned merchant QR code\'s text.');
    const amount = str(req.body, 'amount', 16);
    const lang = str(req.body, 'lang', 16) ?? 'zh-Hans';
    try {
      return await open(selfBase(req), { wallet, qr, lang, ...(amount !== undefined ? { amount } : {}) });
    } catch (e) {
      req.log.warn({ err: e }, 'wallet simulator: open failed');
      return { step: 'error', error: 'unavailable', wallet };
    }
  });
  app.post('/wallet/api/act', { schema: { hide: true } }, async (req) => {
    const wallet = walletOf(req.body);
    const target = targetOf(req.body);
    const action = str(req.body, 'action', 16);
    if (action !== 'pay' && action !== 'decline') throw new SaomaError('invalid_request', 'action is pay or decline.');
    const lang = str(req.body, 'lang', 16) ?? 'zh-Hans';
    try {
      return { result: await act(selfBase(req), { wallet, target, action, lang }) };
    } catch (e) {
      req.log.warn({ err: e }, 'wallet simulator: act failed');
      return { result: 'unavailable' };
    }
  });
}
