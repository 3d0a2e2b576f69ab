import type { Lang } from './i18n.ts';

const TAG: Record<Lang, string> = { 'zh-Hans': 'zh-CN', 'zh-Hant': 'zh-TW', en: 'en' };

/** An amount in minor units (fen) as the locale writes it; the currency's own decimals come from Intl. */
export function money(lang: Lang, minor: number, currency = 'CNY'): string {
  const f = new Intl.NumberFormat(TAG[lang], { style: 'currency', currency });
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  return f.format(minor / 10 ** digits);
}

export function dateTime(lang: Lang, iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat(TAG[lang], { dateStyle: 'short', timeStyle: 'medium', ...(timeZone ? { timeZone } : {}) }).format(d);
  } catch {
    return d.toLocaleString(TAG[lang]);
  }
}

export function num(lang: Lang, n: number, digits = 2): string {
  return new Intl.NumberFormat(TAG[lang], { maximumFractionDigits: digits }).format(n);
}

/** A `datetime-local` input's value (the browser's wall clock) as an ISO instant. */
export function localToIso(v: string): string | null {
  if (!v) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** An instant as a `datetime-local` value in the browser's time zone. */
export function isoToLocal(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
