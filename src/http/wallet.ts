import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Where `npm run build:wallet` (Vite) puts the wallet simulator. */
export const WALLET_DIST = fileURLToPath(new URL('../../web/wallet/dist/', import.meta.url));

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Saoma wallet simulator not built</title>
<body style="font:16px system-ui,sans-serif;max-width:40em;margin:3em auto">
<h1>The wallet simulator is not built yet</h1>
<p>Run <code>npm run build:wallet</code> in the Saoma folder, then reload this page.
(<code>npm start</code> builds it for you.)</p>
<p lang="zh-Hans">钱包模拟器尚未构建：请在 Saoma 目录运行 <code>npm run build:wallet</code>，然后刷新本页。</p>
</body></html>`;

/**
 * The sandbox wallet simulator under /wallet (mounted only when the sandbox wallet is): the built
 * Vite app when web/wallet/dist exists, otherwise a page saying how to build it. Caching as for /pos.
 */
export async function walletRoutes(app: FastifyInstance, dist: string = WALLET_DIST): Promise<void> {
  app.get('/wallet', { schema: { hide: true } }, async (req, reply) => {
    const q = req.url.indexOf('?');
    return reply.redirect(`/wallet/${q >= 0 ? req.url.slice(q) : ''}`, 302);
  });
  if (!existsSync(`${dist}index.html`) && !existsSync(`${dist}/index.html`)) {
    app.get('/wallet/*', { schema: { hide: true } }, async (_req, reply) => reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT));
    return;
  }
  await app.register(fastifyStatic, {
    root: dist,
    prefix: '/wallet/',
    decorateReply: false,
    index: ['index.html'],
    schemaHide: true,
    setHeaders(reply, path) {
      reply.header('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
