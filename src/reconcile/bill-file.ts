import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { Unzip, UnzipInflate } from 'fflate';
import iconv from 'iconv-lite';
import { SaomaError } from '../core/errors.ts';
import type { StatementLine } from '../channels/channel.ts';
import type { BillReader } from '../channels/bill-reader.ts';
import { AlipayBillReader, isDetailEntry } from '../channels/alipay/bill.ts';
import { WechatBillReader } from '../channels/wechat/bill.ts';
import { QqBillReader } from '../channels/qq/statement.ts';
import { UnionpayBillReader } from '../channels/unionpay/bill.ts';

/**
 * A bill file as the merchant downloads it from the wallet's own portal (or as `saoma bill generate`
 * writes it), read as a stream: zip (Alipay's `.csv.zip`, UnionPay's), gzip (WeChat's `tar_type=GZIP`)
 * or plain text, in the wallet's encoding (Alipay: GBK; the others UTF-8, perhaps with a BOM). Memory
 * stays at a chunk and a line, whatever the file's size.
 */
const READERS: Record<string, { reader: () => BillReader; encoding: 'gbk' | 'utf8' }> = {
  alipay: { reader: () => new AlipayBillReader(), encoding: 'gbk' },
  wechat: { reader: () => new WechatBillReader(), encoding: 'utf8' },
  qq: { reader: () => new QqBillReader(), encoding: 'utf8' },
  unionpay: { reader: () => new UnionpayBillReader(), encoding: 'utf8' },
};

export function hasBillFormat(channel: string): boolean {
  return channel in READERS;
}

export type Bytes = AsyncIterable<Uint8Array>;

export function fileBytes(path: string): Bytes {
  return createReadStream(path, { highWaterMark: 1 << 20 });
}

export function bufferBytes(buf: Uint8Array): Bytes {
  return Readable.from([buf]);
}

/**
 * The statement lines of a bill file, a batch per chunk read (one await per chunk, not per line: a
 * million lines cost a few hundred hops); a damaged or cut-short file throws `bill_unreadable`.
 */
export async function* billLines(channel: string, bytes: Bytes): AsyncGenerator<StatementLine[]> {
  const fmt = READERS[channel];
  if (!fmt) throw new SaomaError('no_bill_for_channel', `There is no bill format for ${channel}; bills are read for ${Object.keys(READERS).join(', ')}.`);
  const reader = fmt.reader();
  try {
    for await (const texts of textLines(unpack(bytes), fmt.encoding)) {
      const out: StatementLine[] = [];
      for (const text of texts) {
        const l = reader.line(text);
        if (l) out.push(l);
      }
      if (out.length) yield out;
    }
    reader.end();
  } catch (e) {
    if (e instanceof SaomaError) throw e;
    throw new SaomaError('bill_unreadable', `The ${channel} bill cannot be read whole: ${(e as Error).message}`, { reason: (e as Error).message });
  }
}

/** The inner text file's bytes: a zip's bill entry (not a summary), a gzip's content, or the bytes as they are. */
async function* unpack(bytes: Bytes): AsyncGenerator<Uint8Array> {
  const it = bytes[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const head = first.value;
  const rest: Bytes = { [Symbol.asyncIterator]: () => it };
  if (head[0] === 0x50 && head[1] === 0x4b) {
    yield* unzipEntry(head, rest);
  } else if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    const src = Readable.from((async function* () { yield head; yield* rest; })());
    yield* src.pipe(gunzip) as AsyncIterable<Uint8Array>;
  } else {
    yield head;
    yield* rest;
  }
}

async function* unzipEntry(head: Uint8Array, rest: Bytes): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  let chosen = false;
  let failure: Error | null = null;
  const uz = new Unzip((file) => {
    // Entry names may be GBK without the UTF-8 flag; only the summary's name says 汇总, so skip that one.
    if (chosen || !isDetailEntry(file.name)) return;
    chosen = true;
    file.ondata = (err, chunk) => {
      if (err) failure = err;
      else if (chunk.length) out.push(chunk);
    };
    file.start();
  });
  uz.register(UnzipInflate);
  const drain = function* () {
    if (failure) throw failure;
    while (out.length) yield out.shift()!;
  };
  uz.push(head, false);
  yield* drain();
  for await (const chunk of rest) {
    uz.push(chunk, false);
    yield* drain();
  }
  uz.push(new Uint8Array(0), true);
  yield* drain();
  if (!chosen) throw new Error('the zip holds no bill file');
}

/** Decoded text lines (without their line ends), a batch per chunk. */
async function* textLines(bytes: AsyncIterable<Uint8Array>, encoding: 'gbk' | 'utf8'): AsyncGenerator<string[]> {
  const decoder = encoding === 'gbk' ? iconv.getDecoder('gbk') : null;
  const utf8 = new TextDecoder('utf-8');
  let carry = '';
  for await (const chunk of bytes) {
    carry += decoder ? decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)) : utf8.decode(chunk, { stream: true });
    const parts = carry.split('\n');
    carry = parts.pop()!;
    for (let i = 0; i < parts.length; i++) if (parts[i]!.endsWith('\r')) parts[i] = parts[i]!.slice(0, -1);
    yield parts;
  }
  carry += decoder ? (decoder.end() ?? '') : utf8.decode();
  if (carry !== '') yield [carry.endsWith('\r') ? carry.slice(0, -1) : carry];
}
