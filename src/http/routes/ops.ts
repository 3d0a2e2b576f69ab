import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SaomaError } from '../../core/errors.ts';
import { NotificationRejected } from '../../payments/service.ts';
import type { Runtime } from '../../runtime.ts';
import { checkLedger } from '../../store/ledger-repo.ts';
import { nowIso } from '../../store/db.ts';
import { IdParams, ListQuery, limitOf } from '../schemas.ts';
import { requestMerchant } from '../scope.ts';

const err = { '2xx': Type.Unknown(), 400: { $ref: 'Error#' }, 401: { $ref: 'Error#' }, 403: { $ref: 'Error#' }, 404: { $ref: 'Error#' } };

/** Ledger and webhook delivery views, and the wallets' notification endpoint. */
export function opsRoutes(rt: Runtime): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    const db = rt.store.db;
    const merchantOf = requestMerchant;

    app.get('/v1/ledger/journals', { config: { permission: 'ledger:read' }, schema: { tags: ['ledger'], querystring: ListQuery, response: err, summary: 'Journal entries with their postings, newest first' } },
      async (req) => {
        const merchantId = merchantOf(req);
        const journals = await db.selectFrom('journals').selectAll().where('merchant_id', '=', merchantId)
          .$if(req.query.before !== undefined, (q) => q.where('created_at', '<', req.query.before!))
          .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limitOf(req.query)).execute();
        const ids = journals.map((j) => j.id);
        const postings = ids.length ? await db.selectFrom('postings').select(['journal_id', 'account', 'amount', 'currency']).where('journal_id', 'in', ids).orderBy('id').execute() : [];
        return {
          data: journals.map((j) => ({
            id: j.id, kind: j.kind, ref: j.ref, createdAt: j.created_at,
            postings: postings.filter((p) => p.journal_id === j.id).map(({ journal_id: _j, ...p }) => p),
          })),
        };
      });

    app.get('/v1/ledger/balances', { config: { permission: 'ledger:read' }, schema: { tags: ['ledger'], response: err, summary: 'Balance per account (debit positive)' } },
      async (req) => {
        const merchantId = merchantOf(req);
        const rows = await db.selectFrom('postings').select(['account', 'currency', (eb) => eb.fn.sum<number>('amount').as('balance')])
          .where('merchant_id', '=', merchantId).groupBy(['account', 'currency']).orderBy('account').execute();
        return { data: rows.map((r) => ({ account: r.account, currency: r.currency, balance: Number(r.balance) })) };
      });

    app.get('/v1/ledger/check', { config: { permission: 'ledger:read' }, schema: { tags: ['ledger'], response: err, summary: 'Prove the books balance and match the payments' } },
      async (req) => checkLedger(rt.store, merchantOf(req)));

    app.get('/v1/webhooks/events', { config: { permission: 'webhook:manage' }, schema: { tags: ['webhooks'], querystring: ListQuery, response: err, summary: 'Outbox events and their delivery state' } },
      async (req) => {
        const merchantId = merchantOf(req);
        const rows = await db.selectFrom('outbox').select(['id', 'event_type', 'state', 'attempts', 'next_attempt_at', 'last_status', 'last_error', 'created_at', 'delivered_at'])
          .where('merchant_id', '=', merchantId)
          .$if(req.query.state !== undefined, (q) => q.where('state', '=', req.query.state!))
          .orderBy('created_at', 'desc').limit(limitOf(req.query)).execute();
        return {
          data: rows.map((r) => ({
            id: r.id, type: r.event_type, state: r.state, attempts: r.attempts, nextAttemptAt: r.state === 'pending' ? r.next_attempt_at : null,
            lastStatus: r.last_status, lastError: r.last_error, createdAt: r.created_at, deliveredAt: r.delivered_at,
          })),
        };
      });

    app.get('/v1/webhooks/events/:id', { config: { permission: 'webhook:manage' }, schema: { tags: ['webhooks'], params: IdParams, response: err, summary: 'One event, its payload and every delivery attempt' } },
      async (req) => {
        const merchantId = merchantOf(req);
        const e = await db.selectFrom('outbox').selectAll().where('id', '=', req.params.id).where('merchant_id', '=', merchantId).executeTakeFirst();
        if (!e) throw new SaomaError('not_found', `No webhook event ${req.params.id} for this merchant.`);
        const deliveries = await db.selectFrom('webhook_deliveries').select(['attempt', 'url', 'status', 'error', 'duration_ms', 'at']).where('event_id', '=', e.id).orderBy('id').execute();
        return {
          id: e.id, type: e.event_type, state: e.state, attempts: e.attempts, payload: JSON.parse(e.payload),
          deliveries: deliveries.map((d) => ({ attempt: d.attempt, url: d.url, status: d.status, error: d.error, durationMs: d.duration_ms, at: d.at })),
        };
      });

    app.post('/v1/webhooks/events/:id/resend', { config: { permission: 'webhook:manage' }, schema: { tags: ['webhooks'], params: IdParams, response: err, summary: 'Deliver an event again now (also after it was delivered or gave up)' } },
      async (req, reply) => {
        const merchantId = merchantOf(req);
        const r = await rt.store.write((tx) => tx.updateTable('outbox').set({ state: 'pending', next_attempt_at: nowIso(), lease_until: null })
          .where('id', '=', req.params.id).where('merchant_id', '=', merchantId).executeTakeFirst());
        if (Number(r.numUpdatedRows) !== 1) throw new SaomaError('not_found', `No webhook event ${req.params.id} for this merchant.`);
        return reply.code(202).send({ id: req.params.id, state: 'pending' });
      });

    // Wallet notifications: not authenticated by us but by the wallet's own signature, checked by the adapter.
    app.register(async (scope) => {
      scope.removeContentTypeParser('application/json');
      scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
      scope.post('/v1/channels/:channel/notify/:merchantId', {
        schema: { tags: ['channels'], params: Type.Object({ channel: Type.String({ maxLength: 32 }), merchantId: Type.String({ maxLength: 64 }) }), summary: 'Asynchronous notifications from a wallet' },
      }, async (req, reply) => {
        const { channel, merchantId } = req.params as { channel: string; merchantId: string };
        try {
          const ack = await rt.payments.ingestNotification(channel, merchantId, req.headers, String(req.body ?? ''));
          return reply.code(ack.status).type(ack.contentType).send(ack.body);
        } catch (e) {
          if (e instanceof NotificationRejected) {
            req.log.warn({ channel, merchantId, reason: e.message }, 'notification rejected');
            return reply.code(e.reply.status).type(e.reply.contentType).send(e.reply.body);
          }
          throw e;
        }
      });
    });
  };
}
