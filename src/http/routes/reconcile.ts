import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SaomaError } from '../../core/errors.ts';
import type { Principal } from '../../core/roles.ts';
import type { Actor } from '../../core/audit-chain.ts';
import { pickLocale } from '../../core/messages.ts';
import type { Runtime } from '../../runtime.ts';
import { bufferBytes } from '../../reconcile/bill-file.ts';
import { runCsv } from '../../reconcile/export.ts';
import { resolveMismatch } from '../../reconcile/repair.ts';
import { isDay } from '../../reconcile/settings.ts';
import { LineView, MismatchView, RunView, lineView, mismatchView, runView } from '../../reconcile/views.ts';
import { csvContentType } from '../../reports/csv.ts';
import { principal } from '../app.ts';
import { requestMerchant } from '../scope.ts';

const E = { 400: { $ref: 'Error#' }, 401: { $ref: 'Error#' }, 403: { $ref: 'Error#' }, 404: { $ref: 'Error#' }, 409: { $ref: 'Error#' }, 422: { $ref: 'Error#' }, 503: { $ref: 'Error#' } };
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'The wallet\'s day, YYYY-MM-DD (Beijing time for the Chinese wallets)' });
const Channel = Type.String({ pattern: '^[a-z0-9_]{1,32}$', description: 'alipay, wechat, unionpay or qq' });
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const MAX_UPLOAD = 512 * 1024 * 1024;

/** Who did it, for the audit log. */
export function actorOf(p: Principal): Actor {
  switch (p.kind) {
    case 'merchant': return { kind: 'merchant', id: p.keyId };
    case 'operator': return { kind: 'operator', id: p.operatorId };
    case 'terminal': return { kind: 'terminal', id: p.terminalId };
    case 'display': return { kind: 'display', id: p.terminalId };
    default: return { kind: 'platform', id: null };
  }
}

function checkDay(day: string): string {
  if (!isDay(day)) throw new SaomaError('invalid_request', `${day} is not a calendar day; send YYYY-MM-DD.`);
  return day;
}

