import { fill, type Lang } from '../../shared/lang.ts';

type Tr<E> = { readonly [K in keyof E]: string };

/**
 * An area's own dictionary: English gives the keys, and a translation that misses or adds a key is a
 * type error. `dict(lang)` is the area's `t`.
 *
 *   const d = defineDict({ title: 'Fees' }, { title: '手续费' }, { title: '手續費' });
 *   const t = d(ctx.lang); t('title');
 */
export function defineDict<E extends Record<string, string>>(en: E, zhHans: Tr<E>, zhHant: Tr<E>) {
  const all: Record<Lang, Tr<E>> = { en, 'zh-Hans': zhHans, 'zh-Hant': zhHant };
  return (lang: Lang) => (key: keyof E & string, vars?: Record<string, string | number>): string => fill(all[lang][key] ?? en[key], vars);
}
