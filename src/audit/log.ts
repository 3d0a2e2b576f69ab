import { ChainWalk, GENESIS_HASH, auditHash, type Actor, type ChainBreak } from '../core/audit-chain.ts';
import type { Store, Tx } from '../store/db.ts';
import { nowIso } from '../store/db.ts';

export type { Actor } from '../core/audit-chain.ts';

export interface AuditInput {
  /** The merchant whose chain it joins; null for platform actions (creating merchants, platform keys). */
  merchantId: string | null;
  actor: Actor;
  /** A stable verb such as `refund.create`, `operator.pin_reset`, `reconciliation.resolve`. */
  action: string;
  /** What it acted on, by id. */
  target?: string | null | undefined;
  /** Where the request came from (the caller's address as Fastify sees it). */
  ip?: string | null | undefined;
  before?: unknown;
  after?: unknown;
  at?: string | undefined;
}

const chainOf = (merchantId: string | null) => merchantId ?? 'platform';
const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

/**
 * Every administrative and money-moving action, appended inside the transaction that does it: the
 * action and its record commit together or not at all. Appends to one chain are serialised by locking
 * the chain's head row, so only actions of the same merchant wait on each other.
 */
export class AuditLog {
  private readonly store: Store;
  constructor(store: Store) {
    this.store = store;
  }

  async append(tx: Tx, e: AuditInput): Promise<void> {
    const chain = chainOf(e.merchantId);
    await tx.insertInto('audit_heads').values({ chain, seq: 0, hash: GENESIS_HASH }).onConflict((oc) => oc.column('chain').doNothing()).execute();
    let q = tx.selectFrom('audit_heads').select(['seq', 'hash']).where('chain', '=', chain);
    if (this.store.flavor === 'pg') q = q.forUpdate();
    const head = await q.executeTakeFirstOrThrow();
    const row = {
      chain, seq: head.seq + 1, at: e.at ?? nowIso(), actor: JSON.stringify(e.actor), action: e.action,
      target: e.target ?? null, ip: e.ip ?? null, before: json(e.before), after: json(e.after),
    };
    const hash = auditHash(head.hash, row);
    await tx.insertInto('audit_log').values({ ...row, prev_hash: head.hash, hash }).execute();
    await tx.updateTable('audit_heads').set({ seq: row.seq, hash }).where('chain', '=', chain).execute();
  }

  /** Prove every chain (or one merchant's): every break found (the first per chain), and how many rows were read. */
  async verify(merchantId?: string | null): Promise<{ ok: boolean; chains: number; rows: number; breaks: ChainBreak[] }> {
    const db = this.store.db;
    const only = merchantId === undefined ? null : chainOf(merchantId);
    const heads = await db.selectFrom('audit_heads').selectAll().$if(only !== null, (q) => q.where('chain', '=', only!)).execute();
    // A chain with rows but no head (the head row deleted) is checked too.
    const chains = new Set(heads.map((h) => h.chain));
    const withRows = await db.selectFrom('audit_log').select('chain').distinct().$if(only !== null, (q) => q.where('chain', '=', only!)).execute();
    for (const r of withRows) chains.add(r.chain);
    const breaks: ChainBreak[] = [];
    let rows = 0;
    for (const chain of [...chains].sort()) {
      const head = heads.find((h) => h.chain === chain);
      const walk = new ChainWalk(chain);
      let found: ChainBreak | null = null;
      let after = 0;
      while (!found) {
        const page = await db.selectFrom('audit_log').selectAll().where('chain', '=', chain).where('seq', '>', after)
          .orderBy('seq').limit(1000).execute();
        for (const r of page) {
          found = walk.next({ ...r, id: Number(r.id) });
          if (found) break;
        }
        if (page.length < 1000) break;
        after = page[page.length - 1]!.seq;
      }
      found ??= walk.end(head ? { seq: head.seq, hash: head.hash } : null);
      rows += walk.rows;
      if (found) breaks.push(found);
    }
    return { ok: breaks.length === 0, chains: chains.size, rows, breaks };
  }
}
