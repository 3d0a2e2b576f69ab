/** Split tender, items, the sale's lines and the offline outbox. */
import type { Tr } from './types.ts';

export const en = {
} as const;

export const zhHans: Tr<typeof en> = {
};

export const zhHant: Tr<typeof en> = {
};
