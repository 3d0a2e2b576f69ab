import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import type { Plugin } from 'vite';
import { ICONS, iconPng } from './icons.ts';

/**
 * The ZXing reader wasm that barcode-detector's glue was built with. barcode-detector pins its own
 * zxing-wasm, which npm nests under it when the top-level zxing-wasm is another version; resolving
 * from barcode-detector's folder finds that one either way. A wasm from another zxing-wasm release
 * crashes the glue ("memory access out of bounds"), so never take the top-level one by path.
 */
export function readerWasmPath(): string {
  const req = createRequire(import.meta.url);
  let dir = dirname(req.resolve('barcode-detector'));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== 'barcode-detector') {
    const up = dirname(dir);
    if (up === dir) throw new Error('barcode-detector: package folder not found');
    dir = up;
  }
  return createRequire(join(dir, 'package.json')).resolve('zxing-wasm/reader/zxing_reader.wasm');
}

const WASM_ID = 'saoma:zxing-reader-wasm-url';
/** barcode-detector's default wasm location, a CDN; we always pass our own, so the build must not carry it. */
const CDN_DEFAULT = /return (\w+) \? `https:\/\/fastly\.jsdelivr\.net\/npm\/zxing-wasm@[^`]*` : (\w+) \+ (\w+);/;

/** Serves the scanner's wasm from our origin and takes the CDN fallback out of the glue. */
export function zxingLocal(): Plugin {
  return {
    name: 'saoma:zxing-local',
    enforce: 'pre',
    resolveId(id) {
      if (id === WASM_ID) return `${readerWasmPath()}?url`;
      return null;
    },
    transform(code, id) {
      if (!/barcode-detector[\\/]dist[\\/]es[\\/]zxing-exported\.js/.test(id)) return null;
      if (!CDN_DEFAULT.test(code)) this.error('barcode-detector changed: the jsDelivr default in zxing-exported.js was not found; update pwa/plugin.ts');
      return { code: code.replace(CDN_DEFAULT, 'return $2 + $3;'), map: null };
    },
  };
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/**
 * Writes the app icons and sw.js: the hand-written worker (sw.template.js) with this build's file
 * list and a version that changes whenever any of those files does, so the browser installs the new
 * shell and drops the old one.
 */
export function serviceWorker(opts: { base: string; publicDir: string }): Plugin {
  return {
    name: 'saoma:service-worker',
    apply: 'build',
    // After Vite has added index.html and the worker's files to the bundle, so the list has them all.
    enforce: 'post',
    generateBundle(_options, bundle) {
      const hash = createHash('sha256');
      const files: string[] = [];
      for (const [fileName, size] of Object.entries(ICONS)) {
        const source = iconPng(size);
        this.emitFile({ type: 'asset', fileName, source });
        files.push(fileName);
        hash.update(fileName).update(source);
      }
      for (const name of Object.keys(bundle).sort()) {
        if (name.endsWith('.map') || name === 'sw.js' || name in ICONS) continue;
        const item = bundle[name]!;
        files.push(name);
        hash.update(name).update(item.type === 'chunk' ? item.code : typeof item.source === 'string' ? item.source : Buffer.from(item.source));
      }
      for (const p of filesUnder(opts.publicDir).sort()) {
        const name = relative(opts.publicDir, p).split(sep).join('/');
        files.push(name);
        hash.update(name).update(readFileSync(p));
      }
      const template = readFileSync(new URL('./sw.template.js', import.meta.url), 'utf8');
      const shell = [opts.base, ...files.filter((f) => f !== 'index.html').map((f) => opts.base + f)];
      const version = hash.update(template).digest('hex').slice(0, 16);
      if (!template.includes('__SAOMA_SW_VERSION__') || !template.includes('/*__SAOMA_SW_SHELL__*/[]')) this.error('sw.template.js lost its placeholders');
      const source = template.replace('__SAOMA_SW_VERSION__', version).replace('/*__SAOMA_SW_SHELL__*/[]', JSON.stringify(shell, null, 1));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}
