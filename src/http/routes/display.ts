import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SaomaError } from '../../core/errors.ts';
import { parseCurrency } from '../../core/money.ts';
import type { Principal } from '../../core/roles.ts';
import type { Payment } from '../../core/domain.ts';
import type { Runtime } from '../../runtime.ts';
import type { DisplayPush } from '../../payments/bus.ts';
import { DisplayTokens } from '../../display/token.ts';
import { DisplayStateSchema, displayPayment, displayStateProblem, fitDisplayState } from '../../display/state.ts';
import { principal } from '../app.ts';

const err = { '2xx': Type.Unknown(), 400: { $ref: 'Error#' }, 401: { $ref: 'Error#' }, 403: { $ref: 'Error#' }, 404: { $ref: 'Error#' } };
const HEARTBEAT_MS = 15_000;

/** The terminal a POS caller stands at: its device token or an operator session on it. */
function callerTerminal(p: Principal): { merchantId: string; terminalId: string } {
  if (p.kind === 'terminal' || p.kind === 'operator') return { merchantId: p.merchantId, terminalId: p.terminalId };
  throw new SaomaError('forbidden', 'Only a terminal (device token or operator session) has a customer display.');
}

/**
 * The customer display: a second screen facing the customer. The POS pairs one (a signed, read-only
 * token in a link), pushes what it should show, and the display watches one stream: those pushes and
 * the server's own payment events for its terminal, which alone decide whether it says "paid".
 */
export function displayRoutes(rt: Runtime): FastifyPluginAsync {
  const tokens = new DisplayTokens(rt.config.masterKey);
  rt.auth.useDisplayTokens(tokens);
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['display'];

    app.post('/v1/terminal/display-link', {
      config: { permission: 'display:push' },
      schema: { tags, response: err, summary: 'Pair a customer display with this terminal: a read-only link (token in the URL fragment) for the display to open' },
    }, async (req) => {
      const { merchantId, terminalId } = callerTerminal(principal(req));
      const t = await rt.store.db.selectFrom('terminals').select('token_hash').where('id', '=', terminalId).where('merchant_id', '=', merchantId).executeTakeFirst();
      if (!t) throw new SaomaError('not_found', `No terminal ${terminalId}.`);
      const { token, expiresAt } = tokens.issue(merchantId, terminalId, t.token_hash);
      // A fragment never reaches a server or proxy log; the display page reads it and sends it as a bearer token.
      return { url: `${rt.config.publicUrl}/display/#${token}`, token, expiresAt, terminalId };
    });

    app.put('/v1/terminal/display', {
      config: { permission: 'display:push' },
      // Judged here against the view it names (see displayStateProblem); the schema documents it.
      attachValidation: true,
      schema: { tags, body: DisplayStateSchema, response: err, summary: 'Show this on the terminal\'s customer display (idle, sale lines, QR, result, cash change)' },
    }, async (req) => {
      const { terminalId } = callerTerminal(principal(req));
      if (req.validationError) {
        const problem = displayStateProblem(req.body) ?? req.validationError.message;
        // Shaped as a validation failure, so the error handler words it as for any other route.
        throw Object.assign(new Error(problem), { validation: [], validationContext: 'body', statusCode: 400 });
      }
      const body = req.body;
      if ('currency' in body) parseCurrency(body.currency);
      if (body.view === 'change' && body.change > body.tendered) throw new SaomaError('invalid_request', `change (${body.change}) cannot be more than tendered (${body.tendered}).`);
      if (body.view === 'sale' && body.due > body.amount) throw new SaomaError('invalid_request', `due (${body.due}) cannot be more than amount (${body.amount}).`);
      const state = fitDisplayState(body);
      // Answered once other instances have been told, so the POS's next push cannot overtake this one.
      await rt.bus.publishDisplay(terminalId, state as DisplayPush);
      return { ok: true, truncated: 'truncated' in state && state.truncated === true };
    });

    app.post('/v1/display/signature', {
      config: { permission: 'display:sign' },
      schema: {
        tags, summary: 'The customer signed on the display (display token): the verification receipt for the payment the POS asked to be signed',
        body: Type.Object({
          paymentId: Type.String({ maxLength: 64 }),
          strokes: Type.Array(Type.Object({ points: Type.Array(Type.Object({ x: Type.Number(), y: Type.Number(), time: Type.Optional(Type.Number()), pressure: Type.Optional(Type.Number()) }), { maxItems: 5000 }) }), { maxItems: 100 }),
        }),
        response: err,
      },
    }, async (req, reply) => {
      const p = principal(req);
      if (p.kind !== 'display') throw new SaomaError('forbidden', 'Only a paired customer display sends a signature here.');
      // The display signs only what the cashier put on it: the last state pushed for its terminal.
      const asked = rt.bus.lastDisplay(p.terminalId) as DisplayPush | undefined;
      if (!asked || asked.view !== 'sign' || asked.paymentId !== req.body.paymentId) {
        throw new SaomaError('invalid_transition', 'The cashier has not asked for a signature on this payment; ask them to start the signing again.');
      }
      const gifts = Array.isArray(asked.gifts) ? asked.gifts : undefined;
      const receipt = await rt.verifications.create(p.merchantId, p.terminalId, req.body.paymentId, { strokes: req.body.strokes, ...(gifts ? { gifts } : {}) });
      // The display thanks the customer; the POS sees the record appear and moves the display on.
      return reply.code(201).send({ id: receipt.id, code: receipt.code });
    });

    app.get('/v1/display/stream', {
      config: { permission: 'display:read' },
      schema: { tags, summary: 'The customer display\'s live feed (display token): `display` events (what to show, the last one first) and `payment` events for its terminal' },
    }, async (req, reply) => {
      const p = principal(req);
      if (p.kind !== 'display') throw new SaomaError('forbidden', 'This stream is for a paired customer display.');
      const { merchantId, terminalId } = p;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(': watching\n\n');
      let open = true;
      const sendPayment = (pay: Payment) => {
        if (open && pay.merchantId === merchantId && pay.terminalId === terminalId) res.write(`event: payment\ndata: ${JSON.stringify(displayPayment(pay))}\n\n`);
      };
      // A push naming a payment is followed by that payment as the server has it: the display may have
      // missed the event (it connected late, or the payment settled before the POS pushed its QR).
      const sendState = (state: DisplayPush) => {
        if (!open) return;
        res.write(`event: display\ndata: ${JSON.stringify(state)}\n\n`);
        const id = typeof state.paymentId === 'string' ? state.paymentId : null;
        if (id) void rt.payments.findPayment(id).then((pay) => pay && sendPayment(pay)).catch(() => undefined);
      };
      const offPayments = rt.bus.subscribeTerminal(terminalId, sendPayment);
      const offDisplay = rt.bus.subscribeDisplay(terminalId, sendState);
      sendState(rt.bus.lastDisplay(terminalId) ?? { view: 'idle' });
      // Each heartbeat re-checks the pairing, so a terminal re-issued or removed ends its displays' feeds too.
      const heartbeat = setInterval(() => {
        void rt.auth.authenticate(req).then(() => { if (open) res.write(': keep-alive\n\n'); }, () => res.end());
      }, HEARTBEAT_MS);
      req.raw.on('close', () => {
        open = false;
        offPayments();
        offDisplay();
        clearInterval(heartbeat);
      });
    });
  };
}
