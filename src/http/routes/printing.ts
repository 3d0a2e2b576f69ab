import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SaomaError } from '../../core/errors.ts';
import type { Principal } from '../../core/roles.ts';
import { sampleData } from '../../receipts/defaults.ts';
import { RECEIPT_KINDS, RECEIPT_LANGS, type ReceiptData, type ReceiptKind, type ReceiptLang } from '../../receipts/model.ts';
import { renderReceipt } from '../../receipts/receipt.ts';
import { PRINTER_ENCODINGS, type Format, type Paper, type PrinterEncoding } from '../../receipts/render.ts';
import { receiptDataFor } from '../../receipts/sale-data.ts';
import { dailyReportData, refundSlipData, shiftReportData, slipPlace } from '../../receipts/report-data.ts';
import { ShiftService } from '../../shifts/service.ts';
import { StandService } from '../../stand/service.ts';
import { walletName } from '../../receipts/labels.ts';
import type { Slip } from '../../printing/service.ts';
import type { Runtime } from '../../runtime.ts';
import { principal } from '../app.ts';
import { requireMerchant } from '../auth.ts';
import { counterOf, requestMerchant } from '../scope.ts';

const err = { '2xx': Type.Unknown(), 400: { $ref: 'Error#' }, 401: { $ref: 'Error#' }, 403: { $ref: 'Error#' }, 404: { $ref: 'Error#' }, 409: { $ref: 'Error#' } };
const tags = ['printing'];
const Id = Type.String({ minLength: 1, maxLength: 64 });
const Lang = Type.Union(RECEIPT_LANGS.map((l) => Type.Literal(l)));
const Kind = Type.Union(RECEIPT_KINDS.map((k) => Type.Literal(k)));
const Enc = Type.Union(PRINTER_ENCODINGS.map((e) => Type.Literal(e)));
const PaperT = Type.Union([Type.Literal(58), Type.Literal(80)]);
const PrinterBody = Type.Object({
  storeId: Id,
  name: Type.String({ minLength: 1, maxLength: 100 }),
  url: Type.String({ minLength: 1, maxLength: 200, description: 'tcp://HOST:9100' }),
  paper: Type.Optional(PaperT),
  encoding: Type.Optional(Enc),
  lang: Type.Optional(Lang),
  autoPrint: Type.Optional(Type.Boolean({ description: 'Print each completed sale (and each lone paid payment) of the store' })),
  copies: Type.Optional(Type.Integer({ minimum: 0, maximum: 5, description: 'Customer copies per sale' })),
  merchantCopy: Type.Optional(Type.Boolean({ description: 'Also a merchant copy with a signature line' })),
  enabled: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
const PrinterPatch = Type.Partial(Type.Omit(PrinterBody, ['storeId']), { additionalProperties: false });
const PrintBody = Type.Object({
  saleId: Type.Optional(Id),
  paymentId: Type.Optional(Id),
  refundId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A refund slip' })),
  shiftId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A shift report' })),
  date: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'The daily report (日结) of the printer\'s store for this local date' })),
  verificationId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A verification receipt (验证收据), with the signature' })),
  kind: Type.Optional(Type.Union([Type.Literal('sale'), Type.Literal('kitchen')], { description: 'With saleId/paymentId: the receipt (default) or the kitchen ticket' })),
  copies: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
  merchantCopy: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
const BatchBody = Type.Object({
  saleIds: Type.Optional(Type.Array(Id, { maxItems: 500 })),
  from: Type.Optional(Type.String({ maxLength: 40, description: 'Or every receipt of the printer\'s store from this time…' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: '…to this time' })),
  standIds: Type.Optional(Type.Array(Id, { maxItems: 200, description: 'Or a QR slip for each of these stands' })),
  copies: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
}, { additionalProperties: false });
const renderFields = {
  format: Type.Optional(Type.Union([Type.Literal('svg'), Type.Literal('text'), Type.Literal('escpos'), Type.Literal('png')])),
  lang: Type.Optional(Lang),
  copy: Type.Optional(Type.Union([Type.Literal('customer'), Type.Literal('merchant')])),
  paper: Type.Optional(Type.Union([Type.Literal('58'), Type.Literal('80')])),
  encoding: Type.Optional(Enc),
};
const RenderQuery = Type.Object(renderFields, { additionalProperties: false });
const DailyQuery = Type.Object({ ...renderFields, date: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'The merchant\'s local date' }) }, { additionalProperties: false });
const PreviewBody = Type.Object({
  kind: Kind,
  storeId: Type.Optional(Id),
  template: Type.Optional(Type.String({ maxLength: 20_000, description: 'The template being edited (default: the store\'s current one)' })),
  saleId: Type.Optional(Id),
  paymentId: Type.Optional(Id),
  lang: Type.Optional(Lang),
  copy: Type.Optional(Type.Union([Type.Literal('customer'), Type.Literal('merchant')])),
  paper: Type.Optional(PaperT),
  encoding: Type.Optional(Enc),
  format: Type.Optional(Type.Union([Type.Literal('svg'), Type.Literal('text')])),
}, { additionalProperties: false });

