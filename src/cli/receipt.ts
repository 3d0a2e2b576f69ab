import { readFileSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { isSaomaError } from '../core/errors.ts';
import { sampleData } from '../receipts/defaults.ts';
import { parseReceiptData } from '../receipts/data-schema.ts';
import { RECEIPT_KINDS, RECEIPT_LANGS, type ReceiptData, type ReceiptKind, type ReceiptLang } from '../receipts/model.ts';
import { checkTemplate, renderReceipt } from '../receipts/receipt.ts';
import { FORMATS, PRINTER_ENCODINGS, type Format, type Paper, type PrinterEncoding } from '../receipts/render.ts';
import { parsePrinterUrl, sendJob } from '../printing/tcp.ts';

/** Where the commands write; tests pass their own to capture output without a child process. */
export interface ReceiptIo {
  readonly stdout: (data: string | Uint8Array) => void;
  readonly stderr: (text: string) => void;
  readonly exit: (code: number) => void;
  /** Whether stderr is a terminal (a progress bar is drawn only there). */
  readonly tty: boolean;
}

const processIo: ReceiptIo = {
  stdout: (data) => void process.stdout.write(data),
  stderr: (text) => void process.stderr.write(text),
  exit: (code) => { process.exitCode = code; },
  tty: Boolean(process.stderr.isTTY),
};

function oneOf<T extends string>(name: string, allowed: readonly T[]) {
  return (v: string): T => {
    if (!(allowed as readonly string[]).includes(v)) throw new InvalidArgumentError(`${name} must be one of ${allowed.join(', ')}.`);
    return v as T;
  };
}
function paper(v: string): Paper {
  const n = Number(v.replace(/mm$/, ''));
  if (n !== 58 && n !== 80) throw new InvalidArgumentError('paper is 58 (POS58, 32 columns) or 80 (48 columns).');
  return n;
}
function count(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 500) throw new InvalidArgumentError('copies must be a whole number from 1 to 500.');
  return n;
}

interface RenderOpts { kind: ReceiptKind; template?: string; data?: string[]; sample?: boolean; format: Format; paper: Paper; encoding: PrinterEncoding; lang: ReceiptLang; copy: 'customer' | 'merchant'; strict?: boolean; drawer?: boolean }

function readText(path: string, what: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read the ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
  }
}

class UserError extends Error {}

function dataSets(opts: RenderOpts): ReceiptData[] {
  if (opts.sample || !opts.data?.length) {
    if (!opts.sample) throw new UserError('give the slip\'s data with --data FILE.json (see `saoma receipt sample`), or --sample.');
    return [sampleData()];
  }
  return opts.data.map((f) => {
    let json: unknown;
    try { json = JSON.parse(readText(f, 'data file')); } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`${f} is not JSON: ${(e as Error).message}.`);
    }
    try { return parseReceiptData(json); } catch (e) {
      if (isSaomaError(e)) throw new UserError(`${f}: ${e.message}`);
      throw e;
    }
  });
}

function renderOptions(cmd: Command): Command {
  return cmd
    .option('-k, --kind <kind>', `which slip: ${RECEIPT_KINDS.join(', ')}`, oneOf('kind', RECEIPT_KINDS), 'sale' as ReceiptKind)
    .option('-t, --template <file>', 'a receiptline template with {{fields}} (default: ours for the kind)')
    .option('-d, --data <files...>', 'the slip\'s data as JSON (several files: one slip each)')
    .option('--sample', 'use the sample data (`saoma receipt sample` prints it)')
    .option('-p, --paper <mm>', '58 or 80', paper, 58 as Paper)
    .option('-e, --encoding <enc>', `the printer's character set: ${PRINTER_ENCODINGS.join(', ')}`, oneOf('encoding', PRINTER_ENCODINGS), 'gbk' as PrinterEncoding)
    .option('-l, --lang <lang>', `language of the labels: ${RECEIPT_LANGS.join(', ')}`, oneOf('lang', RECEIPT_LANGS), 'zh-Hans' as ReceiptLang)
    .option('-c, --copy <copy>', 'customer or merchant copy', oneOf('copy', ['customer', 'merchant'] as const), 'customer' as const)
    .option('--strict', 'refuse text the printer cannot print instead of printing "?"');
}

/**
 * `saoma receipt render|check|sample` and `saoma print`. A user's mistake (a bad template, data that
 * does not fit, an unreachable printer) is one line on stderr and exit 1 or 2, never a stack trace.
 */
