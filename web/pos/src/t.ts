import type { Key } from './i18n.ts';

/** The translator every screen gets: a key of the typed dictionary and its {placeholders}. */
export type T = (key: Key, vars?: Record<string, string | number>) => string;
