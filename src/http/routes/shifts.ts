import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SaomaError } from '../../core/errors.ts';
import type { Principal } from '../../core/roles.ts';
import type { Runtime } from '../../runtime.ts';
import { ShiftService, type AtCounter } from '../../shifts/service.ts';
import { principal } from '../app.ts';
import { counterScope } from '../scope.ts';
import { IdParams, ShiftCloseBody, ShiftOpenBody, ShiftsQuery, limitOf } from '../schemas.ts';
import { header, idempotencyKey } from '../headers.ts';

const err = { '2xx': Type.Unknown(), 400: { $ref: 'Error#' }, 401: { $ref: 'Error#' }, 403: { $ref: 'Error#' }, 404: { $ref: 'Error#' }, 409: { $ref: 'Error#' } };
const CurrentQuery = Type.Object({
  terminalId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Merchant API keys: the terminal whose open shift to show' })),
}, { additionalProperties: false });

/** A shift is opened and closed by a person whose count it is: an operator logged in with their PIN. */
function operatorAt(p: Principal, what: string): AtCounter {
  if (p.kind === 'operator') return { merchantId: p.merchantId, storeId: p.storeId, terminalId: p.terminalId, operatorId: p.operatorId };
  throw new SaomaError('forbidden', `${what} needs an operator session: the cashier logs in on this terminal with their PIN (POST /v1/operators/login) and ${what.toLowerCase()} with that session, so the cash count is recorded against them.`);
}

/** Shifts (班次): open with the float counted into the drawer, close with the drawer counted out. */
export function shiftRoutes(rt: Runtime): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    const shifts = new ShiftService(rt.store);

    app.post('/v1/shifts', {
      config: { permission: 'payment:create' },
      schema: {
        tags: ['shifts'], body: ShiftOpenBody, response: err, summary: 'Open a shift on this terminal with the opening cash float (operator session)',
        description: 'One open shift per terminal: a second is 409 shift_already_open. Idempotent on the Idempotency-Key header.',
      },
    }, async (req, reply) => {
      const res = await shifts.open(operatorAt(principal(req), 'Opening a shift'), req.body, idempotencyKey(req));
      return reply.code(res.status).send(res.body);
    });

    app.get('/v1/shifts/current', {
      config: { permission: 'payment:read' },
      schema: { tags: ['shifts'], querystring: CurrentQuery, response: err, summary: 'The terminal\'s open shift with live takings and expected cash; 404 no_open_shift when none' },
    }, async (req) => {
      const scope = counterScope(principal(req), req.query.terminalId, header(req, 'saoma-merchant'));
      if (!scope.terminalId) throw new SaomaError('invalid_request', 'A merchant API key must say which terminal: add ?terminalId=.');
      return shifts.current(scope.merchantId, scope.terminalId);
    });

    app.get('/v1/shifts', {
      config: { permission: 'payment:read' },
      schema: {
        tags: ['shifts'], querystring: ShiftsQuery, response: err, summary: 'Shifts newest first (a terminal\'s own, or the merchant\'s)',
        description: 'Pass `next` back as `before` for the next page.',
      },
    }, async (req) => {
      const scope = counterScope(principal(req), req.query.terminalId, header(req, 'saoma-merchant'));
      return shifts.list(scope, { limit: limitOf(req.query), before: req.query.before });
    });

    app.get('/v1/shifts/:id', {
      config: { permission: 'payment:read' },
      schema: { tags: ['shifts'], params: IdParams, response: err, summary: 'One shift: its float, takings per channel and, once closed, the cash count' },
    }, async (req) => shifts.get(counterScope(principal(req), undefined, header(req, 'saoma-merchant')), req.params.id));

    app.post('/v1/shifts/:id/close', {
      config: { permission: 'payment:create' },
      schema: {
        tags: ['shifts'], params: IdParams, body: ShiftCloseBody, response: err, summary: 'Close a shift with the cash counted in the drawer (operator session)',
        description: 'expectedCash = openingFloat + cash taken (change excluded) − cash refunded; difference = countedCash − expectedCash (over > 0, short < 0), booked to the ledger as a cash_count entry. Closing twice is 409 shift_closed, unless it is a retry with the same Idempotency-Key, which gets the closed shift again.',
      },
    }, async (req, reply) => {
      const res = await shifts.close(operatorAt(principal(req), 'Closing a shift'), req.params.id, req.body, idempotencyKey(req));
      return reply.code(res.status).send(res.body);
    });
  };
}
