import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { serveWebApp } from './web-app.ts';

/** Where `npm run build:pos` (Vite) puts the POS terminal. */
export const POS_DIST = fileURLToPath(new URL('../../web/pos/dist/', import.meta.url));

/**
 * The POS terminal under /pos. Its service worker (sw.js, the offline shell, see web/pos/pwa) is never
 * cached by HTTP, so each new build's copy reaches the counter, and it may control all of /pos/.
 */
export async function posRoutes(app: FastifyInstance, dist: string = POS_DIST): Promise<void> {
  await serveWebApp(app, {
    name: 'pos', dist, title: { en: 'POS terminal', 'zh-Hans': '收银台前端', 'zh-Hant': '收銀台前端' },
    headers(reply, path) {
      if (!/[\\/]sw\.js$/.test(path)) return false;
      reply.header('cache-control', 'no-cache, max-age=0');
      reply.header('service-worker-allowed', '/pos/');
      return true;
    },
  });
}
