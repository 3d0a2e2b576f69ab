import { createHash } from 'node:crypto';
import { SaomaError } from '../core/errors.ts';
import { formatCode, normaliseCode, type ReceiptSigner } from '../security/receipt-signer.ts';
import { nowIso, type Store } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import type { ReceiptRecordRow } from '../store/schema.ts';
import type { ReceiptData, ReceiptLang } from './model.ts';
import { renderReceipt } from './receipt.ts';
import type { Format, Paper, PrinterEncoding } from './render.ts';
import { receiptDataFor } from './sale-data.ts';
import { canonicalJson, parseStrokes, signaturePng, strokesSha256, type SignatureStroke } from './signature.ts';

/**
 * Verification receipts (验证收据): the customer signs for a payment, and we keep a record — the
 * receipt's content, the signature's vector data by its SHA-256, gifts given — signed with Ed25519.
 * The printed slip carries the signature, a short code and a QR to a public page that says whether
 * the receipt is ours and shows what was printed, nothing more.
 */
export interface Gift { name: string; quantity: number }

export interface SignedRecord {
  v: 1;
  id: string;
  code: string;
  merchantId: string;
  storeId: string;
  terminalId: string;
  paymentId: string;
  saleId: string | null;
  amount: number;
  currency: string;
  signatureSha256: string;
  printedTextSha256: string;
  gifts: Gift[];
  signedAt: string;
  /** What the slip says (the signature image aside), as printed. */
  receipt: ReceiptData;
}

export interface VerificationReceipt {
  id: string;
  code: string;
  url: string;
  paymentId: string;
  saleId: string | null;
  amount: number;
  currency: string;
  gifts: Gift[];
  createdAt: string;
  collectedAt: string | null;
  collectedBy: string | null;
}

