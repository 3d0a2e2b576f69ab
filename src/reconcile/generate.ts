import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Zip, ZipDeflate } from 'fflate';
import iconv from 'iconv-lite';
import { detailHead, detailRow, detailTail } from '../channels/alipay/bill-writer.ts';
import { BILL_COLUMNS as WX_COLUMNS, billLine, billSummary } from '../channels/wechat/bill.ts';
import { BILL_COLUMNS as QQ_COLUMNS, billRow as qqRow, billSummary as qqSummary } from '../channels/qq/statement.ts';
import { billLineText } from '../channels/unionpay/bill.ts';
import { beijingText, beijingTime } from '../channels/china-time.ts';
import { feeAt } from './judge.ts';
import { walletDay } from './settings.ts';

/**
 * Realistic bills of any size in each wallet's own layout, written as a stream, and the trades they
 * list (the same deterministic sequence), so a benchmark or a test can put the same trades in our books.
 * Every 50th line is a partial refund of the trade before it.
 */
export interface GeneratedTrade {
  kind: 'payment' | 'refund';
  tradeNo: string;
  refundNo: string | null;
  channelTradeNo: string;
  amount: number;
  fee: number;
  at: string;
}

export const GENERATED_CHANNELS = ['alipay', 'wechat', 'unionpay', 'qq'] as const;

/** The trades of a generated bill, in order; amounts from a seeded generator (1.00–300.00 yuan, shaped like a shop's tickets). */
export function* generatedTrades(channel: string, date: string, rows: number, seed = 1): Generator<GeneratedTrade> {
  let x = (seed * 2654435761) >>> 0 || 1;
  const rand = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 4294967296; };
  const from = Date.parse(walletDay(channel, date).from);
  const span = 86_400_000 - 60_000;
  const bps = channel === 'unionpay' ? 38 : 60;
  const d = date.replace(/-/g, '');
  let last: GeneratedTrade | null = null;
  for (let i = 0; i < rows; i++) {
    const at = new Date(from + 30_000 + Math.floor((i / Math.max(rows, 1)) * span)).toISOString();
    if (last && i % 50 === 49) {
      const amount = Math.max(1, Math.floor(last.amount / 3));
      yield { kind: 'refund', tradeNo: last.tradeNo, refundNo: `R${last.tradeNo}`, channelTradeNo: last.channelTradeNo, amount, fee: -feeAt(amount, bps), at };
      continue;
    }
    const amount = 100 + Math.floor(rand() ** 2 * 29_900);
    const n = String(i).padStart(8, '0');
    last = { kind: 'payment', tradeNo: `G${d}${n}`, refundNo: null, channelTradeNo: `42000${d}${n}`, amount, fee: feeAt(amount, bps), at };
    yield last;
  }
}

