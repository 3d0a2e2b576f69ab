/**
 * The three languages of every Saoma screen, shared by the web apps (POS, display, wallet, console):
 * which the browser prefers, and how a dictionary string takes its {placeholders}.
 */
export type Lang = 'zh-Hans' | 'zh-Hant' | 'en';
export const LANGS: readonly Lang[] = ['zh-Hans', 'zh-Hant', 'en'];
export const LANG_NAMES: Record<Lang, string> = { 'zh-Hans': '简体', 'zh-Hant': '繁體', en: 'EN' };

/** The browser's preferred language among ours (zh-TW/HK/MO and zh-Hant → Traditional); Simplified otherwise. */
export function pickLang(prefs: readonly string[]): Lang {
  for (const raw of prefs) {
    const tag = raw.toLowerCase();
    if (tag.indexOf('zh') === 0) return /hant|-tw|-hk|-mo/.test(tag) ? 'zh-Hant' : 'zh-Hans';
    if (tag.indexOf('en') === 0) return 'en';
  }
  return 'zh-Hans';
}

/** A dictionary string with its {name} placeholders filled in. */
export function fill(s: string, vars?: Record<string, string | number>): string {
  if (vars) for (const k of Object.keys(vars)) s = s.split(`{${k}}`).join(String(vars[k]));
  return s;
}
