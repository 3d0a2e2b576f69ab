import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { webApp } from '../shared/vite-app.ts';
import { serviceWorker, zxingLocal } from './pwa/plugin.ts';

/**
 * The POS terminal, under /pos. Target: Chrome 64 (Android System WebView 64, early 2018): cheap
 * Android POS devices without Google Play cannot update their WebView. test/unit/pos.test.ts checks the
 * built bundle parses as ES2018 (what Chrome 64 runs) and stays within 80 KB gzipped;
 * test/unit/pos-camera.test.ts checks the camera's lazily loaded chunk, its wasm (served from here,
 * never a CDN) and sw.js.
 */
export default defineConfig(webApp(new URL('.', import.meta.url), 'pos', {
  extra: {
    plugins: [
      zxingLocal(),
      serviceWorker({ base: '/pos/', publicDir: fileURLToPath(new URL('./public/', import.meta.url)) }),
    ],
    // The camera's decoder runs in a classic worker: module workers need Chrome 80, the counter has 64.
    worker: { format: 'iife', plugins: () => [zxingLocal()] },
  },
}));
