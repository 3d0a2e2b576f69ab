import { deflateSync, inflateSync } from 'node:zlib';
import { unzipSync, zipSync, strToU8, strFromU8 } from 'fflate';
import type { StatementLine } from '../channel.ts';
import type { BillReader } from '../bill-reader.ts';
import { parseBeijingTime } from '../china-time.ts';

/**
 * The day's bill from ACP file transfer (txnType 76): `fileContent` is base64 of a zlib-deflated ZIP, as
 * UnionPay packs it. The file inside is a simpler, documented stand-in for UnionPay's fixed-width
 * `INN…ZM_<merId>` settlement file (see NOTES.md): one `|`-separated line per transaction, a header, and a
 * trailer with the line count and net amount, so a file cut short is detected rather than believed.
 *
 *   H|<merId>|<settleDate MMDD>
 *   D|<txnType>|<orderId>|<queryId>|<origQryId or ->|<txnTime>|<txnAmt fen>|<fee fen>|<currencyCode>|<reqReserved or ->
 *   T|<count of D lines>|<sum of consume minus sum of refund/cancel, fen>
 */
export interface BillLine {
  txnType: string;
  orderId: string;
  queryId: string;
  origQryId: string | null;
  txnTime: string;
  amount: number;
  fee: number;
  currencyCode: string;
  reqReserved: string | null;
}

export function billFileName(merId: string, settleDate: string): string {
  return `INN${settleDate}88ZM_${merId}`;
}

/** One `D|…` line. */
export function billLineText(l: BillLine): string {
  return ['D', l.txnType, l.orderId, l.queryId, l.origQryId ?? '-', l.txnTime, l.amount, l.fee, l.currencyCode, l.reqReserved ?? '-'].join('|');
}

export function billText(merId: string, settleDate: string, lines: BillLine[]): string {
  const net = lines.reduce((s, l) => s + (l.txnType === '01' ? l.amount : -l.amount), 0);
  return [`H|${merId}|${settleDate}`, ...lines.map(billLineText), `T|${lines.length}|${net}`].join('\n') + '\n';
}

export function packBill(name: string, text: string): string {
  return deflateSync(zipSync({ [name]: strToU8(text) })).toString('base64');
}

export class BillFormatError extends Error {}

/** Unpacks and reads a bill; a file without its trailer, or whose trailer disagrees, is refused. */
export function readBill(fileContent: string): { merId: string; settleDate: string; lines: BillLine[] } {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(new Uint8Array(inflateSync(Buffer.from(fileContent, 'base64'))));
  } catch (e) {
    throw new BillFormatError(`bill fileContent is not base64 of a deflated zip: ${(e as Error).message}`);
  }
  const names = Object.keys(files);
  if (names.length !== 1) throw new BillFormatError(`bill zip holds ${names.length} files, expected one`);
  const rows = strFromU8(files[names[0]!]!).split('\n').filter((r) => r !== '');
  const head = rows[0]?.split('|');
  if (!head || head[0] !== 'H' || head.length !== 3) throw new BillFormatError('bill has no header line');
  const trailer = rows.at(-1)?.split('|');
  if (!trailer || trailer[0] !== 'T' || trailer.length !== 3) throw new BillFormatError('bill is truncated: no trailer line');
  const lines: BillLine[] = rows.slice(1, -1).map((r, i) => dLine(r, i + 2));
  const net = lines.reduce((s, l) => s + (l.txnType === '01' ? l.amount : -l.amount), 0);
  if (Number(trailer[1]) !== lines.length || Number(trailer[2]) !== net) {
    throw new BillFormatError(`bill trailer says ${trailer[1]} lines / ${trailer[2]} fen, the file holds ${lines.length} / ${net}: truncated or altered`);
  }
  return { merId: head[1]!, settleDate: head[2]!, lines };
}

function dLine(r: string, n: number): BillLine {
  const f = r.split('|');
  if (f.length !== 10 || f[0] !== 'D' || !/^\d{1,13}$/.test(f[6]!) || !/^-?\d{1,13}$/.test(f[7]!)) throw new BillFormatError(`bill line ${n} is malformed`);
  return {
    txnType: f[1]!, orderId: f[2]!, queryId: f[3]!, origQryId: f[4] === '-' ? null : f[4]!, txnTime: f[5]!,
    amount: Number(f[6]), fee: Number(f[7]), currencyCode: f[8]!, reqReserved: f[9] === '-' ? null : f[9]!,
  };
}

/**
 * A bill line in our terms. reqReserved echoes our numbers: `<outTradeNo>` on payments and cancels,
 * `<outTradeNo>/<outRefundNo>` on refunds (a hashed orderId reads back as our trade number this way).
 */
export function toStatementLine(l: BillLine): StatementLine {
  const r = l.reqReserved ?? '';
  const slash = r.indexOf('/');
  const outTradeNo = r === '' ? l.orderId : slash < 0 ? r : r.slice(0, slash);
  const at = parseBeijingTime(l.txnTime);
  const line: StatementLine = {
    kind: l.txnType === '01' ? 'payment' : 'refund',
    outTradeNo,
    channelTradeNo: l.txnType === '01' ? l.queryId : (l.origQryId ?? ''),
    amount: l.amount,
    fee: l.fee,
    currency: l.currencyCode === '156' ? 'CNY' : l.currencyCode,
    at: at === null ? l.txnTime : `${new Date(at + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`,
  };
  // Refunds name their refund number in reqReserved; a cancel (31) has none but its own orderId.
  if (l.txnType !== '01') line.outRefundNo = slash >= 0 ? r.slice(slash + 1) : l.orderId;
  return line;
}

/** The unpacked bill file one line at a time: header, `D` lines, and the trailer that must agree. */
export class UnionpayBillReader implements BillReader {
  private n = 0;
  private head = false;
  private trailer: string[] | null = null;
  private count = 0;
  private net = 0;

  line(raw: string): StatementLine | null {
    if (raw === '') return null;
    this.n++;
    if (!this.head) {
      const h = raw.split('|');
      if (h[0] !== 'H' || h.length !== 3) throw new BillFormatError('bill has no header line');
      this.head = true;
      return null;
    }
    if (this.trailer) throw new BillFormatError('bill has lines after its trailer');
    if (raw.startsWith('T|')) {
      this.trailer = raw.split('|');
      return null;
    }
    const l = dLine(raw, this.n);
    this.count++;
    this.net += l.txnType === '01' ? l.amount : -l.amount;
    return toStatementLine(l);
  }

  end(): void {
    if (!this.head) throw new BillFormatError('bill has no header line');
    const t = this.trailer;
    if (!t || t.length !== 3) throw new BillFormatError('bill is truncated: no trailer line');
    if (Number(t[1]) !== this.count || Number(t[2]) !== this.net) {
      throw new BillFormatError(`bill trailer says ${t[1]} lines / ${t[2]} fen, the file holds ${this.count} / ${this.net}: truncated or altered`);
    }
  }
}
