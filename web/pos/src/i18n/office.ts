/** Back office at the counter: history, refunds with a supervisor PIN, receipts and reprint, shifts. */
import type { Tr } from './types.ts';

export const en = {
} as const;

export const zhHans: Tr<typeof en> = {
};

export const zhHant: Tr<typeof en> = {
};
