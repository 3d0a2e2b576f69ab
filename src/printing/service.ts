import { SaomaError } from '../core/errors.ts';
import { DEFAULT_TEMPLATES } from '../receipts/defaults.ts';
import { RECEIPT_KINDS, RECEIPT_LANGS, type Copy, type ReceiptData, type ReceiptKind, type ReceiptLang } from '../receipts/model.ts';
import { checkTemplate, renderReceipt } from '../receipts/receipt.ts';
import { PRINTER_ENCODINGS, type Paper, type PrinterEncoding } from '../receipts/render.ts';
import { receiptDataFor, tookCash } from '../receipts/sale-data.ts';
import { isUniqueViolation, nowIso, type Store } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import type { PrintJobRow, PrinterRow } from '../store/schema.ts';
import { parsePrinterUrl, sendJob } from './tcp.ts';

export interface Printer {
  id: string; storeId: string; name: string; url: string; paper: Paper; encoding: PrinterEncoding; lang: ReceiptLang;
  autoPrint: boolean; copies: number; merchantCopy: boolean; enabled: boolean;
  status: 'unknown' | 'online' | 'offline'; lastError: string | null; lastSeenAt: string | null; queued: number; createdAt: string;
}
export interface PrinterInput {
  storeId: string; name: string; url: string; paper?: Paper; encoding?: PrinterEncoding; lang?: ReceiptLang;
  autoPrint?: boolean; copies?: number; merchantCopy?: boolean; enabled?: boolean;
}
/** One slip to print: what kind, made from which record, with its data. */
export interface Slip { kind: ReceiptKind; ref: string; data: ReceiptData }

export interface PrintJob {
  id: string; printerId: string; kind: string; ref: string | null; copy: Copy; batchId: string | null;
  state: 'queued' | 'printing' | 'printed' | 'cancelled'; attempts: number; nextAttemptAt: string; lastError: string | null;
  warnings: string[]; createdAt: string; printedAt: string | null;
}

const LEASE_MS = 30_000;
/** Waits between attempts on an unreachable printer: quick at first (a cable re-seated), then a minute. */
const BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000];
/** Auto-print looks this far back, so a restart prints what finished while it was down. */
const AUTO_WINDOW_MS = 10 * 60_000;

function toPrinter(r: PrinterRow, queued = 0): Printer {
  return {
    id: r.id, storeId: r.store_id, name: r.name, url: r.url, paper: r.paper as Paper, encoding: r.encoding as PrinterEncoding, lang: r.lang as ReceiptLang,
    autoPrint: r.auto_print === 1, copies: r.copies, merchantCopy: r.merchant_copy === 1, enabled: r.enabled === 1,
    status: r.status as Printer['status'], lastError: r.last_error, lastSeenAt: r.last_seen_at, queued, createdAt: r.created_at,
  };
}
export function toJob(r: PrintJobRow): PrintJob {
  return {
    id: r.id, printerId: r.printer_id, kind: r.kind, ref: r.ref, copy: r.copy as Copy, batchId: r.batch_id, state: r.state as PrintJob['state'],
    attempts: r.attempts, nextAttemptAt: r.next_attempt_at, lastError: r.last_error, warnings: r.warnings ? (JSON.parse(r.warnings) as string[]) : [],
    createdAt: r.created_at, printedAt: r.printed_at,
  };
}

function checkPrinterInput(i: Partial<PrinterInput>): void {
  if (i.url !== undefined) parsePrinterUrl(i.url);
  if (i.paper !== undefined && i.paper !== 58 && i.paper !== 80) throw new SaomaError('invalid_request', 'paper is 58 or 80 (mm).');
  if (i.encoding !== undefined && !PRINTER_ENCODINGS.includes(i.encoding)) throw new SaomaError('invalid_request', `encoding is one of ${PRINTER_ENCODINGS.join(', ')}.`);
  if (i.lang !== undefined && !RECEIPT_LANGS.includes(i.lang)) throw new SaomaError('invalid_request', `lang is one of ${RECEIPT_LANGS.join(', ')}.`);
  if (i.copies !== undefined && (!Number.isInteger(i.copies) || i.copies < 0 || i.copies > 5)) throw new SaomaError('invalid_request', 'copies is 0 to 5 customer copies per sale.');
}

