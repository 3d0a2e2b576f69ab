import type { MismatchType } from './judge.ts';

/** What a run came to: each side's totals, what matched, and the mismatches by type (open, and in the holding pool). */
export interface RunSummary {
  wallet: { payments: number; paymentAmount: number; refunds: number; refundAmount: number; fees: number; lines: number };
  saoma: { payments: number; paymentAmount: number; refunds: number; refundAmount: number };
  matched: number;
  open: Partial<Record<MismatchType, number>>;
  openCount: number;
  holding: number;
  /** Mismatches of this day or earlier ones that this run found settled (cleared). */
  cleared: number;
  currency: string;
}

export type RunSource =
  | { kind: 'download' }
  | { kind: 'file'; name: string; bytes: AsyncIterable<Uint8Array> };

export type { Actor } from '../core/audit-chain.ts';