/** Reconciliation with the wallets' bills: run a day, upload a bill file, read runs, mismatches and lines, repair. */
export function reconcileRoutes(rt: Runtime): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    const db = rt.store.db;
    const ownRun = async (req: FastifyRequest, id: string) => {
      const run = await db.selectFrom('reconcile_runs').selectAll().where('id', '=', id).where('merchant_id', '=', requestMerchant(req)).executeTakeFirst();
      if (!run) throw new SaomaError('not_found', `No reconciliation ${id}.`);
      return run;
    };

    app.post('/v1/reconciliations', {
      config: { permission: 'reconcile:manage' },
      schema: {
        tags: ['reconciliation'], summary: 'Reconcile one wallet day now: download the wallet\'s bill and compare it with our books',
        description: 'Re-running a day is safe: it replaces the day\'s lines and keeps, clears or opens mismatches; the result is the same for the same bill and books. 409 reconcile_running while the day runs elsewhere; 422 bill_unreadable when the bill is cut short or does not add up.',
        body: Type.Object({ channel: Channel, date: Day }, { additionalProperties: false }), response: { 200: RunView, ...E },
      },
    }, async (req) => runView(await rt.reconciler.run({
      merchantId: requestMerchant(req), channel: req.body.channel, day: checkDay(req.body.date), source: { kind: 'download' }, actor: actorOf(principal(req)), ip: req.ip,
    })));

    app.register(async (upload) => {
      for (const type of ['application/octet-stream', 'application/zip', 'application/gzip', 'text/csv', 'text/plain']) {
        if (upload.hasContentTypeParser(type)) upload.removeContentTypeParser(type);
        upload.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: MAX_UPLOAD }, (req, body, done) => {
          // Request signatures cover the exact bytes sent.
          (req as { rawBody?: unknown }).rawBody = body;
          done(null, body);
        });
      }
      upload.withTypeProvider<TypeBoxTypeProvider>().post('/v1/reconciliations/upload', {
        config: { permission: 'reconcile:manage' }, bodyLimit: MAX_UPLOAD,
        schema: {
          tags: ['reconciliation'], summary: 'Reconcile a wallet day from a bill file downloaded by hand from the wallet\'s portal',
          description: 'Send the file as it came (Alipay .csv.zip, WeChat .csv or .gz, QQ .csv, UnionPay file or zip) with Content-Type application/octet-stream. It is read as a stream and reconciled exactly as a downloaded bill.',
          querystring: Type.Object({ channel: Channel, date: Day, fileName: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
          response: { 200: RunView, ...E },
        },
      }, async (req) => {
        if (!Buffer.isBuffer(req.body)) throw new SaomaError('invalid_request', 'Send the bill file as the body with Content-Type application/octet-stream.');
        return runView(await rt.reconciler.run({
          merchantId: requestMerchant(req), channel: req.query.channel, day: checkDay(req.query.date),
          source: { kind: 'file', name: req.query.fileName ?? 'upload', bytes: bufferBytes(req.body) }, actor: actorOf(principal(req)), ip: req.ip,
        }));
      });
    });

    app.get('/v1/reconciliations', {
      config: { permission: 'reconcile:read' },
      schema: {
        tags: ['reconciliation'], summary: 'Reconciliation runs, newest day first',
        querystring: Type.Object({ channel: Type.Optional(Channel), from: Type.Optional(Day), to: Type.Optional(Day), limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(RunView) }), ...E },
      },
    }, async (req) => {
      const q = req.query;
      const rows = await db.selectFrom('reconcile_runs').selectAll().where('merchant_id', '=', requestMerchant(req))
        .$if(!!q.channel, (x) => x.where('channel', '=', q.channel!)).$if(!!q.from, (x) => x.where('day', '>=', q.from!)).$if(!!q.to, (x) => x.where('day', '<=', q.to!))
        .orderBy('day', 'desc').orderBy('channel').limit(Math.min(Number(q.limit ?? 60) || 60, 500)).execute();
      return { data: rows.map(runView) };
    });

    app.get('/v1/reconciliations/mismatches', {
      config: { permission: 'reconcile:read' },
      schema: {
        tags: ['reconciliation'], summary: 'Mismatches across days (default: the open ones, waiting for a person)',
        querystring: Type.Object({ state: Type.Optional(Type.Union(['open', 'holding', 'resolved', 'cleared'].map((s) => Type.Literal(s)))), channel: Type.Optional(Channel) }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(MismatchView) }), ...E },
      },
    }, async (req) => {
      const rows = await db.selectFrom('reconcile_mismatches').selectAll().where('merchant_id', '=', requestMerchant(req)).where('state', '=', req.query.state ?? 'open')
        .$if(!!req.query.channel, (x) => x.where('channel', '=', req.query.channel!)).orderBy('day', 'desc').orderBy('created_at').limit(500).execute();
      return { data: rows.map(mismatchView) };
    });

    app.get('/v1/reconciliations/:id', {
      config: { permission: 'reconcile:read' },
      schema: { tags: ['reconciliation'], summary: 'One run with both sides\' totals', params: Id, response: { 200: RunView, ...E } },
    }, async (req) => runView(await ownRun(req, req.params.id)));

    app.get('/v1/reconciliations/:id/mismatches', {
      config: { permission: 'reconcile:read' },
      schema: { tags: ['reconciliation'], summary: 'The mismatches of the run\'s day, in every state', params: Id, response: { 200: Type.Object({ data: Type.Array(MismatchView) }), ...E } },
    }, async (req) => {
      const run = await ownRun(req, req.params.id);
      const rows = await db.selectFrom('reconcile_mismatches').selectAll().where('merchant_id', '=', run.merchant_id).where('channel', '=', run.channel)
        .where('day', '=', run.day).orderBy('created_at').execute();
      return { data: rows.map(mismatchView) };
    });

    app.get('/v1/reconciliations/:id/lines', {
      config: { permission: 'reconcile:read' },
      schema: {
        tags: ['reconciliation'], summary: 'The bill\'s lines as read, with the mismatches found on each; page with `after`',
        params: Id, querystring: Type.Object({ after: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })), limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(LineView), next: Type.Union([Type.String(), Type.Null()]) }), ...E },
      },
    }, async (req) => {
      const run = await ownRun(req, req.params.id);
      const limit = Math.min(Math.max(Number(req.query.limit ?? 200) || 200, 1), 1000);
      const rows = await db.selectFrom('reconcile_lines').selectAll().where('run_id', '=', run.id).where('seq', '>', Number(req.query.after ?? -1)).orderBy('seq').limit(limit).execute();
      const seqs = rows.map((r) => Number(r.seq));
      const ms = seqs.length === 0 ? [] : await db.selectFrom('reconcile_mismatches').select(['line_seq', 'type']).where('run_id', '=', run.id).where('line_seq', 'in', seqs).execute();
      const types = new Map<number, string[]>();
      for (const m of ms) types.set(Number(m.line_seq), [...(types.get(Number(m.line_seq)) ?? []), m.type]);
      return { data: rows.map((r) => lineView(r, types.get(Number(r.seq)) ?? [])), next: rows.length === limit ? String(seqs[seqs.length - 1]) : null };
    });

    app.get('/v1/reconciliations/:id/export', {
      config: { permission: 'reconcile:read' },
      schema: {
        tags: ['reconciliation'], summary: 'The run as a CSV file a bookkeeper can keep (UTF-8 with BOM for Excel; encoding=gb18030 for older Excel/WPS)',
        params: Id, querystring: Type.Object({ encoding: Type.Optional(Type.Union([Type.Literal('utf8'), Type.Literal('gb18030')])), lang: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('zh-Hans'), Type.Literal('zh-Hant')])) }, { additionalProperties: false }),
        response: { 200: Type.String({ description: 'text/csv' }), ...E },
      },
    }, async (req, reply) => {
      const run = await ownRun(req, req.params.id);
      const enc = req.query.encoding ?? 'utf8';
      const body = await runCsv(rt.store, run, req.query.lang ?? pickLocale(req.headers['accept-language'], 'zh-Hans'), enc);
      return reply.type(csvContentType(enc)).header('content-disposition', `attachment; filename="reconciliation-${run.channel}-${run.day}.csv"`).send(body);
    });

    app.post('/v1/reconciliations/mismatches/:id/resolve', {
      config: { permission: 'reconcile:manage' },
      schema: {
        tags: ['reconciliation'], summary: 'Repair an open mismatch: trust the wallet (complete or adjust) or trust Saoma (release); new ledger entries only, audited',
        description: 'side=wallet: a trade the wallet took that our books call unpaid is completed through the payment core\'s late-payment path; any other difference is booked to the merchant\'s payable. side=saoma: the hold is released and our books stand. `reason` is required; `evidence` (a ticket, a statement line) is kept with it.',
        params: Id,
        body: Type.Object({
          side: Type.Union([Type.Literal('wallet'), Type.Literal('saoma')]), reason: Type.String({ minLength: 2, maxLength: 500 }),
          evidence: Type.Optional(Type.String({ maxLength: 2000 })),
        }, { additionalProperties: false }),
        response: { 200: MismatchView, ...E },
      },
    }, async (req) => mismatchView(await resolveMismatch(rt, {
      merchantId: requestMerchant(req), id: req.params.id, side: req.body.side, reason: req.body.reason, evidence: req.body.evidence ?? null, actor: actorOf(principal(req)), ip: req.ip,
    })));
  };
}
