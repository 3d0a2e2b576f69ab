/** The cashier's typed amount ("12.50") as integer minor units, or why it is refused. */
export type AmountResult = { ok: true; minor: number } | { ok: false; reason: 'amountEmpty' | 'amountInvalid' | 'amountTooManyDecimals' | 'amountZero' | 'amountTooLarge' };

/** The most one payment on this terminal may be, in minor units (¥1,000,000.00); the server has its own limits too. */
export const MAX_MINOR = 100_000_000;

export function parseAmount(text: string, decimals = 2): AmountResult {
  const s = text.trim();
  if (!s) return { ok: false, reason: 'amountEmpty' };
  const m = /^(\d{0,12})(?:\.(\d*))?$/.exec(s);
  if (!m || (!m[1] && !m[2])) return { ok: false, reason: 'amountInvalid' };
  const frac = m[2] ?? '';
  if (frac.length > decimals) return { ok: false, reason: 'amountTooManyDecimals' };
  const minor = Number(m[1] || '0') * Math.pow(10, decimals) + Number((frac + '0'.repeat(decimals)).slice(0, decimals) || '0');
  if (!Number.isSafeInteger(minor)) return { ok: false, reason: 'amountTooLarge' };
  if (minor <= 0) return { ok: false, reason: 'amountZero' };
  if (minor > MAX_MINOR) return { ok: false, reason: 'amountTooLarge' };
  return { ok: true, minor };
}
