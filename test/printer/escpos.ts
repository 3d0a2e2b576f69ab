import iconv from 'iconv-lite';
import jsQRModule from 'jsqr';

// jsqr is CommonJS whose types describe an ES default export: take whichever form the runtime gives.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as (d: Uint8ClampedArray, w: number, h: number) => { data: string } | null;

/**
 * The test printer: reads ESC/POS bytes back into what a POS58 would put on paper — text lines with
 * their styles, raster images (and the QR codes in them, read with a QR decoder), cuts and drawer
 * kicks — and notes anything a real printer would get wrong (a CJK byte outside `FS &`, an unknown
 * command). It understands the commands receiptline's generic set and our drawer kick emit.
 */
export interface Run { text: string; bold: boolean; underline: boolean; invert: boolean; width: number; height: number }
export interface Line { text: string; runs: Run[]; align: 'left' | 'center' | 'right'; /** 12-dot cells the line fills (a CJK or double-width character takes two). */ cells: number }
export interface Raster { width: number; height: number; /** One byte per dot, 1 = black. */ dots: Uint8Array }
export interface Decoded {
  lines: Line[];
  rasters: Raster[];
  /** Payloads of the QR codes found in the rasters. */
  qrCodes: string[];
  cuts: number;
  drawerKicks: Array<{ pin: number; onMs: number; offMs: number }>;
  startsWithInit: boolean;
  problems: string[];
}

type Enc = 'gbk' | 'gb18030' | 'big5';

/** Box-drawing characters of code table 1 (Katakana), which receiptline uses for rules. */
const BOX: Record<number, string> = {
  0x8f: '┼', 0x90: '┴', 0x91: '┬', 0x92: '┤', 0x93: '├', 0x95: '─', 0x96: '│', 0x98: '┌', 0x99: '┐', 0x9a: '└', 0x9b: '┘',
  0x9c: '┌', 0x9d: '┐', 0x9e: '└', 0x9f: '┘',
};