/**
 * Receipt printers, the stores' templates and the print queue. A job holds the bytes it will send, so
 * a retry prints exactly what was first rendered. Jobs leave the queue only when printed or cancelled:
 * a printer that is off or out of paper keeps its jobs, in order, and gets them when it answers again.
 * Delivery is at least once: an instance that dies after the printer took a job but before recording
 * it prints that slip again when its lease runs out.
 */
export class PrintService {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly store: Store, private readonly intervalMs = 500, private readonly log: (m: string, e?: unknown) => void = () => undefined) {}

  // ----- printers ---------------------------------------------------------------------------------

  async createPrinter(merchantId: string, input: PrinterInput): Promise<Printer> {
    checkPrinterInput(input);
    const store = await this.store.db.selectFrom('stores').select('id').where('id', '=', input.storeId).where('merchant_id', '=', merchantId).executeTakeFirst();
    if (!store) throw new SaomaError('not_found', `No store ${input.storeId} for this merchant.`);
    const row: PrinterRow = {
      id: newId('prn'), merchant_id: merchantId, store_id: input.storeId, name: input.name, url: input.url.trim(), paper: input.paper ?? 58,
      encoding: input.encoding ?? 'gbk', lang: input.lang ?? 'zh-Hans', auto_print: input.autoPrint ? 1 : 0, copies: input.copies ?? 1,
      merchant_copy: input.merchantCopy ? 1 : 0, enabled: input.enabled === false ? 0 : 1, status: 'unknown', last_error: null, last_seen_at: null,
      lease_until: null, created_at: nowIso(),
    };
    await this.store.write((tx) => tx.insertInto('printers').values(row).execute());
    return toPrinter(row);
  }

  async updatePrinter(merchantId: string, id: string, input: Partial<PrinterInput>): Promise<Printer> {
    checkPrinterInput(input);
    await this.printerRow(merchantId, id);
    const set: Partial<PrinterRow> = {};
    if (input.name !== undefined) set.name = input.name;
    if (input.url !== undefined) set.url = input.url.trim();
    if (input.paper !== undefined) set.paper = input.paper;
    if (input.encoding !== undefined) set.encoding = input.encoding;
    if (input.lang !== undefined) set.lang = input.lang;
    if (input.autoPrint !== undefined) set.auto_print = input.autoPrint ? 1 : 0;
    if (input.copies !== undefined) set.copies = input.copies;
    if (input.merchantCopy !== undefined) set.merchant_copy = input.merchantCopy ? 1 : 0;
    if (input.enabled !== undefined) set.enabled = input.enabled ? 1 : 0;
    if (Object.keys(set).length) await this.store.write((tx) => tx.updateTable('printers').set(set).where('id', '=', id).execute());
    return this.printer(merchantId, id);
  }

  async printerRow(merchantId: string, id: string): Promise<PrinterRow> {
    const r = await this.store.db.selectFrom('printers').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst();
    if (!r) throw new SaomaError('not_found', `No printer ${id} for this merchant.`);
    return r;
  }

  async printer(merchantId: string, id: string): Promise<Printer> {
    const r = await this.printerRow(merchantId, id);
    return toPrinter(r, await this.queued(id));
  }

  async listPrinters(merchantId: string, storeId?: string): Promise<Printer[]> {
    let q = this.store.db.selectFrom('printers').selectAll().where('merchant_id', '=', merchantId);
    if (storeId) q = q.where('store_id', '=', storeId);
    const rows = await q.orderBy('created_at').execute();
    return Promise.all(rows.map(async (r) => toPrinter(r, await this.queued(r.id))));
  }

  private async queued(printerId: string): Promise<number> {
    const r = await this.store.db.selectFrom('print_jobs').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('printer_id', '=', printerId).where('state', 'in', ['queued', 'printing']).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  // ----- templates --------------------------------------------------------------------------------

  /** The store's current template for a kind (its latest version), or ours (version 0). */
  async template(merchantId: string, storeId: string, kind: ReceiptKind, version?: number): Promise<{ kind: ReceiptKind; version: number; source: string; createdAt: string | null; versions: number[] }> {
    if (!RECEIPT_KINDS.includes(kind)) throw new SaomaError('invalid_request', `kind is one of ${RECEIPT_KINDS.join(', ')}.`);
    const rows = await this.store.db.selectFrom('receipt_templates').select(['version', 'source', 'created_at'])
      .where('merchant_id', '=', merchantId).where('store_id', '=', storeId).where('kind', '=', kind).orderBy('version', 'desc').execute();
    const versions = rows.map((r) => r.version);
    if (version === 0) return { kind, version: 0, source: DEFAULT_TEMPLATES[kind], createdAt: null, versions };
    const pick = version === undefined ? rows[0] : rows.find((r) => r.version === version);
    if (version !== undefined && !pick) throw new SaomaError('not_found', `No version ${version} of the ${kind} template; saved versions: ${versions.join(', ') || 'none'}.`);
    return { kind, version: pick?.version ?? 0, source: pick?.source ?? DEFAULT_TEMPLATES[kind], createdAt: pick?.created_at ?? null, versions };
  }

  /** Check and save a new version; the old ones stay, so what a past slip was printed from is known. */
  async saveTemplate(merchantId: string, storeId: string, kind: ReceiptKind, source: string, by: string | null): Promise<{ version: number }> {
    if (!RECEIPT_KINDS.includes(kind)) throw new SaomaError('invalid_request', `kind is one of ${RECEIPT_KINDS.join(', ')}.`);
    const store = await this.store.db.selectFrom('stores').select('id').where('id', '=', storeId).where('merchant_id', '=', merchantId).executeTakeFirst();
    if (!store) throw new SaomaError('not_found', `No store ${storeId} for this merchant.`);
    checkTemplate(source.replace(/\r\n?/g, '\n'));
    for (let attempt = 0; ; attempt++) {
      const cur = await this.template(merchantId, storeId, kind);
      try {
        await this.store.write((tx) => tx.insertInto('receipt_templates').values({
          id: newId('rtp'), merchant_id: merchantId, store_id: storeId, kind, version: cur.version + 1, source: source.replace(/\r\n?/g, '\n'), created_at: nowIso(), created_by: by,
        }).execute());
        return { version: cur.version + 1 };
      } catch (e) {
        // Two editors saving at once: the loser takes the next number.
        if (!isUniqueViolation(e) || attempt > 3) throw e;
      }
    }
  }

  // ----- rendering and jobs -----------------------------------------------------------------------


  /**
   * Queue the receipt of a sale or lone payment on a printer: `copies` customer copies, then the
   * merchant copy if asked. `dedupe` names why (an auto-print, a reprint request's key): asking again
   * with the same reason returns the jobs already queued.
   */
  async enqueueReceipt(merchantId: string, printerId: string, ref: { saleId: string } | { paymentId: string }, opts: { copies: number; merchantCopy: boolean; dedupe: string; batchId?: string | null; drawer?: boolean; kind?: 'sale' | 'kitchen' }): Promise<PrintJob[]> {
    const data = await receiptDataFor(this.store, merchantId, ref);
    const refId = 'saleId' in ref ? ref.saleId : ref.paymentId;
    return this.enqueueSlip(merchantId, printerId, { ...opts, kind: opts.kind ?? 'sale', data, ref: refId, drawer: (opts.drawer ?? false) && tookCash(data) });
  }

  /**
   * Queue any slip made from the books (a sale, a kitchen ticket, a refund slip, a shift or day report):
   * `copies` customer copies, then the merchant copy if asked, rendered with the store's template in the
   * printer's language, paper and encoding. The drawer opens with the first copy when asked.
   */
  async enqueueSlip(merchantId: string, printerId: string, slip: Slip & { copies: number; merchantCopy: boolean; dedupe: string; batchId?: string | null; drawer?: boolean }): Promise<PrintJob[]> {
    const p = await this.printerRow(merchantId, printerId);
    if (p.enabled !== 1) throw new SaomaError('invalid_request', `Printer ${p.name} is disabled; enable it first.`);
    return this.insertJobs(p.id, merchantId, await this.renderSlip(merchantId, p, slip));
  }

  /** The jobs for one slip's copies, rendered (nothing queued yet). */
  private async renderSlip(merchantId: string, p: PrinterRow, slip: Slip & { copies: number; merchantCopy: boolean; dedupe: string; batchId?: string | null; drawer?: boolean }) {
    const copies: Copy[] = [...Array.from({ length: slip.copies }, () => 'customer' as const), ...(slip.merchantCopy ? ['merchant' as const] : [])];
    // The store's template once per slip; each copy in the printer's language, paper and encoding.
    const template = (await this.template(merchantId, p.store_id, slip.kind)).source;
    const rendered = await Promise.all(copies.map((copy, i) => renderReceipt({
      kind: slip.kind, data: slip.data, template, lang: p.lang as ReceiptLang, copy, format: 'escpos', paper: p.paper as Paper,
      encoding: p.encoding as PrinterEncoding, drawer: i === 0 && (slip.drawer ?? false),
    })));
    return copies.map((c, i) => ({
      kind: slip.kind, ref: slip.ref, copy: c, dedupe: `${slip.dedupe}:${i + 1}`, batchId: slip.batchId ?? null,
      bytes: rendered[i]!.bytes, warnings: rendered[i]!.warnings.map((w) => w.message),
    }));
  }

  /** Queue bytes already rendered (a verification receipt, a QR slip) on a printer. */
  async enqueueBytes(merchantId: string, printerId: string, job: { kind: string; ref: string; copy: Copy; dedupe: string; bytes: Buffer; warnings: string[] }, storeId?: string): Promise<PrintJob[]> {
    const p = await this.printerRow(merchantId, printerId);
    if (storeId && p.store_id !== storeId) throw new SaomaError('not_found', `No printer ${printerId} in this store.`);
    if (p.enabled !== 1) throw new SaomaError('invalid_request', `Printer ${p.name} is disabled; enable it first.`);
    const jobs = await this.insertJobs(p.id, merchantId, [{ ...job, batchId: null }]);
    this.kick();
    return jobs;
  }

  /** Insert jobs at once; the same reasons again return the jobs already there. */
  private async insertJobs(printerId: string, merchantId: string, jobs: Array<{ kind: string; ref: string; copy: Copy; dedupe: string; batchId: string | null; bytes: Buffer; warnings: string[] }>): Promise<PrintJob[]> {
    const now = nowIso();
    const rows: PrintJobRow[] = jobs.map((j) => ({
      id: newId('pjb'), printer_id: printerId, merchant_id: merchantId, kind: j.kind, ref: j.ref, copy: j.copy, dedupe_key: j.dedupe,
      batch_id: j.batchId, bytes: j.bytes.toString('base64'), warnings: j.warnings.length ? JSON.stringify(j.warnings) : null,
      state: 'queued', attempts: 0, next_attempt_at: now, lease_until: null, last_error: null, created_at: now, printed_at: null,
    }));
    try {
      await this.store.write(async (tx) => { for (const r of rows) await tx.insertInto('print_jobs').values(r).execute(); });
      return rows.map(toJob);
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      const existing = await this.store.db.selectFrom('print_jobs').selectAll().where('printer_id', '=', printerId)
        .where('dedupe_key', 'in', rows.map((r) => r.dedupe_key)).orderBy('dedupe_key').execute();
      return existing.map(toJob);
    }
  }

  async jobs(merchantId: string, printerId: string, q: { state?: string; batchId?: string; limit?: number }): Promise<PrintJob[]> {
    await this.printerRow(merchantId, printerId);
    let query = this.store.db.selectFrom('print_jobs').selectAll().where('printer_id', '=', printerId);
    if (q.state) query = query.where('state', '=', q.state);
    if (q.batchId) query = query.where('batch_id', '=', q.batchId);
    return (await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit ?? 50).execute()).map(toJob);
  }

  async job(merchantId: string, id: string): Promise<PrintJobRow> {
    const r = await this.store.db.selectFrom('print_jobs').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst();
    if (!r) throw new SaomaError('not_found', `No print job ${id} for this merchant.`);
    return r;
  }

  /** Cancel a job that has not printed; a printed one is reprinted instead. */
  async cancel(merchantId: string, id: string): Promise<PrintJob> {
    const r = await this.job(merchantId, id);
    if (r.state === 'printed') throw new SaomaError('invalid_transition', 'This slip was printed already; print it again instead of cancelling.');
    await this.store.write((tx) => tx.updateTable('print_jobs').set({ state: 'cancelled', lease_until: null }).where('id', '=', id).where('state', 'in', ['queued', 'printing']).execute());
    return toJob(await this.job(merchantId, id));
  }

  /** Try a waiting job now (the printer was fixed) instead of at its next scheduled attempt. */
  async retryNow(merchantId: string, id: string): Promise<PrintJob> {
    const r = await this.job(merchantId, id);
    if (r.state !== 'queued') throw new SaomaError('invalid_transition', `This job is ${r.state}; only a waiting job can be retried.`);
    await this.store.write((tx) => tx.updateTable('print_jobs').set({ next_attempt_at: nowIso() }).where('id', '=', id).execute());
    this.kick();
    return toJob(await this.job(merchantId, id));
  }

  /** A batch: the receipts of these sales (or lone payments) on one printer, in order, N copies each. */
  /**
   * A batch on one printer, in order, N copies each: receipts, reports or QR slips. Every slip is rendered
   * before any is queued, so a batch with one that cannot be drawn queues nothing.
   */
  async batch(merchantId: string, printerId: string, slips: Slip[], copies: number): Promise<{ batchId: string; total: number }> {
    if (!slips.length || slips.length > 500) throw new SaomaError('invalid_request', 'A batch holds 1 to 500 slips.');
    if (!Number.isInteger(copies) || copies < 1 || copies > 10) throw new SaomaError('invalid_request', 'copies is 1 to 10.');
    const p = await this.printerRow(merchantId, printerId);
    if (p.enabled !== 1) throw new SaomaError('invalid_request', `Printer ${p.name} is disabled; enable it first.`);
    const batchId = newId('pbt');
    const jobs = [];
    for (const slip of slips) jobs.push(...await this.renderSlip(merchantId, p, { ...slip, copies, merchantCopy: false, dedupe: `batch:${batchId}:${slip.ref}`, batchId }));
    const queued = await this.insertJobs(p.id, merchantId, jobs);
    this.kick();
    return { batchId, total: queued.length };
  }

  async batchProgress(merchantId: string, batchId: string): Promise<{ batchId: string; total: number; printed: number; queued: number; cancelled: number; lastError: string | null }> {
    const rows = await this.store.db.selectFrom('print_jobs').select(['state', 'last_error']).where('merchant_id', '=', merchantId).where('batch_id', '=', batchId).execute();
    if (!rows.length) throw new SaomaError('not_found', `No print batch ${batchId}.`);
    const n = (s: string) => rows.filter((r) => r.state === s).length;
    return { batchId, total: rows.length, printed: n('printed'), queued: n('queued') + n('printing'), cancelled: n('cancelled'), lastError: rows.find((r) => r.last_error)?.last_error ?? null };
  }

  // ----- the worker -------------------------------------------------------------------------------

  start(): void {
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      this.running = this.tick().catch((e) => this.log('print worker', e)).finally(() => {
        this.running = null;
        if (!this.stopped) this.timer = setTimeout(loop, this.intervalMs);
      });
    };
    this.timer = setTimeout(loop, this.intervalMs);
  }

  /** Look now rather than at the next tick (a job was just queued). */
  kick(): void {
    if (this.stopped || !this.timer || this.running) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.tick().catch((e) => this.log('print worker', e)).finally(() => {
        this.running = null;
        if (!this.stopped) this.timer = setTimeout(() => this.kick(), this.intervalMs);
      });
    }, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  async tick(): Promise<void> {
    await this.autoPrint();
    const now = nowIso();
    const due = await this.store.db.selectFrom('print_jobs').select('printer_id').distinct()
      .where((eb) => eb.or([
        eb.and([eb('state', '=', 'queued'), eb('next_attempt_at', '<=', now)]),
        eb.and([eb('state', '=', 'printing'), eb('lease_until', '<', now)]),
      ])).execute();
    await Promise.all(due.map((d) => this.drain(d.printer_id)));
  }

  /** Print a printer's due jobs in order while it answers; stop at the first failure (order is kept). */
  private async drain(printerId: string): Promise<void> {
    const now = Date.now();
    const leased = await this.store.write((tx) => tx.updateTable('printers').set({ lease_until: new Date(now + LEASE_MS).toISOString() })
      .where('id', '=', printerId).where('enabled', '=', 1)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', new Date(now).toISOString())])).executeTakeFirst());
    if (Number(leased.numUpdatedRows) !== 1) return;
    try {
      const p = await this.store.db.selectFrom('printers').selectAll().where('id', '=', printerId).executeTakeFirstOrThrow();
      for (let n = 0; n < 50; n++) {
        const at = nowIso();
        const job = await this.store.db.selectFrom('print_jobs').selectAll().where('printer_id', '=', printerId)
          .where((eb) => eb.or([eb.and([eb('state', '=', 'queued'), eb('next_attempt_at', '<=', at)]), eb.and([eb('state', '=', 'printing'), eb('lease_until', '<', at)])]))
          .orderBy('created_at').orderBy('dedupe_key').limit(1).executeTakeFirst();
        if (!job) break;
        const claimed = await this.store.write((tx) => tx.updateTable('print_jobs').set({ state: 'printing', lease_until: new Date(Date.now() + LEASE_MS).toISOString(), attempts: job.attempts + 1 })
          .where('id', '=', job.id).where('state', '=', job.state).where('attempts', '=', job.attempts).executeTakeFirst());
        if (Number(claimed.numUpdatedRows) !== 1) continue;
        try {
          await sendJob(parsePrinterUrl(p.url), Buffer.from(job.bytes, 'base64'));
        } catch (e) {
          const msg = (e as Error).message;
          const wait = BACKOFF_MS[Math.min(job.attempts, BACKOFF_MS.length - 1)]!;
          await this.store.write(async (tx) => {
            await tx.updateTable('print_jobs').set({ state: 'queued', lease_until: null, last_error: msg, next_attempt_at: new Date(Date.now() + wait).toISOString() })
              .where('id', '=', job.id).where('state', '=', 'printing').execute();
            await tx.updateTable('printers').set({ status: 'offline', last_error: msg }).where('id', '=', printerId).execute();
          });
          break;
        }
        const done = nowIso();
        await this.store.write(async (tx) => {
          await tx.updateTable('print_jobs').set({ state: 'printed', printed_at: done, lease_until: null, last_error: null }).where('id', '=', job.id).where('state', '=', 'printing').execute();
          await tx.updateTable('printers').set({ status: 'online', last_error: null, last_seen_at: done }).where('id', '=', printerId).execute();
        });
      }
    } finally {
      await this.store.write((tx) => tx.updateTable('printers').set({ lease_until: null }).where('id', '=', printerId).execute()).catch(() => undefined);
    }
  }

  /** Receipts for what just finished at a store with an auto-printing printer: completed sales, lone payments. */
  private async autoPrint(): Promise<void> {
    const printers = await this.store.db.selectFrom('printers').selectAll().where('enabled', '=', 1).where('auto_print', '=', 1).execute();
    for (const p of printers) {
      if (p.copies + p.merchant_copy === 0) continue;
      const since = new Date(Math.max(Date.parse(p.created_at), Date.now() - AUTO_WINDOW_MS)).toISOString();
      const sales = await this.store.db.selectFrom('sales as s').select('s.id').where('s.store_id', '=', p.store_id).where('s.state', '=', 'completed')
        .where('s.updated_at', '>=', since)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('print_jobs as j').select('j.id').where('j.printer_id', '=', p.id).where('j.ref', '=', eb.ref('s.id')).where('j.dedupe_key', 'like', 'auto:%'))))
        .limit(20).execute();
      const lone = await this.store.db.selectFrom('payments as y').select('y.id').where('y.store_id', '=', p.store_id).where('y.state', '=', 'succeeded')
        .where('y.sale_id', 'is', null).where('y.final_at', '>=', since)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('print_jobs as j').select('j.id').where('j.printer_id', '=', p.id).where('j.ref', '=', eb.ref('y.id')).where('j.dedupe_key', 'like', 'auto:%'))))
        .limit(20).execute();
      const refs: Array<{ saleId: string } | { paymentId: string }> = [...sales.map((s) => ({ saleId: s.id })), ...lone.map((y) => ({ paymentId: y.id }))];
      for (const ref of refs) {
        const id = 'saleId' in ref ? ref.saleId : ref.paymentId;
        try {
          await this.enqueueReceipt(p.merchant_id, p.id, ref, { copies: p.copies, merchantCopy: p.merchant_copy === 1, dedupe: `auto:${id}`, drawer: true });
        } catch (e) {
          this.log(`auto-print ${id} on ${p.id}`, e);
        }
      }
    }
  }
}
