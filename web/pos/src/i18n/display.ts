/** The customer display and the 到账 announcement. */
import type { Tr } from './types.ts';

export const en = {
} as const;

export const zhHans: Tr<typeof en> = {
};

export const zhHant: Tr<typeof en> = {
};
