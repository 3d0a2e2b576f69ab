import { existsSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';

/** One of our browser apps (POS, wallet simulator, customer display, console), built by Vite into `dist`. */
export interface WebApp {
  /** Its URL prefix, without slashes: `pos` serves /pos/. */
  name: string;
  dist: string;
  /** What it is, for the "not built yet" page. */
  title: { en: string; 'zh-Hans': string; 'zh-Hant': string };
  /** Headers of its own for a served file; return true to replace the default caching. */
  headers?: (reply: FastifyReply, path: string) => boolean;
}

function notBuilt(t: WebApp['title']): string {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>Saoma ${t.en} not built</title>
<body style="font:16px system-ui,sans-serif;max-width:40em;margin:3em auto">
<h1>The ${t.en} is not built yet</h1>
<p>Run <code>npm run build:web</code> in the Saoma folder, then reload this page. (<code>npm start</code> builds it for you.)</p>
<p lang="zh-Hans">${t['zh-Hans']}尚未构建：请在 Saoma 目录运行 <code>npm run build:web</code>，然后刷新本页。</p>
<p lang="zh-Hant">${t['zh-Hant']}尚未建置：請在 Saoma 目錄執行 <code>npm run build:web</code>，然後重新整理本頁。</p>
</body></html>`;
}

/**
 * Serve a built app under /<name>/: the files when `dist` holds a build, otherwise a page saying how
 * to build it (never a crash). Hashed assets are cached for good; index.html never is, so a new build
 * reaches the browser on the next reload. /<name> redirects to /<name>/, keeping its query.
 */
export async function serveWebApp(app: FastifyInstance, w: WebApp): Promise<void> {
  app.get(`/${w.name}`, { schema: { hide: true } }, async (req, reply) => {
    const q = req.url.indexOf('?');
    return reply.redirect(`/${w.name}/${q >= 0 ? req.url.slice(q) : ''}`, 302);
  });
  if (!existsSync(`${w.dist}index.html`) && !existsSync(`${w.dist}/index.html`)) {
    const page = notBuilt(w.title);
    app.get(`/${w.name}/*`, { schema: { hide: true } }, async (_req, reply) => reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page));
    return;
  }
  await app.register(fastifyStatic, {
    root: w.dist,
    prefix: `/${w.name}/`,
    decorateReply: false,
    index: ['index.html'],
    schemaHide: true,
    setHeaders(reply, path) {
      if (w.headers?.(reply as unknown as FastifyReply, path)) return;
      reply.header('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
