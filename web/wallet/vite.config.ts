import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { MIN_CHROME } from '../pos/build-target.ts';

/**
 * The wallet simulator, served by `saoma serve` under /wallet from web/wallet/dist: a phone-sized
 * page for the sandbox. Same toolchain and browser target as the POS (web/pos/build-target.ts).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/wallet/',
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
