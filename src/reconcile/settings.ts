/**
 * How reconciliation runs, per wallet. The Chinese wallets' bills cover a Beijing day and are ready the
 * next morning (WeChat generates from 09:00 and asks for 10:00; Alipay after 10:00). The fee rates are
 * the wallets' standard rates for a small merchant (0.6 %; UnionPay QR 0.38 %); a deployment with other
 * contracts sets them. Environment (all optional):
 *   SAOMA_RECONCILE_READY_HOUR=10      hour of the wallet's next day to fetch the bill
 *   SAOMA_RECONCILE_GIVE_UP_HOURS=14   how long after that an empty bill is retried before it is believed
 *   SAOMA_RECONCILE_EDGE_MINUTES=30    our trades this close to midnight may be on the neighbouring day's bill
 *   SAOMA_RECONCILE_HOLD_DAYS=2        days such a trade waits in the holding pool before it counts as missing
 *   SAOMA_RECONCILE_CATCH_UP_DAYS=3    past days the planner makes sure were reconciled
 *   SAOMA_WALLET_FEE_BPS=alipay:60,wechat:60,qq:60,unionpay:38
 *   SAOMA_RECONCILE_AUTO=1             plan the daily runs (default on; off under SAOMA_ENV=test, so other tests' wallets are left alone)
 */
export interface ReconcileSettings {
  auto: boolean;
  readyHour: number;
  giveUpHours: number;
  edgeMinutes: number;
  holdDays: number;
  catchUpDays: number;
  feeBps: Record<string, number>;
}

/** Wallets whose bills we read, with the UTC offset of their day. */
export const BILL_WALLETS: Record<string, { utcOffsetHours: number }> = {
  alipay: { utcOffsetHours: 8 }, wechat: { utcOffsetHours: 8 }, unionpay: { utcOffsetHours: 8 }, qq: { utcOffsetHours: 8 },
};

export const DEFAULT_SETTINGS: ReconcileSettings = {
  auto: true, readyHour: 10, giveUpHours: 14, edgeMinutes: 30, holdDays: 2, catchUpDays: 3,
  feeBps: { alipay: 60, wechat: 60, qq: 60, unionpay: 38 },
};

export function settingsFrom(env: NodeJS.ProcessEnv, overrides: Partial<ReconcileSettings> = {}): ReconcileSettings {
  const num = (name: string, fallback: number, max: number) => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`${name} must be a whole number 0–${max}, not ${JSON.stringify(v)}`);
    return n;
  };
  const feeBps = { ...DEFAULT_SETTINGS.feeBps };
  for (const part of (env.SAOMA_WALLET_FEE_BPS ?? '').split(',').filter(Boolean)) {
    const m = /^([a-z0-9_]+):(\d{1,4})$/.exec(part.trim());
    if (!m) throw new Error(`SAOMA_WALLET_FEE_BPS takes wallet:bps pairs such as alipay:60, not ${JSON.stringify(part)}`);
    feeBps[m[1]!] = Number(m[2]);
  }
  const auto = env.SAOMA_RECONCILE_AUTO;
  return {
    auto: auto === undefined || auto === '' ? env.SAOMA_ENV !== 'test' : auto === '1' || auto === 'true',
    readyHour: num('SAOMA_RECONCILE_READY_HOUR', DEFAULT_SETTINGS.readyHour, 23),
    giveUpHours: num('SAOMA_RECONCILE_GIVE_UP_HOURS', DEFAULT_SETTINGS.giveUpHours, 240),
    edgeMinutes: num('SAOMA_RECONCILE_EDGE_MINUTES', DEFAULT_SETTINGS.edgeMinutes, 720),
    holdDays: num('SAOMA_RECONCILE_HOLD_DAYS', DEFAULT_SETTINGS.holdDays, 30),
    catchUpDays: num('SAOMA_RECONCILE_CATCH_UP_DAYS', DEFAULT_SETTINGS.catchUpDays, 60),
    feeBps,
    ...overrides,
  };
}

/** A wallet's day (`YYYY-MM-DD` in its own time) as UTC ISO bounds. */
export function walletDay(channel: string, day: string): { from: string; to: string } {
  const off = (BILL_WALLETS[channel]?.utcOffsetHours ?? 8) * 3_600_000;
  const start = Date.parse(`${day}T00:00:00Z`) - off;
  return { from: new Date(start).toISOString(), to: new Date(start + 86_400_000).toISOString() };
}

/** The wallet's calendar day of an instant. */
export function walletDate(channel: string, at: Date): string {
  const off = (BILL_WALLETS[channel]?.utcOffsetHours ?? 8) * 3_600_000;
  return new Date(at.getTime() + off).toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** When the bill of `day` is ready: the ready hour of the wallet's next day. */
export function readyAt(channel: string, day: string, s: ReconcileSettings): Date {
  return new Date(Date.parse(walletDay(channel, addDays(day, 1)).from) + s.readyHour * 3_600_000);
}

export const isDay = (s: unknown): s is string => typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);
