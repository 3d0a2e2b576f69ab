/**
 * A receipt as the lines a 58 mm printer prints: 32 columns in Font A, where a CJK character (and the
 * full-width ￥) takes two. The on-screen slip shows exactly these lines, so the preview is the print.
 * `String.length` is never a width here: a line of Chinese measured that way wraps on paper.
 */

export const COLUMNS = 32;

/** Display columns of one code point: 2 for East Asian Wide/Fullwidth, 0 for combining marks, else 1. */
function charCols(cp: number): number {
  if (cp < 0x300) return 1;
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || cp === 0xfe0f) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) return 2;
  return 1;
}

/** How many printer columns a text takes. */
export function cols(text: string): number {
  let n = 0;
  for (const ch of text) n += charCols(ch.codePointAt(0)!);
  return n;
}

/**
 * Money as printed: the full-width ￥ (GBK A3A4) because the half-width ¥ is a four-byte GB18030
 * sequence that GBK-only printers print as "0 6".
 */
export function printMoney(minor: number, currency = 'CNY'): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const yuan = Math.floor(abs / 100);
  const fen = abs % 100;
  const digits = `${yuan}.${fen < 10 ? '0' : ''}${fen}`;
  return currency === 'CNY' ? `${sign}￥${digits}` : `${sign}${currency} ${digits}`;
}

/** Text broken into lines of at most `width` columns: at spaces where a word fits, else mid-word (CJK has no spaces). */
export function wrap(text: string, width = COLUMNS): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    let lineCols = 0;
    let lastSpace = -1;
    for (const ch of para) {
      const w = charCols(ch.codePointAt(0)!);
      if (lineCols + w > width) {
        if (ch === ' ') { out.push(line); line = ''; lineCols = 0; lastSpace = -1; continue; }
        if (lastSpace > 0) {
          out.push(line.slice(0, lastSpace));
          line = line.slice(lastSpace + 1);
          lineCols = cols(line);
        } else {
          out.push(line);
          line = '';
          lineCols = 0;
        }
        lastSpace = -1;
      }
      if (ch === ' ') lastSpace = line.length;
      line += ch;
      lineCols += w;
    }
    out.push(line.replace(/ +$/, ''));
  }
  return out;
}

/** Spaces to fill `n` columns. */
function spaces(n: number): string {
  return n > 0 ? new Array(n + 1).join(' ') : '';
}

/** A label on the left and a figure on the right; a long label wraps and the figure ends its last line. */
export function leftRight(left: string, right: string, width = COLUMNS): string[] {
  const rc = cols(right);
  const lines = wrap(left, width);
  const last = lines[lines.length - 1]!;
  if (cols(last) + 1 + rc <= width) {
    lines[lines.length - 1] = last + spaces(width - cols(last) - rc) + right;
    return lines;
  }
  lines.push(spaces(width - rc) + right);
  return lines;
}

/** Centred text, wrapped if longer than a line. */
export function center(text: string, width = COLUMNS): string[] {
  return wrap(text, width).map((l) => spaces(Math.floor((width - cols(l)) / 2)) + l);
}

/** Text indented by `by` columns, wrapped within the rest of the line. */
export function indent(text: string, by = 2, width = COLUMNS): string[] {
  return wrap(text, width - by).map((l) => spaces(by) + l);
}

/** A label and a long value (a number to quote): on one line when both fit, else the value flush right below. */
export function labelled(label: string, value: string, width = COLUMNS): string[] {
  if (cols(label) + 1 + cols(value) <= width) return leftRight(label, value, width);
  return wrap(label, width).concat(cols(value) <= width ? [spaces(width - cols(value)) + value] : wrap(value, width));
}

export function rule(ch = '-', width = COLUMNS): string {
  return new Array(width + 1).join(ch);
}

export interface ReceiptItem { name: string; quantity: number; unitPrice: number }
export interface ReceiptTender {
  /** The wallet as the customer knows it ("WeChat Pay", "现金"). */
  wallet: string;
  amount: number;
  /** The wallet's own transaction number, for the customer's disputes and the merchant's reconciliation. */
  tradeNo: string | null;
  /** Cash only: handed over and given back. */
  tendered?: number | null;
  change?: number | null;
}
export interface ReceiptRefund {
  wallet: string;
  amount: number;
  /** Set, in words, while the refund is not through yet; such a refund does not lower the net. */
  pending?: string | null;
}
export interface ReceiptData {
  merchant?: string | null;
  store?: string | null;
  terminal?: string | null;
  /** Already formatted in the merchant's time zone. */
  time: string;
  saleNo: string;
  currency: string;
  amount: number;
  items: readonly ReceiptItem[] | null;
  tenders: readonly ReceiptTender[];
  change: number;
  refunds: readonly ReceiptRefund[];
}
/** The printed words, in the cashier's language (the customer's copy). */
export interface ReceiptLabels {
  title: string; store: string; terminal: string; time: string; saleNo: string;
  total: string; tradeNo: string; tendered: string; change: string; refund: string; net: string; thanks: string;
}

/** The whole slip as lines of at most COLUMNS columns. */
export function receiptLines(r: ReceiptData, L: ReceiptLabels, width = COLUMNS): string[] {
  const m = (minor: number) => printMoney(minor, r.currency);
  const out: string[] = [];
  if (r.merchant) out.push(...center(r.merchant, width));
  out.push(...center(L.title, width));
  out.push(rule('-', width));
  if (r.store) out.push(...leftRight(L.store, r.store, width));
  if (r.terminal) out.push(...leftRight(L.terminal, r.terminal, width));
  out.push(...leftRight(L.time, r.time, width));
  out.push(...labelled(L.saleNo, r.saleNo, width));
  out.push(rule('-', width));
  if (r.items && r.items.length) {
    for (const it of r.items) {
      out.push(...wrap(it.name, width));
      // An ASCII x: the × sign is double-byte in GBK, so a Chinese printer prints it two columns wide.
      out.push(...leftRight(`  ${it.quantity} x ${m(it.unitPrice)}`, m(it.quantity * it.unitPrice), width));
    }
    out.push(rule('-', width));
  }
  out.push(...leftRight(L.total, m(r.amount), width));
  for (const t of r.tenders) {
    out.push(...leftRight(t.wallet, m(t.amount), width));
    if (t.tendered != null && t.tendered !== t.amount) out.push(...leftRight(`  ${L.tendered}`, m(t.tendered), width));
    if (t.tradeNo) out.push(...labelled(`  ${L.tradeNo}`, t.tradeNo, width));
  }
  if (r.change > 0) out.push(...leftRight(L.change, m(r.change), width));
  if (r.refunds.length) {
    out.push(rule('-', width));
    let refunded = 0;
    for (const f of r.refunds) {
      out.push(...leftRight(`${L.refund} ${f.wallet}${f.pending ? ` (${f.pending})` : ''}`, m(-f.amount), width));
      if (!f.pending) refunded += f.amount;
    }
    out.push(...leftRight(L.net, m(r.amount - refunded), width));
  }
  out.push(rule('-', width));
  out.push(...center(L.thanks, width));
  return out;
}
