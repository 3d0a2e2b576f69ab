/** The store's network printers as the counter uses them: list, print a sale, follow the jobs. */
import { call, type Client } from './api.ts';

export interface StorePrinter {
  id: string; name: string; enabled: boolean; lang: string;
  status: 'unknown' | 'online' | 'offline'; lastError: string | null; queued: number;
}
export interface PrintJob { id: string; printerId: string; state: 'queued' | 'printing' | 'printed' | 'cancelled'; lastError: string | null }

export async function listPrinters(client: Client, merchantId: string): Promise<StorePrinter[]> {
  return (await call<{ data: StorePrinter[] }>(client, 'GET', `/v1/merchants/${encodeURIComponent(merchantId)}/printers`)).data;
}

/** One print of a sale; the same `key` again (a retry after a lost answer) is the same print. */
export async function printSale(client: Client, printerId: string, saleId: string, key: string): Promise<PrintJob[]> {
  return (await call<{ data: PrintJob[] }>(client, 'POST', `/v1/printers/${encodeURIComponent(printerId)}/print`, { saleId }, { 'idempotency-key': key })).data;
}

export async function printerJobs(client: Client, merchantId: string, printerId: string): Promise<PrintJob[]> {
  return (await call<{ data: PrintJob[] }>(client, 'GET', `/v1/merchants/${encodeURIComponent(merchantId)}/printers/${encodeURIComponent(printerId)}/jobs`)).data;
}

/**
 * Where our jobs stand, told honestly: all printed; waiting on a printer known to be offline (they stay
 * queued and print when it is back); still on their way; or dropped by someone.
 */
export type JobsState = 'printed' | 'offline' | 'queued' | 'cancelled';
export function jobsState(ours: readonly PrintJob[], printer: Pick<StorePrinter, 'status'> | null): JobsState {
  if (ours.length && ours.every((j) => j.state === 'printed')) return 'printed';
  if (ours.some((j) => j.state === 'cancelled') && !ours.some((j) => j.state === 'queued' || j.state === 'printing')) return 'cancelled';
  if (printer && printer.status === 'offline') return 'offline';
  return 'queued';
}

/** The latest state of our jobs from a printer's job list (a job not in it keeps what we knew). */
export function refresh(ours: readonly PrintJob[], latest: readonly PrintJob[]): PrintJob[] {
  return ours.map((j) => latest.filter((l) => l.id === j.id)[0] || j);
}
