import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { MIN_CHROME } from './build-target.ts';

/**
 * The POS terminal, served by `saoma serve` under /pos from web/pos/dist.
 * Target: Chrome 64 (Android System WebView 64, early 2018): cheap Android POS devices without
 * Google Play cannot update their WebView. test/unit/pos-bundle.test.ts checks the built bundle
 * parses as ES2018 (what Chrome 64 runs) and stays within 80 KB gzipped.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/pos/',
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
