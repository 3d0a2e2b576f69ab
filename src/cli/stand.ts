import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { loadConfig } from '../config.ts';
import { isSaomaError } from '../core/errors.ts';
import { checkQrPrint, parseSize, type QrQuality } from '../printing/qr-quality.ts';
import { Runtime } from '../runtime.ts';
import { standSvg, standsPdf, type ArtOptions, type StandArt } from '../stand/artwork.ts';
import { StandService } from '../stand/service.ts';
import type { ReceiptIo } from './receipt.ts';

const processIo: ReceiptIo = {
  stdout: (data) => void process.stdout.write(data),
  stderr: (text) => void process.stderr.write(text),
  exit: (code) => { process.exitCode = code; },
  tty: Boolean(process.stderr.isTTY),
};

function size(v: string): number {
  try { return parseSize(v); } catch (e) { throw new InvalidArgumentError((e as Error).message); }
}
function distance(v: string): number {
  try { return parseSize(v) / 10; } catch { throw new InvalidArgumentError(`"${v}" is not a distance; write 50cm or 1m… as 100cm.`); }
}
function dpi(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 100 || n > 2400) throw new InvalidArgumentError('dpi is the printer\'s resolution, 100–2400 (203 for a thermal printer, 300 or 600 for a print shop).');
  return n;
}

function describe(q: QrQuality, code: string): string {
  const head = `${code}: QR version ${q.version} (${q.modules}×${q.modules}), level ${q.ecLevel}, module ${q.moduleMm} mm = ${q.dotsPerModule} dots, reads from up to ${q.maxDistanceCm} cm`;
  return [head, ...q.findings.map((f) => `  ${f.level}: ${f.message}`)].join('\n');
}

interface ExportOpts { merchant?: string; stand?: string[]; url?: string; code?: string; merchantName?: string; storeName?: string; wallets?: string; size: number; dpi: number; distance: number; logo?: boolean; format: 'pdf' | 'svg'; out?: string; databaseUrl?: string; dataDir?: string }

/**
 * `saoma stand export` (print-ready SVG or PDF of the merchant's stands, or of one URL) and
 * `saoma stand check` (will this code scan at this size and distance?). Both check the code first;
 * an error stops the export before a file is written.
 */
