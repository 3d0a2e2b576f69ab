import { sql } from 'kysely';
import type { Store } from '../store/db.ts';
import type { StatementLine } from '../channels/channel.ts';

/**
 * The bill's lines into `reconcile_lines`, a chunk per transaction so the counter's payments keep
 * committing between chunks. The two stores differ only in how a chunk goes in: one prepared statement
 * run per row on SQLite (no query building per row), one `unnest` of column arrays on PostgreSQL.
 */
export async function insertLines(store: Store, runId: string, firstSeq: number, lines: readonly StatementLine[]): Promise<void> {
  if (lines.length === 0) return;
  if (store.flavor === 'sqlite') {
    await store.write(async () => {
      const ins = store.raw!.prepare('INSERT INTO reconcile_lines (run_id, seq, kind, trade_no, refund_no, channel_trade_no, amount, fee, currency, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
      lines.forEach((l, i) => ins.run(runId, firstSeq + i, l.kind, l.outTradeNo, l.outRefundNo ?? null, l.channelTradeNo || null, l.amount, l.fee, l.currency, l.at));
    });
    return;
  }
  const col = <T>(f: (l: StatementLine, i: number) => T) => lines.map(f);
  await store.write((tx) => sql`INSERT INTO reconcile_lines (run_id, seq, kind, trade_no, refund_no, channel_trade_no, amount, fee, currency, at)
    SELECT ${runId}, * FROM unnest(${col((_, i) => firstSeq + i)}::int[], ${col((l) => l.kind)}::text[], ${col((l) => l.outTradeNo)}::text[],
      ${col((l) => l.outRefundNo ?? null)}::text[], ${col((l) => l.channelTradeNo || null)}::text[], ${col((l) => l.amount)}::bigint[],
      ${col((l) => l.fee)}::bigint[], ${col((l) => l.currency)}::text[], ${col((l) => l.at)}::text[])`.execute(tx));
}

export async function deleteLines(store: Store, runId: string): Promise<void> {
  // In slices, for the same reason as inserting in chunks.
  for (;;) {
    const n = await store.write(async (tx) => {
      const r = await tx.deleteFrom('reconcile_lines').where('run_id', '=', runId)
        .where('seq', 'in', (eb) => eb.selectFrom('reconcile_lines').select('seq').where('run_id', '=', runId).limit(200_000)).executeTakeFirst();
      return Number(r.numDeletedRows);
    });
    if (n === 0) return;
  }
}
