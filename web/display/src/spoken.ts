/**
 * The words of the "到账" announcement, apart from the sounds (web/pos/src/announce.tsx) so they can be
 * checked without a browser: what is said for an amount, and which voice says it.
 */
import type { Lang } from '../../pos/src/i18n.ts';

/** Minor units as the digits a person reads: 1250 → "12.50", 5 → "0.05"; integer arithmetic only. */
export function amountDigits(minor: number, exponent = 2): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`not a whole number of minor units: ${minor}`);
  const sign = minor < 0 ? '-' : '';
  const abs = String(Math.abs(minor));
  if (exponent === 0) return sign + abs;
  const padded = abs.length <= exponent ? '0'.repeat(exponent - abs.length + 1) + abs : abs;
  return `${sign}${padded.slice(0, padded.length - exponent)}.${padded.slice(padded.length - exponent)}`;
}

/**
 * What is said when a payment lands: "收款成功，12.50元", the wallet-neutral form of what the counter
 * speaker boxes say ("支付宝到账12.50元", "微信收款12.50元"); the same characters in Traditional (a
 * zh-TW or zh-HK voice reads them); "Payment received, 12.50 yuan" in English. The digits come from
 * the integer fen, never from a float.
 */
export function spokenPhrase(lang: Lang, minor: number): string {
  const digits = amountDigits(minor);
  if (lang === 'en') return `Payment received, ${digits} yuan`;
  return `收款成功，${digits}元`;
}

/** The voice languages to try, best first: Traditional prefers Taiwan or Hong Kong, and falls back to any Chinese voice. */
const VOICE_PREFS: Record<Lang, readonly string[]> = {
  'zh-Hans': ['zh-cn', 'cmn-hans', 'zh-hans', 'zh-sg', 'cmn', 'zh'],
  'zh-Hant': ['zh-tw', 'zh-hk', 'zh-hant', 'cmn-hant', 'zh-mo', 'yue', 'cmn', 'zh'],
  en: ['en-us', 'en-gb', 'en'],
};
/** The language tag an utterance carries when no voice is chosen, so the engine can pick its own. */
export const UTTERANCE_LANG: Record<Lang, string> = { 'zh-Hans': 'zh-CN', 'zh-Hant': 'zh-TW', en: 'en-US' };

interface VoiceLike { lang: string; name: string; localService?: boolean }

/** The voice whose language fits best (an on-device one when two fit equally); null when none speaks it. */
export function pickVoice<V extends VoiceLike>(voices: readonly V[], lang: Lang): V | null {
  for (const pref of VOICE_PREFS[lang]) {
    let found: V | null = null;
    for (const v of voices) {
      const tag = v.lang.toLowerCase().replace(/_/g, '-');
      if (tag === pref || tag.indexOf(`${pref}-`) === 0) {
        if (!found || (v.localService && !found.localService)) found = v;
      }
    }
    if (found) return found;
  }
  return null;
}