/** Writes a generated bill to `out`; resolves with how many lines it holds. */
export async function writeBill(opts: { channel: string; date: string; rows: number; out: string; seed?: number; onRows?: (n: number) => void }): Promise<number> {
  const file = createWriteStream(opts.out);
  const write = async (chunk: Uint8Array | string) => { if (!file.write(chunk)) await once(file, 'drain'); };
  const trades = generatedTrades(opts.channel, opts.date, opts.rows, opts.seed);
  let n = 0;
  const tick = () => { n++; if (n % 10_000 === 0) opts.onRows?.(n); };
  if (opts.channel === 'alipay') {
    // A zip of GBK CSVs: the detail file deflated as it is written.
    const pending: Uint8Array[] = [];
    let failure: Error | null = null;
    const zip = new Zip((err, data) => { if (err) failure = err; else pending.push(data); });
    const stem = `2088102177296610_${opts.date.replace(/-/g, '')}`;
    const detail = new ZipDeflate(`${stem}_业务明细.csv`, { level: 1 });
    zip.add(detail);
    const flush = async () => { if (failure) throw failure; while (pending.length) await write(pending.shift()!); };
    const t = { trades: 0, tradeFen: 0, refunds: 0, refundFen: 0 };
    let buf = `${detailHead('2088102177296610', opts.date).join('\r\n')}\r\n`;
    for (const g of trades) {
      const trade = g.kind === 'payment';
      if (trade) { t.trades++; t.tradeFen += g.amount; } else { t.refunds++; t.refundFen += g.amount; }
      buf += `${detailRow({ kind: trade ? 'trade' : 'refund', tradeNo: g.channelTradeNo, outTradeNo: g.tradeNo, subject: '夜市小吃', createdAt: g.at, doneAt: g.at, total: g.amount, amount: g.amount, fee: Math.abs(g.fee), ...(g.refundNo ? { requestNo: g.refundNo } : {}) })}\r\n`;
      tick();
      if (buf.length > 1 << 16) { detail.push(iconv.encode(buf, 'gbk')); buf = ''; await flush(); }
    }
    buf += detailTail(t).join('\r\n');
    detail.push(iconv.encode(buf, 'gbk'), true);
    zip.end();
    await flush();
  } else if (opts.channel === 'wechat' || opts.channel === 'qq') {
    const wx = opts.channel === 'wechat';
    let buf = `${(wx ? WX_COLUMNS : QQ_COLUMNS).join(',')}\r\n`;
    const t = { rows: 0, settle: 0, refunded: 0, fees: 0 };
    for (const g of trades) {
      const refund = g.kind === 'refund';
      t.rows++; t.fees += g.fee;
      if (refund) t.refunded += g.amount; else t.settle += g.amount;
      const time = beijingText(new Date(g.at));
      buf += `${wx
        ? billLine({ time, appId: 'wx0000000000demo', mchId: '1900000109', transactionId: g.channelTradeNo, outTradeNo: g.tradeNo, openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', tradeType: 'NATIVE', state: refund ? 'REFUND' : 'SUCCESS', amount: g.amount, subject: '夜市小吃', fee: g.fee, ...(refund ? { refundId: `50${g.channelTradeNo}`, outRefundNo: g.refundNo!, refundStatus: 'SUCCESS' } : {}) })
        : qqRow({ time, mchId: '1900000199', deviceInfo: 'SAOMA-POS', transactionId: g.channelTradeNo, outTradeNo: g.tradeNo, openid: 'qq-openid', tradeType: 'NATIVE', state: refund ? 'REFUND' : 'SUCCESS', total: g.amount, refundId: refund ? `${g.channelTradeNo}R` : '', outRefundNo: g.refundNo ?? '', refund: refund ? g.amount : 0, refundType: refund ? 'ORIGINAL' : '', refundStatus: refund ? 'SUCCESS' : '', body: '夜市小吃', fee: g.fee })}\r\n`;
      tick();
      if (buf.length > 1 << 16) { await write(buf); buf = ''; }
    }
    const summary = wx ? billSummary(t) : qqSummary({ rows: t.rows, paid: t.settle, refunded: t.refunded, fees: t.fees });
    await write(`${buf}${summary.join('\r\n')}\r\n`);
  } else if (opts.channel === 'unionpay') {
    let buf = `H|777290058110048|${opts.date.slice(5, 7)}${opts.date.slice(8, 10)}\n`;
    let count = 0; let net = 0;
    for (const g of trades) {
      const pay = g.kind === 'payment';
      count++; net += pay ? g.amount : -g.amount;
      buf += `${billLineText({ txnType: pay ? '01' : '04', orderId: pay ? g.tradeNo : g.refundNo!, queryId: g.channelTradeNo, origQryId: pay ? null : g.channelTradeNo, txnTime: beijingTime(new Date(g.at)), amount: g.amount, fee: g.fee, currencyCode: '156', reqReserved: pay ? g.tradeNo : `${g.tradeNo}/${g.refundNo}` })}\n`;
      tick();
      if (buf.length > 1 << 16) { await write(buf); buf = ''; }
    }
    await write(`${buf}T|${count}|${net}\n`);
  } else {
    file.destroy();
    throw new Error(`no bill layout for ${opts.channel}; choose ${GENERATED_CHANNELS.join(', ')}`);
  }
  file.end();
  await once(file, 'finish');
  return n;
}
