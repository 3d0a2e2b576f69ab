import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

/**
 * The merchant console, served by `saoma serve` under /console from web/console/dist. Same toolchain
 * as the POS, but for an office browser: no Chrome 64 floor, just evergreen browsers.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    target: ['chrome100', 'firefox100', 'safari15'],
    outDir: 'dist',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
