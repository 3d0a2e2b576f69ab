import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { SaomaError, isSaomaError } from '../core/errors.ts';
import { localize, pickLocale } from '../core/messages.ts';
import type { Permission, Principal } from '../core/roles.ts';
import type { Runtime } from '../runtime.ts';
import { requirePermission } from './auth.ts';
import { writeContext } from '../store/db.ts';
import { ErrorBody } from './schemas.ts';
import { adminRoutes } from './routes/admin.ts';
import { paymentRoutes } from './routes/payments.ts';
import { opsRoutes } from './routes/ops.ts';
import { standRoutes } from './routes/stand.ts';
import { printingRoutes } from './routes/printing.ts';
import { verificationRoutes } from './routes/verification.ts';
import { shiftRoutes } from './routes/shifts.ts';
import { reconcileRoutes } from './routes/reconcile.ts';
import { reportRoutes } from './routes/reports.ts';
import { posRoutes } from './pos.ts';
import { consoleRoutes } from './console.ts';
import { displayPageRoutes } from './display.ts';
import { displayRoutes } from './routes/display.ts';
import { walletRoutes } from './wallet.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission a route needs; routes without one are public (health, docs, wallet notifications). */
    permission?: Permission;
  }
}

export type App = FastifyInstance<any, any, any, any, TypeBoxTypeProvider>;

/** Where a NUL character hides in a request, if anywhere: no store or wallet accepts one in text. */
function findNul(v: unknown, path = ''): string | null {
  if (typeof v === 'string') return v.includes('\u0000') ? path || 'the request' : null;
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k.includes('\u0000')) return `${path ? `${path}.` : ''}a field name`;
      const hit = findNul(x, path ? `${path}.${k}` : k);
      if (hit) return hit;
    }
  }
  return null;
}

export function errorBody(code: string, message: string, details?: Record<string, unknown>) {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

/** The caller, known to be authenticated by the preHandler for routes that name a permission. */
export function principal(req: FastifyRequest): Principal {
  if (!req.principal) throw new SaomaError('unauthenticated', 'Authentication required.');
  return req.principal;
}

export async function buildApp(rt: Runtime): Promise<App> {
  const app = Fastify({
    logger: rt.config.logLevel === 'silent' ? false : { level: rt.config.logLevel },
    bodyLimit: 64 * 1024,
    // Strict types: "1250" is not 1250, and unknown fields are an error, not silently dropped.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    trustProxy: rt.config.trustProxy,
    // Live streams (SSE) never end on their own: closing the server ends them, so a stop or restart
    // does not wait on a POS that is still watching a payment.
    forceCloseConnections: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Keep the raw body: request signatures are computed over the exact bytes sent.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body as string;
    req.rawBody = text;
    if (text.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new SaomaError('invalid_json', 'The request body is not valid JSON.'), undefined);
    }
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Saoma API', version: '1', description: 'Point-of-sale payments for QR-code wallets. Errors are `{ "error": { "code", "message" } }` with stable codes.' },
      components: {
        securitySchemes: {
          terminal: { type: 'http', scheme: 'bearer', description: 'Terminal device token (term_…) or operator session (ops_…)' },
          signed: { type: 'apiKey', in: 'header', name: 'Saoma-Key', description: 'API key id; also send Saoma-Timestamp, Saoma-Nonce, Saoma-Signature' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.addSchema(ErrorBody);

  app.setErrorHandler((error: FastifyError | SaomaError, req, reply) => {
    const locale = pickLocale(req.headers['accept-language']);
    const send = (e: SaomaError) => reply.code(e.status).header('content-language', locale)
      .send(errorBody(e.code, localize(e.code, e.message, locale, e.details), e.details));
    if (isSaomaError(error)) {
      if (error.status >= 500) req.log.error({ err: error }, 'server error');
      return send(error);
    }
    const fe = error as FastifyError;
    if (fe.validation) {
      // The schema's own wording names the field; a Chinese reader gets ours with the field appended.
      const field = `${fe.validationContext ?? 'request'}${fe.message.replace(/^(body|querystring|params|headers)/, '')}`.trim();
      const e = new SaomaError('invalid_request', field);
      return locale === 'en' ? send(e) : reply.code(400).header('content-language', locale).send(errorBody('invalid_request', `${localize('invalid_request', field, locale)}（${field}）`));
    }
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send(errorBody('invalid_request', 'The request body is larger than 64 KiB.'));
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.code(415).send(errorBody('invalid_request', 'Send the body as application/json.'));
    if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return reply.code(400).send(errorBody('invalid_json', 'The JSON body is empty.'));
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.code(fe.statusCode).send(errorBody('invalid_request', fe.message));
    }
    req.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send(errorBody('internal', 'Something went wrong on our side; the request can be retried safely with the same Idempotency-Key.'));
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody('not_found', `No route ${req.method} ${req.url.split('?')[0]}; see /docs.`)));

  // Each request runs in its own write context (see writeContext); a nonce its handler did not get to
  // commit with a write of its own is committed before the answer leaves, or the answer becomes 401.
  app.addHook('onRequest', (_req, _reply, done) => writeContext.run({ before: null }, done));
  app.addHook('onSend', async (req, reply, payload) => {
    const ctx = writeContext.getStore();
    const pending = ctx?.before;
    if (!ctx || !pending) return payload;
    ctx.before = null;
    try {
      await rt.store.write(pending);
      return payload;
    } catch (e) {
      if (!isSaomaError(e)) throw e;
      reply.code(e.status).header('content-type', 'application/json; charset=utf-8');
      return JSON.stringify(errorBody(e.code, localize(e.code, e.message, pickLocale(req.headers['accept-language']), e.details)));
    }
  });

  // Who is calling is settled before what they sent is judged: a stranger learns nothing from validation.
  app.addHook('preValidation', async (req) => {
    const perm = req.routeOptions.config?.permission;
    if (perm) {
      req.principal = await rt.auth.authenticate(req);
      requirePermission(req.principal, perm);
    }
    const where = findNul({ params: req.params, query: req.query, body: req.body });
    if (where) throw new SaomaError('invalid_request', `${where} contains a NUL character (U+0000); remove it.`);
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true, store: rt.store.flavor, sandbox: rt.config.sandbox }));

  await app.register(adminRoutes(rt));
  await app.register(paymentRoutes(rt));
  await app.register(opsRoutes(rt));
  await app.register(standRoutes(rt));
  await app.register(printingRoutes(rt));
  await app.register(verificationRoutes(rt));
  await app.register(shiftRoutes(rt));
  await app.register(reconcileRoutes(rt));
  await app.register(reportRoutes(rt));
  await app.register(async (scope) => posRoutes(scope));
  await app.register(async (scope) => consoleRoutes(scope));
  await app.register(displayRoutes(rt));
  await app.register(async (scope) => displayPageRoutes(scope));
  if (rt.sandboxWallet) {
    const wallet = rt.sandboxWallet;
    await app.register(async (scope) => wallet.routes(scope), { prefix: '/sandbox/wallet' });
    await app.register(async (scope) => walletRoutes(scope));
  }
  await rt.walletEmulators?.mount(app);
  return app;
}
