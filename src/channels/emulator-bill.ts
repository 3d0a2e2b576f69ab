import type Database from 'better-sqlite3';

/**
 * What every wallet emulator's bill needs beyond its own books: trades from before the emulator ran
 * (imported history, so the demo stall's past days have bills to reconcile, and a test can give the
 * wallet a trade our books call unpaid), and the "across midnight" anomaly. Each emulator maps these
 * into its own bill rows.
 */
export interface HistoryLine {
  kind: 'payment' | 'refund';
  outTradeNo: string;
  channelTradeNo: string;
  outRefundNo?: string | undefined;
  /** Fen the merchant received (payment) or gave back (refund), positive. */
  amount: number;
  /** The wallet's fee in fen; negative on a refund that gives fee back. */
  fee: number;
  /** ISO instant the wallet stamped. */
  at: string;
  subject?: string | undefined;
}

export class BillHistory {
  private readonly db: Database.Database;
  constructor(db: Database.Database) {
    this.db = db;
    db.exec(`CREATE TABLE IF NOT EXISTS bill_history (account TEXT NOT NULL, kind TEXT NOT NULL, out_trade_no TEXT NOT NULL, channel_trade_no TEXT NOT NULL,
      out_refund_no TEXT, amount INTEGER NOT NULL, fee INTEGER NOT NULL, at TEXT NOT NULL, subject TEXT);
      CREATE INDEX IF NOT EXISTS bill_history_day ON bill_history (account, at);`);
  }

  add(account: string, lines: readonly HistoryLine[]): void {
    const ins = this.db.prepare('INSERT INTO bill_history (account, kind, out_trade_no, channel_trade_no, out_refund_no, amount, fee, at, subject) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const l of lines) ins.run(account, l.kind, l.outTradeNo, l.channelTradeNo, l.outRefundNo ?? null, l.amount, l.fee, l.at, l.subject ?? null);
    })();
  }

  /** The imported lines of one Beijing day (`YYYY-MM-DD`). */
  day(account: string, date: string): HistoryLine[] {
    const { from, to } = beijingDay(date);
    const rows = this.db.prepare('SELECT * FROM bill_history WHERE account = ? AND at >= ? AND at < ? ORDER BY at').all(account, from, to) as Array<{
      kind: 'payment' | 'refund'; out_trade_no: string; channel_trade_no: string; out_refund_no: string | null; amount: number; fee: number; at: string; subject: string | null;
    }>;
    return rows.map((r) => ({
      kind: r.kind, outTradeNo: r.out_trade_no, channelTradeNo: r.channel_trade_no, outRefundNo: r.out_refund_no ?? undefined,
      amount: r.amount, fee: r.fee, at: r.at, subject: r.subject ?? undefined,
    }));
  }
}

/** A Beijing day as UTC ISO bounds. */
export function beijingDay(date: string): { from: string; to: string } {
  const start = Date.parse(`${date}T00:00:00+08:00`);
  return { from: new Date(start).toISOString(), to: new Date(start + 86_400_000).toISOString() };
}

export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** The Beijing day before `date`. */
export function dayBefore(date: string): string {
  return addDays(date, -1);
}

/** A `MMDD` settle date (UnionPay names no year) as the `YYYY-MM-DD` nearest to `now`. */
export function nearestDay(mmdd: string, now: Date): string {
  const year = Number(new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 4));
  const candidates = [year - 1, year, year + 1].map((y) => `${y}-${mmdd.slice(0, 2)}-${mmdd.slice(2, 4)}`);
  return candidates.sort((a, b) => Math.abs(Date.parse(a) - now.getTime()) - Math.abs(Date.parse(b) - now.getTime()))[0]!;
}

/**
 * The "across midnight" anomaly: each day's first trade is stamped 7 s after the next midnight, so it
 * leaves its own day's bill and joins the next one's. `today`/`yesterday` are the day's rows as booked;
 * `isTrade` picks payment rows; `restamp` moves a row to the given ISO instant.
 */
export function acrossMidnight<T>(date: string, today: T[], yesterday: T[], isTrade: (r: T) => boolean, restamp: (r: T, iso: string) => T): T[] {
  const mine = today.findIndex(isTrade);
  const kept = mine >= 0 ? today.filter((_, i) => i !== mine) : today;
  const late = yesterday.find(isTrade);
  if (!late) return kept;
  return [restamp(late, new Date(Date.parse(`${date}T00:00:07+08:00`)).toISOString()), ...kept];
}
