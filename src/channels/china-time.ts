/**
 * The Chinese wallets stamp and expect times in Beijing time (UTC+8, no daylight saving) as text, in two
 * forms: `yyyyMMddHHmmss` (WeChat v2, QQ, UnionPay's txnTime) and `yyyy-MM-dd HH:mm:ss` (Alipay, bills).
 */
const BEIJING_MS = 8 * 3_600_000;

/** `yyyyMMddHHmmss` in Beijing time. */
export function beijingTime(d: Date): string {
  return new Date(d.getTime() + BEIJING_MS).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** `yyyy-MM-dd HH:mm:ss` in Beijing time. */
export function beijingText(d: Date): string {
  return new Date(d.getTime() + BEIJING_MS).toISOString().replace('T', ' ').slice(0, 19);
}

/** `yyyyMMddHHmmss` (Beijing) → epoch ms, or null when it is not one. */
export function parseBeijingTime(s: unknown): number | null {
  const m = typeof s === 'string' ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s) : null;
  return m ? at(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`) : null;
}

/** `yyyy-MM-dd HH:mm:ss` (Beijing) → epoch ms, or null when it is not one. */
export function parseBeijingText(s: unknown): number | null {
  const m = typeof s === 'string' ? /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(s) : null;
  return m ? at(`${m[1]}T${m[2]}`) : null;
}

function at(local: string): number | null {
  const t = Date.parse(`${local}+08:00`);
  // Date.parse rolls 2024-02-30 over into March: only a time that reads back the same is one.
  return Number.isNaN(t) || beijingText(new Date(t)).replace(' ', 'T') !== local ? null : t;
}
