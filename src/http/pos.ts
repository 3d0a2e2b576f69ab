import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Where `npm run build:pos` (Vite) puts the POS terminal. */
export const POS_DIST = fileURLToPath(new URL('../../web/pos/dist/', import.meta.url));

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Saoma POS not built</title>
<body style="font:16px system-ui,sans-serif;max-width:40em;margin:3em auto">
<h1>The POS terminal is not built yet</h1>
<p>Run <code>npm run build:pos</code> in the Saoma folder, then reload this page.
(<code>npm start</code> builds it for you.)</p>
<p lang="zh-Hans">收银台前端尚未构建：请在 Saoma 目录运行 <code>npm run build:pos</code>，然后刷新本页。</p>
</body></html>`;

/**
 * The POS terminal under /pos: the built Vite app when web/pos/dist exists, otherwise a page saying
 * how to build it (never a crash). Hashed assets are cached for good; index.html never is, so a new
 * build reaches the counter on the next reload.
 */
export async function posRoutes(app: FastifyInstance, dist: string = POS_DIST): Promise<void> {
  app.get('/pos', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/pos/', 302));
  if (!existsSync(`${dist}index.html`) && !existsSync(`${dist}/index.html`)) {
    app.get('/pos/*', { schema: { hide: true } }, async (_req, reply) => reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT));
    return;
  }
  await app.register(fastifyStatic, {
    root: dist,
    prefix: '/pos/',
    decorateReply: false,
    index: ['index.html'],
    schemaHide: true,
    setHeaders(reply, path) {
      reply.header('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
