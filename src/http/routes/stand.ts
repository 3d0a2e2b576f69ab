import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import QRCode from 'qrcode';
import rateLimit from '@fastify/rate-limit';
import { SaomaError } from '../../core/errors.ts';
import { pickLocale, type Locale } from '../../core/messages.ts';
import { format, type Currency } from '../../core/money.ts';
import type { Payment } from '../../core/domain.ts';
import type { Principal } from '../../core/roles.ts';
import type { Runtime } from '../../runtime.ts';
import { principal } from '../app.ts';
import { actingMerchant, requireMerchant } from '../auth.ts';
import { paidOnlyInOwnApp, StandService, type StandContext } from '../../stand/service.ts';
import { StandSigner } from '../../stand/token.ts';
import { APP_CHANNEL, detectWalletApp } from '../../stand/ua.ts';
import { amountPage, notFoundPage, printPage, resultPage, troublePage } from '../../stand/pages.ts';
import { STAND_TEXT, walletName } from '../../stand/i18n.ts';
import { standSvg, standsPdf } from '../../stand/artwork.ts';
import { checkQrPrint, parseSize } from '../../printing/qr-quality.ts';

const err = { '2xx': Type.Unknown(), 400: { $ref: 'Error#' }, 401: { $ref: 'Error#' }, 403: { $ref: 'Error#' }, 404: { $ref: 'Error#' }, 409: { $ref: 'Error#' } };
const Id = Type.String({ minLength: 1, maxLength: 64 });
const StandParams = Type.Object({ merchantId: Id, standId: Id });
const StandBody = Type.Object({
  storeId: Id,
  terminalId: Type.String({ minLength: 1, maxLength: 64, description: 'The terminal whose live view and payment list show the stand\'s payments' }),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
}, { additionalProperties: false });
const PayBody = Type.Object({
  amount: Type.String({ minLength: 1, maxLength: 16, description: 'As typed: "12.50"' }),
  wallet: Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z0-9_]+$' }),
  key: Type.String({ minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
}, { additionalProperties: false });

const PAYER_COOKIE = 'saoma_payer';
const PAYER_TTL_MS = 30 * 60_000;
const STATE_TTL_MS = 10 * 60_000;
const PAYMENT_ID = /^pay_[0-9a-z]{26}$/;
/** Where a wallet may send the browser: its web cashier or its app's own scheme, never javascript: or data:. */
const WALLET_URL = /^(https?|alipays?|weixin|upwallet|mqqapi):\/\//i;

function cookie(req: FastifyRequest, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

function html(reply: FastifyReply, status: number, body: string, locale?: Locale) {
  reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff').header('x-frame-options', 'DENY').header('content-security-policy', "frame-ancestors 'none'");
  if (locale) reply.header('content-language', locale).header('vary', 'accept-language, user-agent');
  return reply.send(body);
}

/**
 * One-code stands: the merchant's admin API (create, list, disable, print) and the public pages a
 * customer's wallet app opens from the printed code. Public pages never show a stack trace or a JSON
 * error: an unknown code is a friendly trilingual page.
 */
export function standRoutes(rt: Runtime): FastifyPluginAsync {
  const stands = new StandService(rt);
  const signer = new StandSigner(rt.config.masterKey);
  const secureCookie = rt.config.publicUrl.startsWith('https://');
  return async (base) => {
    // The stand's pages are public: a phone or a script hammering one code must not flood the wallets
    // with orders or the store with rows. Per client address and stand, only on the routes that say so.
    await base.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_req, ctx) => new SaomaError('rate_limited', `Too many attempts from this device; wait ${Math.ceil(ctx.ttl / 1000)} s and try again.`),
    });
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['stands'];

    // ------------------------------------------------------------ admin

    app.post('/v1/merchants/:merchantId/stands', { config: { permission: 'merchant:admin' }, schema: { tags, params: Type.Object({ merchantId: Id }), body: StandBody, response: err, summary: 'Create a one-code stand (聚合码) for a store and terminal; its URL is what the printed QR holds' } },
      async (req, reply) => {
        requireMerchant(principal(req), req.params.merchantId);
        return reply.code(201).send(await stands.create(req.params.merchantId, req.body));
      });
    app.get('/v1/merchants/:merchantId/stands', { config: { permission: 'merchant:read' }, schema: { tags, params: Type.Object({ merchantId: Id }), response: err } },
      async (req) => {
        requireMerchant(principal(req), req.params.merchantId);
        return { data: await stands.list(req.params.merchantId) };
      });
    app.post('/v1/merchants/:merchantId/stands/:standId/disable', { config: { permission: 'merchant:admin' }, schema: { tags, params: StandParams, response: err, summary: 'Stop a stand taking payments; its code is never reused' } },
      async (req) => {
        requireMerchant(principal(req), req.params.merchantId);
        return stands.disable(req.params.merchantId, req.params.standId);
      });
    app.get('/v1/merchants/:merchantId/stands/:standId/print', {
      config: { permission: 'merchant:read' },
      schema: { tags, params: StandParams, querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('html'), Type.Literal('svg')])) }, { additionalProperties: false }), summary: 'The printable stand: an A5 page (or just the QR as SVG) with the wallets this store takes' },
    }, async (req, reply) => {
      requireMerchant(principal(req), req.params.merchantId);
      const row = await stands.get(req.params.merchantId, req.params.standId);
      const url = stands.url(row.code);
      // Quiet zone 4 and level M: reads from a counter at arm's length, survives a scuffed sticker.
      const qrSvg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
      if (req.query.format === 'svg') return reply.header('content-type', 'image/svg+xml; charset=utf-8').send(qrSvg);
      const ctx = await rt.store.db.selectFrom('merchants as m').innerJoin('stores as s', 's.merchant_id', 'm.id')
        .select(['m.name as merchant', 's.name as store']).where('s.id', '=', row.store_id).executeTakeFirstOrThrow();
      const wallets = (await stands.wallets(row)).filter((c, _i, all) => c !== 'sandbox' || all.length === 1);
      return html(reply, 200, printPage({ qrSvg, url, merchantName: ctx.merchant, storeName: ctx.store, standName: row.name, wallets }));
    });

    // Print-ready artwork for a print shop: the quality check first (JSON), then the file itself.
    const ArtQuery = Type.Object({
      size: Type.Optional(Type.String({ maxLength: 12, description: 'Printed width of the code with its quiet zone: 10cm, 80mm, 4in (default 10cm)' })),
      dpi: Type.Optional(Type.String({ pattern: '^[0-9]{3,4}$', description: 'The printer\'s resolution (default 300)' })),
      distance: Type.Optional(Type.String({ maxLength: 12, description: 'How far the customer\'s phone will be: 40cm (default)' })),
      stands: Type.Optional(Type.String({ maxLength: 2000, description: 'Comma-separated stand ids (default: every enabled stand)' })),
      logo: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
      format: Type.Optional(Type.Union([Type.Literal('pdf'), Type.Literal('svg')])),
    }, { additionalProperties: false });
    const artOptions = (q: { size?: string; dpi?: string; distance?: string; logo?: string }) => {
      try {
        return { sizeMm: parseSize(q.size ?? '10cm'), dpi: Number(q.dpi ?? 300), distanceCm: parseSize(q.distance ?? '40cm') / 10, logo: q.logo === 'true' };
      } catch (e) {
        throw new SaomaError('invalid_request', (e as Error).message);
      }
    };
    const chosen = (q: { stands?: string }) => (q.stands ? q.stands.split(',').map((x) => x.trim()).filter(Boolean) : undefined);

    app.get('/v1/merchants/:merchantId/stands/verify', { config: { permission: 'merchant:read' }, schema: { tags, params: Type.Object({ merchantId: Id }), querystring: Type.Object({ url: Type.String({ minLength: 1, maxLength: 512, description: 'What the sticker\'s QR holds' }) }, { additionalProperties: false }), response: err, summary: 'Is this sticker ours? Our stand URL, a registered (and signed) code, an enabled stand — or which check failed' } },
      async (req) => {
        requireMerchant(principal(req), req.params.merchantId);
        return stands.verifySticker(req.params.merchantId, req.query.url);
      });

    app.get('/v1/merchants/:merchantId/stands/quality', { config: { permission: 'merchant:read' }, schema: { tags, params: Type.Object({ merchantId: Id }), querystring: ArtQuery, response: err, summary: 'Will the stands scan at this size, printer resolution and distance? Version, module size, findings per stand' } },
      async (req) => {
        requireMerchant(principal(req), req.params.merchantId);
        const opts = artOptions(req.query);
        const arts = await stands.artwork(req.params.merchantId, chosen(req.query));
        return { data: arts.map((a) => ({ code: a.code, url: a.url, name: a.standName, quality: checkQrPrint({ payload: a.url, sizeMm: opts.sizeMm, dpi: opts.dpi, distanceCm: opts.distanceCm, logo: opts.logo }) })) };
      });

    app.get('/v1/merchants/:merchantId/stands/artwork', { config: { permission: 'merchant:read' }, schema: { tags, params: Type.Object({ merchantId: Id }), querystring: ArtQuery, response: err, summary: 'The stands as a print-ready PDF (one per page) or an SVG (one stand); refused if a code would not scan' } },
      async (req, reply) => {
        requireMerchant(principal(req), req.params.merchantId);
        const opts = artOptions(req.query);
        const arts = await stands.artwork(req.params.merchantId, chosen(req.query));
        if (req.query.format === 'svg') {
          if (arts.length !== 1) throw new SaomaError('invalid_request', `An SVG holds one stand and ${arts.length} were chosen: name one with stands=, or ask for the PDF.`);
          return reply.header('content-type', 'image/svg+xml; charset=utf-8').header('content-disposition', `attachment; filename="stand-${arts[0]!.code}.svg"`).send(standSvg(arts[0]!, opts).svg);
        }
        const { pdf } = await standsPdf(arts, opts);
        return reply.header('content-type', 'application/pdf').header('content-disposition', 'attachment; filename="stands.pdf"').send(pdf);
      });

    // The POS's live view of its own counter: every change to a payment on this terminal, including the
    // ones customers start on a stand, which the POS did not create and so cannot watch by id.
    app.get('/v1/terminals/:terminalId/stream', {
      config: { permission: 'payment:read' },
      schema: { tags: ['payments'], params: Type.Object({ terminalId: Id }), summary: 'Live payments on one terminal as Server-Sent Events: one `payment` event per change (stand payments included)' },
    }, async (req, reply) => {
      const p: Principal = principal(req);
      const terminalId = req.params.terminalId;
      if ((p.kind === 'terminal' || p.kind === 'operator') && p.terminalId !== terminalId) throw new SaomaError('forbidden', 'A terminal can only watch its own payments.');
      const named = typeof req.headers['saoma-merchant'] === 'string' ? req.headers['saoma-merchant'] : undefined;
      const merchantId = actingMerchant(p, named);
      const t = await rt.store.db.selectFrom('terminals').select('id').where('id', '=', terminalId).where('merchant_id', '=', merchantId).executeTakeFirst();
      if (!t) throw new SaomaError('not_found', `No terminal ${terminalId} for this merchant.`);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(': watching\n\n');
      const unsubscribe = rt.bus.subscribeTerminal(terminalId, (pay: Payment) => {
        if (pay.merchantId === merchantId) res.write(`id: ${pay.updatedAt}\nevent: payment\ndata: ${JSON.stringify(pay)}\n\n`);
      });
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      req.raw.on('close', () => {
        unsubscribe();
        clearInterval(heartbeat);
      });
    });

    await app.register(publicPages);
  };

  /** The pages a customer's wallet app opens: HTML whatever happens, JSON only for the page's own calls. */
  async function publicPages(base: FastifyInstance) {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    // Runs for this scope only; anything it rethrows gets the API's JSON error handler.
    app.setErrorHandler((error, req, reply) => {
      if (req.method !== 'GET' || req.url.split('?')[0]!.endsWith('/status')) throw error;
      const status = (error as { statusCode?: number; status?: number }).statusCode ?? (error as { status?: number }).status ?? 500;
      if (status >= 500) req.log.error({ err: error }, 'stand page failed');
      return html(reply, status >= 500 ? 500 : 404, status >= 500 ? troublePage() : notFoundPage());
    });

    // ------------------------------------------------------------ public pages

    /** Public pages answer in HTML whatever happens; the details go to the log, not to the customer. */
    async function guarded(req: FastifyRequest, reply: FastifyReply, fn: () => Promise<unknown>) {
      try {
        return await fn();
      } catch (e) {
        req.log.error({ err: e }, 'stand page failed');
        return html(reply, 500, troublePage());
      }
    }

    async function standFor(code: string): Promise<StandContext | null> {
      return stands.byCode(code);
    }

    function payerFrom(req: FastifyRequest, ctx: StandContext, channel: string): string | undefined {
      const v = signer.verify(cookie(req, PAYER_COOKIE));
      return v && v.m === ctx.stand.merchant_id && v.c === channel && v.p ? v.p : undefined;
    }

    app.get<{ Params: { code: string }; Querystring: Record<string, string> }>('/s/:code', { schema: { hide: true } }, (req, reply) => guarded(req, reply, async () => {
      const ctx = await standFor(req.params.code);
      if (!ctx) return html(reply, 404, notFoundPage());
      const locale = pickLocale(req.headers['accept-language']);
      const app = detectWalletApp(req.headers['user-agent']);
      const wallets = await stands.wallets(ctx.stand);
      const channel = app ? APP_CHANNEL[app] : null;
      const base = { locale, code: ctx.stand.code, merchantName: ctx.merchantName, storeName: ctx.storeName, currency: ctx.currency };
      if (!channel || !wallets.includes(channel)) {
        // Another app cannot pay a wallet that works only inside its own app: say how, do not offer a dead button.
        const ownApp = wallets.filter(paidOnlyInOwnApp);
        const notices = [
          ...(channel ? [STAND_TEXT[locale].notOffered(walletName(channel, locale))] : []),
          ...ownApp.map((c) => STAND_TEXT[locale].scanWithApp(walletName(c, locale))),
        ];
        return html(reply, 200, amountPage({ ...base, wallet: null, choices: wallets.filter((c) => !paidOnlyInOwnApp(c)), notice: notices.length ? notices.join(' ') : null }), locale);
      }
      const auth = await stands.payerAuth(ctx.stand, channel);
      if (auth && !payerFrom(req, ctx, channel)) {
        // WeChat JSAPI needs the customer's openid: a round trip through the wallet's sign-in first.
        const state = signer.sign({ s: ctx.stand.id, c: channel }, STATE_TTL_MS);
        return reply.redirect(auth.authorizeUrl({ redirectUri: `${stands.url(ctx.stand.code)}/oauth`, state }), 302);
      }
      return html(reply, 200, amountPage({ ...base, wallet: channel, choices: [], notice: null }), locale);
    }));

    app.get<{ Params: { code: string }; Querystring: Record<string, string> }>('/s/:code/oauth', { schema: { hide: true } }, (req, reply) => guarded(req, reply, async () => {
      const ctx = await standFor(req.params.code);
      if (!ctx) return html(reply, 404, notFoundPage());
      const q = req.query ?? {};
      const state = signer.verify(typeof q.state === 'string' ? q.state : undefined);
      const code = typeof q.code === 'string' && /^[\x21-\x7e]{1,256}$/.test(q.code) ? q.code : null;
      // A stale or forged state, or a sign-in the customer refused: start over from the stand.
      if (!state || state.s !== ctx.stand.id || !state.c || !code) return reply.redirect(`/s/${ctx.stand.code}`, 302);
      const auth = await stands.payerAuth(ctx.stand, state.c);
      if (!auth) return reply.redirect(`/s/${ctx.stand.code}`, 302);
      const payer = await auth.payerFromCode(code);
      const token = signer.sign({ m: ctx.stand.merchant_id, c: state.c, p: payer }, PAYER_TTL_MS);
      reply.header('set-cookie', `${PAYER_COOKIE}=${encodeURIComponent(token)}; Path=/s/; Max-Age=${PAYER_TTL_MS / 1000}; HttpOnly; SameSite=Lax${secureCookie ? '; Secure' : ''}`);
      return reply.redirect(`/s/${ctx.stand.code}`, 302);
    }));

    app.post('/s/:code/pay', { config: { rateLimit: { max: rt.config.standPaysPerMinute, timeWindow: 60_000, keyGenerator: (req) => `${req.ip} ${(req.params as { code?: string }).code ?? ''}` } }, schema: { hide: true, params: Type.Object({ code: Type.String({ maxLength: 64 }) }), body: PayBody } }, async (req) => {
      const ctx = await standFor(req.params.code);
      if (!ctx) throw new SaomaError('not_found', 'This stand is not in use.');
      const channel = req.body.wallet;
      const auth = (await stands.wallets(ctx.stand)).includes(channel) ? await stands.payerAuth(ctx.stand, channel) : null;
      const payerId = auth ? payerFrom(req, ctx, channel) : undefined;
      if (auth && !payerId) throw new SaomaError('invalid_request', 'Open this stand in the wallet app again to sign in before paying.');
      const r = await stands.pay(ctx, { amountText: req.body.amount, channel, key: req.body.key, payerId });
      return { paymentId: r.payment.id, state: r.payment.state, pay: r.pay, resultUrl: `/s/${ctx.stand.code}/p/${r.payment.id}` };
    });

    app.get<{ Params: { code: string; id: string }; Querystring: Record<string, string> }>('/s/:code/p/:id', { schema: { hide: true } }, (req, reply) => guarded(req, reply, async () => {
      const ctx = await standFor(req.params.code);
      const found = ctx && PAYMENT_ID.test(req.params.id) ? await stands.payment(ctx.stand, req.params.id) : null;
      if (!ctx || !found) return html(reply, 404, notFoundPage());
      const locale = pickLocale(req.headers['accept-language']);
      const p = found.payment;
      return html(reply, 200, resultPage({
        locale, code: ctx.stand.code, paymentId: p.id, merchantName: ctx.merchantName, state: p.state,
        forwardTo: req.query?.go === '1' && found.pay?.kind === 'redirect' && WALLET_URL.test(found.pay.url) ? found.pay.url : null,
        amountText: format({ minor: p.amount, currency: p.currency as Currency }, locale),
      }), locale);
    }));

    app.get<{ Params: { code: string; id: string } }>('/s/:code/p/:id/status', { schema: { hide: true } }, async (req, reply) => {
      const ctx = await standFor(req.params.code);
      const found = ctx && PAYMENT_ID.test(req.params.id) ? await stands.payment(ctx.stand, req.params.id) : null;
      if (!found) throw new SaomaError('not_found', 'No such payment on this stand.');
      reply.header('cache-control', 'no-store');
      const p = found.payment;
      return { state: p.state, amount: p.amount, currency: p.currency, paid: p.state === 'succeeded' };
    });

    // Anything else under /s/ is a mistyped or mangled code: the same friendly page, never a JSON 404.
    app.get('/s/*', { schema: { hide: true } }, async (_req, reply) => html(reply, 404, notFoundPage()));
    app.get('/s', { schema: { hide: true } }, async (_req, reply) => html(reply, 404, notFoundPage()));
  }
}
