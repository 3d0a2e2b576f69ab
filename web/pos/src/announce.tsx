import type { Lang } from './i18n.ts';
import type { T } from './t.ts';

/** "到账": a chime and the amount spoken in the cashier's language, unless muted on this device. */
export function announcePaid(_lang: Lang, _minor: number): void {}

/** The mute switch for the announcement. */
export function SoundToggle(_: { t: T }) {
  return null;
}
