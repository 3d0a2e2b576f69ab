import type { T } from './t.ts';

/** How the window-level listener tells a scanner gun from typing; kept on this device. */
export interface ScannerTiming { maxGapMs: number; minLength: number }

export function scannerTiming(): ScannerTiming {
  return { maxGapMs: 100, minLength: 10 };
}

/** The settings form for the scanner gun's timing (and the camera). */
export function ScannerSettings(_: { t: T }) {
  return null;
}