export function decodeEscPos(input: Uint8Array, opts: { encoding?: Enc } = {}): Decoded {
  const b = Buffer.from(input);
  const enc: Enc = opts.encoding ?? 'gb18030';
  const out: Decoded = { lines: [], rasters: [], qrCodes: [], cuts: 0, drawerKicks: [], startsWithInit: b[0] === 0x1b && b[1] === 0x40, problems: [] };
  const style = { bold: false, underline: false, invert: false, width: 1, height: 1, kanji: false, table: 0, align: 'left' as Line['align'] };
  let runs: Run[] = [];
  let pending: number[] = [];
  // Where the head is, in dots, and how many 12-dot cells the line's text already fills: positioning
  // commands move in half cells, so text is placed at the cell its dot position falls in.
  let col = 0;
  let cells = 0;
  const flushText = () => {
    if (!pending.length) return;
    const bytes = Buffer.from(pending);
    pending = [];
    const text = style.kanji ? iconv.decode(bytes, enc) : style.table === 1 ? [...bytes].map((x) => BOX[x] ?? String.fromCharCode(x)).join('') : iconv.decode(bytes, 'cp437');
    const gap = Math.floor(col / 12) - cells;
    if (gap > 0) { runs.push({ text: ' '.repeat(gap), bold: false, underline: false, invert: false, width: 1, height: 1 }); cells += gap; }
    let w = 0;
    for (const ch of text) w += (ch.codePointAt(0)! > 0x2e7f ? 2 : 1) * style.width;
    cells += w;
    col = Math.max(col, (cells) * 12);
    runs.push({ text, bold: style.bold, underline: style.underline, invert: style.invert, width: style.width, height: style.height });
  };
  const moveTo = (dots: number) => { flushText(); col = dots; };
  const newLine = () => {
    flushText();
    const text = runs.map((r) => r.text).join('').replace(/\s+$/, '');
    out.lines.push({ text, runs: runs.filter((r) => r.text.trim()), align: style.align, cells });
    runs = [];
    col = 0;
    cells = 0;
  };
  const need = (i: number, n: number) => { if (i + n > b.length) throw new Error(`truncated command at byte ${i}`); };

  let i = 0;
  try {
    while (i < b.length) {
      const c = b[i]!;
      if (c === 0x0a) { newLine(); i++; continue; }
      if (c === 0x0d) { i++; continue; }
      if (c === 0x1b) {
        need(i, 2);
        const k = String.fromCharCode(b[i + 1]!);
        i += 2;
        switch (k) {
          case '@': Object.assign(style, { bold: false, underline: false, invert: false, width: 1, height: 1, align: 'left' }); break;
          case 'E': style.bold = (b[i]! & 1) === 1; i++; break;
          case '-': style.underline = (b[i]! & 3) !== 0; i++; break;
          case 'a': style.align = (['left', 'center', 'right'] as const)[b[i]! % 48] ?? 'left'; i++; break;
          case '$': need(i, 2); moveTo(b[i]! + b[i + 1]! * 256); i += 2; break;
          case '\\': need(i, 2); moveTo(col + (b[i]! + b[i + 1]! * 256)); i += 2; break;
          case 'p': need(i, 3); out.drawerKicks.push({ pin: b[i]! % 48 === 0 ? 2 : 5, onMs: b[i + 1]! * 2, offMs: b[i + 2]! * 2 }); i += 3; break;
          case 'd': case 'J': flushText(); i++; break;
          case 't': flushText(); style.table = b[i]!; i++; break;
          case '!': case ' ': case 'M': case 'R': case '{': case 'G': case 'V': case 'r': case '3': case 'c': i++; break;
          case '2': break;
          default: out.problems.push(`unknown command ESC ${JSON.stringify(k)} at byte ${i - 2}`);
        }
        continue;
      }
      if (c === 0x1c) {
        need(i, 2);
        const k = String.fromCharCode(b[i + 1]!);
        i += 2;
        switch (k) {
          case '&': flushText(); style.kanji = true; break;
          case '.': flushText(); style.kanji = false; break;
          case '-': style.underline = (b[i]! & 3) !== 0; i++; break;
          case '!': case 'W': case 'C': i++; break;
          case 'S': i += 2; break;
          default: out.problems.push(`unknown command FS ${JSON.stringify(k)} at byte ${i - 2}`);
        }
        continue;
      }
      if (c === 0x1d) {
        need(i, 2);
        const k = String.fromCharCode(b[i + 1]!);
        i += 2;
        switch (k) {
          case '!': flushText(); style.width = (b[i]! >> 4) + 1; style.height = (b[i]! & 15) + 1; i++; break;
          case 'B': style.invert = (b[i]! & 1) === 1; i++; break;
          case 'a': case 'r': case 'h': case 'w': case 'H': case 'f': case 'I': i++; break;
          case 'L': case 'W': case 'P': i += 2; break;
          case 'V': { const m = b[i]!; i += m === 65 || m === 66 ? 2 : 1; out.cuts++; break; }
          case 'v': {
            need(i, 6);
            const wBytes = b[i + 2]! + b[i + 3]! * 256;
            const h = b[i + 4]! + b[i + 5]! * 256;
            i += 6;
            need(i, wBytes * h);
            const dots = new Uint8Array(wBytes * 8 * h);
            for (let y = 0; y < h; y++) for (let x = 0; x < wBytes * 8; x++) dots[y * wBytes * 8 + x] = (b[i + y * wBytes + (x >> 3)]! >> (7 - (x & 7))) & 1;
            out.rasters.push({ width: wBytes * 8, height: h, dots });
            i += wBytes * h;
            break;
          }
          case 'k': {
            const m = b[i]!;
            i++;
            if (m <= 6) { while (i < b.length && b[i] !== 0) i++; i++; } else { i += 1 + b[i]!; }
            break;
          }
          case '(': case '8': {
            // Function blocks (QR store/print, graphics): length-prefixed; skipped.
            const len = k === '(' ? b[i + 1]! + b[i + 2]! * 256 + 2 : b[i + 1]! + b[i + 2]! * 256 + b[i + 3]! * 65536 + b[i + 4]! * 16777216 + 4;
            i += 1 + len;
            break;
          }
          default: out.problems.push(`unknown command GS ${JSON.stringify(k)} at byte ${i - 2}`);
        }
        continue;
      }
      if (c === 0x10 && b[i + 1] === 0x04) { i += 3; continue; }
      if (c < 0x20) { i++; continue; }
      if (c >= 0x80) {
        if (!style.kanji && !(style.table === 1 && BOX[c])) out.problems.push(`byte 0x${c.toString(16)} at ${i} is outside FS & (a CJK printer would print it as the wrong character)`);
        const four = enc === 'gb18030' && b[i + 1]! >= 0x30 && b[i + 1]! <= 0x39;
        const n = style.kanji ? (four ? 4 : 2) : 1;
        for (let j = 0; j < n; j++) pending.push(b[i + j]!);
        i += n;
        continue;
      }
      pending.push(c);
      i++;
    }
  } catch (e) {
    out.problems.push((e as Error).message);
  }
  if (runs.length || pending.length) newLine();
  for (const r of out.rasters) {
    const qr = readQr(r);
    if (qr !== null) out.qrCodes.push(qr);
  }
  return out;
}

/** Decode a QR in a raster, with a white border added as a scanner would see the paper around it. */
export function readQr(r: Raster): string | null {
  const pad = 32;
  const w = r.width + pad * 2;
  const h = r.height + pad * 2;
  const rgba = new Uint8ClampedArray(w * h * 4).fill(255);
  for (let y = 0; y < r.height; y++) {
    for (let x = 0; x < r.width; x++) {
      if (r.dots[y * r.width + x]) {
        const o = ((y + pad) * w + x + pad) * 4;
        rgba[o] = rgba[o + 1] = rgba[o + 2] = 0;
      }
    }
  }
  return jsQR(rgba, w, h)?.data ?? null;
}

/** The decoded lines as plain text, one per line, trailing blanks dropped. */
export function textOf(d: Decoded): string {
  return d.lines.map((l) => l.text).join('\n').replace(/\n+$/, '');
}