export function registerReceipt(program: Command, io: ReceiptIo = processIo): void {
  const guard = (fn: (...a: any[]) => Promise<void> | void) => async (...a: any[]) => {
    try { await fn(...a); } catch (e) {
      if (e instanceof UserError) { io.stderr(`saoma: ${e.message}\n`); io.exit(2); return; }
      if (isSaomaError(e)) { io.stderr(`saoma: ${e.message}\n`); io.exit(e.code === 'printer_unreachable' ? 1 : 2); return; }
      throw e;
    }
  };
  const receipt = program.command('receipt').description('Receipts: render a slip from a template and data, check a template, print the sample data');

  renderOptions(receipt.command('render')
    .description('Render a slip as ESC/POS bytes, an SVG or PNG preview, or plain text')
    .option('-f, --format <format>', FORMATS.join(', '), oneOf('format', FORMATS), 'text' as Format)
    .option('-o, --out <file>', 'write here instead of stdout (escpos and png are binary)')
    .option('--drawer', 'open the cash drawer first (escpos)'))
    .action(guard(async (opts: RenderOpts & { out?: string }) => {
      const template = opts.template ? readText(opts.template, 'template') : null;
      const [data] = dataSets(opts);
      const r = await renderReceipt({ kind: opts.kind, data: data!, template, lang: opts.lang, copy: opts.copy, format: opts.format, paper: opts.paper, encoding: opts.encoding, drawer: opts.drawer ?? false, strict: opts.strict ?? false });
      for (const w of r.warnings) io.stderr(`saoma: warning: ${w.message}\n`);
      if (opts.out) writeFileSync(opts.out, r.bytes);
      else io.stdout(r.bytes);
    }));

  receipt.command('check')
    .description('Check a template: exit 0 when it is good, else the line and what is wrong')
    .argument('<template>', 'the template file')
    .action(guard((file: string) => {
      checkTemplate(readText(file, 'template'));
      io.stdout(`${file}: ok\n`);
    }));

  receipt.command('sample')
    .description('Print sample data (every field) as JSON, to edit into your own')
    .action(() => io.stdout(`${JSON.stringify(sampleData(), null, 2)}\n`));

  renderOptions(program.command('print')
    .description('Print slips on a network receipt printer (raw TCP 9100); several --data files or --copies make a batch')
    .requiredOption('--printer <url>', 'tcp://HOST:9100')
    .option('-n, --copies <n>', 'copies of each slip', count, 1)
    .option('--drawer', 'open the cash drawer with the first slip')
    .option('--retries <n>', 'attempts per slip while the printer is unreachable', count, 3))
    .action(guard(async (opts: RenderOpts & { printer: string; copies: number; retries: number }) => {
      const addr = parsePrinterUrl(opts.printer);
      const template = opts.template ? readText(opts.template, 'template') : null;
      const sets = dataSets(opts);
      // Render everything first: a slip that cannot be drawn stops the batch before any paper is used.
      const jobs: Uint8Array[] = [];
      for (const [i, data] of sets.entries()) {
        const r = await renderReceipt({ kind: opts.kind, data, template, lang: opts.lang, copy: opts.copy, format: 'escpos', paper: opts.paper, encoding: opts.encoding, drawer: (opts.drawer ?? false) && i === 0, strict: opts.strict ?? false });
        for (const w of r.warnings) io.stderr(`saoma: warning: ${w.message}\n`);
        for (let c = 0; c < opts.copies; c++) jobs.push(c === 0 ? r.bytes : withoutDrawerKick(r.bytes));
      }
      const bar = io.tty && jobs.length > 1 ? new SingleBar({ format: 'printing [{bar}] {value}/{total} slips', hideCursor: true }) : null;
      bar?.start(jobs.length, 0);
      let printed = 0;
      try {
        for (const job of jobs) {
          for (let attempt = 1; ; attempt++) {
            try { await sendJob(addr, job); break; } catch (e) {
              if (attempt >= opts.retries) throw e;
              await new Promise((r) => setTimeout(r, 500 * 2 ** (attempt - 1)));
            }
          }
          printed++;
          if (bar) bar.update(printed);
          else if (jobs.length > 1) io.stderr(`printed ${printed}/${jobs.length}\n`);
        }
      } catch (e) {
        bar?.stop();
        if (isSaomaError(e)) throw Object.assign(e, { message: `${e.message} Printed ${printed} of ${jobs.length}; ${jobs.length - printed} not printed.` });
        throw e;
      }
      bar?.stop();
      io.stdout(`printed ${printed} slip${printed === 1 ? '' : 's'} on ${addr.host}:${addr.port}\n`);
    }));
}

/** A copy must not open the drawer again. */
function withoutDrawerKick(bytes: Uint8Array): Uint8Array {
  const b = Buffer.from(bytes);
  return b[2] === 0x1b && b[3] === 0x70 ? Buffer.concat([b.subarray(0, 2), b.subarray(7)]) : b;
}
