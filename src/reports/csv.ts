import iconv from 'iconv-lite';

/**
 * CSV for Excel on a Chinese Windows machine. Excel opens a double-clicked `.csv` in the system's ANSI
 * code page (GBK on zh-CN Windows) unless the file starts with a UTF-8 byte-order mark; with the BOM it
 * reads UTF-8, which also keeps Traditional characters, ￥ and names GBK lacks. So: UTF-8 with BOM by
 * default; `gb18030` for older Excel and WPS that ignore the BOM (GB18030 is a superset of GBK). CRLF
 * line ends, every field that needs it quoted (RFC 4180), and text that Excel would read as a formula
 * (= + - @ first) is prefixed with a tab so it stays text.
 */
export type CsvEncoding = 'utf8' | 'gb18030';

export const CSV_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `\t${s}`;
  return /[",\r\n\t]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvText(rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export function csvBytes(rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>, encoding: CsvEncoding = 'utf8'): Buffer {
  const text = csvText(rows);
  return encoding === 'gb18030' ? iconv.encode(text, 'gb18030') : Buffer.concat([CSV_BOM, Buffer.from(text, 'utf8')]);
}

/** Minor units as a decimal string (fen → "12.34"), never through a float. */
export function decimal(minor: number, digits = 2): string {
  const neg = minor < 0;
  const a = String(Math.abs(minor)).padStart(digits + 1, '0');
  return `${neg ? '-' : ''}${a.slice(0, -digits)}.${a.slice(-digits)}`;
}

export function csvContentType(encoding: CsvEncoding): string {
  return `text/csv; charset=${encoding === 'gb18030' ? 'gb18030' : 'utf-8'}`;
}
