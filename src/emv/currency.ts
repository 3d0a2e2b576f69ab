import type { Currency } from '../core/money.ts';

/**
 * ISO 4217 numeric codes (tag 53 carries these) for every currency Saoma settles in. Typed against
 * money.ts's list, so adding a currency there fails the typecheck until its numeric code is added here:
 * a payload's amount is only converted to minor units with an exponent we know.
 */
export const CURRENCY_NUMERIC: Readonly<Record<Currency, string>> = {
  CNY: '156', HKD: '344', MOP: '446', TWD: '901', USD: '840', EUR: '978', GBP: '826', SGD: '702',
  MYR: '458', THB: '764', AUD: '036', CAD: '124', NZD: '554', CHF: '756', PHP: '608', INR: '356',
  IDR: '360', BRL: '986', KHR: '116', AED: '784', SAR: '682',
  JPY: '392', KRW: '410', VND: '704', CLP: '152',
  KWD: '414', BHD: '048', OMR: '512', JOD: '400',
};

const BY_NUMERIC: ReadonlyMap<string, Currency> = new Map(
  (Object.keys(CURRENCY_NUMERIC) as Currency[]).map((c) => [CURRENCY_NUMERIC[c], c]),
);

/** "156" → "CNY"; undefined for a code Saoma does not settle in (the payload may still be valid). */
export function currencyFromNumeric(numeric: string): Currency | undefined {
  return BY_NUMERIC.get(numeric);
}

export function numericFromCurrency(currency: Currency): string {
  return CURRENCY_NUMERIC[currency];
}
