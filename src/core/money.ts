import { SaomaError } from './errors.ts';

/**
 * ISO 4217 codes Saoma accepts, with their minor-unit exponent. The list is the currencies the wallets
 * and EMV schemes we speak settle in; an unknown code is refused rather than guessed, because a wrong
 * exponent is a 100x mistake.
 */
export const CURRENCIES = {
  CNY: 2, HKD: 2, MOP: 2, TWD: 2, USD: 2, EUR: 2, GBP: 2, SGD: 2, MYR: 2, THB: 2, AUD: 2, CAD: 2,
  NZD: 2, CHF: 2, PHP: 2, INR: 2, IDR: 2, BRL: 2, KHR: 2, AED: 2, SAR: 2,
  JPY: 0, KRW: 0, VND: 0, CLP: 0,
  KWD: 3, BHD: 3, OMR: 3, JOD: 3,
} as const;

export type Currency = keyof typeof CURRENCIES;

/** Largest amount in minor units we accept in one movement: 10^12 (10 billion yuan), well inside 2^53. */
export const MAX_MINOR = 1_000_000_000_000;

export interface Money {
  readonly minor: number;
  readonly currency: Currency;
}

export function isCurrency(code: unknown): code is Currency {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(CURRENCIES, code);
}

export function parseCurrency(code: unknown): Currency {
  if (!isCurrency(code)) {
    throw new SaomaError('unknown_currency', `Currency ${JSON.stringify(code)} is not supported; use an ISO 4217 code such as "CNY".`);
  }
  return code;
}

export function exponent(currency: Currency): number {
  return CURRENCIES[currency];
}

/** A positive amount for a payment, refund or tender. */
export function money(minor: unknown, currency: unknown): Money {
  const cur = parseCurrency(currency);
  if (typeof minor !== 'number' || !Number.isInteger(minor)) {
    throw new SaomaError('invalid_amount', 'Amount must be a whole number of minor units (fen for CNY), e.g. 1250 for ¥12.50.');
  }
  if (minor <= 0) throw new SaomaError('invalid_amount', 'Amount must be greater than zero.');
  if (minor > MAX_MINOR) throw new SaomaError('invalid_amount', `Amount must not exceed ${MAX_MINOR} minor units.`);
  return { minor, currency: cur };
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new SaomaError('currency_mismatch', `Cannot combine ${a.currency} with ${b.currency}.`);
  }
}

export function add(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { minor: a.minor + b.minor, currency: a.currency };
}

export function subtract(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { minor: a.minor - b.minor, currency: a.currency };
}

export function zero(currency: Currency): Money {
  return { minor: 0, currency };
}

/**
 * Decimal string with exactly the currency's exponent ("88.88", "100", "1.005"), the form Alipay and most
 * wallets use on the wire. Built from integers so no float ever touches the amount.
 */
export function toDecimalString(m: Money): string {
  const exp = exponent(m.currency);
  const sign = m.minor < 0 ? '-' : '';
  const abs = Math.abs(m.minor);
  if (exp === 0) return `${sign}${abs}`;
  const unit = 10 ** exp;
  const whole = Math.floor(abs / unit);
  const frac = String(abs % unit).padStart(exp, '0');
  return `${sign}${whole}.${frac}`;
}

/** Parse "88.88" into minor units; refuses more decimals than the currency has. */
export function fromDecimalString(text: string, currency: Currency): Money {
  const exp = exponent(currency);
  const match = /^(\d{1,13})(?:\.(\d+))?$/.exec(text.trim());
  if (!match) throw new SaomaError('invalid_amount', `"${text}" is not a decimal amount like 12.50.`);
  const frac = match[2] ?? '';
  if (frac.length > exp) {
    throw new SaomaError('invalid_amount', `${currency} has ${exp} decimal places; "${text}" has ${frac.length}.`);
  }
  const minor = Number(match[1]) * 10 ** exp + Number(frac.padEnd(exp, '0') || '0');
  return money(minor, currency);
}

/**
 * The strict wire form Alipay and our sandbox use for yuan: digits, a point, exactly two decimals
 * ("88.88" → 8888, "0.00" → 0). Anything else is null: a wallet's amount we cannot read exactly is
 * never guessed at.
 */
export function parseTwoDecimals(text: unknown): number | null {
  const m = /^(\d{1,13})\.(\d{2})$/.exec(typeof text === 'string' ? text : '');
  return m ? Number(m[1]) * 100 + Number(m[2]) : null;
}

/** Locale formatting for screens and receipts (zh-Hans, zh-Hant, en …); the amount is exact at any size we allow. */
export function format(m: Money, locale: string): string {
  const exp = exponent(m.currency);
  const nf = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: m.currency,
    minimumFractionDigits: exp,
    maximumFractionDigits: exp,
  });
  // Intl accepts a decimal string exactly, avoiding the float m.minor / 100.
  return nf.format(toDecimalString(m) as unknown as number);
}
