import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { serveWebApp } from './web-app.ts';

/** Where `npm run build:display` (part of `build:web`) puts the customer display. */
export const DISPLAY_DIST = fileURLToPath(new URL('../../web/display/dist/', import.meta.url));

/**
 * The customer display under /display. The pairing token rides in the URL fragment, which the browser
 * never sends, and no-referrer keeps the page's address to itself.
 */
export async function displayPageRoutes(app: FastifyInstance, dist: string = DISPLAY_DIST): Promise<void> {
  await serveWebApp(app, {
    name: 'display', dist, title: { en: 'customer display', 'zh-Hans': '顾客显示屏', 'zh-Hant': '顧客顯示屏' },
    headers(reply) {
      reply.header('referrer-policy', 'no-referrer');
      return false;
    },
  });
}
