import type { UserConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { MIN_CHROME } from '../pos/build-target.ts';

/**
 * The Vite setup every Saoma web app shares: Preact's JSX, served by `saoma serve` under /<name>/ from
 * web/<name>/dist. `target` defaults to the POS's floor (Chrome / Android WebView 64), for screens that
 * run on the counter's cheap devices.
 */
export function webApp(dir: URL, name: string, opts: { target?: string[]; extra?: UserConfig } = {}): UserConfig {
  return {
    root: fileURLToPath(dir),
    base: `/${name}/`,
    logLevel: 'warn',
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
    ...opts.extra,
    build: {
      target: opts.target ?? [`chrome${MIN_CHROME}`],
      outDir: 'dist',
      emptyOutDir: true,
      modulePreload: { polyfill: false },
      reportCompressedSize: false,
      ...opts.extra?.build,
    },
  };
}
