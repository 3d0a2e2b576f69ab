/** Scanning: the camera, the scanner gun and typed codes. */
import type { Tr } from './types.ts';

export const en = {
} as const;

export const zhHans: Tr<typeof en> = {
};

export const zhHant: Tr<typeof en> = {
};
