/** The sale's item lines on the terminal (pure): a quick item tapped again adds one more of it. */
import type { SaleItem } from './tender-rules.ts';

export interface QuickItem { name: string; unitPrice: number }

export const MAX_QUANTITY = 9999;

export function cartTotal(cart: readonly SaleItem[]): number {
  return cart.reduce((n, i) => n + i.quantity * i.unitPrice, 0);
}

export function addItem(cart: readonly SaleItem[], item: QuickItem): SaleItem[] {
  const i = cart.findIndex((c) => c.name === item.name && c.unitPrice === item.unitPrice);
  if (i < 0) return [...cart, { name: item.name, unitPrice: item.unitPrice, quantity: 1 }];
  return cart.map((c, j) => (j === i ? { ...c, quantity: Math.min(MAX_QUANTITY, c.quantity + 1) } : c));
}

/** One more or one fewer of line `index`; at zero the line goes. */
export function stepItem(cart: readonly SaleItem[], index: number, by: 1 | -1): SaleItem[] {
  return cart
    .map((c, j) => (j === index ? { ...c, quantity: Math.min(MAX_QUANTITY, c.quantity + by) } : c))
    .filter((c) => c.quantity > 0);
}

/** Quick items as kept on the device; anything malformed is dropped rather than trusted. */
export function parseQuickItems(json: string | null): QuickItem[] {
  if (!json) return [];
  try {
    const v = JSON.parse(json) as unknown;
    if (!Array.isArray(v)) return [];
    return v.filter((x): x is QuickItem => !!x && typeof x.name === 'string' && x.name.trim().length > 0 && x.name.length <= 64
      && Number.isSafeInteger(x.unitPrice) && x.unitPrice >= 0).slice(0, 48);
  } catch { return []; }
}
