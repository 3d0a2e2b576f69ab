import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import rateLimit from '@fastify/rate-limit';
import { SaomaError } from '../../core/errors.ts';
import { pickLocale, type Locale } from '../../core/messages.ts';
import type { Principal } from '../../core/roles.ts';
import { RECEIPT_LANGS, type ReceiptLang } from '../../receipts/model.ts';
import { PRINTER_ENCODINGS, type Format, type Paper, type PrinterEncoding } from '../../receipts/render.ts';
import { notVerifiedPage, verifiedPage } from '../../receipts/verify-page.ts';
import type { Runtime } from '../../runtime.ts';
import { principal } from '../app.ts';
import { requireMerchant } from '../auth.ts';
import { counterOf, requestMerchant } from '../scope.ts';

const err = { '2xx': Type.Unknown(), 400: { $ref: 'Error#' }, 401: { $ref: 'Error#' }, 403: { $ref: 'Error#' }, 404: { $ref: 'Error#' }, 409: { $ref: 'Error#' } };
const tags = ['verification receipts'];
const Id = Type.String({ minLength: 1, maxLength: 64 });
const Lang = Type.Union(RECEIPT_LANGS.map((l) => Type.Literal(l)));
const Point = Type.Object({ x: Type.Number(), y: Type.Number(), time: Type.Optional(Type.Number()), pressure: Type.Optional(Type.Number()) });
const SignBody = Type.Object({
  strokes: Type.Array(Type.Object({ points: Type.Array(Point, { maxItems: 5000 }) }), { maxItems: 100, description: 'signature_pad toData(): strokes of {x, y, time, pressure} points (other stroke fields are ignored)' }),
  gifts: Type.Optional(Type.Array(Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }), quantity: Type.Integer({ minimum: 1, maximum: 999 }) }), { maxItems: 20 })),
  lang: Type.Optional(Lang),
  printerId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Print the verification receipt here at once' })),
});
const CONTENT_TYPE: Record<Format, string> = { svg: 'image/svg+xml; charset=utf-8', text: 'text/plain; charset=utf-8', escpos: 'application/octet-stream', png: 'image/png' };

const merchantOf = requestMerchant;
const terminalOf = (p: Principal) => counterOf(p)?.terminalId ?? null;

function page(reply: FastifyReply, status: number, body: string, lang: Locale) {
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').header('content-language', lang)
    .header('x-content-type-options', 'nosniff').header('x-frame-options', 'DENY').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'")
    .send(body);
}

