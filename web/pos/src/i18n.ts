/**
 * Every string the POS shows, in zh-Hans, zh-Hant and English. Each area keeps its own dictionary
 * (i18n/*.ts); the English one gives the shape, so a key missing from (or extra in) a translation is
 * a type error, and test/unit/pos.test.ts checks no two areas define the same key.
 */
import * as core from './i18n/core.ts';
import * as tender from './i18n/tender.ts';
import * as office from './i18n/office.ts';
import * as camera from './i18n/camera.ts';
import * as display from './i18n/display.ts';
import * as print from './i18n/print.ts';
import type { Tr } from './i18n/types.ts';

import { fill, type Lang } from '../../shared/lang.ts';

export { LANGS, LANG_NAMES, pickLang, type Lang } from '../../shared/lang.ts';

/** The areas, for the duplicate-key check. */
export const AREAS = { core, tender, office, camera, display, print };
type En = typeof core.en & typeof tender.en & typeof office.en & typeof camera.en & typeof display.en & typeof print.en;
export type Key = keyof En;
export type Dict = Tr<En>;

type Area = { en: object; zhHans: object; zhHant: object };
const merged = (pick: (a: Area) => object): Dict => Object.assign({}, ...Object.values(AREAS).map((a) => pick(a))) as Dict;

export const DICTS: Record<Lang, Dict> = {
  'zh-Hans': merged((a) => a.zhHans),
  'zh-Hant': merged((a) => a.zhHant),
  en: merged((a) => a.en),
};


export function translate(lang: Lang, key: Key, vars?: Record<string, string | number>): string {
  return fill(DICTS[lang][key], vars);
}

const LOCALE_TAG: Record<Lang, string> = { 'zh-Hans': 'zh-CN', 'zh-Hant': 'zh-TW', en: 'en' };
/** What the API's Accept-Language should say, so its error messages come in the cashier's language. */
export function acceptLanguage(lang: Lang): string {
  return lang === 'zh-Hans' ? 'zh-Hans' : lang === 'zh-Hant' ? 'zh-Hant' : 'en';
}

const formatters = new Map<string, Intl.NumberFormat>();
/** An amount in minor units, per locale: ¥12.50 / CN¥12.50 / CN¥12.50 as Intl spells it. */
export function formatAmount(lang: Lang, minor: number, currency = 'CNY'): string {
  const k = `${lang}|${currency}`;
  let f = formatters.get(k);
  if (!f) {
    f = new Intl.NumberFormat(LOCALE_TAG[lang], { style: 'currency', currency });
    formatters.set(k, f);
  }
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  return f.format(minor / Math.pow(10, digits));
}
