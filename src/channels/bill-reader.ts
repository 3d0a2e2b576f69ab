import type { StatementLine } from './channel.ts';

/**
 * A wallet's bill file read one text line at a time, so a bill of a million lines is never held whole:
 * `line` turns a data line into a statement line (null for frame, header and total lines), `end` checks
 * what the file said about itself (its totals, its end marker) and throws when the file is cut short or
 * does not add up. Each wallet's reader lives beside its writer (`src/channels/<wallet>/bill*.ts`).
 */
export interface BillReader {
  line(text: string): StatementLine | null;
  end(): void;
}

/** A whole bill text through a reader (the adapters' `statement()`, small bills, tests). */
export function readBillText(reader: BillReader, text: string): StatementLine[] {
  const out: StatementLine[] = [];
  for (const l of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const s = reader.line(l);
    if (s) out.push(s);
  }
  reader.end();
  return out;
}

/** "-12.34" / "12.34" / "0.57000" → signed minor units; places beyond the second round half away from zero. Null if not one. */
export function yuanText(text: string, places = 2): number | null {
  const m = /^(-?)(\d{1,13})\.(\d{2})(\d*)$/.exec(text);
  if (!m || m[4]!.length > Math.max(0, places - 2)) return null;
  const rest = m[4]!;
  let fen = Number(m[2]) * 100 + Number(m[3]);
  if (rest !== '' && Number(rest[0]) >= 5) fen += 1;
  return m[1] === '-' ? -fen : fen;
}

/** Signed minor units as yuan text with two decimals. */
export function fenText(fen: number): string {
  const a = Math.abs(fen);
  return `${fen < 0 ? '-' : ''}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** Finds columns by their header name (the wallets' layouts changed over the years; positions did too). */
export function columns<K extends string>(header: string[], want: Record<K, readonly string[]>, fail: (name: string) => Error): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const [k, names] of Object.entries(want) as Array<[K, readonly string[]]>) {
    const i = names.map((n) => header.indexOf(n)).find((x) => x >= 0);
    if (i === undefined) throw fail(names[0]!);
    out[k] = i;
  }
  return out;
}
