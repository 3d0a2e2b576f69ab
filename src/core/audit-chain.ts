import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * The audit log is one hash chain per merchant (and one for the platform): each row's hash covers the
 * row as stored and the hash of the row before it, so changing, removing or reordering any row breaks
 * every hash after it. Hashing the stored text (not a re-serialisation) keeps the proof independent of
 * how JSON happens to be printed.
 */
export const GENESIS_HASH = '0'.repeat(64);

/** Who did it. `system` is Saoma itself (a job, the poller); `customer` is a payer on a public page. */
export interface Actor {
  kind: 'platform' | 'merchant' | 'terminal' | 'operator' | 'display' | 'system' | 'customer';
  id: string | null;
  name?: string | undefined;
}

/** A row as the audit table stores it: JSON fields already as text. */
export interface ChainedRow {
  id: number;
  chain: string;
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  ip: string | null;
  before: string | null;
  after: string | null;
  prev_hash: string;
  hash: string;
}

export type RowContent = Omit<ChainedRow, 'id' | 'hash' | 'prev_hash'>;

export function auditHash(prevHash: string, r: RowContent): string {
  // A JSON array of the fields: unambiguous separation, and null stays distinct from "null".
  const text = JSON.stringify([prevHash, r.chain, r.seq, r.at, r.actor, r.action, r.target, r.ip, r.before, r.after]);
  return bytesToHex(sha256(utf8ToBytes(text)));
}

export type ChainBreak = {
  chain: string;
  /** The row where the proof fails: the first one altered, or the first one after rows removed or moved. */
  seq: number;
  id: number | null;
  reason: 'altered' | 'missing' | 'reordered' | 'truncated';
  message: string;
};

/**
 * Walks one chain's rows in `seq` order and says where it first breaks. Rows are numbered and hashed in
 * the order they were written, so storage order (`id`) must rise with `seq`. Fed a row at a time, so a
 * long chain is checked page by page.
 */
export class ChainWalk {
  readonly chain: string;
  rows = 0;
  private prev = GENESIS_HASH;
  private expectSeq = 1;
  private lastId = -Infinity;

  constructor(chain: string) {
    this.chain = chain;
  }

  /** The break this row shows, or null while the chain holds. */
  next(r: ChainedRow): ChainBreak | null {
    this.rows++;
    const { chain, expectSeq, lastId, prev } = this;
    if (r.seq > expectSeq) return { chain, seq: r.seq, id: r.id, reason: 'missing', message: `rows ${expectSeq}–${r.seq - 1} of chain ${chain} are gone (row ${r.seq} follows row ${expectSeq - 1})` };
    if (r.id < lastId) return { chain, seq: r.seq, id: r.id, reason: 'reordered', message: `row ${r.seq} of chain ${chain} is stored out of order (id ${r.id} after ${lastId})` };
    if (r.prev_hash !== prev) return { chain, seq: r.seq, id: r.id, reason: 'reordered', message: `row ${r.seq} of chain ${chain} does not follow the row before it` };
    if (auditHash(prev, r) !== r.hash) return { chain, seq: r.seq, id: r.id, reason: 'altered', message: `row ${r.seq} of chain ${chain} was changed after it was written` };
    this.prev = r.hash;
    this.lastId = r.id;
    this.expectSeq++;
    return null;
  }

  /**
   * After the last row: the chain's recorded head (its last seq and hash) must be where the walk ended.
   * Without the head, deleting the newest rows would go unseen; a chain with rows and no head lost it.
   */
  end(head: { seq: number; hash: string } | null): ChainBreak | null {
    const last = this.expectSeq - 1;
    if (!head) return last > 0 ? { chain: this.chain, seq: last, id: null, reason: 'truncated', message: `chain ${this.chain} has no head row: it was deleted` } : null;
    if (head.seq !== last || head.hash !== this.prev) {
      return { chain: this.chain, seq: last + 1, id: null, reason: 'truncated', message: `chain ${this.chain} ends at row ${last} but its head says ${head.seq}: the newest rows are gone` };
    }
    return null;
  }
}

/** A whole chain at once (tests, small chains). */
export function verifyChainRows(chain: string, rows: Iterable<ChainedRow>, head: { seq: number; hash: string } | null): ChainBreak | null {
  const walk = new ChainWalk(chain);
  for (const r of rows) {
    const b = walk.next(r);
    if (b) return b;
  }
  return walk.end(head);
}