function parseGifts(input: unknown): Gift[] {
  if (input === undefined || input === null) return [];
  if (!Array.isArray(input) || input.length > 20) throw new SaomaError('invalid_request', 'gifts is a list of at most 20 {name, quantity}.');
  return input.map((g, i) => {
    const { name, quantity } = (g ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || !name.trim() || name.length > 64) throw new SaomaError('invalid_request', `Gift ${i + 1} needs a name of 1–64 characters.`);
    if (!Number.isInteger(quantity) || (quantity as number) < 1 || (quantity as number) > 999) throw new SaomaError('invalid_request', `Gift ${i + 1} (${name}) needs a quantity from 1 to 999.`);
    return { name: name.trim(), quantity: quantity as number };
  });
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function describe(r: ReceiptRecordRow, publicUrl: string): VerificationReceipt {
  const rec = JSON.parse(r.record) as SignedRecord;
  return {
    id: r.id, code: formatCode(r.code), url: `${publicUrl}/r/${r.code}`, paymentId: r.payment_id, saleId: r.sale_id, amount: rec.amount, currency: rec.currency,
    gifts: rec.gifts, createdAt: r.created_at, collectedAt: r.collected_at, collectedBy: r.collected_by,
  };
}

export class VerificationReceipts {
  constructor(private readonly store: Store, private readonly signer: ReceiptSigner, private readonly publicUrl: string) {}

  /** Sign for a succeeded payment. The same signature sent twice (a retried request) is one record. */
  async create(merchantId: string, terminalId: string | null, paymentId: string, input: { strokes: unknown; gifts?: unknown; lang?: ReceiptLang }): Promise<VerificationReceipt> {
    const strokes = parseStrokes(input.strokes);
    const gifts = parseGifts(input.gifts);
    const pay = await this.store.db.selectFrom('payments').select(['id', 'state', 'terminal_id', 'store_id', 'sale_id']).where('id', '=', paymentId).where('merchant_id', '=', merchantId).executeTakeFirst();
    if (!pay || (terminalId && pay.terminal_id !== terminalId)) throw new SaomaError('not_found', `No payment ${paymentId} on this terminal.`);
    if (pay.state !== 'succeeded') throw new SaomaError('invalid_transition', `Payment ${paymentId} is ${pay.state}; a verification receipt is signed for a paid payment.`);
    const hash = strokesSha256(strokes);
    const prior = await this.store.db.selectFrom('receipt_records').selectAll().where('payment_id', '=', paymentId).orderBy('created_at', 'desc').execute();
    const same = prior.find((r) => (JSON.parse(r.record) as SignedRecord).signatureSha256 === hash);
    if (same) return describe(same, this.publicUrl);

    const data = await receiptDataFor(this.store, merchantId, { paymentId });
    if (data.sale) data.sale.gifts = gifts;
    const id = newId('rcv');
    const code = this.signer.code(id);
    const url = `${this.publicUrl}/r/${code}`;
    data.verification = { code: formatCode(code), url, signaturePng: null };
    const text = (await renderReceipt({ kind: 'verification', data, lang: input.lang ?? 'zh-Hans+en', format: 'text', paper: 58, encoding: 'gb18030' })).bytes.toString('utf8');
    const record: SignedRecord = {
      v: 1, id, code, merchantId, storeId: pay.store_id, terminalId: pay.terminal_id, paymentId, saleId: pay.sale_id,
      amount: data.sale?.amount ?? 0, currency: data.currency, signatureSha256: hash, printedTextSha256: sha256(text), gifts, signedAt: nowIso(), receipt: data,
    };
    const canonical = canonicalJson(record);
    const row: ReceiptRecordRow = {
      id, code, merchant_id: merchantId, store_id: pay.store_id, payment_id: paymentId, sale_id: pay.sale_id, record: canonical,
      signature: this.signer.sign(canonical), strokes: canonicalJson(strokes), printed_text: text, gifts: gifts.length ? JSON.stringify(gifts) : null,
      created_at: record.signedAt, collected_at: null, collected_by: null,
    };
    await this.store.write((tx) => tx.insertInto('receipt_records').values(row).execute());
    return describe(row, this.publicUrl);
  }

  private async row(merchantId: string, id: string): Promise<ReceiptRecordRow> {
    const r = await this.store.db.selectFrom('receipt_records').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst();
    if (!r) throw new SaomaError('not_found', `No verification receipt ${id} for this merchant.`);
    return r;
  }

  async get(merchantId: string, id: string): Promise<VerificationReceipt> {
    return describe(await this.row(merchantId, id), this.publicUrl);
  }

  /** The slip to print: the signed content with the signature drawn from its vector data. */
  async render(merchantId: string, id: string, opts: { format: Format; paper: Paper; encoding: PrinterEncoding; lang: ReceiptLang }) {
    const r = await this.row(merchantId, id);
    const rec = JSON.parse(r.record) as SignedRecord;
    const strokes = JSON.parse(r.strokes) as SignatureStroke[];
    const data: ReceiptData = { ...rec.receipt, verification: { code: formatCode(r.code), url: `${this.publicUrl}/r/${r.code}`, signaturePng: await signaturePng(strokes, opts.paper === 80 ? 576 : 384, 128) } };
    return renderReceipt({ kind: 'verification', data, lang: opts.lang, format: opts.format, paper: opts.paper, encoding: opts.encoding });
  }

  /** The staff took the paper copy back (回收). Saying it twice changes nothing. */
  async collect(merchantId: string, id: string, by: string | null): Promise<VerificationReceipt> {
    await this.row(merchantId, id);
    await this.store.write((tx) => tx.updateTable('receipt_records').set({ collected_at: nowIso(), collected_by: by }).where('id', '=', id).where('collected_at', 'is', null).execute());
    return this.get(merchantId, id);
  }

  async search(merchantId: string, q: { code?: string; paymentId?: string; collected?: boolean; from?: string; to?: string; limit?: number }): Promise<VerificationReceipt[]> {
    let query = this.store.db.selectFrom('receipt_records').selectAll().where('merchant_id', '=', merchantId);
    if (q.code) query = query.where('code', '=', normaliseCode(q.code));
    if (q.paymentId) query = query.where('payment_id', '=', q.paymentId);
    if (q.collected !== undefined) query = query.where('collected_at', q.collected ? 'is not' : 'is', null);
    if (q.from) query = query.where('created_at', '>=', q.from);
    if (q.to) query = query.where('created_at', '<', q.to);
    return (await query.orderBy('created_at', 'desc').limit(q.limit ?? 50).execute()).map((r) => describe(r, this.publicUrl));
  }

  /** Gifts handed out with sales, summed by name, for a period. */
  async gifts(merchantId: string, from: string, to: string): Promise<Array<{ name: string; quantity: number; receipts: number }>> {
    const rows = await this.store.db.selectFrom('receipt_records').select('gifts').where('merchant_id', '=', merchantId)
      .where('created_at', '>=', from).where('created_at', '<', to).where('gifts', 'is not', null).execute();
    const by = new Map<string, { name: string; quantity: number; receipts: number }>();
    for (const r of rows) {
      for (const g of JSON.parse(r.gifts!) as Gift[]) {
        const e = by.get(g.name) ?? { name: g.name, quantity: 0, receipts: 0 };
        e.quantity += g.quantity;
        e.receipts += 1;
        by.set(g.name, e);
      }
    }
    return [...by.values()].sort((a, b) => b.quantity - a.quantity || a.name.localeCompare(b.name));
  }

  /**
   * What the public page may say about a code: authentic only if the record exists, its signature
   * verifies, the code is the one derived from its id, and the stored ink and text are the signed ones.
   */
  async verify(input: string): Promise<{ authentic: false } | { authentic: true; record: SignedRecord; printedText: string; strokes: SignatureStroke[] }> {
    const code = normaliseCode(input);
    if (!/^[0-9A-Z]{10}$/.test(code)) return { authentic: false };
    const r = await this.store.db.selectFrom('receipt_records').selectAll().where('code', '=', code).executeTakeFirst();
    if (!r) return { authentic: false };
    const rec = JSON.parse(r.record) as SignedRecord;
    const strokes = JSON.parse(r.strokes) as SignatureStroke[];
    const ok = this.signer.verify(r.record, r.signature) && canonicalJson(rec) === r.record && rec.code === code && this.signer.code(rec.id) === code
      && rec.signatureSha256 === strokesSha256(strokes) && rec.printedTextSha256 === sha256(r.printed_text);
    return ok ? { authentic: true, record: rec, printedText: r.printed_text, strokes } : { authentic: false };
  }
}
