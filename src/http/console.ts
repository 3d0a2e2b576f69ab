import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { serveWebApp } from './web-app.ts';

/** Where `npm run build:console` (Vite) puts the merchant console. */
export const CONSOLE_DIST = fileURLToPath(new URL('../../web/console/dist/', import.meta.url));

/** The merchant console under /console. It holds no secret of its own: it signs each API call in the browser. */
export async function consoleRoutes(app: FastifyInstance, dist: string = CONSOLE_DIST): Promise<void> {
  await serveWebApp(app, { name: 'console', dist, title: { en: 'merchant console', 'zh-Hans': '商户后台前端', 'zh-Hant': '商戶後台前端' } });
}
