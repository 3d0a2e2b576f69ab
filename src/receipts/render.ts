import iconv from 'iconv-lite';
import receiptline from 'receiptline';
import { SaomaError } from '../core/errors.ts';

/**
 * A receiptline document to what a printer or a screen takes. ESC/POS uses receiptline's generic
 * command set: QR codes and images go as `GS v 0` raster, which nearly every POS58 clone prints, and
 * text goes in the printer's own CJK font between `FS &` and `FS .`.
 */
export type Paper = 58 | 80;
export const PAPER_COLUMNS: Record<Paper, number> = { 58: 32, 80: 48 };
export const PAPER_DOTS: Record<Paper, number> = { 58: 384, 80: 576 };

/**
 * The printer's character set: `gbk` (mainland printers; Traditional characters print too), `gb18030`
 * (the rare firmware that takes four-byte codes), `big5` (Taiwan and Hong Kong models), `ascii`.
 */
export type PrinterEncoding = 'gbk' | 'gb18030' | 'big5' | 'ascii';
export const PRINTER_ENCODINGS: readonly PrinterEncoding[] = ['gbk', 'gb18030', 'big5', 'ascii'];
const RECEIPTLINE_ENCODING = { gbk: 'cp936', gb18030: 'gb18030', big5: 'big5', ascii: 'cp437' } as const;
const ICONV_ENCODING = { gbk: 'gbk', gb18030: 'gb18030', big5: 'big5', ascii: 'ascii' } as const;

export type Format = 'escpos' | 'svg' | 'text' | 'png';
export const FORMATS: readonly Format[] = ['escpos', 'svg', 'text', 'png'];

export interface RenderOptions {
  paper: Paper;
  encoding: PrinterEncoding;
  /** Open the cash drawer (ESC p, pin 2) before printing: after a cash tender. */
  drawer?: boolean;
  /** Refuse text the printer cannot carry instead of printing "?" for it. */
  strict?: boolean;
}

export interface Warning { code: 'unprintable_character'; char: string; line: number; message: string }

/** Safe stand-ins for characters common on receipts that CJK printer fonts lack. */
const SUBSTITUTES: Record<string, string> = { '¥': '￥', '•': '·', '–': '-', '—': '-', '‘': "'", '’': "'", '“': '"', '”': '"', '…': '...' };

const printable = new Map<string, boolean>();
function canPrint(ch: string, enc: PrinterEncoding): boolean {
  const key = `${enc}${ch}`;
  let ok = printable.get(key);
  if (ok === undefined) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20) ok = true;
    else if (enc === 'ascii') ok = cp < 0x7f;
    else if (enc === 'gb18030') ok = cp <= 0xffff && !(cp >= 0xd800 && cp <= 0xdfff);
    else ok = iconv.decode(iconv.encode(ch, ICONV_ENCODING[enc]), ICONV_ENCODING[enc]) === ch;
    printable.set(key, ok);
  }
  return ok;
}

/**
 * Replace what the printer cannot print, line by line, and say what was replaced. Image and code
 * properties (`{image:…}`, `{code:…}`) are printed as raster, so they are left alone.
 */
export function fitToPrinter(doc: string, enc: PrinterEncoding, strict = false): { doc: string; warnings: Warning[] } {
  const warnings: Warning[] = [];
  const lines = doc.split('\n').map((line, i) => {
    if (/^\s*\{\s*(code|c|image|i)\s*:/.test(line)) return line;
    let out = '';
    for (const raw of line) {
      const ch = SUBSTITUTES[raw] ?? raw;
      if (canPrint(ch, enc)) { out += ch; continue; }
      const hex = `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
      warnings.push({ code: 'unprintable_character', char: ch, line: i + 1, message: `Line ${i + 1}: "${ch}" (${hex}) cannot be printed in ${enc}; printed as "?".` });
      out += '?';
    }
    return out;
  });
  if (strict && warnings.length) {
    const chars = [...new Set(warnings.map((w) => w.char))].join(' ');
    throw new SaomaError('unprintable_text', `The printer's ${enc} encoding cannot carry: ${chars} (line ${warnings[0]!.line}). Change the text, or pick the printer's encoding.`, { chars, line: warnings[0]!.line });
  }
  return { doc: lines.join('\n'), warnings };
}

function transform(doc: string, opts: RenderOptions, command: 'generic' | 'svg' | 'text'): string {
  try {
    return receiptline.transform(doc, {
      cpl: PAPER_COLUMNS[opts.paper], encoding: RECEIPTLINE_ENCODING[opts.encoding], command, gradient: false, cutting: true, spacing: false,
    });
  } catch (e) {
    // receiptline throws only on what it cannot draw: an {image:…} that is not a PNG.
    throw new SaomaError('invalid_template', `The slip could not be drawn: ${(e as Error).message}. Check that every {image:…} holds a base64 PNG.`);
  }
}

/** ESC p 0 25 250: a 50 ms pulse on drawer pin 2, then 500 ms off. */
export const DRAWER_KICK = Buffer.from([0x1b, 0x70, 0x00, 0x19, 0xfa]);

export interface Rendered { format: Format; bytes: Buffer; warnings: Warning[] }

export async function renderDocument(doc: string, format: Format, opts: RenderOptions): Promise<Rendered> {
  const fitted = fitToPrinter(doc, opts.encoding, opts.strict ?? false);
  let bytes: Buffer;
  if (format === 'escpos') {
    const job = Buffer.from(transform(fitted.doc, opts, 'generic'), 'latin1');
    bytes = opts.drawer ? Buffer.concat([job.subarray(0, 2), DRAWER_KICK, job.subarray(2)]) : job;
  } else if (format === 'text') {
    bytes = Buffer.from(transform(fitted.doc, opts, 'text'), 'utf8');
  } else {
    // receiptline's SVG may @import a web font; a preview must not reach out to the internet.
    const svg = transform(fitted.doc, opts, 'svg').replace(/<style[^>]*>[\s\S]*?<\/style>/g, '');
    bytes = format === 'svg' ? Buffer.from(svg, 'utf8') : await svgToPng(svg);
  }
  return { format, bytes, warnings: fitted.warnings };
}

async function svgToPng(svg: string): Promise<Buffer> {
  // Loaded on demand: a native module the POS server does not need for printing.
  const { Resvg } = await import('@resvg/resvg-js');
  return Buffer.from(new Resvg(svg, { background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'Noto Sans Mono CJK SC' } }).render().asPng());
}
