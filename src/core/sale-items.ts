import type { SaleItem } from './domain.ts';
import { SaomaError } from './errors.ts';

export const MAX_ITEMS = 100;
export const MAX_QUANTITY = 9999;

/**
 * The lines of a sale must add up to what the customer is asked to pay: a receipt whose lines say
 * ¥30 over a charge of ¥32 is a dispute waiting to happen. Checked before anything is written.
 */
export function checkItems(items: readonly SaleItem[], amount: number): SaleItem[] {
  if (items.length === 0) throw new SaomaError('invalid_request', 'items is empty; leave it out for a sale without lines.');
  if (items.length > MAX_ITEMS) throw new SaomaError('invalid_request', `A sale takes at most ${MAX_ITEMS} lines; this one has ${items.length}.`);
  let total = 0;
  const out: SaleItem[] = [];
  items.forEach((it, i) => {
    const where = `items[${i}]`;
    const name = typeof it.name === 'string' ? it.name.trim() : '';
    if (name.length < 1 || name.length > 64) throw new SaomaError('invalid_request', `${where}.name must be 1 to 64 characters.`);
    if (!Number.isInteger(it.quantity) || it.quantity < 1 || it.quantity > MAX_QUANTITY) {
      throw new SaomaError('invalid_request', `${where}.quantity must be a whole number from 1 to ${MAX_QUANTITY}.`);
    }
    if (!Number.isSafeInteger(it.unitPrice) || it.unitPrice < 0) {
      throw new SaomaError('invalid_amount', `${where}.unitPrice must be a whole number of minor units (fen) of 0 or more, e.g. 1250 for ¥12.50.`);
    }
    total += it.quantity * it.unitPrice;
    if (!Number.isSafeInteger(total)) throw new SaomaError('invalid_amount', 'The items add up to more than any sale can be.');
    out.push({ name, quantity: it.quantity, unitPrice: it.unitPrice });
  });
  if (total !== amount) {
    throw new SaomaError('items_total_mismatch', `The items add up to ${total} but the sale's amount is ${amount}; send an amount equal to the sum of quantity × unitPrice.`, { itemsTotal: total, amount });
  }
  return out;
}