export function registerStand(program: Command, io: ReceiptIo = processIo): void {
  const stand = program.command('stand').description('Counter stands (聚合码): print-ready artwork and a print-quality check');
  const common = (c: Command) => c
    .option('-s, --size <size>', 'printed width of the code with its quiet zone: 10cm, 80mm, 4in', size, 100)
    .option('--dpi <dpi>', 'printer resolution (300 at a print shop, 203 on a thermal printer)', dpi, 300)
    .option('--distance <cm>', 'how far the phone will be: 40cm', distance, 40)
    .option('--logo', 'a logo will cover the centre (needs error correction H)');
  const guard = (fn: (...a: any[]) => Promise<void> | void) => async (...a: any[]) => {
    try { await fn(...a); } catch (e) {
      if (isSaomaError(e)) { io.stderr(`saoma: ${e.message}\n`); io.exit(2); return; }
      throw e;
    }
  };

  common(stand.command('check')
    .description('Check a payload printed at a size: version, module size in mm and dots, scanning distance; exit 1 on an error')
    .argument('<payload>', 'what the QR holds (the stand URL)'))
    .action((payload: string, opts: { size: number; dpi: number; distance: number; logo?: boolean }) => {
      const q = checkQrPrint({ payload, sizeMm: opts.size, dpi: opts.dpi, distanceCm: opts.distance, logo: opts.logo ?? false });
      io.stdout(`${describe(q, payload)}\n`);
      if (!q.ok) io.exit(1);
    });

  stand.command('verify')
    .description('Is this sticker ours? Checks the URL its QR holds against the registry and the code\'s signature; exit 1 if not')
    .argument('<url>', 'what the sticker\'s QR holds')
    .requiredOption('--merchant <id>', 'the merchant the sticker should pay')
    .option('--database-url <url>', 'sqlite:PATH or postgres://… (env SAOMA_DATABASE_URL)')
    .option('--data-dir <dir>', 'folder of the default SQLite file')
    .action(guard(async (url: string, opts: { merchant: string; databaseUrl?: string; dataDir?: string }) => {
      const config = loadConfig(process.env, { ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}), ...(opts.dataDir ? { dataDir: opts.dataDir } : {}) });
      const rt = new Runtime(config);
      try {
        await rt.store.migrate();
        const v = await new StandService(rt).verifySticker(opts.merchant, url);
        io.stdout(`${v.ours ? 'ours' : 'NOT OURS'}: ${v.reason}${v.stand ? ` (${v.stand.name}, ${v.stand.id})` : ''}\n`);
        if (!v.ours) io.exit(1);
      } finally {
        await rt.stop();
      }
    }));

  common(stand.command('export')
    .description('Stands as a print-ready PDF (one per page) or SVG: the merchant\'s stands from the database, or one --url')
    .option('--merchant <id>', 'export this merchant\'s enabled stands (all, or those given with --stand)')
    .option('--stand <ids...>', 'only these stands')
    .option('--url <url>', 'or: one stand URL, with --merchant-name, --store-name and --wallets')
    .option('--merchant-name <name>', 'with --url')
    .option('--store-name <name>', 'with --url', '')
    .option('--wallets <list>', 'with --url: alipay,wechat,unionpay,qq', '')
    .option('-f, --format <format>', 'pdf or svg (svg: one stand)', (v: string) => {
      if (v !== 'pdf' && v !== 'svg') throw new InvalidArgumentError('format is pdf or svg.');
      return v;
    }, 'pdf')
    .option('-o, --out <file>', 'write here (default: stdout)')
    .option('--database-url <url>', 'sqlite:PATH or postgres://… (env SAOMA_DATABASE_URL)')
    .option('--data-dir <dir>', 'folder of the default SQLite file'))
    .action(guard(async (opts: ExportOpts) => {
      const art: ArtOptions = { sizeMm: opts.size, dpi: opts.dpi, distanceCm: opts.distance, logo: opts.logo ?? false };
      let arts: StandArt[];
      if (opts.url) {
        if (!opts.merchantName) throw new InvalidArgumentError('--url needs --merchant-name (printed above the code).');
        const code = opts.url.replace(/\/+$/, '').split('/').pop() ?? '';
        arts = [{ url: opts.url, code, merchantName: opts.merchantName, storeName: opts.storeName ?? '', standName: '', wallets: (opts.wallets ?? '').split(',').map((w) => w.trim()).filter(Boolean) }];
      } else {
        if (!opts.merchant) { io.stderr('saoma: say which stands: --merchant ID (and optionally --stand IDs), or --url.\n'); io.exit(2); return; }
        const config = loadConfig(process.env, { ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}), ...(opts.dataDir ? { dataDir: opts.dataDir } : {}) });
        const rt = new Runtime(config);
        try {
          await rt.store.migrate();
          arts = await new StandService(rt).artwork(opts.merchant, opts.stand);
        } finally {
          await rt.stop();
        }
      }
      if (opts.format === 'svg') {
        if (arts.length > 1) { io.stderr(`saoma: SVG holds one stand and ${arts.length} were chosen; pick one with --stand, or export PDF.\n`); io.exit(2); return; }
        const { svg, quality } = standSvg(arts[0]!, art);
        io.stderr(`${describe(quality, arts[0]!.code)}\n`);
        if (opts.out) writeFileSync(opts.out, svg); else io.stdout(svg);
        return;
      }
      const bar = io.tty && arts.length > 1 ? new SingleBar({ format: 'stands [{bar}] {value}/{total}', hideCursor: true }) : null;
      bar?.start(arts.length, 0);
      const { pdf, qualities } = await standsPdf(arts, art, (done) => bar?.update(done));
      bar?.stop();
      qualities.forEach((q, i) => io.stderr(`${describe(q, arts[i]!.code)}\n`));
      if (opts.out) { writeFileSync(opts.out, pdf); io.stderr(`wrote ${arts.length} stand${arts.length === 1 ? '' : 's'} to ${opts.out}\n`); } else io.stdout(pdf);
    }));
}