const CONTENT_TYPE: Record<Format, string> = { svg: 'image/svg+xml; charset=utf-8', text: 'text/plain; charset=utf-8', escpos: 'application/octet-stream', png: 'image/png' };

const merchantOf = requestMerchant;

/** A terminal (or its operator) sees and uses only its own store's printers. */
function storeOf(p: Principal): string | null {
  return counterOf(p)?.storeId ?? null;
}

function byWhom(p: Principal): string | null {
  return p.kind === 'operator' ? p.operatorId : p.kind === 'merchant' ? p.keyId : null;
}

function send(reply: FastifyReply, format: Format, bytes: Buffer, warnings: Array<{ message: string }>) {
  if (warnings.length) reply.header('saoma-warnings', encodeURIComponent(warnings.map((w) => w.message).join(' | ')).slice(0, 2000));
  return reply.header('content-type', CONTENT_TYPE[format]).header('cache-control', 'no-store').send(bytes);
}

/** Receipt printers, their queue, batches, the stores' templates and rendered receipts. */
export function printingRoutes(rt: Runtime): FastifyPluginAsync {
  const svc = rt.printing;
  const shifts = new ShiftService(rt.store);
  const stands = new StandService(rt);

  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    const M = Type.Object({ merchantId: Id });
    const MP = Type.Object({ merchantId: Id, printerId: Id });

    app.post('/v1/merchants/:merchantId/printers', { config: { permission: 'merchant:admin' }, schema: { tags, params: M, body: PrinterBody, response: err, summary: 'Add a network receipt printer (raw TCP 9100) to a store' } },
      async (req, reply) => {
        requireMerchant(principal(req), req.params.merchantId);
        return reply.code(201).send(await svc.createPrinter(req.params.merchantId, req.body));
      });

    app.get('/v1/merchants/:merchantId/printers', { config: { permission: 'merchant:read' }, schema: { tags, params: M, querystring: Type.Object({ storeId: Type.Optional(Id) }, { additionalProperties: false }), response: err, summary: 'Printers with their status (online, offline, unknown), last error and queue length' } },
      async (req) => {
        requireMerchant(principal(req), req.params.merchantId);
        return { data: await svc.listPrinters(req.params.merchantId, storeOf(principal(req)) ?? req.query.storeId) };
      });

    app.patch('/v1/merchants/:merchantId/printers/:printerId', { config: { permission: 'merchant:admin' }, schema: { tags, params: MP, body: PrinterPatch, response: err, summary: 'Change a printer (address, paper, encoding, language, auto-print, copies, enabled)' } },
      async (req) => {
        requireMerchant(principal(req), req.params.merchantId);
        return svc.updatePrinter(req.params.merchantId, req.params.printerId, req.body);
      });

    app.get('/v1/merchants/:merchantId/printers/:printerId/jobs', { config: { permission: 'merchant:read' }, schema: { tags, params: MP, querystring: Type.Object({ state: Type.Optional(Type.String({ maxLength: 16 })), batchId: Type.Optional(Id) }, { additionalProperties: false }), response: err, summary: 'The printer\'s jobs, newest first' } },
      async (req) => {
        requireMerchant(principal(req), req.params.merchantId);
        return { data: await svc.jobs(req.params.merchantId, req.params.printerId, req.query) };
      });

    app.post('/v1/printers/:printerId/print', { config: { permission: 'payment:create' }, schema: { tags, params: Type.Object({ printerId: Id }), body: PrintBody, response: err, summary: 'Print (or reprint) the receipt of a sale or payment; an Idempotency-Key makes a retried request one print' } },
      async (req, reply) => {
        const p = principal(req);
        const merchantId = merchantOf(req);
        const printer = await svc.printerRow(merchantId, req.params.printerId);
        const own = storeOf(p);
        if (own && printer.store_id !== own) throw new SaomaError('not_found', `No printer ${req.params.printerId} in this store.`);
        const b = req.body;
        const given = [b.saleId ?? b.paymentId, b.refundId, b.shiftId, b.date, b.verificationId].filter((x) => x !== undefined);
        if (given.length !== 1 || (b.saleId && b.paymentId)) throw new SaomaError('invalid_request', 'Say what to print, one of: saleId or paymentId (a receipt or, with kind "kitchen", the ticket), refundId, shiftId, date (the day\'s report) or verificationId.');
        const key = req.headers['idempotency-key'];
        const dedupe = `print:${typeof key === 'string' && key ? key.slice(0, 100) : `${Date.now()}-${Math.random().toString(36).slice(2)}`}`;
        const common = { copies: b.copies ?? 1, merchantCopy: b.merchantCopy ?? false, dedupe };
        let jobs;
        if (b.saleId || b.paymentId) {
          jobs = await svc.enqueueReceipt(merchantId, printer.id, b.saleId ? { saleId: b.saleId } : { paymentId: b.paymentId! }, { ...common, kind: b.kind ?? 'sale' });
        } else if (b.refundId) {
          jobs = await svc.enqueueSlip(merchantId, printer.id, { ...common, kind: 'refund', ref: b.refundId, data: await refundSlipData(rt.store, merchantId, b.refundId) });
        } else if (b.verificationId) {
          const r = await rt.verifications.render(merchantId, b.verificationId, { format: 'escpos', paper: printer.paper as Paper, encoding: printer.encoding as PrinterEncoding, lang: printer.lang as ReceiptLang });
          jobs = await svc.enqueueBytes(merchantId, printer.id, { kind: 'verification', ref: b.verificationId, copy: 'customer', dedupe: `${dedupe}:1`, bytes: r.bytes, warnings: r.warnings.map((w) => w.message) });
        } else if (b.shiftId) {
          const shift = await shifts.get({ merchantId, terminalId: own ? (p as { terminalId: string }).terminalId : undefined }, b.shiftId);
          jobs = await svc.enqueueSlip(merchantId, printer.id, { ...common, kind: 'shift', ref: b.shiftId, data: await shiftReportData(rt.store, merchantId, shift) });
        } else {
          jobs = await svc.enqueueSlip(merchantId, printer.id, { ...common, kind: 'daily', ref: `${printer.store_id}:${b.date}`, data: await dailyReportData(rt.store, merchantId, printer.store_id, b.date!) });
        }
        svc.kick();
        return reply.code(202).send({ data: jobs });
      });

    app.post('/v1/print-jobs/:jobId/retry', { config: { permission: 'payment:create' }, schema: { tags, params: Type.Object({ jobId: Id }), response: err, summary: 'Try a waiting job now (after fixing the printer)' } },
      async (req) => svc.retryNow(merchantOf(req), req.params.jobId));

    app.post('/v1/print-jobs/:jobId/cancel', { config: { permission: 'payment:create' }, schema: { tags, params: Type.Object({ jobId: Id }), response: err, summary: 'Drop a job that has not printed' } },
      async (req) => svc.cancel(merchantOf(req), req.params.jobId));

    app.post('/v1/merchants/:merchantId/printers/:printerId/batches', { config: { permission: 'merchant:admin' }, schema: { tags, params: MP, body: BatchBody, response: err, summary: 'Print a batch: given sales, every receipt of the store in a time range, or QR slips of stands; N copies each' } },
      async (req, reply) => {
        const merchantId = req.params.merchantId;
        requireMerchant(principal(req), merchantId);
        const printer = await svc.printerRow(merchantId, req.params.printerId);
        const { saleIds, from, to, standIds } = req.body;
        if (standIds?.length) {
          // A QR slip per stand (a paper stand for a market day, a slip to hand over): the stand's own URL.
          const arts = await stands.artwork(merchantId, standIds);
          const at = new Date().toISOString();
          const slips: Slip[] = [];
          for (const a of arts) {
            const data = await slipPlace(rt.store, merchantId, printer.store_id, null);
            slips.push({ kind: 'qr_slip', ref: a.code, data: { ...data, at, qr: { url: a.url, title: a.wallets.map((w) => walletName(printer.lang as ReceiptLang, w)).join(' ') } } });
          }
          return reply.code(202).send(await svc.batch(merchantId, printer.id, slips, req.body.copies ?? 1));
        }
        let refs: Array<{ saleId: string } | { paymentId: string }>;
        if (saleIds?.length) refs = saleIds.map((saleId) => ({ saleId }));
        else if (from && to) {
          if (Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to))) throw new SaomaError('invalid_request', '"from" and "to" are ISO times, like 2026-11-26T00:00:00Z.');
          if (Date.parse(from) >= Date.parse(to)) throw new SaomaError('invalid_request', '"from" must be before "to".');
          const db = rt.store.db;
          const sales = await db.selectFrom('sales').select(['id', 'created_at']).where('store_id', '=', printer.store_id).where('state', '=', 'completed')
            .where('created_at', '>=', from).where('created_at', '<', to).execute();
          const lone = await db.selectFrom('payments').select(['id', 'created_at']).where('store_id', '=', printer.store_id).where('state', '=', 'succeeded')
            .where('sale_id', 'is', null).where('created_at', '>=', from).where('created_at', '<', to).execute();
          refs = [...sales.map((s) => ({ at: s.created_at, ref: { saleId: s.id } })), ...lone.map((y) => ({ at: y.created_at, ref: { paymentId: y.id } }))]
            .sort((a, b) => a.at.localeCompare(b.at)).map((x) => x.ref);
          if (!refs.length) throw new SaomaError('not_found', 'No receipts in that time range for this printer\'s store.');
        } else throw new SaomaError('invalid_request', 'Say what to print: saleIds, from and to, or standIds.');
        const slips: Slip[] = [];
        for (const ref of refs) slips.push({ kind: 'sale', ref: 'saleId' in ref ? ref.saleId : ref.paymentId, data: await receiptDataFor(rt.store, merchantId, ref) });
        return reply.code(202).send(await svc.batch(merchantId, printer.id, slips, req.body.copies ?? 1));
      });

    app.get('/v1/print-batches/:batchId', { config: { permission: 'merchant:read' }, schema: { tags, params: Type.Object({ batchId: Id }), response: err, summary: 'A batch\'s progress: printed, waiting, cancelled of total' } },
      async (req) => svc.batchProgress(merchantOf(req), req.params.batchId));

    const TP = Type.Object({ merchantId: Id, storeId: Id, kind: Kind });
    app.get('/v1/merchants/:merchantId/stores/:storeId/receipt-templates/:kind', { config: { permission: 'merchant:read' }, schema: { tags, params: TP, querystring: Type.Object({ version: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$', description: 'A saved version; 0 is ours' })) }, { additionalProperties: false }), response: err, summary: 'The store\'s current template for a slip (version 0 = ours), or a given version, and the saved versions' } },
      async (req) => {
        requireMerchant(principal(req), req.params.merchantId);
        return svc.template(req.params.merchantId, req.params.storeId, req.params.kind as ReceiptKind, req.query.version !== undefined ? Number(req.query.version) : undefined);
      });

    app.put('/v1/merchants/:merchantId/stores/:storeId/receipt-templates/:kind', { config: { permission: 'merchant:admin' }, schema: { tags, params: TP, body: Type.Object({ source: Type.String({ minLength: 1, maxLength: 20_000 }) }, { additionalProperties: false }), response: err, summary: 'Save a new version of a template; a bad one is refused naming its line' } },
      async (req, reply) => {
        requireMerchant(principal(req), req.params.merchantId);
        return reply.code(201).send(await svc.saveTemplate(req.params.merchantId, req.params.storeId, req.params.kind as ReceiptKind, req.body.source, byWhom(principal(req))));
      });

    app.post('/v1/merchants/:merchantId/receipt-preview', { config: { permission: 'merchant:read' }, schema: { tags, params: M, body: PreviewBody, response: err, summary: 'Render a template (being edited, or the store\'s) with a sale\'s data or the sample: the live SVG preview' } },
      async (req, reply) => {
        requireMerchant(principal(req), req.params.merchantId);
        const b = req.body;
        const merchantId = req.params.merchantId;
        const data = b.saleId ? await receiptDataFor(rt.store, merchantId, { saleId: b.saleId }) : b.paymentId ? await receiptDataFor(rt.store, merchantId, { paymentId: b.paymentId }) : sampleData();
        const template = b.template ?? (b.storeId ? (await svc.template(merchantId, b.storeId, b.kind as ReceiptKind)).source : null);
        const format = b.format ?? 'svg';
        const r = await renderReceipt({ kind: b.kind as ReceiptKind, data, template, lang: b.lang ?? 'zh-Hans', copy: b.copy ?? 'customer', format, paper: (b.paper ?? 58) as Paper, encoding: (b.encoding ?? 'gbk') as PrinterEncoding });
        return send(reply, format, r.bytes, r.warnings);
      });

    const renderData = async (req: FastifyRequest<{ Querystring: { format?: string; lang?: string; copy?: string; paper?: string; encoding?: string } }>, reply: FastifyReply, kind: ReceiptKind, storeId: string, data: ReceiptData) => {
      const q = req.query;
      const format = (q.format ?? 'svg') as Format;
      const t = await svc.template(merchantOf(req), storeId, kind);
      const r = await renderReceipt({ kind, data, template: t.source, lang: (q.lang ?? 'zh-Hans') as never, copy: (q.copy ?? 'customer') as never, format, paper: Number(q.paper ?? 58) as Paper, encoding: (q.encoding ?? 'gbk') as PrinterEncoding });
      return send(reply, format, r.bytes, r.warnings);
    };
    /** A sale's (or lone payment's) receipt; a counter caller only for its own terminal's. */
    const receipt = async (req: FastifyRequest<{ Querystring: { format?: string; lang?: string; copy?: string; paper?: string; encoding?: string } }>, reply: FastifyReply, ref: { saleId: string } | { paymentId: string }) => {
      const merchantId = merchantOf(req);
      const data = await receiptDataFor(rt.store, merchantId, ref);
      const row = 'saleId' in ref
        ? await rt.store.db.selectFrom('sales').select(['store_id', 'terminal_id']).where('id', '=', ref.saleId).executeTakeFirstOrThrow()
        : await rt.store.db.selectFrom('payments').select(['store_id', 'terminal_id']).where('id', '=', ref.paymentId).executeTakeFirstOrThrow();
      const own = counterOf(principal(req));
      if (own && row.terminal_id !== own.terminalId) throw new SaomaError('not_found', 'No such sale on this terminal.');
      return renderData(req, reply, 'sale', row.store_id, data);
    };
    app.get('/v1/refunds/:refundId/slip', { config: { permission: 'payment:read' }, schema: { tags, params: Type.Object({ refundId: Id }), querystring: RenderQuery, summary: 'A refund\'s slip (the customer signs the merchant copy)' } },
      async (req, reply) => {
        const merchantId = merchantOf(req);
        const data = await refundSlipData(rt.store, merchantId, req.params.refundId);
        const row = await rt.store.db.selectFrom('refunds as r').innerJoin('payments as p', 'p.id', 'r.payment_id').select(['p.store_id', 'p.terminal_id']).where('r.id', '=', req.params.refundId).executeTakeFirstOrThrow();
        const p = principal(req);
        if ((p.kind === 'terminal' || p.kind === 'operator') && row.terminal_id !== p.terminalId) throw new SaomaError('not_found', 'No such refund on this terminal.');
        return renderData(req, reply, 'refund', row.store_id, data);
      });
    app.get('/v1/shifts/:shiftId/report', { config: { permission: 'payment:read' }, schema: { tags, params: Type.Object({ shiftId: Id }), querystring: RenderQuery, summary: 'A shift\'s report: float, takings per wallet, expected and counted cash, the difference' } },
      async (req, reply) => {
        const p = principal(req);
        const merchantId = merchantOf(req);
        const shift = await shifts.get({ merchantId, terminalId: p.kind === 'terminal' || p.kind === 'operator' ? p.terminalId : undefined }, req.params.shiftId);
        return renderData(req, reply, 'shift', shift.storeId, await shiftReportData(rt.store, merchantId, shift));
      });
    app.get('/v1/merchants/:merchantId/stores/:storeId/daily-report', { config: { permission: 'merchant:read' }, schema: { tags, params: Type.Object({ merchantId: Id, storeId: Id }), querystring: DailyQuery, summary: 'A store\'s daily report (日结): per wallet taken and refunded, sales completed and cancelled' } },
      async (req, reply) => {
        const p = principal(req);
        requireMerchant(p, req.params.merchantId);
        const own = storeOf(p);
        if (own && own !== req.params.storeId) throw new SaomaError('not_found', `No store ${req.params.storeId} here.`);
        return renderData(req, reply, 'daily', req.params.storeId, await dailyReportData(rt.store, req.params.merchantId, req.params.storeId, req.query.date));
      });
    app.get('/v1/sales/:saleId/receipt', { config: { permission: 'payment:read' }, schema: { tags, params: Type.Object({ saleId: Id }), querystring: RenderQuery, summary: 'A sale\'s receipt with the store\'s template: SVG or text to show, ESC/POS to send to a printer on the terminal (WebUSB / Web Serial), PNG' } },
      async (req, reply) => receipt(req, reply, { saleId: req.params.saleId }));
    app.get('/v1/payments/:paymentId/receipt', { config: { permission: 'payment:read' }, schema: { tags, params: Type.Object({ paymentId: Id }), querystring: RenderQuery, summary: 'The receipt of a payment (its sale\'s, when it has one)' } },
      async (req, reply) => receipt(req, reply, { paymentId: req.params.paymentId }));
  };
}