/** Verification receipts (验证收据): sign, print, collect, search, gifts, and the public check page. */
export function verificationRoutes(rt: Runtime): FastifyPluginAsync {
  const svc = rt.verifications;
  return async (base) => {
    await base.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_req, ctx) => new SaomaError('rate_limited', `Too many checks from this device; wait ${Math.ceil(ctx.ttl / 1000)} s and try again.`),
    });
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.post('/v1/payments/:paymentId/verification-receipts', { config: { permission: 'payment:create' }, schema: { tags, params: Type.Object({ paymentId: Id }), body: SignBody, response: err, summary: 'The customer signed for a paid payment: make the server-signed record (and print it)' } },
      async (req, reply) => {
        const p = principal(req);
        const merchantId = merchantOf(req);
        // The record keeps the text as printed, so it is made in the language the slip prints in.
        const printer = req.body.printerId ? await rt.printing.printerRow(merchantId, req.body.printerId) : null;
        const lang = (req.body.lang ?? printer?.lang ?? 'zh-Hans+en') as ReceiptLang;
        const receipt = await svc.create(merchantId, terminalOf(p), req.params.paymentId, { strokes: req.body.strokes, gifts: req.body.gifts, lang });
        let jobs: unknown[] = [];
        if (printer) {
          const r = await svc.render(merchantId, receipt.id, { format: 'escpos', paper: printer.paper as Paper, encoding: printer.encoding as PrinterEncoding, lang });
          const own = counterOf(p)?.storeId;
          jobs = await rt.printing.enqueueBytes(merchantId, printer.id, { kind: 'verification', ref: receipt.id, copy: 'customer', dedupe: `verification:${receipt.id}`, bytes: r.bytes, warnings: r.warnings.map((w) => w.message) }, own);
        }
        return reply.code(201).send({ ...receipt, jobs });
      });

    app.get('/v1/verification-receipts/:id/receipt', { config: { permission: 'payment:read' }, schema: { tags, params: Type.Object({ id: Id }), querystring: Type.Object({
      format: Type.Optional(Type.Union([Type.Literal('svg'), Type.Literal('text'), Type.Literal('escpos'), Type.Literal('png')])),
      lang: Type.Optional(Lang), paper: Type.Optional(Type.Union([Type.Literal('58'), Type.Literal('80')])), encoding: Type.Optional(Type.Union(PRINTER_ENCODINGS.map((e) => Type.Literal(e)))),
    }, { additionalProperties: false }), summary: 'The verification receipt to print or show: the signed content, the signature, the code and the QR' } },
      async (req, reply) => {
        const format = (req.query.format ?? 'svg') as Format;
        const r = await svc.render(merchantOf(req), req.params.id, { format, paper: Number(req.query.paper ?? 58) as Paper, encoding: (req.query.encoding ?? 'gbk') as PrinterEncoding, lang: (req.query.lang ?? 'zh-Hans+en') as ReceiptLang });
        return reply.header('content-type', CONTENT_TYPE[format]).header('cache-control', 'no-store').send(r.bytes);
      });

    const M = Type.Object({ merchantId: Id });
    app.get('/v1/merchants/:merchantId/verification-receipts', { config: { permission: 'merchant:read' }, schema: { tags, params: M, querystring: Type.Object({
      code: Type.Optional(Type.String({ maxLength: 20 })), paymentId: Type.Optional(Id), collected: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
      from: Type.Optional(Type.String({ maxLength: 40 })), to: Type.Optional(Type.String({ maxLength: 40 })), limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
    }, { additionalProperties: false }), response: err, summary: 'Search verification receipts: by code, payment, collected or not, time' } },
      async (req) => {
        requireMerchant(principal(req), req.params.merchantId);
        const q = req.query;
        return { data: await svc.search(req.params.merchantId, { ...(q.code ? { code: q.code } : {}), ...(q.paymentId ? { paymentId: q.paymentId } : {}), ...(q.collected ? { collected: q.collected === 'true' } : {}), ...(q.from ? { from: q.from } : {}), ...(q.to ? { to: q.to } : {}), limit: Math.min(Number(q.limit ?? 50) || 50, 200) }) };
      });

    app.post('/v1/merchants/:merchantId/verification-receipts/:id/collect', { config: { permission: 'payment:create' }, schema: { tags, params: Type.Object({ merchantId: Id, id: Id }), response: err, summary: 'Mark the paper copy collected (回收)' } },
      async (req) => {
        const p = principal(req);
        requireMerchant(p, req.params.merchantId);
        return svc.collect(req.params.merchantId, req.params.id, p.kind === 'operator' ? p.operatorId : p.kind === 'merchant' ? p.keyId : p.kind);
      });

    app.get('/v1/merchants/:merchantId/gifts', { config: { permission: 'merchant:read' }, schema: { tags, params: M, querystring: Type.Object({ from: Type.String({ maxLength: 40 }), to: Type.String({ maxLength: 40 }) }, { additionalProperties: false }), response: err, summary: 'Gifts (赠品) given with signed receipts in a period, summed by name' } },
      async (req) => {
        requireMerchant(principal(req), req.params.merchantId);
        if (Number.isNaN(Date.parse(req.query.from)) || Number.isNaN(Date.parse(req.query.to))) throw new SaomaError('invalid_request', '"from" and "to" are ISO times, like 2026-11-01T00:00:00+08:00.');
        return { data: await svc.gifts(req.params.merchantId, new Date(req.query.from).toISOString(), new Date(req.query.to).toISOString()) };
      });

    // ------------------------------------------------------------ public
    const check = async (req: FastifyRequest<{ Params: { code?: string }; Querystring: { code?: string; lang?: string } }>, reply: FastifyReply) => {
      const q = req.query;
      const lang: Locale = q.lang === 'zh-Hans' || q.lang === 'zh-Hant' || q.lang === 'en' ? q.lang : pickLocale(req.headers['accept-language'], 'zh-Hans');
      const typed = String(req.params.code ?? q.code ?? '').slice(0, 40);
      if (!typed) return page(reply, 200, notVerifiedPage(lang, '').replace(/<section[\s\S]*?<\/section>/, ''), lang);
      const v = await svc.verify(typed);
      return v.authentic ? page(reply, 200, verifiedPage(lang, v.record, v.printedText, v.strokes), lang) : page(reply, 404, notVerifiedPage(lang, typed), lang);
    };
    const limit = { rateLimit: { max: 30, timeWindow: 60_000 } };
    app.get<{ Params: { code: string }; Querystring: { code?: string; lang?: string } }>('/r/:code', { config: limit, schema: { hide: true } }, check);
    app.get<{ Params: { code?: string }; Querystring: { code?: string; lang?: string } }>('/r', { config: limit, schema: { hide: true } }, check);
  };
}
