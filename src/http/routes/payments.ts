import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SaomaError } from '../../core/errors.ts';
import { can, type Principal } from '../../core/roles.ts';
import { isFinalPayment } from '../../core/payment-state.ts';
import type { Origin } from '../../payments/service.ts';
import type { Runtime } from '../../runtime.ts';
import { principal } from '../app.ts';
import { actingMerchant } from '../auth.ts';
import { counterScope } from '../scope.ts';
import { IdParams, ListQuery, PaymentBody, RefundBody, SaleBody, SalesQuery, limitOf } from '../schemas.ts';
import { idempotencyKey, merchantHeader } from '../headers.ts';

const err = { '2xx': Type.Unknown(), 400: { $ref: 'Error#' }, 401: { $ref: 'Error#' }, 403: { $ref: 'Error#' }, 404: { $ref: 'Error#' }, 409: { $ref: 'Error#' } };

/** Sales, payments and refunds: what the POS and integrators call. */
export function paymentRoutes(rt: Runtime): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    const svc = rt.payments;
    const terminals = new Map<string, { merchantId: string; storeId: string }>();

    /** The terminal a new sale or payment is taken on: the caller's own, or (API key) the one named. */
    async function origin(p: Principal, terminalId: string | undefined): Promise<Origin> {
      if (p.kind === 'terminal' || p.kind === 'operator') {
        if (terminalId && terminalId !== p.terminalId) throw new SaomaError('forbidden', 'A terminal can only take payments on itself; drop terminalId.');
        return { merchantId: p.merchantId, storeId: p.storeId, terminalId: p.terminalId };
      }
      if (p.kind !== 'merchant') throw new SaomaError('forbidden', 'Payments are taken by a terminal or a merchant API key.');
      if (!terminalId) throw new SaomaError('invalid_request', 'A merchant API key must say which terminal takes the payment: add terminalId.');
      // Terminals never change merchant or store, so a found one can be remembered.
      let t = terminals.get(terminalId);
      if (!t) {
        const row = await rt.store.db.selectFrom('terminals').select(['id', 'store_id', 'merchant_id']).where('id', '=', terminalId).executeTakeFirst();
        if (row) {
          t = { merchantId: row.merchant_id, storeId: row.store_id };
          if (terminals.size > 10_000) terminals.clear();
          terminals.set(terminalId, t);
        }
      }
      if (!t || t.merchantId !== p.merchantId) throw new SaomaError('not_found', `No terminal ${terminalId} for this merchant.`);
      return { merchantId: p.merchantId, storeId: t.storeId, terminalId };
    }

    app.post('/v1/sales', {
      config: { permission: 'payment:create' },
      schema: {
        tags: ['sales'], body: SaleBody, response: err, summary: 'Open a sale; tenders are payments that carry its saleId',
        description: 'Optional items (name, quantity, unitPrice) must add up to amount. Idempotent on the Idempotency-Key header.',
      },
    },
      async (req, reply) => {
        const o = await origin(principal(req), req.body.terminalId);
        const { terminalId: _t, ...input } = req.body;
        const res = await svc.createSale(o, input, idempotencyKey(req));
        return reply.code(res.status).send(res.body);
      });

    app.get('/v1/sales', {
      config: { permission: 'payment:read' },
      schema: {
        tags: ['sales'], querystring: SalesQuery, response: err, summary: 'Sales newest first, each with its payments and refunds (history, reprint, refund)',
        description: 'A terminal or operator sees its own terminal\'s sales; a merchant API key sees all of the merchant\'s, or one terminal\'s with terminalId. Pass `next` back as `before` for the next page.',
      },
    }, async (req) => {
      const p = principal(req);
      const scope = counterScope(p, req.query.terminalId, merchantHeader(req));
      return svc.listSales(scope.merchantId, { limit: limitOf(req.query), terminalId: scope.terminalId, before: req.query.before });
    });

    app.post('/v1/sales/:id/cancel', { config: { permission: 'payment:cancel' }, schema: { tags: ['sales'], params: IdParams, response: err, summary: 'Void an open sale with nothing paid and nothing in flight (the customer walked away)' } },
      async (req) => {
        const p = principal(req);
        const terminalId = p.kind === 'terminal' || p.kind === 'operator' ? p.terminalId : null;
        return svc.cancelSale(actingMerchant(p, merchantHeader(req)), req.params.id, terminalId);
      });

    app.get('/v1/sales/:id', { config: { permission: 'payment:read' }, schema: { tags: ['sales'], params: IdParams, response: err, summary: 'One sale with its items, payments and refunds' } },
      async (req) => svc.getSale(actingMerchant(principal(req), merchantHeader(req)), req.params.id));

    app.post('/v1/payments', {
      config: { permission: 'payment:create' },
      schema: {
        tags: ['payments'], body: PaymentBody, response: err,
        summary: 'Take a payment: show a dynamic QR, charge a scanned payment code, or record cash',
        description: 'Idempotent on the Idempotency-Key header, or on outTradeNo when no key is sent: a retry returns the first answer.',
      },
    }, async (req, reply) => {
      const o = await origin(principal(req), req.body.terminalId);
      const { terminalId: _t, ...input } = req.body;
      const res = await svc.createPayment(o, input, idempotencyKey(req));
      return reply.code(res.status).send(res.body);
    });

    app.get('/v1/payments', { config: { permission: 'payment:read' }, schema: { tags: ['payments'], querystring: ListQuery, response: err } },
      async (req) => ({ data: await svc.listPayments(actingMerchant(principal(req), merchantHeader(req)), { limit: limitOf(req.query), state: req.query.state, before: req.query.before }) }));

    app.get('/v1/payments/:id', { config: { permission: 'payment:read' }, schema: { tags: ['payments'], params: IdParams, response: err } },
      async (req) => svc.getPayment(actingMerchant(principal(req), merchantHeader(req)), req.params.id));

    app.get('/v1/payments/:id/events', { config: { permission: 'payment:read' }, schema: { tags: ['payments'], params: IdParams, response: err, summary: 'State history of a payment' } },
      async (req) => ({ data: await svc.events(actingMerchant(principal(req), merchantHeader(req)), req.params.id) }));

    app.post('/v1/payments/:id/query', { config: { permission: 'payment:read' }, schema: { tags: ['payments'], params: IdParams, response: err, summary: 'Ask the wallet now ("query now" on the POS)' } },
      async (req) => svc.queryNow(actingMerchant(principal(req), merchantHeader(req)), req.params.id));

    app.post('/v1/payments/:id/cancel', { config: { permission: 'payment:cancel' }, schema: { tags: ['payments'], params: IdParams, response: err, summary: 'Close an unpaid QR or reverse a payment-code charge' } },
      async (req) => {
        const p = principal(req);
        return svc.cancel(actingMerchant(p, merchantHeader(req)), req.params.id, { mayUndoPaid: can(p, 'refund:create') });
      });

    app.get('/v1/payments/:id/stream', {
      config: { permission: 'payment:read' },
      schema: { tags: ['payments'], params: IdParams, summary: 'Live status as Server-Sent Events: one `payment` event now and one per change; ends when final' },
    }, async (req, reply) => {
      const merchantId = actingMerchant(principal(req), merchantHeader(req));
      const first = await svc.getPayment(merchantId, req.params.id);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      let last = '';
      const send = (p: typeof first) => {
        const data = JSON.stringify(p);
        if (data === last) return;
        last = data;
        res.write(`id: ${p.updatedAt}\nevent: payment\ndata: ${data}\n\n`);
        if (isFinalPayment(p.state)) finish();
      };
      const unsubscribe = rt.bus.subscribe(first.id, send);
      // Changes arrive through the bus (and, on PostgreSQL, LISTEN/NOTIFY from other instances); a slow
      // re-read is the safety net for a notification lost while the listener reconnected.
      const poll = setInterval(() => void svc.getPayment(merchantId, first.id).then(send).catch(() => undefined), 10_000);
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      let done = false;
      function finish() {
        if (done) return;
        done = true;
        unsubscribe();
        clearInterval(poll);
        clearInterval(heartbeat);
        res.end();
      }
      req.raw.on('close', finish);
      send(first);
    });

    // Checked here rather than by the route's permission so the refusal can tell the counter what to do
    // (log a supervisor in); who may refund is still exactly the refund:create grant.
    app.post('/v1/payments/:id/refunds', {
      config: { permission: 'payment:read' },
      schema: {
        tags: ['refunds'], params: IdParams, body: RefundBody, response: err, summary: 'Refund all or part of a succeeded payment; several refunds may add up to what was paid',
        description: 'Needs refund:create: a supervisor or manager operator session, or a merchant API key. A cashier gets 403; the POS logs the supervisor in with their PIN and refunds with that session, which is recorded as createdBy.',
      },
    },
      async (req, reply) => {
        const p = principal(req);
        if (!can(p, 'refund:create')) {
          throw new SaomaError('forbidden', p.kind === 'operator' || p.kind === 'terminal'
            ? `A ${p.kind === 'operator' ? p.role : 'terminal without an operator'} may not refund on their own; a refund needs a supervisor's approval: a supervisor or manager logs in on this terminal with their PIN (POST /v1/operators/login) and makes the refund with that session.`
            : 'This caller may not refund; use a merchant API key or a supervisor\'s operator session.');
        }
        const res = await svc.createRefund(actingMerchant(p, merchantHeader(req)), req.params.id, req.body, idempotencyKey(req), p.kind === 'operator' ? p.operatorId : undefined);
        return reply.code(res.status).send(res.body);
      });

    app.get('/v1/payments/:id/refunds', { config: { permission: 'payment:read' }, schema: { tags: ['refunds'], params: IdParams, response: err } },
      async (req) => ({ data: await svc.listRefunds(actingMerchant(principal(req), merchantHeader(req)), req.params.id) }));

    app.get('/v1/refunds/:id', { config: { permission: 'payment:read' }, schema: { tags: ['refunds'], params: IdParams, response: err } },
      async (req) => svc.getRefund(actingMerchant(principal(req), merchantHeader(req)), req.params.id));
  };
}
