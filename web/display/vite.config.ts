import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { MIN_CHROME } from '../pos/build-target.ts';

/**
 * The customer display, served by `saoma serve` under /display from web/display/dist: the second
 * screen facing the customer (a dual-screen Android POS, a tablet, a phone). Same toolchain and
 * browser target as the POS (web/pos/build-target.ts), whose QR drawing and sounds it reuses.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/display/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    target: [`chrome${MIN_CHROME}`],
    outDir: 'dist',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
